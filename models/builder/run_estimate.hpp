// RunEstimate: an order-of-magnitude forecast of what a cluster run will
// take, made from the built model before it runs, so that a run that cannot
// fit the machine is refused with its figures instead of dying of
// std::bad_alloc after minutes (docs/cli.md#too-much-for-the-machine). It
// counts what grows during a run without bound:
//  - requests offered beyond what the slowest stage serves: those a client's
//    load generator threads cannot send (threads / cpu_per_request per client
//    pod) or a saturated Service cannot serve (the Jackson estimate's
//    utilisation above 1: the share 1 - 1/utilisation of its arrivals), each
//    held until the end;
//  - connections in TIME_WAIT of traffic without keep-alive: 60 s of them,
//    at most one per ephemeral port toward the Service per client pod;
//  - (node, endpoint change) pairs of churn, each programmed by a node's
//    proxy: three endpoint changes per pod a churn action replaces (a new pod
//    ready, the old one terminating, then gone), every node programming each,
//    held in flight until its sync lands (their latencies are kept only as
//    histograms);
// at bytes per item measured on this simulator (run_estimate.cpp gives each
// figure's measurement). Events: the requests served at the events one
// request takes (fewer with keep-alive), the waiting ones at one each, and
// the nodes' programming of each change. The model as built is not in it:
// the caller measures that.
#pragma once

namespace podwire::builder {

struct RunEstimate {
  double requests = 0;          // sent by the traffic entries over the run
  double service_requests = 0;  // arriving at Services, downstream calls included
  double events = 0;
  double waiting = 0;    // requests offered beyond what the slowest stage serves, held to the end
  double time_wait = 0;  // connections in TIME_WAIT at once, at most
  double endpoint_changes = 0;     // churn's
  double programming_samples = 0;  // (node, endpoint change) pairs
  double waiting_bytes = 0;
  double time_wait_bytes = 0;
  double programming_bytes = 0;
  // The size of one of each, as measured (cluster_run_estimate.cpp,
  // queueing_run.cpp).
  double waiting_each_bytes = 0, time_wait_each_bytes = 0, programming_each_bytes = 0;
  bool queueing = false;  // a server farm's run: jobs, not requests, wait
  // What the run adds to the model as built: the sum of the three above.
  double memory_bytes() const { return waiting_bytes + time_wait_bytes + programming_bytes; }
};

}  // namespace podwire::builder
