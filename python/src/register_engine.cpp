// Engine types that Python sees: unit parsing, so Python and YAML agree on text.
#include <pybind11/pybind11.h>

#include "engine/time.hpp"
#include "engine/units.hpp"

namespace py = pybind11;

namespace podwire::python {

void register_engine(py::module_& m) {
  m.def(
      "parse_time_ps", [](const std::string& text) { return engine::Time::parse(text).ps(); },
      py::arg("text"), "Parse '1.5us' and friends into integer picoseconds.");
  m.def(
      "format_time", [](std::int64_t ps) { return engine::Time::ps(ps).to_string(); },
      py::arg("ps"), "Shortest exact text for a time in picoseconds, e.g. 1500000 -> '1.5us'.");
  m.def(
      "parse_rate", [](const std::string& text) { return engine::Rate::parse(text).per_second(); },
      py::arg("text"), "Parse '5000/s' into events per second.");
  m.def(
      "parse_bytes", [](const std::string& text) { return engine::Bytes::parse(text).count(); },
      py::arg("text"));
  m.def(
      "parse_bit_rate", [](const std::string& text) { return engine::BitRate::parse(text).bps(); },
      py::arg("text"));
}

}  // namespace podwire::python
