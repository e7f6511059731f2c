// NetworkPolicy verdicts against the examples and rules of the Kubernetes
// "Network Policies" concept page; every expectation below is worked out by
// hand from the policy text. Plus the cost: no allocation, and a million
// verdicts in a cluster of 10,000 pods and 500 policies well under a second.
#include "models/kube/network_policy_engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <new>

#include "models/net/host.hpp"
#include "tests/support/error_of.hpp"

// Counts heap allocations, to show that verdicts make none. (Out of line so
// that GCC does not pair the inlined malloc with a delete expression.)
namespace {
std::atomic<std::uint64_t> g_allocations{0};
[[gnu::noinline]] void* raw_allocate(std::size_t n) { return std::malloc(n == 0 ? 1 : n); }
[[gnu::noinline]] void raw_free(void* p) { std::free(p); }
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = raw_allocate(n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { raw_free(p); }
void operator delete(void* p, std::size_t) noexcept { raw_free(p); }

namespace podwire::kube {
namespace {

using net::parse_address;
using test_support::error_of;
constexpr net::Protocol TCP = net::Protocol::tcp;
constexpr net::Protocol UDP = net::Protocol::udp;

// --- building policies as the manifests spell them ---------------------------

LabelSelector select(Labels labels = {}) {
  LabelSelector s;
  s.match_labels = std::move(labels);
  return s;
}

NetworkPolicy policy(std::string ns, std::string name, LabelSelector pods, bool ingress,
                     bool egress) {
  NetworkPolicy p;
  p.meta.namespace_ = std::move(ns);
  p.meta.name = std::move(name);
  p.pod_selector = std::move(pods);
  p.policy_ingress = ingress;
  p.policy_egress = egress;
  return p;
}

NetworkPolicyPeer pods_peer(Labels pods) {
  NetworkPolicyPeer p;
  p.pod_selector = select(std::move(pods));
  return p;
}
NetworkPolicyPeer namespaces_peer(Labels namespaces) {
  NetworkPolicyPeer p;
  p.namespace_selector = select(std::move(namespaces));
  return p;
}
NetworkPolicyPeer both_peer(Labels namespaces, Labels pods) {
  NetworkPolicyPeer p;
  p.namespace_selector = select(std::move(namespaces));
  p.pod_selector = select(std::move(pods));
  return p;
}
NetworkPolicyPeer block(std::string cidr, std::vector<std::string> except = {}) {
  NetworkPolicyPeer p;
  p.ip_block = IpBlock{std::move(cidr), std::move(except)};
  return p;
}

NetworkPolicyPort port(int number, Protocol protocol = Protocol::tcp) {
  NetworkPolicyPort p;
  p.protocol = protocol;
  p.port = PortRef{number, ""};
  return p;
}
NetworkPolicyPort named(std::string name, Protocol protocol = Protocol::tcp) {
  NetworkPolicyPort p;
  p.protocol = protocol;
  p.port = PortRef{0, std::move(name)};
  return p;
}
NetworkPolicyPort range(int first, int last) {
  NetworkPolicyPort p = port(first);
  p.end_port = last;
  return p;
}

Namespace namespace_(std::string name, Labels labels) {
  Namespace n;
  n.meta.name = std::move(name);
  n.meta.namespace_.clear();
  n.meta.labels = std::move(labels);
  return n;
}

PodSpec serving(std::vector<ContainerPort> ports) {
  PodSpec s;
  s.containers.push_back(Container{});
  s.containers.back().name = "main";
  s.containers.back().ports = std::move(ports);
  return s;
}
ContainerPort container_port(std::string name, int number, Protocol protocol = Protocol::tcp) {
  ContainerPort p;
  p.name = std::move(name);
  p.container_port = number;
  p.protocol = protocol;
  return p;
}

// An engine with pods whose labels and specs live as long as it does. Pods sit
// on node 192.168.0.1 unless told otherwise.
class Cluster {
 public:
  explicit Cluster(const std::vector<NetworkPolicy>& policies,
                   const std::vector<Namespace>& namespaces = {})
      : engine(policies, namespaces) {}

  void pod(const char* ip, std::string_view ns, Labels labels, PodSpec spec = {},
           const char* node = "192.168.0.1") {
    labels_.push_back(std::move(labels));
    specs_.push_back(std::move(spec));
    engine.add_pod(parse_address(ip), ns, labels_.back(), &specs_.back(), parse_address(node));
  }
  bool in(const char* src, const char* dst, int port, net::Protocol p = TCP) const {
    return engine.ingress_allowed(parse_address(src), parse_address(dst),
                                  static_cast<std::uint16_t>(port), p);
  }
  bool out(const char* src, const char* dst, int port, net::Protocol p = TCP) const {
    return engine.egress_allowed(parse_address(src), parse_address(dst),
                                 static_cast<std::uint16_t>(port), p);
  }

 private:
  std::deque<Labels> labels_;
  std::deque<PodSpec> specs_;

 public:
  NetworkPolicyEngine engine;
};

// --- the concept page's examples ---------------------------------------------

// The page's first example, "test-network-policy": role=db pods of `default`
// accept TCP 6379 from 172.17.0.0/16 except 172.17.1.0/24, from any pod of a
// namespace labelled project=myproject, and from role=frontend pods of
// `default`; they may open connections only to 10.0.0.0/24 on TCP 5978.
std::vector<NetworkPolicy> test_network_policy() {
  NetworkPolicy p = policy("default", "test-network-policy", select({{"role", "db"}}), true, true);
  p.ingress.push_back(
      {{block("172.17.0.0/16", {"172.17.1.0/24"}), namespaces_peer({{"project", "myproject"}}),
        pods_peer({{"role", "frontend"}})},
       {port(6379)}});
  p.egress.push_back({{block("10.0.0.0/24")}, {port(5978)}});
  return {p};
}

class TestNetworkPolicy : public ::testing::Test {
 protected:
  TestNetworkPolicy()
      : c(test_network_policy(), {namespace_("myproject", {{"project", "myproject"}}),
                                  namespace_("other", {{"project", "theirs"}})}) {
    c.pod("10.244.1.10", "default", {{"role", "db"}});
    c.pod("10.244.1.11", "default", {{"role", "frontend"}});
    c.pod("10.244.1.12", "default", {{"role", "backend"}});
    c.pod("10.244.2.20", "myproject", {{"app", "anything"}}, {}, "192.168.0.2");
    c.pod("10.244.2.21", "other", {{"role", "frontend"}}, {}, "192.168.0.2");
  }
  Cluster c;
};

TEST_F(TestNetworkPolicy, IngressToDbFollowsTheThreePeersOnTcp6379) {
  const char* db = "10.244.1.10";
  EXPECT_TRUE(c.in("10.244.1.11", db, 6379));  // role=frontend in default
  EXPECT_TRUE(c.in("10.244.2.20", db, 6379));  // any pod of a project=myproject namespace
  EXPECT_FALSE(
      c.in("10.244.2.21", db, 6379));  // role=frontend, but podSelector alone means default only
  EXPECT_FALSE(c.in("10.244.1.12", db, 6379));  // role=backend in default
  // The page: "172.17.0.0–172.17.0.255 and 172.17.2.0–172.17.255.255".
  EXPECT_TRUE(c.in("172.17.0.0", db, 6379));
  EXPECT_TRUE(c.in("172.17.0.255", db, 6379));
  EXPECT_FALSE(c.in("172.17.1.0", db, 6379));
  EXPECT_FALSE(c.in("172.17.1.255", db, 6379));
  EXPECT_TRUE(c.in("172.17.2.0", db, 6379));
  EXPECT_TRUE(c.in("172.17.255.255", db, 6379));
  EXPECT_FALSE(c.in("172.16.255.255", db, 6379));
  EXPECT_FALSE(c.in("172.18.0.0", db, 6379));
  // Only TCP 6379.
  EXPECT_FALSE(c.in("10.244.1.11", db, 6380));
  EXPECT_FALSE(c.in("10.244.1.11", db, 6379, UDP));
  EXPECT_FALSE(c.in("172.17.0.1", db, 80));
  // The db pod itself is not role=frontend: no special case for a pod reaching itself.
  EXPECT_FALSE(c.in(db, db, 6379));
}

TEST_F(TestNetworkPolicy, EgressFromDbOnlyTo10_0_0_0_24OnTcp5978) {
  const char* db = "10.244.1.10";
  EXPECT_TRUE(c.out(db, "10.0.0.0", 5978));
  EXPECT_TRUE(c.out(db, "10.0.0.255", 5978));
  EXPECT_FALSE(c.out(db, "10.0.1.0", 5978));
  EXPECT_FALSE(c.out(db, "10.0.0.7", 5979));
  EXPECT_FALSE(c.out(db, "10.0.0.7", 5978, UDP));
  EXPECT_FALSE(c.out(db, "10.244.1.11", 80));     // another pod: not in the block
  EXPECT_FALSE(c.out(db, "192.168.0.1", 10250));  // its own node: checked like any address
  EXPECT_FALSE(c.out(db, db, 6379));
}

TEST_F(TestNetworkPolicy, PodsTheSelectorMissesAreUnaffected) {
  // role=frontend is selected by nothing: isolated in neither direction.
  EXPECT_FALSE(c.engine.isolated_for_ingress(parse_address("10.244.1.11")));
  EXPECT_FALSE(c.engine.isolated_for_egress(parse_address("10.244.1.11")));
  EXPECT_TRUE(c.engine.isolated_for_ingress(parse_address("10.244.1.10")));
  EXPECT_TRUE(c.engine.isolated_for_egress(parse_address("10.244.1.10")));
  EXPECT_TRUE(c.in("8.8.8.8", "10.244.1.11", 1234, UDP));
  EXPECT_TRUE(c.out("10.244.1.11", "8.8.8.8", 53, UDP));
  EXPECT_TRUE(c.in("10.244.1.10", "10.244.2.21", 80));  // db reaching a pod whose ingress is open
  // role=db in another namespace: the policy selects pods of its own namespace only.
  c.pod("10.244.2.30", "other", {{"role", "db"}}, {}, "192.168.0.2");
  EXPECT_TRUE(c.in("8.8.8.8", "10.244.2.30", 6379));
  EXPECT_TRUE(c.out("10.244.2.30", "8.8.8.8", 443));
  // An address that is no pod at all is never isolated.
  EXPECT_TRUE(c.out("172.17.1.1", "10.244.9.9", 1));
  EXPECT_TRUE(c.in("172.17.1.1", "10.244.9.9", 1));
}

TEST_F(TestNetworkPolicy, BothEndsMustAllowAConnection) {
  // frontend -> db:6379: frontend's egress is open and db's ingress admits it.
  EXPECT_TRUE(c.out("10.244.1.11", "10.244.1.10", 6379));
  EXPECT_TRUE(c.in("10.244.1.11", "10.244.1.10", 6379));
  // db -> frontend:80: frontend's ingress is open, but db's egress is not.
  EXPECT_TRUE(c.in("10.244.1.10", "10.244.1.11", 80));
  EXPECT_FALSE(c.out("10.244.1.10", "10.244.1.11", 80));
}

TEST_F(TestNetworkPolicy, TheNodesOwnAddressPassesIngressForProbes) {
  const char* db = "10.244.1.10";               // on 192.168.0.1
  EXPECT_TRUE(c.in("192.168.0.1", db, 8080));   // the kubelet's probe, any port
  EXPECT_FALSE(c.in("192.168.0.2", db, 8080));  // another node is an ordinary address
}

TEST_F(TestNetworkPolicy, RemovedPodsAddressIsOutsideTheCluster) {
  const char* frontend = "10.244.1.11";
  EXPECT_TRUE(c.in(frontend, "10.244.1.10", 6379));
  EXPECT_TRUE(c.engine.remove_pod(parse_address(frontend)));
  EXPECT_FALSE(c.engine.remove_pod(parse_address(frontend)));
  EXPECT_FALSE(c.in(frontend, "10.244.1.10", 6379));  // no longer a role=frontend pod
  // The address reused by a db pod: now selected, now isolated.
  c.pod(frontend, "default", {{"role", "db"}});
  EXPECT_TRUE(c.engine.isolated_for_egress(parse_address(frontend)));
  EXPECT_FALSE(c.out(frontend, "8.8.8.8", 53, UDP));
  // Removing the db pod lifts its isolation along with it.
  EXPECT_TRUE(c.engine.remove_pod(parse_address("10.244.1.10")));
  EXPECT_TRUE(c.in("8.8.8.8", "10.244.1.10", 1));
  EXPECT_TRUE(c.out("10.244.1.10", "8.8.8.8", 1));
  EXPECT_EQ(c.engine.pod_count(), 4u);
}

TEST_F(TestNetworkPolicy, RegisteringAnAddressTwiceIsAnError) {
  Labels labels;
  EXPECT_EQ(error_of([&] {
              c.engine.add_pod(parse_address("10.244.1.10"), "default", labels, nullptr, 0);
            }),
            "pod address 10.244.1.10 is already registered for policy");
}

TEST_F(TestNetworkPolicy, CountsVerdictsByDirection) {
  c.in("10.244.1.11", "10.244.1.10", 6379);  // allowed
  c.in("10.244.1.12", "10.244.1.10", 6379);  // denied
  c.in("10.244.1.12", "10.244.1.10", 6379);  // denied
  c.out("10.244.1.10", "10.0.0.1", 5978);    // allowed
  c.out("10.244.1.10", "10.0.0.1", 22);      // denied
  c.out("10.244.1.11", "10.0.0.1", 22);      // allowed (not isolated)
  EXPECT_EQ(c.engine.counters().ingress_allowed, 1u);
  EXPECT_EQ(c.engine.counters().ingress_denied, 2u);
  EXPECT_EQ(c.engine.counters().egress_allowed, 2u);
  EXPECT_EQ(c.engine.counters().egress_denied, 1u);
}

// "Default deny all ingress traffic": podSelector {} and policyTypes [Ingress].
TEST(NetworkPolicyEngine, DefaultDenyAllIngress) {
  Cluster c({policy("locked", "default-deny-ingress", select(), true, false)});
  EXPECT_TRUE(c.engine.any_policies());
  c.pod("10.244.1.2", "locked", {{"app", "a"}});
  c.pod("10.244.1.3", "locked", {});
  c.pod("10.244.1.4", "open", {{"app", "a"}});
  EXPECT_FALSE(c.in("10.244.1.3", "10.244.1.2", 80));  // even from its own namespace
  EXPECT_FALSE(c.in("10.244.1.4", "10.244.1.3", 80));
  EXPECT_FALSE(c.in("203.0.113.9", "10.244.1.2", 443));
  EXPECT_FALSE(c.in("10.244.1.2", "10.244.1.2", 80));
  // Egress is not isolated by it, nor is another namespace.
  EXPECT_TRUE(c.out("10.244.1.2", "10.244.1.4", 80));
  EXPECT_TRUE(c.in("10.244.1.2", "10.244.1.4", 80));
}

// "Allow all ingress traffic": ingress [{}]; it wins over a deny-all in the
// same namespace, since allowed connections are the union over policies.
TEST(NetworkPolicyEngine, AllowAllIngressOverridesDenyAll) {
  NetworkPolicy allow = policy("ns", "allow-all-ingress", select(), true, false);
  allow.ingress.push_back({});
  Cluster only_allow({allow});
  only_allow.pod("10.244.1.2", "ns", {});
  EXPECT_TRUE(only_allow.engine.isolated_for_ingress(parse_address("10.244.1.2")));
  EXPECT_TRUE(only_allow.in("203.0.113.9", "10.244.1.2", 1, UDP));
  EXPECT_TRUE(only_allow.in("10.244.1.2", "10.244.1.2", 65535));

  Cluster both({policy("ns", "default-deny-ingress", select(), true, false), allow});
  both.pod("10.244.1.2", "ns", {});
  EXPECT_TRUE(both.in("203.0.113.9", "10.244.1.2", 8080));
}

// "Default deny all egress traffic": podSelector {} and policyTypes [Egress].
TEST(NetworkPolicyEngine, DefaultDenyAllEgress) {
  Cluster c({policy("ns", "default-deny-egress", select(), false, true)});
  c.pod("10.244.1.2", "ns", {{"app", "a"}});
  c.pod("10.244.1.3", "ns", {});
  c.pod("10.244.9.10", "kube-system", {{"k8s-app", "kube-dns"}});
  EXPECT_FALSE(c.out("10.244.1.2", "10.244.1.3", 80));
  EXPECT_FALSE(c.out("10.244.1.2", "10.244.9.10", 53, UDP));  // DNS too
  EXPECT_FALSE(c.out("10.244.1.2", "192.168.0.1", 10250));    // its own node
  EXPECT_FALSE(c.out("10.244.1.2", "10.244.1.2", 80));        // itself
  EXPECT_TRUE(c.in("10.244.1.3", "10.244.1.2", 80));          // ingress untouched
  EXPECT_TRUE(c.out("10.244.9.10", "10.244.1.2", 80));        // other namespaces untouched
}

// policyTypes [Egress] with no egress rules denies egress but says nothing of
// ingress; [Ingress, Egress] with only ingress rules denies all egress.
TEST(NetworkPolicyEngine, ATypeWithoutRulesDeniesThatDirection) {
  NetworkPolicy p = policy("ns", "ingress-rules-only", select({{"app", "web"}}), true, true);
  p.ingress.push_back({{}, {port(80)}});
  Cluster c({p});
  c.pod("10.244.1.2", "ns", {{"app", "web"}});
  EXPECT_TRUE(c.in("203.0.113.9", "10.244.1.2", 80));
  EXPECT_FALSE(c.in("203.0.113.9", "10.244.1.2", 81));
  EXPECT_FALSE(c.out("10.244.1.2", "203.0.113.9", 80));
}

// The page's pitfall: one peer with namespaceSelector AND podSelector admits
// role=client pods of user=alice namespaces; two peers admit every pod of a
// user=alice namespace OR role=client pods of the policy's own namespace.
TEST(NetworkPolicyEngine, NamespaceAndPodSelectorInOnePeerVersusTwo) {
  const std::vector<Namespace> namespaces = {namespace_("alice", {{"user", "alice"}}),
                                             namespace_("bob", {{"user", "bob"}}),
                                             namespace_("app", {})};
  NetworkPolicy one = policy("app", "one-peer", select({{"role", "db"}}), true, false);
  one.ingress.push_back({{both_peer({{"user", "alice"}}, {{"role", "client"}})}, {}});
  NetworkPolicy two = policy("app", "two-peers", select({{"role", "db"}}), true, false);
  two.ingress.push_back(
      {{namespaces_peer({{"user", "alice"}}), pods_peer({{"role", "client"}})}, {}});

  const auto populate = [](Cluster& c) {
    c.pod("10.244.1.2", "app", {{"role", "db"}});
    c.pod("10.244.1.3", "alice", {{"role", "client"}});
    c.pod("10.244.1.4", "alice", {{"role", "server"}});
    c.pod("10.244.1.5", "app", {{"role", "client"}});
    c.pod("10.244.1.6", "bob", {{"role", "client"}});
  };
  Cluster c1({one}, namespaces);
  populate(c1);
  EXPECT_TRUE(c1.in("10.244.1.3", "10.244.1.2", 5432));
  EXPECT_FALSE(c1.in("10.244.1.4", "10.244.1.2", 5432));
  EXPECT_FALSE(c1.in("10.244.1.5", "10.244.1.2", 5432));
  EXPECT_FALSE(c1.in("10.244.1.6", "10.244.1.2", 5432));

  Cluster c2({two}, namespaces);
  populate(c2);
  EXPECT_TRUE(c2.in("10.244.1.3", "10.244.1.2", 5432));
  EXPECT_TRUE(c2.in("10.244.1.4", "10.244.1.2", 5432));
  EXPECT_TRUE(c2.in("10.244.1.5", "10.244.1.2", 5432));
  EXPECT_FALSE(c2.in("10.244.1.6", "10.244.1.2", 5432));
  // Neither selector admits addresses that are not pods.
  EXPECT_FALSE(c2.in("203.0.113.9", "10.244.1.2", 5432));
}

// "Targeting a Namespace by its name": the API server labels every namespace
// kubernetes.io/metadata.name=<name>, listed or not, and overrides a wrong one.
TEST(NetworkPolicyEngine, NamespacesAreLabelledWithTheirName) {
  NetworkPolicy p = policy("app", "from-monitoring", select(), true, false);
  p.ingress.push_back({{namespaces_peer({{"kubernetes.io/metadata.name", "monitoring"}})}, {}});
  Cluster c({p}, {namespace_("staging", {{"kubernetes.io/metadata.name", "monitoring"}})});
  c.pod("10.244.1.2", "app", {});
  c.pod("10.244.1.3", "monitoring", {});  // a namespace no list mentions
  c.pod("10.244.1.4", "staging", {});
  EXPECT_TRUE(c.in("10.244.1.3", "10.244.1.2", 9090));
  EXPECT_FALSE(c.in("10.244.1.4", "10.244.1.2", 9090));
}

// An empty namespaceSelector admits every pod of every namespace (and still
// no address outside the cluster); an expression selects namespaces too.
TEST(NetworkPolicyEngine, EmptyNamespaceSelectorMeansEveryPod) {
  NetworkPolicy p = policy("app", "all-pods", select(), true, false);
  p.ingress.push_back({{namespaces_peer({})}, {}});
  NetworkPolicy q = policy("app2", "not-prod", select(), true, false);
  NetworkPolicyPeer not_prod;
  not_prod.namespace_selector = LabelSelector{{}, {{"env", SelectorOperator::not_in, {"prod"}}}};
  q.ingress.push_back({{not_prod}, {}});
  Cluster c({p, q}, {namespace_("prod", {{"env", "prod"}}), namespace_("dev", {{"env", "dev"}})});
  c.pod("10.244.1.2", "app", {});
  c.pod("10.244.1.3", "prod", {});
  c.pod("10.244.1.4", "dev", {});
  c.pod("10.244.1.5", "app2", {});
  EXPECT_TRUE(c.in("10.244.1.3", "10.244.1.2", 1));
  EXPECT_TRUE(c.in("10.244.1.4", "10.244.1.2", 1));
  EXPECT_FALSE(c.in("198.51.100.1", "10.244.1.2", 1));
  EXPECT_FALSE(c.in("10.244.1.3", "10.244.1.5", 1));  // env=prod
  EXPECT_TRUE(c.in("10.244.1.4", "10.244.1.5", 1));   // env=dev
  EXPECT_TRUE(c.in("10.244.1.2", "10.244.1.5", 1));   // no env label: NotIn holds
}

// A named port is the destination pod's: each pod may map "http" to its own
// number. For egress the destination is the remote pod; an address outside
// the cluster has no named ports.
TEST(NetworkPolicyEngine, NamedPortsResolveOnTheDestinationPod) {
  NetworkPolicy in = policy("ns", "http-in", select({{"app", "web"}}), true, false);
  in.ingress.push_back({{}, {named("http")}});
  NetworkPolicy out = policy("ns", "dns-out", select({{"app", "client"}}), false, true);
  out.egress.push_back({{}, {named("dns", Protocol::udp)}});
  Cluster c({in, out});
  c.pod("10.244.1.2", "ns", {{"app", "web"}}, serving({container_port("http", 8080)}));
  c.pod("10.244.1.3", "ns", {{"app", "web"}},
        serving({container_port("metrics", 8080), container_port("http", 9090)}));
  c.pod("10.244.1.4", "ns", {{"app", "client"}});
  c.pod("10.244.1.5", "kube-system", {{"k8s-app", "kube-dns"}},
        serving({container_port("dns", 53, Protocol::udp), container_port("dns-tcp", 53)}));
  PodSpec init_only;
  init_only.init_containers.push_back(Container{});
  init_only.init_containers.back().ports.push_back(container_port("http", 7070));
  c.pod("10.244.1.6", "ns", {{"app", "web"}}, init_only);

  EXPECT_TRUE(c.in("10.244.1.4", "10.244.1.2", 8080));
  EXPECT_FALSE(c.in("10.244.1.4", "10.244.1.2", 9090));
  EXPECT_FALSE(c.in("10.244.1.4", "10.244.1.2", 8080, UDP));  // the name is declared for TCP
  EXPECT_TRUE(c.in("10.244.1.4", "10.244.1.3", 9090));
  EXPECT_FALSE(c.in("10.244.1.4", "10.244.1.3", 8080));  // 8080 is "metrics" there
  EXPECT_FALSE(c.in("10.244.1.4", "10.244.1.6", 7070));  // init containers serve nothing

  EXPECT_TRUE(c.out("10.244.1.4", "10.244.1.5", 53, UDP));
  EXPECT_FALSE(c.out("10.244.1.4", "10.244.1.5", 53, TCP));  // TCP 53 is "dns-tcp"
  EXPECT_FALSE(c.out("10.244.1.4", "8.8.8.8", 53, UDP));     // not a pod: no named ports
}

// "Targeting a range of ports": TCP 32000 through 32768, to 10.0.0.0/24.
TEST(NetworkPolicyEngine, EndPortMakesAnInclusiveRange) {
  NetworkPolicy p = policy("default", "multi-port-egress", select({{"role", "db"}}), false, true);
  p.egress.push_back({{block("10.0.0.0/24")}, {range(32000, 32768)}});
  Cluster c({p});
  c.pod("10.244.1.2", "default", {{"role", "db"}});
  EXPECT_FALSE(c.out("10.244.1.2", "10.0.0.9", 31999));
  EXPECT_TRUE(c.out("10.244.1.2", "10.0.0.9", 32000));
  EXPECT_TRUE(c.out("10.244.1.2", "10.0.0.9", 32500));
  EXPECT_TRUE(c.out("10.244.1.2", "10.0.0.9", 32768));
  EXPECT_FALSE(c.out("10.244.1.2", "10.0.0.9", 32769));
  EXPECT_FALSE(c.out("10.244.1.2", "10.0.1.9", 32000));
}

// A port's protocol defaults to TCP and must match; a port entry without a
// number admits every port of its protocol.
TEST(NetworkPolicyEngine, ProtocolsMustMatch) {
  NetworkPolicy p = policy("ns", "dns-and-udp", select(), true, false);
  NetworkPolicyPort any_udp;
  any_udp.protocol = Protocol::udp;
  p.ingress.push_back({{}, {port(53, Protocol::udp), port(443)}});
  p.ingress.push_back({{block("198.51.100.0/24")}, {any_udp}});
  NetworkPolicyPort sctp = port(9000, Protocol::sctp);
  p.ingress.push_back({{}, {sctp}});
  Cluster c({p});
  c.pod("10.244.1.2", "ns", {});
  EXPECT_TRUE(c.in("203.0.113.9", "10.244.1.2", 53, UDP));
  EXPECT_FALSE(c.in("203.0.113.9", "10.244.1.2", 53, TCP));
  EXPECT_TRUE(c.in("203.0.113.9", "10.244.1.2", 443, TCP));
  EXPECT_FALSE(c.in("203.0.113.9", "10.244.1.2", 443, UDP));
  EXPECT_TRUE(c.in("198.51.100.7", "10.244.1.2", 12345, UDP));
  EXPECT_FALSE(c.in("198.51.100.7", "10.244.1.2", 12345, TCP));
  EXPECT_FALSE(c.in("203.0.113.9", "10.244.1.2", 9000, TCP));  // SCTP only
}

// ipBlock matches pod addresses as well (as Calico and Cilium do); host bits
// in a CIDR are dropped as the API server does; IPv6 blocks match nothing here.
TEST(NetworkPolicyEngine, IpBlocksMatchAnyAddressIncludingPods) {
  NetworkPolicy p = policy("ns", "blocks", select(), true, false);
  p.ingress.push_back(
      {{block("10.244.2.0/24", {"10.244.2.128/25"}), block("192.0.2.77/24"), block("fd00::/8")},
       {}});
  Cluster c({p});
  c.pod("10.244.1.2", "ns", {});
  c.pod("10.244.2.3", "elsewhere", {});
  EXPECT_TRUE(c.in("10.244.2.3", "10.244.1.2", 80));    // a pod, matched by address
  EXPECT_TRUE(c.in("10.244.2.127", "10.244.1.2", 80));  // not registered: same block
  EXPECT_FALSE(c.in("10.244.2.128", "10.244.1.2", 80));
  EXPECT_TRUE(c.in("192.0.2.0", "10.244.1.2", 80));
  EXPECT_TRUE(c.in("192.0.2.255", "10.244.1.2", 80));
  EXPECT_FALSE(c.in("192.0.3.0", "10.244.1.2", 80));
}

TEST(NetworkPolicyEngine, RejectsMalformedPolicies) {
  NetworkPolicy bad_cidr = policy("ns", "bad", select(), true, false);
  bad_cidr.source.file = "policy.yaml";
  bad_cidr.source.line = 3;
  bad_cidr.source.column = 1;
  bad_cidr.ingress.push_back({{block("10.0.0/8")}, {}});
  EXPECT_EQ(error_of([&] { NetworkPolicyEngine e({bad_cidr}, {}); }),
            "NetworkPolicy ns/bad (policy.yaml:3:1): ipBlock '10.0.0/8' is not a CIDR block such "
            "as 10.0.0.0/8");
  NetworkPolicy bad_except = policy("ns", "bad", select(), true, false);
  bad_except.ingress.push_back({{block("10.0.0.0/8", {"10.1.0.0/33"})}, {}});
  EXPECT_EQ(error_of([&] { NetworkPolicyEngine e({bad_except}, {}); }),
            "NetworkPolicy ns/bad: ipBlock '10.1.0.0/33' is not a CIDR block such as 10.0.0.0/8");
  NetworkPolicy mixed = policy("ns", "mixed", select(), true, false);
  NetworkPolicyPeer both = block("10.0.0.0/8");
  both.pod_selector = select();
  mixed.egress.push_back({{both}, {}});
  EXPECT_EQ(error_of([&] { NetworkPolicyEngine e({mixed}, {}); }),
            "NetworkPolicy ns/mixed: a peer needs podSelector and/or namespaceSelector, or an "
            "ipBlock alone");
  NetworkPolicy empty = policy("ns", "empty", select(), true, false);
  empty.ingress.push_back({{NetworkPolicyPeer{}}, {}});
  EXPECT_EQ(error_of([&] { NetworkPolicyEngine e({empty}, {}); }),
            "NetworkPolicy ns/empty: a peer needs podSelector and/or namespaceSelector, or an "
            "ipBlock alone");
}

TEST(NetworkPolicyEngine, NoPoliciesAllowEverything) {
  Cluster c({});
  EXPECT_FALSE(c.engine.any_policies());
  c.pod("10.244.1.2", "ns", {{"app", "a"}});
  EXPECT_TRUE(c.in("203.0.113.9", "10.244.1.2", 80));
  EXPECT_TRUE(c.out("10.244.1.2", "203.0.113.9", 80));
}

// --- cost ----------------------------------------------------------------------

// 50 namespaces of 200 pods (20 apps of 10 replicas), 10 policies each: a
// default deny both ways, and nine that admit some apps from some apps, a
// labelled namespace, and a block on a few ports. Every pod is isolated both
// ways by one or two policies. A million verdicts, half each way, must allocate
// nothing and take well under a second (asserted: 3 s, for noisy machines).
TEST(NetworkPolicyEngine, AMillionVerdictsAmong10000PodsAnd500Policies) {
  constexpr int kNamespaces = 50, kApps = 20, kReplicas = 10;
  std::vector<Namespace> namespaces;
  std::vector<NetworkPolicy> policies;
  for (int n = 0; n < kNamespaces; ++n) {
    const std::string ns = "ns-" + std::to_string(n);
    namespaces.push_back(namespace_(ns, {{"team", "t" + std::to_string(n % 5)}}));
    policies.push_back(policy(ns, "default-deny", select(), true, true));
    for (int k = 0; k < 9; ++k) {
      NetworkPolicy p = policy(ns, "p" + std::to_string(k),
                               select({{"app", "app-" + std::to_string(2 * k)}}), true, true);
      p.ingress.push_back({{pods_peer({{"app", "app-" + std::to_string(2 * k + 1)}}),
                            both_peer({{"team", "t" + std::to_string(k % 5)}}, {{"tier", "front"}}),
                            block("172.16.0.0/12", {"172.16.1.0/24"})},
                           {port(8080), range(9000, 9100)}});
      p.ingress.push_back({{namespaces_peer({{"team", "t0"}})}, {named("http")}});
      p.egress.push_back(
          {{pods_peer({}), block("10.0.0.0/8")}, {port(8080), port(53, Protocol::udp)}});
      policies.push_back(std::move(p));
    }
  }
  ASSERT_EQ(policies.size(), 500u);

  Cluster c(policies, namespaces);
  std::vector<net::Address> pods;
  for (int n = 0; n < kNamespaces; ++n) {
    for (int a = 0; a < kApps; ++a) {
      for (int r = 0; r < kReplicas; ++r) {
        const net::Address ip =
            parse_address("10.128.0.0") + static_cast<net::Address>(pods.size());
        const std::string ip_text = net::format_address(ip);
        c.pod(ip_text.c_str(), "ns-" + std::to_string(n),
              {{"app", "app-" + std::to_string(a)}, {"tier", r % 2 ? "front" : "back"}},
              serving({container_port("http", 8080)}), "192.168.0.1");
        pods.push_back(ip);
      }
    }
  }
  ASSERT_EQ(pods.size(), 10000u);

#ifdef NDEBUG
  constexpr int kVerdicts = 1'000'000;
#else
  constexpr int kVerdicts = 100'000;  // unoptimised builds check the same, faster
#endif
  static const std::uint16_t kPorts[] = {8080, 9050, 53, 443};
  std::uint64_t x = 0x2545F4914F6CDD1DULL;
  std::uint64_t allowed = 0;
  const std::uint64_t allocations = g_allocations.load();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kVerdicts; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const net::Address src = pods[x % pods.size()];
    const net::Address dst = pods[(x >> 20) % pods.size()];
    const std::uint16_t port = kPorts[(x >> 40) & 3];
    const net::Protocol proto = port == 53 ? UDP : TCP;
    allowed += (i & 1) ? c.engine.ingress_allowed(src, dst, port, proto)
                       : c.engine.egress_allowed(src, dst, port, proto);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(g_allocations.load(), allocations);
  // Both verdicts occur.
  EXPECT_GT(allowed, 0u);
  EXPECT_LT(allowed, static_cast<std::uint64_t>(kVerdicts));
  const auto& n = c.engine.counters();
  EXPECT_EQ(n.egress_allowed + n.egress_denied + n.ingress_allowed + n.ingress_denied,
            static_cast<std::uint64_t>(kVerdicts));
  std::printf("%d verdicts in %.3f s (%.0f ns each)\n", kVerdicts, seconds,
              seconds * 1e9 / kVerdicts);
#ifdef NDEBUG
  EXPECT_LT(seconds, 3.0);
#endif

  // Spot checks worked out from the policies: app-0 pods are selected by the
  // default deny and p0 (ingress from app-1 of their namespace, on 8080).
  const net::Address app0 = pods[0], app1 = pods[kReplicas], app3 = pods[3 * kReplicas];
  EXPECT_TRUE(c.engine.ingress_allowed(app1, app0, 8080, TCP));
  EXPECT_TRUE(c.engine.ingress_allowed(app1, app0, 9100, TCP));
  EXPECT_FALSE(c.engine.ingress_allowed(app1, app0, 9101, TCP));
  EXPECT_FALSE(c.engine.ingress_allowed(app3, app0, 9000, TCP));
  EXPECT_TRUE(c.engine.egress_allowed(app0, app3, 8080, TCP));
  EXPECT_FALSE(c.engine.egress_allowed(app0, app3, 443, TCP));
  EXPECT_FALSE(c.engine.egress_allowed(app1, app3, 8080, TCP));  // app-1 has only the default deny
}

}  // namespace
}  // namespace podwire::kube
