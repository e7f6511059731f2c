"""Bad input through the command line, as a new user or a fuzzer writes it:
each is a located error on stderr and a non-zero exit within seconds, never a
crash, a hang or a Python traceback."""

from __future__ import annotations

from pathlib import Path
import time

import pytest

BASE = """\
run: {{seed: 1, duration: 1s, warmup: 0s}}
cluster:
  nodes:
    - {{name: worker, count: 3, cpus: 4, memory: 16GiB, nic: 25Gbps}}
manifests:
  - {seed}
apps:
  my-app/web-server:
    concurrency: 4
    service_time: {{distribution: exponential, mean: 2ms}}
    cpu_per_request: 100us
    response_size: 4KiB
traffic:
  - name: client
    from: my-app/client
    url: http://web/
    rate: 500/s
    request_size: 300B
"""


def base(source_dir: Path) -> str:
    return BASE.format(seed=source_dir / "scenarios" / "seed" / "my-app.yaml")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def validate(podwire_cli, path: Path, *args: str):
    r = podwire_cli("validate", str(path), *args, timeout=30)
    assert "Traceback" not in r.stderr, r.stderr
    return r


def errors(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if ": error: " in line]


def test_the_base_scenario_validates(podwire_cli, tmp_path, source_dir):
    r = validate(podwire_cli, write(tmp_path, "s.yaml", base(source_dir)))
    assert r.returncode == 0, r.stderr


# --- a YAML tree that loops or explodes, a folder that is the file system ---------------

@pytest.mark.parametrize("manifest, where", [
    ("x: &a [*a]\n", "m.yaml:1:4: error: x[0]: "),
    ("&b\n: *b\n", "m.yaml:2:1: error: "),
])
def test_a_manifest_alias_to_itself_is_an_error(podwire_cli, tmp_path, source_dir, manifest, where):
    m = write(tmp_path, "m.yaml", manifest)
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", f"manifests:\n  - {m}\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{m.parent}/{where}this value contains itself through an alias (an anchor's own "
                         "value refers to it); a cyclic document cannot be read"]


def test_an_inline_manifest_containing_itself_is_an_error(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", "manifests: [&m {inline: *m}]\nx:\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert any("manifests[0].inline: this value contains itself through an alias" in e for e in errors(r)), r.stderr


def test_an_alias_bomb_in_a_manifest_is_refused_at_once(podwire_cli, tmp_path, source_dir):
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    m = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", f"manifests:\n  - {m}\n"))
    r = podwire_cli("validate", str(s), timeout=10)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{m}:6:4: error: f[0]: aliases expand this document by more than 100000 nodes beyond "
                         "those written; podwire reads no more (an alias bomb?)"]


@pytest.mark.parametrize("root", ["//", "/"])
def test_the_file_system_root_is_not_walked_for_manifests(podwire_cli, tmp_path, source_dir, root):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", f"manifests:\n  - {root}\n"))
    r = podwire_cli("validate", str(s), timeout=10)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert any("this is the root of the file system; name the folder that holds the manifests" in e
               for e in errors(r)), r.stderr


# --- keys and values given twice ---------------------------------------------------------

