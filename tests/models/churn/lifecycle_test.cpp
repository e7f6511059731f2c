// Pod lifecycles and the controllers: readiness gating, graceful termination,
// crash back-off, rolling updates within maxSurge/maxUnavailable, StatefulSet
// order, node failure and eviction, and endpoint changes reaching each node's
// watch in order.
#include "models/churn/lifecycle.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/churn/endpoint_propagation.hpp"
#include "tests/support/cluster_objects.hpp"

namespace podwire::churn {
namespace {

using engine::Time;
using test_support::nodes;
using test_support::objects_of;

// Records what the lifecycle asks of the pods; terminate() drains after
// `drain` (never when negative).
struct FakeRuntime final : PodRuntime {
  engine::Simulator* sim = nullptr;
  Lifecycle* lifecycle = nullptr;
  Time drain = Time::s(1);
  bool never_drain = false;
  std::map<int, Time> started, terminated, killed, removed;
  std::vector<int> failed_nodes;
  void start(int pod) override { started[pod] = sim->now(); }
  void terminate(int pod) override {
    terminated[pod] = sim->now();
    if (never_drain) return;
    sim->schedule_in(
        drain,
        [](void* self, std::uint64_t p) {
          static_cast<FakeRuntime*>(self)->lifecycle->exited(static_cast<int>(p));
        },
        this, static_cast<std::uint64_t>(pod));
  }
  void kill(int pod) override { killed[pod] = sim->now(); }
  void remove(int pod) override { removed[pod] = sim->now(); }
  void fail_node(int node) override { failed_nodes.push_back(node); }
};

std::string deployment(int replicas, const std::string& extra_container = "",
                       const std::string& strategy = "", const std::string& pod_extra = "") {
  return R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: )" +
         std::to_string(replicas) + "\n" + strategy + R"(  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
)" + pod_extra +
         R"(      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 8080}]
)" + extra_container +
         R"(---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
)";
}

struct Rig {
  explicit Rig(const std::string& yaml, int node_count = 3, LifecycleConfig cfg = {})
      : objects(objects_of(yaml)), cluster(nodes(node_count), objects, problems) {
    EXPECT_TRUE(problems.empty());
    runtime.sim = &sim;
    life = std::make_unique<Lifecycle>(sim, cluster, runtime, cfg,
                                       engine::RandomRoot(1).stream("churn"));
    runtime.lifecycle = life.get();
    life->endpoints_changed.connect(
        [](void* self, int service, Time at) {
          static_cast<Rig*>(self)->changes.emplace_back(service, at);
        },
        this);
    life->event.connect(
        [](void* self, const ChurnEvent& e) { static_cast<Rig*>(self)->events.push_back(e); },
        this);
  }
  std::uint32_t owner(const std::string& name) { return *cluster.owner_index("default", name); }
  int service() { return *cluster.service_index("default", "web"); }
  const std::vector<kube::EndpointState>& endpoints() {
    return cluster.services()[static_cast<std::size_t>(service())].ports[0].endpoints;
  }
  int ready_endpoints() {
    int n = 0;
    for (const auto& e : endpoints()) n += e.ready ? 1 : 0;
    return n;
  }
  std::vector<int> live(const std::string& name) {
    std::vector<int> out;
    for (int p : cluster.pods_of("default", name)) {
      if (!cluster.pods()[static_cast<std::size_t>(p)].terminating) out.push_back(p);
    }
    return out;
  }

  engine::Simulator sim;
  std::vector<kube::Problem> problems;
  kube::ObjectSet objects;
  kube::Cluster cluster;
  FakeRuntime runtime;
  std::unique_ptr<Lifecycle> life;
  std::vector<std::pair<int, Time>> changes;
  std::vector<ChurnEvent> events;
};

