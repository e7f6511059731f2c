"""The shipped microservice demos (Istio's Bookinfo, Weaveworks' Sock Shop) run
from their own manifests with every request answered, send each Service what
their call graphs say, and agree with the Jackson-network estimate: at their
low load, every Service's simulated server time is within 10% of it."""

from pathlib import Path

import pytest

import podwire

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run(name, seconds=120):
    return podwire.run(podwire.load(SCENARIOS / f"{name}.yaml", [f"run.duration={seconds}s", "run.warmup=3s"]))


def services(result):
    return {s["name"]: s for s in result["services"]}


@pytest.mark.parametrize("name", ["bookinfo", "sock-shop"])
def test_the_demo_runs_with_every_request_answered_and_its_estimate_within_10_percent(name):
    result = run(name)
    assert result["complete"]
    for t in result["traffic"]:
        assert t["sent"] > 1000 and t["failed"] == 0, t
    rows = services(result)
    assert len(rows) >= 4
    for s in rows.values():
        assert s["requests"] > 500, s
        assert s["estimate_utilisation"] < 0.1, s  # low load
        assert s["estimate_server_time_s"] == pytest.approx(s["server_time_s"], rel=0.10), s["name"]


def test_bookinfo_reviews_v2_and_v3_call_ratings_and_v1_does_not():
    rows = services(run("bookinfo"))
    pages, reviews, ratings = (rows[f"default/{n}"]["requests"] for n in ("productpage", "reviews", "ratings"))
    # Nine product pages (details, then reviews) for each ratings API call.
    assert rows["default/details"]["requests"] == reviews
    assert reviews == pytest.approx(0.9 * pages, rel=0.03)
    # Two of three reviews versions ask ratings; the API route asks it once.
    assert ratings == pytest.approx(reviews * 2 / 3 + 0.1 * pages, rel=0.04)
    assert rows["default/ratings"]["estimate_arrival_per_s"] == pytest.approx(100 * (0.9 * 2 / 3 + 0.1))


def test_sock_shop_schedules_by_its_node_selectors_and_counts_nodeport_shoppers_as_the_front_end():
    result = run("sock-shop", 30)
    rows = services(result)
    # The front-end row takes the load test's requests and the NodePort's.
    assert "worker-0:30001" not in rows
    front = rows["sock-shop/front-end"]
    assert front["estimate_arrival_per_s"] == pytest.approx(250)
    assert front["requests"] == sum(t["ok"] for t in result["traffic"])
    # An order reads user three times from orders and three times from the front-end.
    orders = rows["sock-shop/orders"]["requests"]
    assert rows["sock-shop/payment"]["requests"] == orders == rows["sock-shop/shipping"]["requests"]


def test_grpc_behind_a_cluster_ip_uses_a_pod_per_client_and_round_robin_over_headless_uses_every_pod(
        podwire_cli, tmp_path):
    import h5py
    import pandas as pd

    trace = tmp_path / "grpc.h5"
    r = podwire_cli("run", "scenarios/protocols/grpc-balancing.yaml", "--duration", "6s", "-o", str(trace))
    assert r.returncode == 0, r.stderr
    with h5py.File(trace, "r") as f:
        requests = pd.DataFrame(f["requests"][:])
        targets = dict(zip(f["targets"]["id"], (n.decode() for n in f["targets"]["name"])))
    ok = requests[(requests.status == 1) & (requests.parent == 0)]
    per_pod = ok.groupby([ok.target.map(targets), "server"]).size()
    # Three client pods, one connection each, pinned by kube-proxy: at most three of the four pods.
    assert 1 <= len(per_pod["default/greeter"]) <= 3
    assert ok[ok.target.map(targets) == "default/greeter"].groupby("client").server.nunique().eq(1).all()
    # Round robin over the headless Service's four pods: equal shares.
    rr = per_pod["default/greeter-headless"]
    assert len(rr) == 4 and rr.max() - rr.min() <= 12
