// The tables of a cluster trace: to add one, write its <name>_table.cpp
// (listed in CMakeLists.txt here) and add it to kTables, beside its
// declaration.
#include "models/builder/trace_tables/trace_table.hpp"

namespace podwire::builder {

// Each defined in its <name>_table.cpp.
extern const TraceTableEntry requests_table, node_samples_table, link_samples_table, dns_table,
    connections_table, packets_table, links_table, programming_records_table, churn_events_table,
    programming_nodes_table, programming_changes_table, targets_table, traffic_table,
    endpoints_table, traffic_summary_table, service_summary_table, datagram_summary_table,
    node_summary_table, summary_records_table;

namespace {

constexpr const TraceTableEntry* kTables[] = {
    &requests_table,
    &node_samples_table,
    &link_samples_table,
    &dns_table,
    &connections_table,
    &packets_table,
    &links_table,
    &programming_records_table,
    &churn_events_table,
    &programming_nodes_table,
    &programming_changes_table,
    &targets_table,
    &traffic_table,
    &endpoints_table,
    &traffic_summary_table,
    &service_summary_table,
    &datagram_summary_table,
    &node_summary_table,
    &summary_records_table,
};

}  // namespace

std::span<const TraceTableEntry* const> trace_tables() { return kTables; }

}  // namespace podwire::builder