TEST(Lifecycle, ReadinessProbeGatesTheEndpoint) {
  Rig r(deployment(2, R"(        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          initialDelaySeconds: 5
          periodSeconds: 10
          successThreshold: 2
)"));
  ASSERT_EQ(r.ready_endpoints(), 2);
  r.life->scale(r.owner("web"), 3);
  const auto pods = r.cluster.pods_of("default", "web");
  ASSERT_EQ(pods.size(), 3u);
  const int fresh = pods.back();
  EXPECT_FALSE(r.cluster.pods()[static_cast<std::size_t>(fresh)].ready);
  EXPECT_NE(r.cluster.pods()[static_cast<std::size_t>(fresh)].ip, 0u);  // address at creation
  // kubelet's probe worker ticks every 10 s from when it took the pod in (at
  // 0 s); the container starts at 1 s. The probe its start triggers comes
  // before the 5 s initial delay and is skipped; the ticks at 10 s and 20 s
  // are the two successes needed.
  r.sim.run_until(Time::s(20) - Time::ps(1));
  EXPECT_EQ(r.runtime.started.at(fresh), Time::s(1));
  EXPECT_EQ(r.ready_endpoints(), 2);
  EXPECT_TRUE(r.changes.empty());
  r.sim.run_until(Time::s(21));
  EXPECT_EQ(r.ready_endpoints(), 3);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].second, Time::s(20));
}

// Without an initial delay, the probe that the container's start triggers
// passes at once. A startup probe holds every readiness probe back until its
// own worker's tick finds the container started; passing triggers one.
TEST(Lifecycle, AStartupProbeHoldsReadinessUntilItsOwnTick) {
  const auto ready_at = [](const std::string& probes) {
    Rig r(deployment(1, probes));
    r.life->scale(r.owner("web"), 2);
    r.sim.run_until(Time::s(30));
    EXPECT_EQ(r.ready_endpoints(), 2) << probes;
    return r.changes.empty() ? Time::max() : r.changes[0].second;
  };
  const std::string readiness = "        readinessProbe: {tcpSocket: {port: 8080}}\n";
  EXPECT_EQ(ready_at(readiness), Time::s(1));
  EXPECT_EQ(
      ready_at(readiness + "        startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 3}\n"),
      Time::s(3));
  EXPECT_EQ(
      ready_at(readiness + "        startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 3, "
                           "initialDelaySeconds: 4}\n"),
      Time::s(6));
}

