// QueueingTrace: streams a server-farm run into one HDF5 file: /meta (run
// identity and the whole resolved scenario), /requests (one row per finished
// request, written as the run goes) and /summary (figures beside theory).
// It observes the farm through its job_done signal; the model knows nothing of it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/queueing/server_farm.hpp"
#include "models/trace/run_identity.hpp"

namespace podwire::trace {

// Named figures for /summary; NaN stands for "no figure" (h5py reads it as nan).
struct SummaryFigures {
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::string>> texts;
};

class QueueingTrace {
 public:
  // Creates the file under a temporary name (renamed by finish() or by the
  // destructor), with /meta written and complete = false. std::runtime_error
  // naming the path when it cannot be created.
  QueueingTrace(const std::string& path, const RunIdentity& identity);
  ~QueueingTrace();
  QueueingTrace(const QueueingTrace&) = delete;
  QueueingTrace& operator=(const QueueingTrace&) = delete;

  // Starts recording every request the farm finishes.
  void attach(queueing::ServerFarm& farm);

  // Writes /summary and the end of /meta, sets complete, closes and renames the file.
  void finish(const SummaryFigures& summary, std::uint64_t events, engine::Time simulated,
              bool complete);

  std::uint64_t requests_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace podwire::trace
