// error_of: the message a call throws, so tests can assert whole error texts.
#pragma once

#include <exception>
#include <string>

namespace podwire::test_support {

// The what() of the Exception f() throws, or "no error". Other exception types propagate.
template <class Exception = std::exception, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Exception& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace podwire::test_support
