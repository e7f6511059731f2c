"""How a cluster run's requests end, as the command line shows them: a client
out of local ports fails those requests and the run goes on; requests in flight
at the end are unfinished; `sent` covers the same window as ok and failed."""

import re

import podwire

SCENARIO = """
run: {{seed: 1, duration: {duration}, warmup: {warmup}}}
cluster:
  nodes: [{{name: worker, count: 3, cpus: 8}}]
{dns}
manifests:
  - inline: {{apiVersion: v1, kind: Namespace, metadata: {{name: my-app}}}}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {{name: web-server, namespace: my-app}}
      spec:
        replicas: 3
        selector: {{matchLabels: {{app: web-server}}}}
        template:
          metadata: {{labels: {{app: web-server}}}}
          spec: {{containers: [{{name: web, image: nginx, ports: [{{name: http, containerPort: 8080}}]}}]}}
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {{name: web, namespace: my-app}}
      spec: {{selector: {{app: web-server}}, ports: [{{name: http, port: 80, targetPort: http}}]}}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {{name: client, namespace: my-app}}
      spec:
        replicas: 1
        selector: {{matchLabels: {{app: client}}}}
        template:
          metadata: {{labels: {{app: client}}}}
          spec: {{containers: [{{name: curl, image: curl}}]}}
apps:
  my-app/web-server: {{concurrency: 8, service_time: 1ms}}
traffic:
  - {{name: c, from: my-app/client, url: "http://web/", rate: {rate}, keep_alive: false}}
"""


def scenario(tmp_path, duration="4s", warmup="1s", rate="200/s", dns=""):
    path = tmp_path / "endings.yaml"
    path.write_text(SCENARIO.format(duration=duration, warmup=warmup, rate=rate, dns=dns))
    return path


def measured(trace):
    requests = podwire.open(trace).requests
    return requests[(requests["parent"] == 0) & ~requests["warmup"]]


def test_a_client_out_of_ports_fails_those_requests_and_the_run_goes_on(podwire_cli, tmp_path):
    # 28,232 ports held 60 s each: at 2,000/s they run out about 14.1 s in.
    trace = tmp_path / "ports.h5"
    r = podwire_cli("run", str(scenario(tmp_path, duration="18s", warmup="2s", rate="2000/s")), "-o", str(trace))
    assert r.returncode == 0, r.stderr
    m = re.search(r"^c: ([\d,]+) requests found no free local port \(EADDRNOTAVAIL\), the first at ([\d.]+) s",
                  r.stdout, re.M)
    assert m, r.stdout
    failed, first = int(m.group(1).replace(",", "")), float(m.group(2))
    assert 13.5 < first < 14.7
    # Every request from then on fails: about 2,000/s for the last ~4 s.
    assert 6000 < failed < 10000
    rows = measured(trace)
    assert (rows["status"] == "addr_unavailable").sum() == failed
    assert (rows["status"] == "ok").sum() > 20000
    summary = podwire_cli("summary", str(trace))
    assert summary.returncode == 0, summary.stderr
    assert m.group(0) in summary.stdout


def test_requests_that_never_finish_are_counted_unfinished_and_ndots_zero_is_warned_of(podwire_cli, tmp_path):
    path = scenario(tmp_path, duration="3s", rate="100/s", dns="  dns: {ndots: 0}")
    v = podwire_cli("validate", str(path))
    assert v.returncode == 0, v.stderr
    warning = v.stdout + v.stderr
    assert "traffic[0].url: with ndots:0 the pod's resolver asks for 'web' first" in warning
    assert "write 'web.my-app.svc.cluster.local' in full or raise cluster.dns.ndots" in warning
    trace = tmp_path / "ndots.h5"
    r = podwire_cli("run", str(path), "-o", str(trace))
    assert r.returncode == 0, r.stderr
    rows = measured(trace)
    assert len(rows) > 150 and (rows["status"] == "unfinished").all()
    line = f"c: {len(rows):,} requests were still in flight when the run ended (status unfinished)"
    assert line in r.stdout.splitlines()
    summary = podwire_cli("summary", str(trace))
    assert line in summary.stdout.splitlines()
    row = next(line for line in r.stdout.splitlines() if line.startswith("c "))
    assert [int(x.replace(",", "")) for x in row.split()[1:4]] == [len(rows), 0, 0]  # sent, ok, failed


def test_sent_ok_and_failed_count_the_same_requests(podwire_cli, tmp_path):
    trace = tmp_path / "window.h5"
    r = podwire_cli("run", str(scenario(tmp_path)), "-o", str(trace))
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith("c "))
    sent, ok, failed = (int(x.replace(",", "")) for x in row.split()[1:4])
    rows = measured(trace)
    assert sent == len(rows) == ok + failed + (rows["status"] == "unfinished").sum()
    requests = podwire.open(trace).requests
    warmup = int((requests["warmup"] & (requests["parent"] == 0)).sum())
    assert 150 < warmup < 250
    note = f"(sent = ok + failed + unfinished: requests started after the warm-up; {warmup:,} more started during it)"
    assert note in r.stdout.splitlines()
    summary = podwire_cli("summary", str(trace))
    assert note in summary.stdout.splitlines()
