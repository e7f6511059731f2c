// Cidr: an IPv4 prefix such as 10.96.0.0/12, with the arithmetic IPAM needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/net/packet.hpp"

namespace podwire::kube {

class Cidr {
 public:
  Cidr() = default;
  // std::invalid_argument unless base has no bits set beyond the prefix.
  Cidr(net::Address base, int prefix_length);

  // "10.244.0.0/16"; std::invalid_argument with the text quoted on bad input,
  // including host bits set ("10.244.0.1/16").
  static Cidr parse(std::string_view text);

  net::Address base() const { return base_; }
  int prefix_length() const { return prefix_; }
  std::uint64_t size() const { return std::uint64_t{1} << (32 - prefix_); }
  bool contains(net::Address a) const { return (a & mask()) == base_; }
  bool overlaps(const Cidr& o) const;
  // The i-th address of the block; precondition i < size().
  net::Address at(std::uint64_t i) const { return base_ + static_cast<net::Address>(i); }
  net::Address mask() const { return prefix_ == 0 ? 0 : ~net::Address{0} << (32 - prefix_); }

  // The i-th sub-block of the given (longer) prefix length: 10.244.0.0/16
  // subnet(24, 3) is 10.244.3.0/24. std::out_of_range when it does not exist.
  Cidr subnet(int prefix_length, std::uint64_t i) const;

  std::string to_string() const;
  bool operator==(const Cidr&) const = default;

 private:
  net::Address base_ = 0;
  int prefix_ = 32;
};

}  // namespace podwire::kube
