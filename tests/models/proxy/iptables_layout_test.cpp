// The rules a first packet walks, per kube-proxy release, against the nat
// table each release writes for a small cluster. The tables below are
// written out by hand from each release's pkg/proxy/iptables/proxier.go, in
// iptables-save form, and a small interpreter walks them: the counts it
// finds are what iptables_walk() must compute from positions alone.
#include "models/proxy/iptables_layout.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "models/net/host.hpp"

namespace podwire::proxy {
namespace {

// Three Service ports, in this KUBE-SERVICES order: a (2 endpoints), b (a
// NodePort, 3 endpoints), c (1 endpoint). Pod CIDR 10.244.0.0/16.
const char* kUpTo120 = R"(
-A KUBE-SERVICES ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-SVC-A
-A KUBE-SERVICES ! -s 10.244.0.0/16 -d 10.96.0.11/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp --dport 80 -j KUBE-SVC-B
-A KUBE-SERVICES ! -s 10.244.0.0/16 -d 10.96.0.12/32 -p tcp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -d 10.96.0.12/32 -p tcp --dport 53 -j KUBE-SVC-C
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -p tcp --dport 30080 -j KUBE-MARK-MASQ
-A KUBE-NODEPORTS -p tcp --dport 30080 -j KUBE-SVC-B
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SVC-A -m statistic --mode random --probability 0.5 -j KUBE-SEP-A1
-A KUBE-SVC-A -j KUBE-SEP-A2
-A KUBE-SVC-B -m statistic --mode random --probability 0.33333 -j KUBE-SEP-B1
-A KUBE-SVC-B -m statistic --mode random --probability 0.5 -j KUBE-SEP-B2
-A KUBE-SVC-B -j KUBE-SEP-B3
-A KUBE-SVC-C -j KUBE-SEP-C1
)";

const char* kFrom121 = R"(
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-SVC-A
-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp --dport 80 -j KUBE-SVC-B
-A KUBE-SERVICES -d 10.96.0.12/32 -p tcp --dport 53 -j KUBE-SVC-C
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -p tcp --dport 30080 -j KUBE-SVC-B
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SVC-A ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-A -m statistic --mode random --probability 0.5 -j KUBE-SEP-A1
-A KUBE-SVC-A -j KUBE-SEP-A2
-A KUBE-SVC-B ! -s 10.244.0.0/16 -d 10.96.0.11/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-B -p tcp --dport 30080 -j KUBE-MARK-MASQ
-A KUBE-SVC-B -m statistic --mode random --probability 0.33333 -j KUBE-SEP-B1
-A KUBE-SVC-B -m statistic --mode random --probability 0.5 -j KUBE-SEP-B2
-A KUBE-SVC-B -j KUBE-SEP-B3
-A KUBE-SVC-C ! -s 10.244.0.0/16 -d 10.96.0.12/32 -p tcp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-C -j KUBE-SEP-C1
)";

const char* kFrom124 = R"(
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-SVC-A
-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp --dport 80 -j KUBE-SVC-B
-A KUBE-SERVICES -d 10.96.0.12/32 -p tcp --dport 53 -j KUBE-SVC-C
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -p tcp --dport 30080 -j KUBE-EXT-B
-A KUBE-EXT-B -j KUBE-MARK-MASQ
-A KUBE-EXT-B -j KUBE-SVC-B
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SVC-A ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-A -m statistic --mode random --probability 0.5 -j KUBE-SEP-A1
-A KUBE-SVC-A -j KUBE-SEP-A2
-A KUBE-SVC-B ! -s 10.244.0.0/16 -d 10.96.0.11/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-B -m statistic --mode random --probability 0.33333 -j KUBE-SEP-B1
-A KUBE-SVC-B -m statistic --mode random --probability 0.5 -j KUBE-SEP-B2
-A KUBE-SVC-B -j KUBE-SEP-B3
-A KUBE-SVC-C ! -s 10.244.0.0/16 -d 10.96.0.12/32 -p tcp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-C -j KUBE-SEP-C1
)";

// Every endpoint chain: the hairpin masquerade, then the DNAT.
const char* kEndpointChains = R"(
-A KUBE-SEP-A1 -s 10.244.1.2/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-A1 -p tcp -j DNAT --to-destination 10.244.1.2:8080
-A KUBE-SEP-A2 -s 10.244.2.2/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-A2 -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SEP-B1 -s 10.244.1.3/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-B1 -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-B2 -s 10.244.2.3/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-B2 -p tcp -j DNAT --to-destination 10.244.2.3:8080
-A KUBE-SEP-B3 -s 10.244.3.3/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-B3 -p tcp -j DNAT --to-destination 10.244.3.3:8080
-A KUBE-SEP-C1 -s 10.244.1.4/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-C1 -p tcp -j DNAT --to-destination 10.244.1.4:53
)";

