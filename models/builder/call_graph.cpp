#include "models/builder/call_graph.hpp"

#include <cstdint>

namespace podwire::builder {

std::vector<std::size_t> find_unbounded_cycle(std::size_t nodes,
                                              const std::vector<CallEdge>& edges) {
  // Out-edges of each node, in edge order.
  std::vector<std::vector<std::size_t>> out(nodes);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (!edges[e].bounded && edges[e].from < nodes && edges[e].to < nodes)
      out[edges[e].from].push_back(e);
  }
  // Iterative depth-first search: white (0), on the current path (1), done (2).
  // A grey node reached again closes a cycle: the path's edges from it on.
  enum : std::uint8_t { white, grey, black };
  std::vector<std::uint8_t> colour(nodes, white);
  struct Frame {
    std::size_t node;
    std::size_t next;     // the next out-edge to try
    std::size_t via = 0;  // the edge that reached this node
  };
  std::vector<Frame> path;
  for (std::size_t root = 0; root < nodes; ++root) {
    if (colour[root] != white) continue;
    path.push_back(Frame{root, 0});
    colour[root] = grey;
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next == out[f.node].size()) {
        colour[f.node] = black;
        path.pop_back();
        continue;
      }
      const std::size_t e = out[f.node][f.next++];
      const std::size_t to = edges[e].to;
      if (colour[to] == grey) {
        std::vector<std::size_t> cycle;
        std::size_t i = path.size();
        while (path[i - 1].node != to) --i;
        for (std::size_t k = i; k < path.size(); ++k) cycle.push_back(path[k].via);
        cycle.push_back(e);
        return cycle;
      }
      if (colour[to] == white) {
        colour[to] = grey;
        path.push_back(Frame{to, 0, e});
      }
    }
  }
  return {};
}

}  // namespace podwire::builder
