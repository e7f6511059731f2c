#include "models/app/name_resolver.hpp"

#include <stdexcept>

#include "models/net/host.hpp"

namespace podwire::app {

std::optional<net::Address> address_literal(std::string_view name) {
  if (name.empty() || name.front() < '0' || name.front() > '9') return std::nullopt;
  try {
    return net::parse_address(name);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

void StaticResolver::resolve(std::string_view name, Done done, void* context,
                             std::uint64_t cookie) {
  Pending p{done, context, cookie, false, 0};
  if (const auto a = address_literal(name)) {
    p.ok = true;
    p.address = *a;
  } else if (const auto it = names_.find(std::string(name)); it != names_.end()) {
    p.ok = true;
    p.address = it->second;
  }
  std::uint64_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
    pending_[slot] = p;
  } else {
    slot = pending_.size();
    pending_.push_back(p);
  }
  sim_.schedule_in<&StaticResolver::on_answer>(engine::Time::zero(), this, slot);
}

void StaticResolver::on_answer(std::uint64_t slot) {
  const Pending p = pending_[slot];
  free_.push_back(slot);
  p.done(p.context, p.cookie, p.ok, p.address);
}

}  // namespace podwire::app
