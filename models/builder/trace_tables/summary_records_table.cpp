// /summary/datapath and /summary/dns: every record of the run's figures
// (ClusterRunResult::visit's v.record, figures.hpp) as the attributes of a
// group of that name under /summary, one attribute per field under its key
// in the result dict: the datapath and DNS counters summed over nodes that
// `podwire run` prints, so that `podwire summary` prints them from the trace.
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "models/builder/trace_tables/trace_table.hpp"

namespace podwire::builder {
namespace {

template <class T>
inline constexpr bool kUnsupported = false;

// The fields of one record, each an attribute of its group. A Time is
// seconds, as in the result dict; an empty optional is NaN.
class RecordAttributes {
 public:
  explicit RecordAttributes(trace::h5::Group group) : group_(std::move(group)) {}

  template <class T>
  void operator()(std::string_view key, const T& value) {
    if constexpr (std::is_same_v<T, engine::Time>) {
      group_.set_attribute(key, value.seconds());
    } else if constexpr (std::is_same_v<T, std::optional<engine::Time>>) {
      group_.set_attribute(key, value ? value->seconds() : std::nan(""));
    } else if constexpr (std::is_same_v<T, std::optional<double>>) {
      group_.set_attribute(key, value.value_or(std::nan("")));
    } else if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
      group_.set_attribute(key, value);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      group_.set_attribute(key, std::string_view(value));
    } else {
      static_assert(kUnsupported<T>, "a record of the figures holds a value no attribute can");
    }
  }

 private:
  trace::h5::Group group_;
};

// Visits the whole result and writes only its records; the rest (per
// traffic entry, per Service, per node) has tables of its own.
class RecordsOnly {
 public:
  explicit RecordsOnly(trace::h5::File& file) : file_(file) {}

  template <class T>
  void operator()(std::string_view, const T&) {}

  template <class Fields>
  void record(std::string_view key, Fields&& fields) {
    RecordAttributes group(file_.create_group("/summary/" + std::string(key)));
    std::forward<Fields>(fields)(group);
  }

 private:
  trace::h5::File& file_;
};

class SummaryRecordsTable final : public TraceTable {
 public:
  explicit SummaryRecordsTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    RecordsOnly records(c_.file);
    run.visit(records);
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry summary_records_table{"/summary/datapath",
                                                   &open_table<SummaryRecordsTable>};

}  // namespace podwire::builder