def test_a_scenario_key_given_twice_is_an_error_at_both_lines(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("    concurrency: 4\n", "    concurrency: 4\n    concurrency: 5\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:10:5: error: apps.my-app/web-server.concurrency: key 'concurrency' is given twice "
                         "in this mapping (first at line 9)"]


def test_an_app_written_twice_is_an_error_not_a_model_build_failure(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("traffic:\n", "  my-app/web-server: {concurrency: 2}\ntraffic:\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:13:3: error: apps.my-app/web-server: key 'my-app/web-server' is given twice in this "
                         "mapping (first at line 8)"]


def test_an_external_ip_listed_twice_is_a_located_error(podwire_cli, tmp_path, source_dir):
    m = write(tmp_path, "ext.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: my-app}\n"
              "spec:\n  selector: {app: web-server}\n  externalIPs: [1.2.3.4, 1.2.3.4]\n"
              "  ports: [{port: 81, targetPort: 8080}]\n")
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", f"manifests:\n  - {m}\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f'{m}:6:26: error: spec.externalIPs[1]: Duplicate value: "1.2.3.4" (also item 0)']


# --- text that is not UTF-8, and binary files --------------------------------------------

@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_byte_that_is_not_utf8_in_a_value_is_a_located_error(podwire_cli, tmp_path, source_dir, command):
    text = base(source_dir).encode().replace(b"name: client", b"name: cli\xff\xfeent")
    s = write(tmp_path, "s.yaml", text)
    r = podwire_cli(command, str(s), *(["--no-trace"] if command == "run" else []), timeout=30)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 3  # ExitCode.SCENARIO, from every command
    assert errors(r) == [f"{s}:14:14: error: byte 0xff is not UTF-8; YAML files must be UTF-8 text"]


def test_a_byte_that_is_not_utf8_in_an_unknown_key_is_a_located_error(podwire_cli, tmp_path, source_dir):
    text = base(source_dir).encode().replace(b"    request_size: 300B\n", b"    request_size: 300B\n    k\xe9y: 1\n")
    s = write(tmp_path, "s.yaml", text)
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:19:6: error: byte 0xe9 is not UTF-8; YAML files must be UTF-8 text"]


def test_a_binary_scenario_file_is_a_located_error(podwire_cli, tmp_path):
    s = write(tmp_path, "s.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00")
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:1:1: error: control character 0x7f is not allowed in YAML text (is this a binary file?)"]


def test_a_quoted_newline_does_not_break_a_diagnostic_over_lines(podwire_cli, tmp_path):
    s = write(tmp_path, "s.yaml", 'run: {seed: 1, duration: 1s}\ncluster:\n  nodes: [{name: "a\\nb"}, {name: "a\\nb"}]\n')
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert f"{s}:3:27: error: cluster.nodes[1].name: node group name 'a\\nb' is used twice (first by cluster.nodes[0], line 3)\n" in r.stderr


# --- overrides and sweep keys ------------------------------------------------------------

def test_an_override_index_too_large_is_a_located_error_not_a_traceback(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir))
    r = validate(podwire_cli, s, "--set", "traffic[99999999999999999999].rate=1/s")
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == ["--set traffic[99999999999999999999].rate=1/s: error: traffic[99999999999999999999].rate: "
                         "'traffic[99999999999999999999]': list index 99999999999999999999 is out of range"]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_override_path_that_names_no_field_is_an_error(podwire_cli, tmp_path, source_dir, command):
    s = write(tmp_path, "s.yaml", base(source_dir))
    r = podwire_cli(command, str(s), "--set", "run.durashun=5s", *(["--no-trace"] if command == "run" else []),
                    timeout=30)
    assert r.returncode != 0
    assert errors(r) == ["--set run.durashun: error: run.durashun: unknown field 'durashun'; did you mean "
                         "run.duration? (known fields: seed, duration, warmup)"]


def test_an_override_that_makes_a_new_section_is_reported_against_the_set(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir))
    r = validate(podwire_cli, s, "--set", "nothing.here=1")
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == ["--set nothing.here: error: nothing: unknown field 'nothing' (known fields: run, cluster, "
                         "manifests, apps, traffic, churn, outputs)"]


