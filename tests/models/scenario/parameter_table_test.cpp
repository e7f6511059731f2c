// The parameter table: every setting it lists is a key the parser reads and
// the unknown-key check knows, its default is a value the parser accepts, and
// it is read into the field whose default it shows.
#include "models/scenario/parameter_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace podwire::scenario {
namespace {

const std::string kMinimal = "run: {seed: 1, duration: 1s}\ncluster:\n  nodes: [{name: n}]\n";

// A default as a scenario writes it, or empty when the docs describe it in words.
bool plain(const std::string& text) {
  return !text.empty() && text.find(' ') == std::string::npos &&
         text.find('(') == std::string::npos;
}

TEST(ParameterTable, EverySettingTakesItsDefaultWithoutAWord) {
  int checked = 0;
  for (const ParameterSection& section : parameter_sections()) {
    for (const Parameter& p : section.rows) {
      if (p.path.empty() || !plain(p.default_text)) continue;
      const ClusterScenario s =
          parse_cluster_scenario(kMinimal, "s.yaml", {p.path + "=" + p.default_text});
      EXPECT_TRUE(s.diagnostics.items().empty()) << p.path << ": " << s.diagnostics.to_string();
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

TEST(ParameterTable, EachPathIsListedOnceAndSectionsHaveRows) {
  std::set<std::string> seen;
  for (const ParameterSection& section : parameter_sections()) {
    EXPECT_FALSE(section.rows.empty()) << section.title;
    for (const Parameter& p : section.rows) {
      if (p.path.empty()) continue;
      EXPECT_TRUE(seen.insert(p.path).second) << p.path << " twice";
      EXPECT_TRUE(p.read) << p.path;
      EXPECT_FALSE(p.source.empty()) << p.path;
      EXPECT_FALSE(p.takes.empty()) << p.path << " says nothing of what it takes";
    }
  }
}

TEST(ParameterTable, AValueReachesTheModelsConfig) {
  const ClusterScenario s = parse_cluster_scenario(
      kMinimal, "s.yaml",
      {"cluster.datapath.veth=1us", "cluster.datapath.vxlan_encap=2us",
       "cluster.datapath.service_lookup=3us", "cluster.proxy.mode=ipvs",
       "cluster.proxy.sync.ipvs_per_change=4ms", "churn.lifecycle.kubelet_notice=5ms",
       "cluster.dns.ndots=2", "cluster.proxy.ebpf_lb=maglev"});
  EXPECT_EQ(s.cluster.datapath.veth, engine::Time::us(1));
  EXPECT_EQ(s.cluster.cni_costs.encap, engine::Time::us(2));
  EXPECT_EQ(s.cluster.proxy.config.costs.service_lookup, engine::Time::us(3));
  EXPECT_EQ(s.cluster.proxy.config.mode, "ipvs");
  EXPECT_EQ(s.cluster.proxy.sync_costs.ipvs_per_change, engine::Time::ms(4));
  EXPECT_EQ(s.churn.lifecycle.kubelet_notice, engine::Time::ms(5));
  EXPECT_EQ(s.cluster.dns.ndots, 2);
  EXPECT_TRUE(s.cluster.proxy.config.ebpf_maglev);
}

TEST(ParameterTable, ACostMustNotBeNegativeAndAnUnknownKeyIsNamed) {
  try {
    parse_cluster_scenario(kMinimal, "s.yaml", {"cluster.proxy.iptables_rule=-1ns"});
    FAIL() << "a negative cost was accepted";
  } catch (const ScenarioError& e) {
    EXPECT_NE(e.diagnostics().to_string().find("cluster.proxy.iptables_rule: must not be negative"),
              std::string::npos)
        << e.diagnostics().to_string();
  }
  // An override that names no parameter is an error, with the nearest one.
  try {
    parse_cluster_scenario(kMinimal, "s.yaml", {"cluster.datapath.vethh=1us"});
    FAIL() << "an unknown override path was accepted";
  } catch (const ScenarioError& e) {
    const std::string w = e.diagnostics().to_string();
    EXPECT_NE(w.find("unknown field 'vethh'; did you mean cluster.datapath.veth?"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("veth, bridge, conntrack_lookup"), std::string::npos) << w;
  }
}

TEST(ParameterTable, TheMarkdownPageListsEverySetting) {
  const std::string page = parameters_markdown();
  for (const ParameterSection& section : parameter_sections()) {
    EXPECT_NE(page.find("## " + section.title), std::string::npos);
    for (const Parameter& p : section.rows) {
      if (p.path.empty()) continue;
      EXPECT_NE(page.find("| `" + p.path + "` | " + p.takes + " | " + p.default_text + " |"),
                std::string::npos)
          << p.path;
    }
  }
}

}  // namespace
}  // namespace podwire::scenario
