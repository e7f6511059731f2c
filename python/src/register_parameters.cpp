// The parameter table, for `podwire parameters` and docs/parameters.md.
#include <pybind11/pybind11.h>

#include "models/scenario/parameter_table.hpp"

namespace py = pybind11;

namespace podwire::python {

void register_parameters(py::module_& m) {
  m.def("parameters_markdown", &scenario::parameters_markdown,
        "docs/parameters.md: every parameter with its default and source, generated from the "
        "parameter table");
}

}  // namespace podwire::python
