#!/usr/bin/env python3
"""Writes the Kubernetes scalability envelope as a podwire scenario in YAML, so
that the load path is measured as users meet it: a scenario file and one
multi-document manifest file (about 4 MB at full scale).

At scale 1: 5,000 nodes of 16 cores on a leaf-spine fabric (40 per rack, 4
spines), 10,000 Deployments of 15 replicas (2 namespaces) each behind a
ClusterIP Service with a named targetPort, 200 client pods, and traffic of 100
entries of 1,000 requests/s from the clients to 100 Services (1 ms
exponential service time), iptables mode. --scale shrinks the cluster
(nodes and Deployments) and keeps the traffic: scale 0.02 is 100 nodes and
3,000 server pods.

    python3 bench/scenario/envelope_yaml.py OUT_DIR [--scale 0.2] [--keep-alive false]
    podwire validate OUT_DIR/envelope.yaml
    podwire run OUT_DIR/envelope.yaml --no-trace
"""

import argparse
import sys
from pathlib import Path

FULL_NODES = 5000
FULL_DEPLOYMENTS = 10000
NAMESPACES = 2

DEPLOYMENT = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, tier: {tier}}}
    spec:
      containers:
      - name: server
        image: registry.example/server:1
        ports: [{{name: http, containerPort: 8080}}]
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  type: ClusterIP
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
"""

CLIENTS = """\
---
apiVersion: v1
kind: Namespace
metadata:
  name: load
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: client
  namespace: load
spec:
  replicas: {clients}
  selector:
    matchLabels:
      app: client
  template:
    metadata:
      labels:
        app: client
    spec:
      containers:
        - name: load
          image: fortio/fortio
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
"""


def counts(scale: float) -> tuple[int, int]:
    nodes = max(1, round(FULL_NODES * scale))
    deployments = max(NAMESPACES, round(FULL_DEPLOYMENTS * scale))
    return nodes, deployments - deployments % NAMESPACES


def service(i: int) -> tuple[str, str]:
    """The namespace and name of the i-th Service (namespaces alternate)."""
    return f"tenant-{i % NAMESPACES}", f"svc-{i // NAMESPACES}"


def manifests(deployments: int, replicas: int, clients: int) -> str:
    parts = [f"# {deployments} Deployments of {replicas} replicas with a ClusterIP Service each, "
             f"and {clients} client pods.\n"]
    parts += [f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-{n}\n" for n in range(NAMESPACES)]
    for i in range(deployments):
        ns, name = service(i)
        parts.append(DEPLOYMENT.format(name=name, ns=ns, replicas=replicas,
                                       tier="frontend" if i % 4 < 2 else "backend"))
    parts.append(CLIENTS.format(clients=clients))
    return "".join(parts)


def scenario(args: argparse.Namespace, nodes: int, deployments: int, manifest_name: str) -> str:
    targets = min(args.traffic, deployments)
    out = [
        f"# The Kubernetes scalability envelope at scale {args.scale:g}: {nodes} nodes, "
        f"{deployments} Deployments x {args.replicas} replicas,",
        f"# {targets} traffic entries of {args.rate} (keep_alive: {args.keep_alive}). Written by "
        "bench/scenario/envelope_yaml.py.",
        f"run: {{seed: {args.seed}, duration: {args.duration}, warmup: 0s}}",
        "",
        "cluster:",
        "  nodes:",
        f"    - {{name: node, count: {nodes}, cpus: 16}}",
        "  topology: {kind: leaf_spine, nodes_per_rack: 40, spines: 4}",
        "  pod_cidr: 10.128.0.0/9",
        "  service_cidr: 10.96.0.0/12",
        f"  proxy: {{mode: {args.proxy}}}",
        "",
        "manifests:",
        f"  - {manifest_name}",
        "",
        "apps:",
    ]
    for i in range(deployments):
        ns, name = service(i)
        if i < targets:
            out.append(f"  {ns}/{name}: {{concurrency: 4, service_time: "
                       "{distribution: exponential, mean: 1ms}}")
        else:
            out.append(f"  {ns}/{name}: {{concurrency: 4}}")
    out += ["", "traffic:"]
    for i in range(targets):
        ns, name = service(i)
        out.append(f"  - {{name: to-{ns}-{name}, from: load/client, url: \"http://{name}.{ns}:80/\", "
                   f"rate: {args.rate}, keep_alive: {args.keep_alive}}}")
    out += ["", "outputs: {requests: false, sample_interval: 0s}", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", type=Path)
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the envelope's nodes and Deployments")
    p.add_argument("--replicas", type=int, default=15)
    p.add_argument("--clients", type=int, default=200, help="client pods")
    p.add_argument("--traffic", type=int, default=100, help="traffic entries, one Service each")
    p.add_argument("--rate", default="1000/s", help="rate of each traffic entry")
    p.add_argument("--keep-alive", choices=("true", "false"), default="true")
    p.add_argument("--duration", default="1s")
    p.add_argument("--proxy", default="iptables")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.scale <= 0:
        p.error("--scale must be positive")
    nodes, deployments = counts(args.scale)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    manifest_name = "envelope-manifests.yaml"
    (args.out_dir / manifest_name).write_text(manifests(deployments, args.replicas, args.clients))
    (args.out_dir / "envelope.yaml").write_text(scenario(args, nodes, deployments, manifest_name))
    print(f"{args.out_dir / 'envelope.yaml'}: {nodes} nodes, {deployments} Deployments, "
          f"{deployments * args.replicas + args.clients} pods")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
