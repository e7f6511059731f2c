// The table list of a cluster trace: each table has its own documented path,
// a run with every output on writes every one of them with rows, and the
// outputs a scenario leaves off leave their tables out or empty.
#include "models/builder/trace_tables/trace_table.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "models/builder/trace_hookup.hpp"
#include "models/scenario/scenario_document.hpp"
#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/reader.hpp"
#include "tests/support/web_cluster.hpp"

namespace podwire::builder {
namespace {

namespace fs = std::filesystem;
namespace h5 = trace::h5;

std::string scenario(const std::string& outputs, const std::string& churn) {
  test_support::WebCluster c;
  c.run = "{seed: 3, duration: 4s, warmup: 1s}";
  c.cpus = 2;
  c.traffic =
      "  - {name: requests, from: client, url: \"http://web/\", rate: 100/s, keep_alive: false}\n";
  c.outputs = outputs;
  c.churn = churn;
  return c.text();
}

const std::string kRollout = "  events: [{at: 2s, rollout: deployment/web}]\n";

std::string traced(const std::string& text, const std::string& name) {
  const ClusterScenario s = scenario::parse_cluster_scenario(text, "trace.yaml", {});
  ClusterModel model(s);
  const std::string path = (fs::temp_directory_path() / name).string();
  run_cluster(model, path);
  return path;
}

std::uint64_t rows(const h5::File& f, std::string_view path) {
  return h5::dataset_shape(f, path).at(0);
}

TEST(TraceTables, EachHasItsOwnPathAndTheTraceFormatDocumentsIt) {
  std::ifstream in(std::string(PODWIRE_SOURCE_DIR) + "/docs/trace-format.md");
  std::stringstream doc;
  doc << in.rdbuf();
  ASSERT_FALSE(doc.str().empty());
  std::set<std::string_view> seen;
  for (const TraceTableEntry* e : trace_tables()) {
    EXPECT_TRUE(seen.insert(e->path).second) << e->path << " registered twice";
    EXPECT_NE(doc.str().find("`" + std::string(e->path) + "`"), std::string::npos) << e->path;
  }
}

TEST(TraceTables, ARunWithEveryOutputOnWritesEveryTable) {
  const std::string p = traced(
      scenario("{connections: true, packets: {every: 20}, programming_records: true}", kRollout),
      "podwire_trace_tables_all.h5");
  const h5::File f = h5::File::open_read(p);
  // Every table but the one that only a run sending datagrams without a
  // reply has (test_cluster.py reads it back).
  for (const TraceTableEntry* e : trace_tables()) {
    if (e->path != "/summary/datagrams") {
      EXPECT_TRUE(f.exists(e->path)) << e->path;
    }
  }
  EXPECT_FALSE(f.exists("/summary/datagrams"));
  for (const char* streamed :
       {"/requests", "/dns", "/connections", "/packets", "/timeseries/nodes", "/timeseries/links",
        "/churn/events", "/programming/records", "/programming/nodes", "/programming/changes",
        "/dns_names", "/packet_places", "/links", "/endpoints"}) {
    EXPECT_GT(rows(f, streamed), 0u) << streamed;
  }
  EXPECT_EQ(rows(f, "/traffic"), 1u);
  EXPECT_EQ(rows(f, "/summary/traffic"), 1u);
  EXPECT_TRUE(h5::read_bool_attribute(f.open_group("/meta"), "complete"));

  // client_node names the client's node: an endpoint of /endpoints below the pods' ids.
  struct Endpoint {
    std::uint32_t id;
  };
  std::set<std::uint32_t> endpoints;
  for (const Endpoint& e :
       h5::read_rows(f, "/endpoints", h5::Schema<Endpoint>().column("id", &Endpoint::id))) {
    endpoints.insert(e.id);
  }
  struct Request {
    std::uint32_t client, client_node;
  };
  for (const Request& r : h5::read_rows(f, "/requests",
                                        h5::Schema<Request>()
                                            .column("client", &Request::client)
                                            .column("client_node", &Request::client_node))) {
    ASSERT_GE(r.client, ClusterModel::kPodIdBase);
    ASSERT_LT(r.client_node, ClusterModel::kPodIdBase);
    ASSERT_TRUE(endpoints.contains(r.client_node)) << r.client_node;
  }
  fs::remove(p);
}

TEST(TraceTables, OutputsLeftOffLeaveTheirTablesOutOrEmpty) {
  const std::string p = traced(scenario("{requests: false}", ""), "podwire_trace_tables_few.h5");
  const h5::File f = h5::File::open_read(p);
  for (const char* absent : {"/packets", "/packet_places", "/programming/records",
                             "/programming/nodes", "/programming/changes", "/churn/events"}) {
    EXPECT_FALSE(f.exists(absent)) << absent;
  }
  for (const char* empty : {"/requests", "/dns", "/connections", "/dns_names"})
    EXPECT_EQ(rows(f, empty), 0u) << empty;
  EXPECT_GT(rows(f, "/timeseries/nodes"), 0u);
  EXPECT_EQ(rows(f, "/summary/traffic"), 1u);
  fs::remove(p);
}

TEST(TraceTables, TheSummaryHoldsTheCountersAndNodesTheRunReports) {
  const ClusterScenario s = scenario::parse_cluster_scenario(scenario("{}", ""), "trace.yaml", {});
  ClusterModel model(s);
  const std::string p = (fs::temp_directory_path() / "podwire_trace_tables_summary.h5").string();
  const ClusterRunResult r = run_cluster(model, p);
  const h5::File f = h5::File::open_read(p);
  const h5::Group datapath = f.open_group("/summary/datapath");
  EXPECT_GT(r.datapath.service_translations, 0u);
  EXPECT_EQ(h5::read_uint_attribute(datapath, "service_translations"),
            r.datapath.service_translations);
  EXPECT_EQ(h5::read_uint_attribute(datapath, "encapsulated"), r.datapath.encapsulated);
  EXPECT_EQ(h5::read_uint_attribute(datapath, "conntrack_entries"), r.conntrack_entries);
  EXPECT_DOUBLE_EQ(h5::read_double_attribute(datapath, "kernel_work_s"), r.datapath.work.seconds());
  const h5::Group dns = f.open_group("/summary/dns");
  EXPECT_GT(r.dns_lookups, 0u);
  EXPECT_EQ(h5::read_uint_attribute(dns, "lookups"), r.dns_lookups);
  EXPECT_EQ(h5::read_uint_attribute(dns, "coredns_queries"), r.dns.queries);

  struct Node {
    char name[64];
    std::int64_t cores;
    double application_cpu_s;
  };
  const auto nodes = h5::read_rows(f, "/summary/nodes",
                                   h5::Schema<Node>()
                                       .column("name", &Node::name)
                                       .column("cores", &Node::cores)
                                       .column("application_cpu_s", &Node::application_cpu_s));
  ASSERT_EQ(nodes.size(), r.nodes.size());
  ASSERT_EQ(nodes.size(), 3u);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(std::string(nodes[i].name), r.nodes[i].name);
    EXPECT_EQ(nodes[i].cores, r.nodes[i].cores);
    EXPECT_DOUBLE_EQ(nodes[i].application_cpu_s, r.nodes[i].application_cpu_s);
  }
  EXPECT_GT(nodes[1].application_cpu_s, 0.0);  // a worker served requests
  fs::remove(p);
}

}  // namespace
}  // namespace podwire::builder