const net::Address kNode = net::parse_address("10.0.0.1");

struct Rule {
  std::map<std::string, std::string> match;  // "-d", "!-s", "--dport", "--dst-type", "statistic"
  std::string target;
};
using Table = std::map<std::string, std::vector<Rule>>;

Table parse(const std::string& text) {
  Table t;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::istringstream w(line);
    std::string word, chain;
    w >> word >> chain;  // -A CHAIN
    Rule r;
    bool negate = false;
    while (w >> word) {
      if (word == "!") {
        negate = true;
        continue;
      }
      if (word == "-j") {
        w >> r.target;
        break;
      }
      if (word == "-s" || word == "-d" || word == "--dport" || word == "--dst-type") {
        std::string value;
        w >> value;
        r.match[(negate ? "!" : "") + word] = value;
      } else if (word == "statistic") {
        r.match["statistic"] = "";
      }
      negate = false;
    }
    t[chain].push_back(r);
  }
  return t;
}

struct Packet {
  net::Address src, dst;
  int dport;
};

bool in(const std::string& cidr, net::Address a) {
  const auto slash = cidr.find('/');
  const net::Address base = net::parse_address(cidr.substr(0, slash));
  const int bits = std::stoi(cidr.substr(slash + 1));
  const net::Address mask = bits == 0 ? 0 : ~net::Address{0} << (32 - bits);
  return (a & mask) == (base & mask);
}

// Walks the nat PREROUTING path from KUBE-SERVICES as netfilter does: rules
// in order, jumps into chains and back, until the DNAT. The statistic rules
// of a chain fire at the `chosen`-th one (the last rule has no statistic).
struct Walker {
  const Table& table;
  int chosen;
  std::map<std::string, std::uint32_t> evaluated;  // by chain family
  bool done = false;

  static std::string family(const std::string& chain) {
    for (const char* f : {"KUBE-SVC", "KUBE-SEP", "KUBE-EXT"}) {
      if (chain.rfind(f, 0) == 0) return f;
    }
    return chain;
  }

  bool matches(const Rule& r, const Packet& p, int& statistic_seen) const {
    for (const auto& [key, value] : r.match) {
      if (key == "-s" && !in(value, p.src)) return false;
      if (key == "!-s" && in(value, p.src)) return false;
      if (key == "-d" && !in(value, p.dst)) return false;
      if (key == "--dport" && std::stoi(value) != p.dport) return false;
      if (key == "--dst-type" && p.dst != kNode) return false;
      if (key == "statistic" && statistic_seen++ != chosen) return false;
    }
    return true;
  }

  void walk(const std::string& chain, const Packet& p) {
    int statistic_seen = 0;
    for (const Rule& r : table.at(chain)) {
      ++evaluated[family(chain)];
      if (!matches(r, p, statistic_seen)) continue;
      if (r.target == "DNAT") {
        done = true;
        return;
      }
      if (r.target == "MARK") continue;
      walk(r.target, p);
      if (done) return;
    }
  }
};

IptablesWalk interpret(const char* layout, const Packet& p, int chosen) {
  const Table t = parse(std::string(layout) + kEndpointChains);
  Walker w{t, chosen, {}, false};
  w.walk("KUBE-SERVICES", p);
  EXPECT_TRUE(w.done) << "no DNAT reached";
  IptablesWalk out;
  out.services = w.evaluated["KUBE-SERVICES"];
  out.nodeports = w.evaluated["KUBE-NODEPORTS"];
  out.ext = w.evaluated["KUBE-EXT"];
  out.svc = w.evaluated["KUBE-SVC"];
  out.sep = w.evaluated["KUBE-SEP"];
  out.mark = w.evaluated["KUBE-MARK-MASQ"];
  return out;
}

void expect_same(const IptablesWalk& want, const IptablesWalk& got, const std::string& what) {
  EXPECT_EQ(got.services, want.services) << what;
  EXPECT_EQ(got.nodeports, want.nodeports) << what;
  EXPECT_EQ(got.ext, want.ext) << what;
  EXPECT_EQ(got.svc, want.svc) << what;
  EXPECT_EQ(got.sep, want.sep) << what;
  EXPECT_EQ(got.mark, want.mark) << what;
}

