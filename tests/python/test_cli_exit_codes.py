"""Every exit code of podwire.cli.ExitCode, from each command that can end
with it, and docs/cli.md listing exactly those codes."""

import re
import signal
import subprocess
import sys
import time

import pytest

from podwire.cli import ExitCode

BROKEN = "queueing: {servers: 2, arrival_rate: 5000, service_time: 1ms}\n"  # a rate without its unit


@pytest.fixture
def broken(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text(BROKEN)
    return p


def test_ok(podwire_cli):
    assert podwire_cli("validate", "scenarios/default.yaml").returncode == ExitCode.OK == 0
    r = podwire_cli("run", "scenarios/default.yaml", "--duration", "2s", "--set", "run.warmup=1s", "--no-trace")
    assert r.returncode == ExitCode.OK, r.stderr
    assert podwire_cli("parameters").returncode == ExitCode.OK


@pytest.mark.parametrize("command", ["validate", "run", "explain"])
def test_a_scenario_error_is_the_same_code_from_every_command(podwire_cli, broken, command):
    extra = ["--from", "a", "--to", "b"] if command == "explain" else []
    r = podwire_cli(command, str(broken), *extra)
    assert r.returncode == ExitCode.SCENARIO == 3, r.stderr
    assert "queueing.arrival_rate: rate '5000' has no unit" in r.stderr
    assert r.stdout == ""


def test_a_missing_scenario_file_is_a_scenario_error(podwire_cli):
    for command in ("validate", "run"):
        r = podwire_cli(command, "no-such-file.yaml")
        assert r.returncode == ExitCode.SCENARIO, r.stderr
        assert "no-such-file.yaml: error: cannot open the scenario file" in r.stderr


def test_problems_found_while_building_are_scenario_errors(podwire_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cluster: {nodes: [{name: w}]}\napps:\n  shop/cart: {concurrency: 2}\n")
    for command in ("validate", "run"):
        r = podwire_cli(command, str(bad))
        assert r.returncode == ExitCode.SCENARIO, r.stderr
        assert f"{bad}:3:" in r.stderr and "no workload" in r.stderr
    r = podwire_cli("explain", "scenarios/seed-web.yaml", "--from", "my-app/nobody", "--to", "web")
    assert r.returncode == ExitCode.SCENARIO and "no pod or workload 'nobody'" in r.stderr
    r = podwire_cli("explain", "scenarios/default.yaml", "--from", "a", "--to", "b")
    assert r.returncode == ExitCode.SCENARIO and "explain needs a cluster scenario" in r.stderr


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["run"], ["run", "scenarios/default.yaml", "--bogus"],
                                  ["explain", "scenarios/seed-web.yaml", "--to", "web"]])
def test_a_wrong_command_line_is_a_usage_error(podwire_cli, args):
    r = podwire_cli(*args)
    assert r.returncode == ExitCode.USAGE == 2
    assert "usage: podwire" in r.stderr


def test_a_trace_that_cannot_be_read_is_a_failure(podwire_cli, tmp_path):
    r = podwire_cli("summary", str(tmp_path / "none.h5"))
    assert r.returncode == ExitCode.FAILED == 1
    assert "none.h5" in r.stderr


def test_a_stopped_run_is_130(source_dir, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "podwire", "run", "scenarios/default.yaml", "--duration", "100000s", "--no-trace"],
        cwd=source_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.STOPPED == 130, err
    assert "stopped early" in out


def test_docs_cli_md_lists_exactly_these_codes(source_dir):
    text = (source_dir / "docs/cli.md").read_text()
    section = text.split("## Exit codes", 1)[1]
    documented = [int(code) for code in re.findall(r"^\| (\d+) \|", section, flags=re.M)]
    assert documented == sorted(int(c) for c in ExitCode)


def test_an_output_path_that_cannot_be_written_is_4(podwire_cli, tmp_path):
    r = podwire_cli("run", "scenarios/default.yaml", "-o", str(tmp_path / "nodir/run.h5"))
    assert r.returncode == ExitCode.OUTPUT == 4
    assert "the folder" in r.stderr and "does not exist" in r.stderr


@pytest.mark.parametrize("args", [["validate", "scenarios/default.yaml"],
                                  ["run", "scenarios/default.yaml", "--duration", "2s", "--set", "run.warmup=1s",
                                   "--no-trace", "--json"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(source_dir, args):
    import os

    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a pipe has it by default
    proc = subprocess.Popen([sys.executable, "-m", "podwire", *args], cwd=source_dir, env=buffered,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # as `| head` does once it has read enough
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == ExitCode.FAILED
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