def test_a_sweep_key_that_names_no_field_is_an_error_before_any_run(tmp_path, source_dir):
    import podwire

    scenario = podwire.load(source_dir / "scenarios" / "default.yaml", ["run.duration=1s", "run.warmup=0s"])
    with pytest.raises(podwire.ScenarioError) as e:
        podwire.sweep(scenario, {"queueing.servres": [4, 5]}, out_dir=tmp_path, workers=1, progress=False)
    assert e.value.args[0] == ("--set queueing.servres: error: queueing.servres: unknown field 'servres'; did you "
                               "mean queueing.servers? (known fields: name, servers, arrival_rate, service_time)")
    assert not list(tmp_path.iterdir())
    # A wrong value is still one failed row, not an error of the sweep.
    with pytest.warns(UserWarning, match="1 of 2 runs failed"):
        df = podwire.sweep(scenario, {"queueing.servers": [0, 4]}, out_dir=tmp_path, workers=1, progress=False)
    assert df.status.tolist() == ["failed", "ok"]


# --- values a run cannot mean ------------------------------------------------------------

@pytest.mark.parametrize("old, new, error", [
    ("rate: 500/s", "rate: 1e-320/s",
     ":17:11: error: traffic[0].rate: rate '1e-320/s' is too small: one event in more than 106 days, the longest "
     "simulated time"),
    ("response_size: 4KiB", "response_size: 0B",
     ":12:20: error: apps.my-app/web-server.response_size: must be at least 1B, got 0B"),
    ("request_size: 300B", "request_size: 0B", ":18:19: error: traffic[0].request_size: must be at least 1B, got 0B"),
    ("cpu_per_request: 100us", "cpu_per_request: -1s",
     ":11:22: error: apps.my-app/web-server.cpu_per_request: must not be negative, got -1s"),
    ("cpu_per_request: 100us", "cpu_per_connection: -1s",
     ":11:25: error: apps.my-app/web-server.cpu_per_connection: must not be negative, got -1s"),
    ("cluster:\n", "churn: {lifecycle: {container_start: -1s}}\ncluster:\n",
     ":2:38: error: churn.lifecycle.container_start: must not be negative, got -1s"),
    ("rate: 500/s", "rate: 500/s\n    start: -1s", ":18:12: error: traffic[0].start: must not be negative, got -1s"),
    ("rate: 500/s", "rate: 500/s\n    stop: -1s", ":18:11: error: traffic[0].stop: must not be negative, got -1s"),
    ("rate: 500/s", "rate: 500/s\n    start: 0.5s\n    stop: 0.2s",
     ":19:11: error: traffic[0].stop: must be after start (500ms), got 200ms"),
    ("cluster:\n", "churn: {random: [{crash: my-app/deployment/web-server, rate: 1/s, start: -2s}]}\ncluster:\n",
     ":2:74: error: churn.random[0].start: must not be negative, got -2s"),
])
def test_a_value_a_run_cannot_mean_is_an_error_at_validate(podwire_cli, tmp_path, source_dir, old, new, error):
    s = write(tmp_path, "s.yaml", base(source_dir).replace(old, new, 1))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}{error}"]


def test_minutes_hours_and_days_are_times(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("run: {seed: 1, duration: 1s, warmup: 0s}",
                                                           "run: {seed: 1, duration: 0.5min, warmup: 0s}"))
    r = validate(podwire_cli, s, "--set", "churn.lifecycle.eviction_timeout=1h", "--set", "run.duration=1d")
    assert r.returncode == 0, r.stderr


# --- many errors -------------------------------------------------------------------------

def test_thousands_of_duplicate_node_groups_are_reported_once_each_and_capped(podwire_cli, tmp_path, source_dir):
    groups = "".join("    - {name: worker, count: 1, cpus: 4}\n" for _ in range(2000))
    text = base(source_dir).replace("  nodes:\n", "  pod_cidr: 10.0.0.0/8\n  nodes:\n" + groups)
    s = write(tmp_path, "s.yaml", text)
    r = podwire_cli("validate", str(s), timeout=10)
    assert r.returncode == 3  # ExitCode.SCENARIO
    lines = r.stderr.splitlines()
    assert len(lines) == 102, lines[-3:]  # 100 errors, the rest counted, the total
    assert lines[0] == (f"{s}:6:7: error: cluster.nodes[1].name: node group name 'worker' is used twice "
                        "(first by cluster.nodes[0], line 5)")
    assert lines[-2] == "error: 1900 more errors not shown"
    assert lines[-1] == f"{s}: 2000 error(s)"


