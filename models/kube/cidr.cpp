#include "models/kube/cidr.hpp"

#include <charconv>
#include <stdexcept>

#include "models/net/host.hpp"

namespace podwire::kube {

Cidr::Cidr(net::Address base, int prefix_length) : base_(base), prefix_(prefix_length) {
  if (prefix_length < 0 || prefix_length > 32) {
    throw std::invalid_argument(
        std::string("prefix length must be 0 to 32, got ").append(std::to_string(prefix_length)));
  }
  if ((base & ~mask()) != 0) {
    throw std::invalid_argument(std::string(net::format_address(base))
                                    .append("/")
                                    .append(std::to_string(prefix_length))
                                    .append(" has host bits set; the block starts at ")
                                    .append(net::format_address(base & mask())));
  }
}

Cidr Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    throw std::invalid_argument(
        std::string("'").append(text).append("' is not a CIDR block like 10.96.0.0/12"));
  }
  int prefix = -1;
  const char* first = text.data() + slash + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, prefix);
  if (ec != std::errc() || end != last || prefix < 0 || prefix > 32) {
    throw std::invalid_argument(
        std::string("'").append(text).append("' has a bad prefix length (0 to 32)"));
  }
  return Cidr(net::parse_address(text.substr(0, slash)), prefix);
}

bool Cidr::overlaps(const Cidr& o) const {
  const Cidr& wider = prefix_ <= o.prefix_ ? *this : o;
  const Cidr& narrower = prefix_ <= o.prefix_ ? o : *this;
  return wider.contains(narrower.base_);
}

Cidr Cidr::subnet(int prefix_length, std::uint64_t i) const {
  if (prefix_length < prefix_ || prefix_length > 32) {
    throw std::out_of_range(std::string("a /")
                                .append(std::to_string(prefix_length))
                                .append(" does not fit in ")
                                .append(to_string()));
  }
  const std::uint64_t count = std::uint64_t{1} << (prefix_length - prefix_);
  if (i >= count) {
    throw std::out_of_range(to_string()
                                .append(" has only ")
                                .append(std::to_string(count))
                                .append(" /")
                                .append(std::to_string(prefix_length))
                                .append(" blocks"));
  }
  return Cidr(base_ + static_cast<net::Address>(i << (32 - prefix_length)), prefix_length);
}

std::string Cidr::to_string() const {
  return net::format_address(base_).append("/").append(std::to_string(prefix_));
}

}  // namespace podwire::kube
