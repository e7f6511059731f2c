#include "models/proxy/proxy_config.hpp"

namespace podwire::proxy {

const char* to_string(IpvsScheduler s) {
  switch (s) {
    case IpvsScheduler::rr:
      return "rr";
    case IpvsScheduler::wrr:
      return "wrr";
    case IpvsScheduler::lc:
      return "lc";
    case IpvsScheduler::wlc:
      return "wlc";
    case IpvsScheduler::sh:
      return "sh";
    case IpvsScheduler::dh:
      return "dh";
    case IpvsScheduler::sed:
      return "sed";
    case IpvsScheduler::nq:
      return "nq";
    case IpvsScheduler::mh:
      return "mh";
  }
  return "?";
}

bool parse_ipvs_scheduler(std::string_view text, IpvsScheduler& out) {
  for (int i = 0; i <= static_cast<int>(IpvsScheduler::mh); ++i) {
    if (text == to_string(static_cast<IpvsScheduler>(i))) {
      out = static_cast<IpvsScheduler>(i);
      return true;
    }
  }
  return false;
}

}  // namespace podwire::proxy
