// NameResolver: how an application turns the host of a URL into an address.
// In a pod it is the stub resolver that asks CoreDNS (dns_resolver.hpp);
// outside the cluster a fixed table; an address literal needs neither.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/simulator.hpp"
#include "models/net/packet.hpp"

namespace podwire::app {

class NameResolver {
 public:
  // ok false: the name does not resolve (or the lookup timed out).
  using Done = void (*)(void* context, std::uint64_t cookie, bool ok, net::Address address);
  virtual ~NameResolver() = default;
  // Calls done exactly once, never from inside resolve() itself.
  virtual void resolve(std::string_view name, Done done, void* context, std::uint64_t cookie) = 0;
  // Inside a Done callback: every address of the answer being delivered (a
  // headless Service's pods), in its order; empty when only the one is known.
  virtual std::span<const net::Address> answer() const { return {}; }
};

// Answers from a table after no time (in an event of its own); IPv4 literals
// answer themselves.
class StaticResolver final : public NameResolver {
 public:
  explicit StaticResolver(engine::Simulator& sim) : sim_(sim) {}
  void add(std::string name, net::Address a) { names_[std::move(name)] = a; }
  // The address `name` is answered with, at once; nullopt when none.
  std::optional<net::Address> lookup(const std::string& name) const {
    const auto it = names_.find(name);
    if (it == names_.end()) return std::nullopt;
    return it->second;
  }
  void resolve(std::string_view name, Done done, void* context, std::uint64_t cookie) override;

 private:
  struct Pending {
    Done done;
    void* context;
    std::uint64_t cookie;
    bool ok;
    net::Address address;
  };
  void on_answer(std::uint64_t slot);
  engine::Simulator& sim_;
  std::unordered_map<std::string, net::Address> names_;
  std::vector<Pending> pending_;
  std::vector<std::uint64_t> free_;
};

// The address an IPv4 literal spells, or nullopt.
std::optional<net::Address> address_literal(std::string_view name);

}  // namespace podwire::app
