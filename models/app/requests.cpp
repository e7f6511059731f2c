#include "models/app/requests.hpp"

namespace podwire::app {

const char* to_string(RequestStatus s) {
  switch (s) {
    case RequestStatus::pending:
      return "pending";
    case RequestStatus::ok:
      return "ok";
    case RequestStatus::refused:
      return "refused";
    case RequestStatus::reset:
      return "reset";
    case RequestStatus::timeout:
      return "timeout";
    case RequestStatus::dns_failure:
      return "dns_failure";
    case RequestStatus::addr_unavailable:
      return "addr_unavailable";
    case RequestStatus::unfinished:
      return "unfinished";
  }
  return "?";
}

RequestRecord& RequestTable::create() {
  // Let go of the oldest records once finished and far enough behind.
  const std::uint64_t next = size() + 1;
  while (!records_.empty() && records_.front().status != RequestStatus::pending &&
         records_.front().id + kKeepFinished < next) {
    records_.pop_front();
    ++base_;
  }
  records_.emplace_back();
  records_.back().id = next;
  return records_.back();
}

std::uint32_t RequestTable::intern_url(const std::string& host, const std::string& path) {
  for (std::uint32_t i = 1; i < urls_.size(); ++i) {
    if (urls_[i].host == host && urls_[i].path == path) return i;
  }
  urls_.push_back(Url{host, path});
  return static_cast<std::uint32_t>(urls_.size() - 1);
}

void RequestTable::finish(std::uint64_t id, RequestStatus status, engine::Time now) {
  if (id < base_) return;  // let go already: it finished long ago
  RequestRecord& r = at(id);
  if (r.status != RequestStatus::pending) return;
  r.status = status;
  r.finished = now;
  finished.emit(r);
}

std::uint64_t RequestTable::finish_pending(engine::Time now) {
  std::uint64_t n = 0;
  // Observers of `finished` create no records, so the held records stay put.
  for (std::size_t i = 0, held = records_.size(); i < held; ++i) {
    if (records_[i].status != RequestStatus::pending) continue;
    records_[i].status = RequestStatus::unfinished;
    records_[i].finished = now;
    ++n;
    finished.emit(records_[i]);
  }
  return n;
}

}  // namespace podwire::app