struct Release {
  int minor;
  const char* table;
};

TEST(IptablesLayout, EachReleaseWalksTheRulesItsSourceWrites) {
  const net::Address pod = net::parse_address("10.244.5.9");
  const net::Address outside = net::parse_address("192.0.2.7");
  for (const Release& rel : {Release{19, kUpTo120}, Release{20, kUpTo120}, Release{21, kFrom121},
                             Release{23, kFrom121}, Release{24, kFrom124}, Release{36, kFrom124}}) {
    const IptablesLayout layout = iptables_layout(KubeProxyVersion{rel.minor});
    const std::string v = "1." + std::to_string(rel.minor) + ": ";
    for (int chosen = 0; chosen < 2; ++chosen) {
      // A pod to a's ClusterIP (first in KUBE-SERVICES).
      IptablesWalkInput a;
      a.position = 0;
      a.services = 3;
      a.node_ports = 1;
      a.chosen = static_cast<std::uint32_t>(chosen);
      expect_same(interpret(rel.table, {pod, net::parse_address("10.96.0.10"), 80}, chosen),
                  iptables_walk(layout, a), v + "pod to a");
      // A node's own process to b's ClusterIP: masqueraded.
      IptablesWalkInput b = a;
      b.position = 1;
      b.has_node_port = true;
      b.off_cluster_source = true;
      expect_same(interpret(rel.table, {kNode, net::parse_address("10.96.0.11"), 80}, chosen),
                  iptables_walk(layout, b), v + "node to b");
      // From outside to b's NodePort.
      IptablesWalkInput np = b;
      np.kind = FrontendKind::node_port;
      np.node_port_position = 0;
      np.off_cluster_source = false;
      expect_same(interpret(rel.table, {outside, kNode, 30080}, chosen), iptables_walk(layout, np),
                  v + "outside to b's NodePort");
    }
    // A pod to c, the last Service port.
    IptablesWalkInput c;
    c.position = 2;
    c.services = 3;
    c.node_ports = 1;
    expect_same(interpret(rel.table, {pod, net::parse_address("10.96.0.12"), 53}, 0),
                iptables_walk(layout, c), v + "pod to c");
  }
}

TEST(IptablesLayout, MasqueradeRulesInKubeServicesDoubleTheWalkBefore121) {
  IptablesWalkInput in;
  in.position = 999;
  in.services = 1000;
  EXPECT_EQ(iptables_walk(IptablesLayout::mark_in_services, in).services, 2000u);
  EXPECT_EQ(iptables_walk(IptablesLayout::mark_in_svc, in).services, 1000u);
  EXPECT_EQ(iptables_walk(IptablesLayout::ext_chains, in).services, 1000u);
  // A NodePort walks every Service rule, then its place in KUBE-NODEPORTS.
  in.kind = FrontendKind::node_port;
  in.node_ports = 10;
  in.node_port_position = 4;
  EXPECT_EQ(iptables_walk(IptablesLayout::ext_chains, in).services, 1001u);
  EXPECT_EQ(iptables_walk(IptablesLayout::ext_chains, in).nodeports, 5u);
  EXPECT_EQ(iptables_walk(IptablesLayout::mark_in_services, in).nodeports, 10u);
}

TEST(KubeProxyVersion, ParsesReleasesAndKnowsPartialRestores) {
  KubeProxyVersion v;
  EXPECT_TRUE(KubeProxyVersion::parse("1.28", v));
  EXPECT_EQ(v.minor, 28);
  EXPECT_TRUE(KubeProxyVersion::parse("v1.19.4", v));
  EXPECT_EQ(v.minor, 19);
  for (const char* bad : {"", "1.", "2.28", "1.28.", "1.28.x", "1.9", "1.99", "latest", "1.28a"}) {
    KubeProxyVersion w;
    EXPECT_FALSE(KubeProxyVersion::parse(bad, w)) << bad;
  }
  EXPECT_FALSE(KubeProxyVersion{25}.partial_restore_available());
  EXPECT_TRUE(KubeProxyVersion{26}.partial_restore_available());
  EXPECT_FALSE(KubeProxyVersion{26}.partial_restore_default());
  EXPECT_TRUE(KubeProxyVersion{27}.partial_restore_default());
}

}  // namespace
}  // namespace podwire::proxy