TEST(Lifecycle, GracefulTerminationRunsPreStopThenSigtermAndReleasesTheAddress) {
  Rig r(deployment(2, R"(        lifecycle:
          preStop:
            exec: {command: ["sleep", "5"]}
)"));
  const int pod = r.cluster.pods_of("default", "web")[0];
  const net::Address ip = r.cluster.pods()[static_cast<std::size_t>(pod)].ip;
  r.life->delete_pod(pod);
  // At once: out of rotation, still an endpoint (terminating, serving).
  EXPECT_EQ(r.ready_endpoints(), 1);
  bool terminating_seen = false;
  for (const auto& e : r.endpoints())
    terminating_seen |= e.ip == ip && e.terminating && e.serving && !e.ready;
  EXPECT_TRUE(terminating_seen);
  r.sim.run_until(Time::s(60));
  // SIGTERM after the kubelet noticed (100 ms) and preStop (5 s); drained 1 s later.
  EXPECT_EQ(r.runtime.terminated.at(pod), Time::ms(5100));
  EXPECT_EQ(r.runtime.removed.at(pod), Time::ms(6100));
  EXPECT_TRUE(r.cluster.pods()[static_cast<std::size_t>(pod)].deleted);
  EXPECT_FALSE(r.cluster.pod_by_ip(ip).has_value());
  EXPECT_EQ(r.life->counters().killed_at_grace, 0u);
  // The ReplicaSet replaced it at once; the replacement is ready after its start.
  EXPECT_EQ(r.live("web").size(), 2u);
  EXPECT_EQ(r.ready_endpoints(), 2);
}

TEST(Lifecycle, AnAppThatDoesNotDrainIsKilledWhenTheGracePeriodEnds) {
  Rig r(deployment(1, "", "", "      terminationGracePeriodSeconds: 12\n"));
  r.runtime.never_drain = true;
  const int pod = r.cluster.pods_of("default", "web")[0];
  r.life->delete_pod(pod);
  r.sim.run_until(Time::s(60));
  EXPECT_EQ(r.runtime.terminated.at(pod), Time::ms(100));
  EXPECT_EQ(r.runtime.killed.at(pod), Time::ms(12100));
  EXPECT_EQ(r.life->counters().killed_at_grace, 1u);
}

TEST(Lifecycle, CrashedContainersRestartInPlaceWithBackOff) {
  Rig r(deployment(1));
  const int pod = r.cluster.pods_of("default", "web")[0];
  const net::Address ip = r.cluster.pods()[static_cast<std::size_t>(pod)].ip;
  r.life->crash(pod);
  EXPECT_EQ(r.ready_endpoints(), 0);
  EXPECT_EQ(r.runtime.killed.at(pod), Time::zero());
  r.sim.run_until(Time::s(10) + Time::ms(1));
  EXPECT_EQ(r.runtime.started.at(pod), Time::s(10));  // back-off 10 s, then started in place
  EXPECT_EQ(r.ready_endpoints(), 1);
  EXPECT_EQ(r.cluster.pods()[static_cast<std::size_t>(pod)].ip, ip);
  EXPECT_EQ(r.cluster.pods()[static_cast<std::size_t>(pod)].restarts, 1);
  r.life->crash(pod);
  r.sim.run_until(Time::s(31));
  EXPECT_EQ(r.runtime.started.at(pod), Time::s(30) + Time::ms(1));  // then 20 s
  EXPECT_EQ(r.live("web").size(), 1u);                              // never replaced
}

TEST(Lifecycle, RollingUpdateStaysWithinMaxSurgeAndMaxUnavailable) {
  Rig r(deployment(8, R"(        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 2
)",
                   "  strategy:\n    rollingUpdate: {maxSurge: 2, maxUnavailable: 1}\n"));
  const std::uint32_t web = r.owner("web");
  r.life->rollout(web);
  int max_live = 0, min_available = 1000;
  while (r.life->rollout_in_progress(web) && r.sim.now() < Time::s(600)) {
    r.sim.step();
    max_live = std::max(max_live, static_cast<int>(r.live("web").size()));
    min_available = std::min(min_available, r.ready_endpoints());
  }
  EXPECT_FALSE(r.life->rollout_in_progress(web));
  EXPECT_LE(max_live, 8 + 2);
  EXPECT_GE(min_available, 8 - 1);
  r.sim.run_until(r.sim.now() + Time::s(60));
  const auto pods = r.live("web");
  ASSERT_EQ(pods.size(), 8u);
  for (int p : pods) EXPECT_EQ(r.cluster.pods()[static_cast<std::size_t>(p)].revision, 1);
  EXPECT_EQ(r.ready_endpoints(), 8);
}

TEST(Lifecycle, StatefulSetUpdatesFromTheHighestOrdinalKeepingNames) {
  Rig r(R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]
)");
  const std::uint32_t db = r.owner("db");
  r.life->rollout(db);
  r.sim.run_until(Time::s(300));
  EXPECT_FALSE(r.life->rollout_in_progress(db));
  std::vector<std::string> deleted_order;
  for (const ChurnEvent& e : r.events) {
    if (e.kind == ChurnEventKind::terminating)
      deleted_order.push_back(r.cluster.pods()[static_cast<std::size_t>(e.pod)].name);
  }
  EXPECT_EQ(deleted_order, (std::vector<std::string>{"db-2", "db-1", "db-0"}));
  std::vector<std::string> names;
  for (int p : r.cluster.pods_of("default", "db")) {
    names.push_back(r.cluster.pods()[static_cast<std::size_t>(p)].name);
    EXPECT_EQ(r.cluster.pods()[static_cast<std::size_t>(p)].revision, 1);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"db-0", "db-1", "db-2"}));
}

