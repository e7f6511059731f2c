// Test helpers for the cluster state: objects from inline manifest text
// (failing the test on any error) and a cluster of identical nodes.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "models/kube/cluster.hpp"
#include "models/kube/manifest_loader.hpp"

namespace podwire::test_support {

inline kube::ObjectSet objects_of(const std::string& yaml) {
  kube::Diagnostics d;
  kube::ObjectSet s = kube::parse_manifest_text(yaml, "test.yaml", d);
  EXPECT_FALSE(d.has_errors()) << d.to_string();
  return s;
}

// n nodes named node-0 .. node-(n-1) with 16 GiB each.
inline kube::ClusterConfig nodes(int n, std::int64_t cpu_millicores = 4000, int max_pods = 110) {
  kube::ClusterConfig c;
  for (int i = 0; i < n; ++i) {
    c.nodes.push_back(
        kube::NodeConfig{"node-" + std::to_string(i), cpu_millicores, 16LL << 30, max_pods, {}});
  }
  return c;
}

}  // namespace podwire::test_support