# --- traffic that reaches nothing --------------------------------------------------------

def test_traffic_to_a_port_its_service_does_not_have_is_an_error(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("url: http://web/", "url: http://web:8080/"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:14:5: error: traffic[0].url: Service my-app/web has no port 8080 (its ports: 80)"]


def test_what_the_model_finds_wrong_in_an_override_is_reported_at_the_override(podwire_cli, tmp_path, source_dir):
    # The model is built after the overrides; its problems with a value that
    # --set wrote belong to the --set, not to a line of the file.
    s = write(tmp_path, "s.yaml", base(source_dir))
    r = validate(podwire_cli, s, "--set", "traffic[0].from=my-app/nope", "--set", "apps.my-app/nope.concurrency=2")
    assert r.returncode == 3
    assert errors(r) == [
        "--set apps.my-app/nope.concurrency: error: apps.my-app/nope: no workload (Deployment, StatefulSet, "
        "DaemonSet, ReplicaSet, ReplicationController or Pod) named 'nope' in namespace 'my-app'",
        "--set traffic[0].from: error: traffic[0].from: no running pods of a workload 'nope' in namespace 'my-app'",
    ]


INGRESS = "scenarios/ingress-fanout.yaml"


@pytest.mark.parametrize("url, error", [
    ("-1827822671Tbps",
     "21: error: traffic[0].url: '-1827822671Tbps': '-1827822671Tbps' in host '-1827822671Tbps' is not a DNS label "
     "(1 to 63 letters, digits or inner hyphens)"),
    ("http://no-such.example.com/",
     "5: error: traffic[0].url: 'no-such.example.com' is not a name outside the cluster: a LoadBalancer Service is "
     "published as NAME.NAMESPACE.lb (or its external-dns hostname), an Ingress host at its controller's load "
     "balancer, and nodes by their names"),
    ("http://ingress-nginx-controller.ingress-nginx.lb:8080/",
     "5: error: traffic[0].url: Service ingress-nginx/ingress-nginx-controller has no port 8080 (its ports: 80, 443)"),
])
def test_outside_traffic_to_no_public_name_or_port_is_an_error(podwire_cli, tmp_path, source_dir, url, error):
    text = (source_dir / INGRESS).read_text().replace(
        'url: "http://ingress-nginx-controller.ingress-nginx.lb/", rate: 300/s', f'url: "{url}", rate: 300/s')
    text = text.replace("  - manifests/", f"  - {source_dir}/scenarios/manifests/")
    s = write(tmp_path, "s.yaml", text)
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:36:{error}"]


# --- what the model build would find, at the field ---------------------------------------

@pytest.mark.parametrize("old, new, error", [
    ("nic: 25Gbps", "nic: 0Gbps", ":4:61: error: cluster.nodes[0].nic: must be positive, got 0bps"),
    ("    - {name: worker, count: 3, cpus: 4, memory: 16GiB, nic: 25Gbps}\n", "    []\n",
     ":4:5: error: cluster.nodes: a cluster needs at least one node"),
    ("  nodes:\n    - {name: worker, count: 3,", "  pod_cidr: 10.244.0.0/24\n  node_cidr_mask: 26\n  nodes:\n"
     "    - {name: worker, count: 300,",
     ":4:19: error: cluster.node_cidr_mask: pod CIDR 10.244.0.0/24 has 4 blocks of /26, fewer than the 300 nodes"),
    ("  nodes:\n", "  nodes:\n    - {name: worker-1, cpus: 4}\n",
     ":5:7: error: cluster.nodes[1].name: node name 'worker-1' of this group is also a node of cluster.nodes[0] "
     "(line 4); a group of count N names its nodes NAME-0 to NAME-(N-1)"),
])
def test_a_cluster_the_build_cannot_make_is_an_error_at_its_field(podwire_cli, tmp_path, source_dir, old, new, error):
    assert old in base(source_dir)
    s = write(tmp_path, "s.yaml", base(source_dir).replace(old, new))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}{error}"]


def test_a_missing_manifest_path_names_the_scenario_line(podwire_cli, tmp_path, source_dir):
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", "manifests:\n  - nothere.yaml\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:6:5: error: manifests[0]: '{tmp_path}/nothere.yaml': no such file or folder"]


# --- found by the fuzzer (scripts/fuzz.py, make fuzz) ------------------------------------

@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_scenario_is_an_error_at_its_first_line(podwire_cli, tmp_path, text):
    # Found as proxy-modes/nodeport-forwarding.yaml cut short after its comments: the
    # error had line 0, no place in the file.
    s = write(tmp_path, "s.yaml", text)
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:1:1: error: queueing: missing; expected a model section "
                         "(queueing: {servers, arrival_rate, service_time})"]