TEST(Lifecycle, FailedNodesPodsGoNotReadyThenMoveWithNewAddresses) {
  Rig r(deployment(3), 3);
  int node = -1;
  std::vector<net::Address> before;
  for (int p : r.cluster.pods_of("default", "web")) {
    before.push_back(r.cluster.pods()[static_cast<std::size_t>(p)].ip);
    node = r.cluster.pods()[static_cast<std::size_t>(p)].node;
  }
  r.life->fail_node(node);
  r.sim.run_until(Time::s(39));
  EXPECT_EQ(r.ready_endpoints(), 3);  // the control plane does not know yet
  r.sim.run_until(Time::s(41));
  EXPECT_EQ(r.ready_endpoints(), 2);
  r.sim.run_until(Time::s(339));
  EXPECT_EQ(r.live("web").size(), 3u);  // not replaced before the eviction
  r.sim.run_until(Time::s(350));
  const auto pods = r.live("web");
  ASSERT_EQ(pods.size(), 3u);
  for (int p : pods) {
    const kube::PodState& s = r.cluster.pods()[static_cast<std::size_t>(p)];
    EXPECT_NE(s.node, node);
  }
  EXPECT_EQ(r.ready_endpoints(), 3);
  int fresh = 0;
  for (const auto& e : r.endpoints())
    fresh += std::find(before.begin(), before.end(), e.ip) == before.end() ? 1 : 0;
  EXPECT_EQ(fresh, 1);
  int evicted_web = 0;
  for (const ChurnEvent& e : r.events) {
    evicted_web +=
        e.kind == ChurnEventKind::evicted && e.owner == static_cast<int>(r.owner("web")) ? 1 : 0;
  }
  EXPECT_EQ(evicted_web, 1);  // (CoreDNS may have lived there too)
}

TEST(Lifecycle, AFreedAddressIsReusedOnlyWhenTheNodesBlockWrapsRound) {
  // host-local IPAM continues after the last address handed out, so stale
  // conntrack entries and caches do not meet a new pod at an old address
  // until the block has gone round (253 addresses in a /24).
  Rig r(deployment(1), 1);
  std::set<net::Address> seen;
  for (int i = 0; i < 120; ++i) {
    const std::vector<int> live = r.live("web");
    ASSERT_EQ(live.size(), 1u);
    seen.insert(r.cluster.pods()[static_cast<std::size_t>(live[0])].ip);
    r.life->delete_pod(live[0]);
    r.sim.run_until(r.sim.now() + Time::s(10));
  }
  EXPECT_EQ(seen.size(), 120u);
}

TEST(Lifecycle, ScalingDownRemovesNotReadyPodsFirstThenTheNewest) {
  Rig r(deployment(4, R"(        readinessProbe:
          tcpSocket: {port: 8080}
          initialDelaySeconds: 30
)"));
  const std::uint32_t web = r.owner("web");
  r.life->scale(web, 6);  // two more, not ready before the first tick past 31 s: 40 s
  r.sim.run_until(Time::s(5));
  const std::vector<int> before = r.live("web");
  ASSERT_EQ(before.size(), 6u);
  r.life->scale(web, 3);
  const std::vector<int> after = r.live("web");
  ASSERT_EQ(after.size(), 3u);
  // The two not ready went, then the newest of the ready ones.
  EXPECT_EQ(after, (std::vector<int>{before[0], before[1], before[2]}));
  EXPECT_EQ(r.ready_endpoints(), 3);
}

// kube-scheduler requeues an unschedulable pod when a pod is deleted: a
// scale-up that does not fit waits until room is freed, then is placed
// before the freeing owner's own replacement.
TEST(Lifecycle, APodThatDidNotFitIsPlacedOnceAnotherPodLeaves) {
  // One 4-CPU node: CoreDNS 2 x 100m, big 2 CPUs, web 1 CPU.
  const std::string big = R"(---
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: 1
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: c, image: x, resources: {requests: {cpu: '2'}}}]
)";
  Rig r(deployment(1, "        resources: {requests: {cpu: '1'}}\n") + big, 1);
  const std::uint32_t web = r.owner("web");
  r.life->scale(web, 2);
  EXPECT_EQ(r.live("web").size(), 1u);
  EXPECT_EQ(r.life->counters().unschedulable, 1u);
  r.sim.run_until(Time::s(5));
  EXPECT_EQ(r.live("web").size(), 1u);  // nothing freed, nothing placed
  r.life->scale(r.owner("big"), 0);
  r.sim.run_until(Time::s(60));
  EXPECT_EQ(r.live("big").size(), 0u);
  ASSERT_EQ(r.live("web").size(), 2u);
  EXPECT_EQ(r.ready_endpoints(), 2);
  EXPECT_EQ(r.life->counters().unschedulable, 1u);
}

