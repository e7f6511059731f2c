"""The scalability envelope's generator (bench/scenario/envelope_yaml.py)
writes a scenario that loads and builds: checked here at a small scale, the
benchmark runs it at full size."""

import subprocess
import sys

import podwire


def test_a_small_envelope_loads_builds_and_serves(source_dir, tmp_path):
    r = subprocess.run([sys.executable, str(source_dir / "bench/scenario/envelope_yaml.py"), str(tmp_path),
                        "--scale", "0.004", "--clients", "4", "--traffic", "6", "--rate", "200/s",
                        "--duration", "200ms"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "20 nodes, 40 Deployments, 604 pods" in r.stdout
    manifests = (tmp_path / "envelope-manifests.yaml").read_text()
    assert manifests.count("kind: Deployment") == 41 and manifests.count("kind: Service") == 40
    scenario = podwire.load(tmp_path / "envelope.yaml")
    assert scenario.validate() == []
    result = podwire.run(scenario)
    assert result["complete"]
    assert [t["name"] for t in result["traffic"]][:2] == ["to-tenant-0-svc-0", "to-tenant-1-svc-0"]
    assert len(result["traffic"]) == 6
    for t in result["traffic"]:
        assert t["sent"] > 0 and t["failed"] == 0, t
