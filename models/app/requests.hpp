// RequestTable: every application request of a run, one record each, with the
// times at which it passed each step, so a request's latency splits into DNS,
// connect, queueing, service, downstream calls, and network and kernel. A
// request a server makes while handling another is a record too, with that
// request as its parent. Completed records are announced on a signal that
// statistics and trace writers connect to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engine/signal.hpp"
#include "engine/time.hpp"

namespace podwire::app {

// addr_unavailable: connect() found no free local port toward the address
// (EADDRNOTAVAIL). unfinished: still pending when the run ended (set by
// RequestTable::finish_pending). Codes are stable: new ones go at the end.
enum class RequestStatus : std::uint8_t {
  pending,
  ok,
  refused,
  reset,
  timeout,
  dns_failure,
  addr_unavailable,
  unfinished,
};
inline constexpr std::size_t kRequestStatuses = 8;
const char* to_string(RequestStatus s);

struct RequestRecord {
  std::uint64_t id = 0;
  std::uint64_t parent = 0;  // 0 for a client's request
  std::uint32_t source = 0;  // traffic source, or the calling server's app index
  std::uint32_t client = 0;  // endpoint id of the sender
  std::uint32_t server = 0;  // endpoint id of the pod that served it (0: none)
  std::uint32_t target = 0;  // index of the target (a Service, usually) in the run's target table
  std::uint32_t url = 0;     // the request's host and path (RequestTable::url), 0: none
  std::uint32_t route = 0;   // the route it asks for (the run's route names), 0: none
  RequestStatus status = RequestStatus::pending;
  bool reused_connection = false;
  // A datagram sent without a reply (fire and forget): finished `ok` when
  // handed to the kernel; what became of it is announced on
  // RequestTable::datagram.
  bool oneway = false;
  std::uint8_t retries = 0;  // attempts after the first (a refused, reset or timed-out connection)
  std::uint16_t depth = 0;   // calls between it and its client's request (0: that request)
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  engine::Time started;          // the client decided to send
  engine::Time dns_done;         // name resolved (= started when no lookup)
  engine::Time connected;        // connection ready (= dns_done when one was reused)
  engine::Time server_arrived;   // whole request at the server
  engine::Time service_started;  // worker slot obtained
  engine::Time service_done;
  engine::Time calls_done;  // downstream calls finished (= service_done without calls)
  engine::Time response_sent;
  engine::Time finished;  // whole response at the client, or the failure

  engine::Time total() const { return finished - started; }
  engine::Time dns() const { return dns_done - started; }
  engine::Time connect() const { return connected - dns_done; }
  engine::Time queueing() const { return service_started - server_arrived; }
  engine::Time service() const { return service_done - service_started; }
  engine::Time calls() const { return calls_done - service_done; }
  engine::Time at_server() const { return response_sent - server_arrived; }
  // What is left: the network, the kernels and the proxies, both ways.
  engine::Time network() const { return total() - dns() - connect() - at_server(); }
};

// The requests in flight, by id. Ids grow from 1; a finished record stays
// readable until well after it was announced (kKeepFinished more requests
// have been created), then its memory is reused, so a run of any length holds
// only the requests in flight and a bounded tail: observers that want every
// record (trace writers, statistics) take it from `finished`.
class RequestTable {
 public:
  static constexpr std::uint64_t kKeepFinished = 4096;

  // A new record with its id set. References stay valid while the record is
  // held (in flight, or among the last kKeepFinished finished); keep ids.
  RequestRecord& create();
  // A record let go long ago (a server still busy with a request its client
  // gave up on) reads as a blank scratch record, and writes to it go nowhere.
  RequestRecord& at(std::uint64_t id) {
    if (id < base_) return scratch_ = RequestRecord{};
    return records_[id - base_];
  }
  const RequestRecord& at(std::uint64_t id) const {
    return id < base_ ? scratch_ : records_[id - base_];
  }
  std::uint64_t size() const { return base_ - 1 + records_.size(); }  // records created
  std::size_t held() const { return records_.size(); }
  // Whether the record is still held (at() reads it, not a scratch record).
  bool holds(std::uint64_t id) const { return id >= base_ && id - base_ < records_.size(); }

  // Host and path of HTTP requests, interned: what an L7 proxy routes by.
  struct Url {
    std::string host;
    std::string path;
  };
  std::uint32_t intern_url(const std::string& host, const std::string& path);
  const Url& url(std::uint32_t i) const { return urls_[i]; }

  // Sets the status and finish time and announces the record.
  void finish(std::uint64_t id, RequestStatus status, engine::Time now);
  // At the end of a run: every record still pending finishes `unfinished` at
  // `now`, in id order, so it is counted and traced. Returns how many.
  std::uint64_t finish_pending(engine::Time now);

  engine::Signal<const RequestRecord&> finished;

  // What became of a oneway datagram at the application it was sent to:
  // taken into its socket's receive queue, dropped there (the queue was
  // full), or consumed (its handler, calls included, done; the record's
  // server times set). A datagram lost on the way is announced by nobody:
  // it is what was sent and never received.
  enum class Datagram : std::uint8_t { received, dropped, consumed };
  engine::Signal<const RequestRecord&, Datagram> datagram;

 private:
  std::deque<RequestRecord> records_;  // ids base_, base_ + 1, ...
  std::uint64_t base_ = 1;
  mutable RequestRecord scratch_;
  std::vector<Url> urls_{Url{}};
};

}  // namespace podwire::app
