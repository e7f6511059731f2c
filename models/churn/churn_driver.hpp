// ChurnDriver: a scenario's churn events and random processes, each target
// resolved against the cluster when built, then scheduled on the simulator
// and run through its ChurnAction on the Lifecycle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/random_stream.hpp"
#include "engine/simulator.hpp"
#include "models/churn/churn_action.hpp"
#include "models/churn/churn_spec.hpp"
#include "models/churn/lifecycle.hpp"
#include "models/kube/cluster.hpp"

namespace podwire::churn {

class ChurnDriver {
 public:
  // A target that does not resolve: where it is written, its field path
  // ("churn.events[2]") and why.
  struct Problem {
    kube::SourceLocation at;
    std::string path;
    std::string message;
  };

  // Resolves every event's and process's target; what does not resolve is in
  // problems(). `random` draws when each process fires and which node of
  // `nodes` fails (the model names it "churn/processes"). O(events + processes)
  // lookups.
  ChurnDriver(engine::Simulator& sim, const kube::Cluster& cluster, const ChurnSpec& spec,
              engine::RandomStream random);
  ChurnDriver(const ChurnDriver&) = delete;
  ChurnDriver& operator=(const ChurnDriver&) = delete;

  const std::vector<Problem>& problems() const { return problems_; }

  // Schedules every event at its time, in order, then each process's first
  // firing; a process fires until its stop or `end`. The actions act on
  // `lifecycle`. std::logic_error when problems() is not empty.
  void start(Lifecycle& lifecycle, engine::Time end);

 private:
  // What an event or process acts on.
  struct Subject {
    std::uint32_t owner = 0;  // kube::Cluster::owners() index
    int pod = -1;             // pod/NAME; -1: one of the owner's at random
    int node = -1;            // node/NAME
    bool every_node = false;  // `nodes`
  };
  struct Event {
    const ChurnAction* action;
    Subject subject;
    int replicas;
    engine::Time at;
  };
  struct Process {
    const ChurnAction* action;
    Subject subject;
    double rate_per_s;
    engine::Time start;
    std::optional<engine::Time> stop;
  };

  bool resolve(const ChurnTarget& target, const ChurnAction& action, const kube::SourceLocation& at,
               const std::string& path, Subject& out);
  // The pod or node an action on one acts on this time; -1 when none.
  int pick(const ChurnAction& action, const Subject& subject);
  void on_event(std::uint64_t index);
  void schedule(std::size_t process);
  void on_process(std::uint64_t index);

  engine::Simulator& sim_;
  const kube::Cluster& cluster_;
  engine::RandomStream random_;
  Lifecycle* lifecycle_ = nullptr;
  engine::Time end_;
  std::vector<Event> events_;
  std::vector<Process> processes_;
  std::vector<Problem> problems_;
};

}  // namespace podwire::churn
