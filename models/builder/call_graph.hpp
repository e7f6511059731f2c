// CallGraph: which application handler calls which, for the checks a call
// graph needs before it runs. A node is a handler (an app, or one route of
// it); an edge is a call from one handler to a handler that serves its target.
// An edge is bounded when it does not always happen (a probability below 1, or
// a depth limit): a cycle of unbounded edges never ends, one with a bounded
// edge ends with probability 1 (and its load is for the estimate to judge).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace podwire::builder {

struct CallEdge {
  std::size_t from = 0;
  std::size_t to = 0;
  bool bounded = false;
  std::size_t call = 0;  // the caller's own index for the call (where it is written)
};

// The edges of the first cycle that has only unbounded edges, in calling
// order from its first node; empty when there is none. Nodes and edges are
// visited in index order, so the answer depends only on the graph. O(V + E).
std::vector<std::size_t> find_unbounded_cycle(std::size_t nodes,
                                              const std::vector<CallEdge>& edges);

}  // namespace podwire::builder
