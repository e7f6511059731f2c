// The table of churn actions: one entry per key, found by its key, each with
// what its kind of action needs, and the scenario parser's messages listing
// the table's keys.
#include "models/churn/churn_action.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "models/scenario/cluster_scenario.hpp"
#include "tests/support/web_cluster.hpp"

namespace podwire::churn {
namespace {

// "a, b or c", as the parser's messages list keys.
std::string listed(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += i + 1 == keys.size() ? " or " : ", ";
    out += keys[i];
  }
  return out;
}

std::string errors_of(const std::string& churn) {
  test_support::WebCluster c;
  c.client_node = false;
  c.service = false;
  c.client = test_support::WebCluster::Client::none;
  c.apps.clear();
  c.churn = churn;
  const std::string text = c.text();
  try {
    scenario::parse_cluster_scenario(text, "s.yaml");
  } catch (const scenario::ScenarioError& e) {
    return e.diagnostics().to_string();
  }
  return "";
}

TEST(ChurnAction, EveryKeyIsUniqueAndFoundByFindChurnAction) {
  ASSERT_FALSE(churn_actions().empty());
  std::set<std::string_view> keys;
  for (const ChurnAction* a : churn_actions()) {
    ASSERT_NE(a, nullptr);
    EXPECT_FALSE(a->key.empty());
    EXPECT_TRUE(keys.insert(a->key).second) << "twice: " << a->key;
    EXPECT_EQ(find_churn_action(a->key), a) << a->key;
  }
  EXPECT_EQ(find_churn_action("explode"), nullptr);
  EXPECT_EQ(find_churn_action(""), nullptr);
  EXPECT_EQ(find_churn_action("Rollout"), nullptr);
  EXPECT_EQ(find_churn_action("replicas"), nullptr);  // a parameter, not an action
}

TEST(ChurnAction, RandomAndFrequencyKeyFollowWhatItActsOn) {
  for (const ChurnAction* a : churn_actions()) {
    SCOPED_TRACE(std::string(a->key));
    switch (a->acts) {
      case ChurnAction::Acts::workload:
        EXPECT_FALSE(a->random());
        EXPECT_NE(a->on_workload, nullptr);
        break;
      case ChurnAction::Acts::pod:
        EXPECT_TRUE(a->random());
        EXPECT_EQ(a->frequency_key(), "rate");
        EXPECT_NE(a->on_one, nullptr);
        EXPECT_FALSE(a->noun.empty());
        break;
      case ChurnAction::Acts::node:
        EXPECT_TRUE(a->random());
        EXPECT_EQ(a->frequency_key(), "mtbf");
        EXPECT_NE(a->on_one, nullptr);
        EXPECT_FALSE(a->noun.empty());
        break;
    }
  }
  // The actions that shipped with the table, as the scenario format documents them.
  ASSERT_NE(find_churn_action("rollout"), nullptr);
  EXPECT_FALSE(find_churn_action("rollout")->random());
  EXPECT_TRUE(find_churn_action("scale")->takes_replicas);
  EXPECT_EQ(find_churn_action("delete")->frequency_key(), "rate");
  EXPECT_EQ(find_churn_action("crash")->frequency_key(), "rate");
  EXPECT_EQ(find_churn_action("fail")->frequency_key(), "mtbf");
}

TEST(ChurnAction, TheParsersErrorForAnUnknownActionListsTheTablesKeys) {
  std::vector<std::string_view> all, random;
  for (const ChurnAction* a : churn_actions()) {
    all.push_back(a->key);
    if (a->random()) random.push_back(a->key);
  }
  const std::string event = errors_of("  events: [{at: 1s, explode: deployment/web}]\n");
  EXPECT_NE(event.find("error: churn.events[0]: expected exactly one of " + listed(all)),
            std::string::npos)
      << event;
  EXPECT_NE(event.find("unknown field 'explode'"), std::string::npos) << event;
  for (std::string_view k : all) EXPECT_NE(event.find(std::string(k)), std::string::npos) << k;

  const std::string process = errors_of("  random: [{explode: deployment/web, rate: 1/s}]\n");
  EXPECT_NE(process.find("error: churn.random[0]: expected exactly one of " + listed(random)),
            std::string::npos)
      << process;
}

// A random process acts on what its action acts on: pods of a workload, or
// nodes; the wrong kind is an error, not a process that does nothing.
TEST(ChurnAction, ARandomProcessOnTheWrongKindOfTargetIsAnError) {
  EXPECT_EQ(
      errors_of("  random: [{delete: deployment/web, rate: 1/s}, {fail: nodes, mtbf: 3600s}]\n"),
      "");
  EXPECT_NE(errors_of("  random: [{fail: deployment/web, mtbf: 3600s}]\n")
                .find("churn.random[0]: fail takes nodes: fail: nodes or fail: node/NAME"),
            std::string::npos);
  EXPECT_NE(
      errors_of("  random: [{delete: node/worker-1, rate: 1/s}]\n").find("a node can only fail"),
      std::string::npos);
}

}  // namespace
}  // namespace podwire::churn
