// podwire._core: the private extension module under the podwire package,
// composed from one registration function per area.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace podwire::python {
void register_engine(py::module_& m);
void register_scenario(py::module_& m);
void register_parameters(py::module_& m);
}  // namespace podwire::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "podwire's C++ core: the engine, the models and the scenario loader";
  m.attr("__version__") = PODWIRE_VERSION;
  podwire::python::register_engine(m);
  podwire::python::register_scenario(m);
  podwire::python::register_parameters(m);
}