// And when a pod is placed, for a pod waiting on pod affinity: the
// InterPodAffinity plugin requeues it on a bound pod's arrival.
TEST(Lifecycle, APodWaitingOnPodAffinityIsPlacedWhenAMatchingPodArrives) {
  const std::string cache = R"(---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 0
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: c, image: x}]
)";
  Rig r(deployment(0) + cache);
  r.life->scale(r.owner("cache"), 1);
  EXPECT_EQ(r.life->counters().unschedulable, 1u);
  r.sim.run_until(Time::s(5));
  EXPECT_EQ(r.live("cache").size(), 0u);  // no web pod to go with
  r.life->scale(r.owner("web"), 1);
  r.sim.run_until(Time::s(10));
  ASSERT_EQ(r.live("web").size(), 1u);
  ASSERT_EQ(r.live("cache").size(), 1u);
  const auto node = [&](int pod) { return r.cluster.pods()[static_cast<std::size_t>(pod)].node; };
  EXPECT_EQ(node(r.live("cache")[0]), node(r.live("web")[0]));
  EXPECT_EQ(r.life->counters().unschedulable, 1u);
}

struct Delivery {
  std::uint32_t node;
  std::uint32_t frontend;
  std::size_t backends;
  std::uint64_t change;
  Time at;
};

TEST(EndpointPropagation, SlicesRewriteOnlyWhereEndpointsChangedAndWatchesStayInOrder) {
  Rig r(deployment(250), 3);
  engine::Simulator& sim = r.sim;
  std::vector<Delivery> got;
  struct Ctx {
    engine::Simulator* sim;
    std::vector<Delivery>* got;
  } ctx{&sim, &got};
  PropagationConfig cfg;
  cfg.slice_delay = engine::Distribution::constant(0.01);
  cfg.watch_delay = engine::Distribution::uniform(0.0, 0.5);
  EndpointPropagation prop(
      sim, r.cluster, cfg, engine::RandomRoot(2).stream("watch"), {{0, 1, 2}, 100000},
      [](void* c, std::uint32_t node, std::uint32_t frontend, const BackendList& b,
         const EndpointChange& ch) {
        auto& x = *static_cast<Ctx*>(c);
        x.got->push_back(Delivery{node, frontend, b->size(), ch.id, x.sim->now()});
      },
      &ctx);
  prop.add_frontend(r.service(), 0, 7);
  r.life->endpoints_changed.connect<&EndpointPropagation::changed>(&prop);
  // Two deletions 1 ms apart ride one controller sync; a third comes later.
  const auto pods = r.cluster.pods_of("default", "web");
  r.life->delete_pod(pods[0]);
  sim.run_until(Time::ms(1));
  r.life->delete_pod(pods[1]);
  sim.run_until(Time::ms(300));
  r.life->delete_pod(pods[2]);
  sim.run_until(Time::ms(400));
  // 250 endpoints fill three slices; terminating endpoints stay in theirs.
  EXPECT_EQ(prop.counters().slice_syncs, 2u);
  EXPECT_GE(prop.counters().slice_writes, 2u);
  EXPECT_LE(prop.counters().slice_writes, 4u);
  sim.run_until(Time::s(2));
  // Every node heard every change, each node in the order written.
  std::map<std::uint32_t, std::vector<std::uint64_t>> per_node;
  for (const Delivery& d : got) {
    EXPECT_EQ(d.frontend, 7u);
    per_node[d.node].push_back(d.change);
  }
  ASSERT_EQ(per_node.size(), 3u);
  for (const auto& [node, ids] : per_node) {
    ASSERT_GE(ids.size(), 3u) << node;
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << node;
    EXPECT_EQ(ids[0], 1u);
    EXPECT_EQ(ids[1], 2u);
    EXPECT_EQ(ids[2], 3u);
  }
  for (const Delivery& d : got) {
    EXPECT_GE(d.at, prop.changes()[d.change - 1].at + Time::ms(10));
  }
}

}  // namespace
}  // namespace podwire::churn