def test_nodes_too_small_for_coredns_is_an_error_at_the_node_group(podwire_cli, tmp_path, source_dir):
    # Found as seed-web.yaml with `memory: 16B`: the CoreDNS the cluster adds itself could
    # not be scheduled, and the error named "(added: CoreDNS as kubeadm installs it)" as its
    # file, with no line.
    s = write(tmp_path, "s.yaml", base(source_dir).replace("memory: 16GiB", "memory: 16B"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert f"{s}:4:7: error: cluster.nodes: Deployment kube-system/coredns: 2 of 2 pods cannot be " \
           "scheduled: 0/3 nodes are available: 3 Insufficient memory (added: CoreDNS as kubeadm " \
           "installs it)" in errors(r), r.stderr
    assert all(": error: " in e and e.split(":")[1].isdigit() and int(e.split(":")[1]) > 0
               for e in errors(r)), r.stderr


def test_a_huge_deployment_no_node_can_take_is_an_error_within_seconds(podwire_cli, tmp_path, source_dir):
    # Found as placement.yaml with the servers' `replicas: 543943`: each replica that no node
    # could take (one server per node, by pod anti-affinity) searched all the replicas before
    # it, and the build took minutes; now the first such replica settles the rest.
    text = (source_dir / "scenarios" / "placement.yaml").read_text()
    assert "        replicas: 3\n" in text
    s = write(tmp_path, "s.yaml", text.replace("        replicas: 3\n", "        replicas: 200000\n"))
    start = time.monotonic()
    r = validate(podwire_cli, s)
    assert time.monotonic() - start < 10
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:44:7: error: Deployment bench/server: 199997 of 200000 "
                         "pods cannot be scheduled: 0/4 nodes are available: 4 node(s) didn't match pod "
                         "anti-affinity rules"], r.stderr


def test_an_endless_file_as_a_manifest_or_scenario_is_an_error_not_all_the_memory(podwire_cli, tmp_path, source_dir):
    # Found with the fuzzer's manifest paths: `manifests: [/dev/zero]` read until memory ran
    # out (MemoryError: std::bad_alloc, a traceback, or the machine's memory gone); so did
    # `podwire validate /dev/zero`. A file is read up to 256 MiB.
    s = write(tmp_path, "s.yaml", base(source_dir).replace("manifests:\n", "manifests:\n  - /dev/zero\n"))
    r = validate(podwire_cli, s)
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == [f"{s}:6:5: error: manifests[0]: '/dev/zero': this file is larger than 256 MiB (or has "
                         "no end, as a device may); podwire reads no more"]
    r = validate(podwire_cli, Path("/dev/zero"))
    assert r.returncode == 3  # ExitCode.SCENARIO
    assert errors(r) == ["/dev/zero: error: this file is larger than 256 MiB (or has no end, as a device may); "
                         "podwire reads no more"]
