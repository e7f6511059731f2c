#include "models/builder/cluster_sampler.hpp"

#include <algorithm>

namespace podwire::builder {

void ClusterSampler::start() {
  if (interval_ <= engine::Time::zero()) return;
  last_usage_.clear();
  for (const node::Node& n : nodes_) last_usage_.push_back(n.cpu().usage());
  last_ct_drops_.clear();
  for (const node::Node& n : nodes_)
    last_ct_drops_.push_back(n.datapath().counters().conntrack_drops);
  last_link_.clear();
  for (const net::Link& l : net_.links())
    last_link_.emplace_back(l.counters().busy, l.counters().drops);
  sim_.schedule_in<&ClusterSampler::on_sample>(interval_, this);
}

void ClusterSampler::on_sample() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const node::NodeCpu& c = nodes_[i].cpu();
    NodeSample s;
    s.at = sim_.now();
    s.node = static_cast<std::uint32_t>(i);
    s.kernel_busy = c.busy_fraction(node::CpuWork::kernel, last_usage_[i]);
    s.application_busy = c.busy_fraction(node::CpuWork::application, last_usage_[i]);
    s.system_busy = c.system_fraction(last_usage_[i]);
    s.softirq_busy = std::max(0.0, s.kernel_busy - s.system_busy);
    s.conntrack_entries = nodes_[i].conntrack().size();
    s.conntrack_drops = nodes_[i].datapath().counters().conntrack_drops - last_ct_drops_[i];
    last_ct_drops_[i] = nodes_[i].datapath().counters().conntrack_drops;
    last_usage_[i] = c.usage();
    node_sampled.emit(s);
  }
  std::size_t li = 0;
  for (const net::Link& l : net_.links()) {
    auto& [busy, drops] = last_link_[li];
    LinkSample ls;
    ls.at = sim_.now();
    ls.link = static_cast<std::uint32_t>(li);
    ls.utilisation = std::min(1.0, (l.counters().busy - busy) / interval_);
    ls.queued_packets = l.queued_packets();
    ls.drops = l.counters().drops - drops;
    busy = l.counters().busy;
    drops = l.counters().drops;
    link_sampled.emit(ls);
    ++li;
  }
  if (sim_.now() + interval_ <= until_)
    sim_.schedule_in<&ClusterSampler::on_sample>(interval_, this);
}

}  // namespace podwire::builder
