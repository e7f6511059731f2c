// PolicyCheck: NetworkPolicy verdicts for new connections, by address, as a
// node's datapath asks for them. NetworkPolicyEngine implements it; a null
// checker allows everything.
#pragma once

#include <cstdint>

#include "models/net/packet.hpp"

namespace podwire::kube {

class PolicyCheck {
 public:
  virtual ~PolicyCheck() = default;
  // May the pod at `src` open a connection to dst:port?
  virtual bool egress_allowed(net::Address src, net::Address dst, std::uint16_t port,
                              net::Protocol p) const = 0;
  // May `src` open a connection to the pod at dst:port?
  virtual bool ingress_allowed(net::Address src, net::Address dst, std::uint16_t port,
                               net::Protocol p) const = 0;
};

}  // namespace podwire::kube
