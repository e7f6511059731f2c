"""podwire/_core.pyi, shipped next to the extension module, describes what the
module exports: the same names, each of the same kind, and every function (and
every method pybind11 defines) with the same parameters. pybind11 writes a
function's signature on the first line of its __doc__, one line per overload."""

import ast
import inspect
import re
from pathlib import Path

from podwire import _core

STUB = Path(_core.__file__).with_name("_core.pyi")


def public(name: str) -> bool:
    return name == "__version__" or not name.startswith("_")


def parameters(args: ast.arguments) -> str:
    """``(a, b=...)``: the names, and which have a default."""
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    names = [a.arg + ("=..." if i >= first_default else "") for i, a in enumerate(positional)]
    if args.vararg:
        names.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        names.append("*")
    names += [a.arg + ("=..." if d is not None else "") for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        names.append("**" + args.kwarg.arg)
    return f"({', '.join(names)})"


def pybind11_signatures(name: str, routine: object) -> list[str]:
    """The parameters of each overload of a function pybind11 defines."""
    lines = (routine.__doc__ or "").splitlines()
    if lines[1:2] == ["Overloaded function."]:
        # After "name(*args, **kwargs)" comes one "1. name(...) -> ..." line per overload.
        signatures = [line.split(". ", 1)[1] for line in lines if re.match(rf"\d+\. {re.escape(name)}\(", line)]
    else:
        signatures = lines[:1]
    # A signature is Python syntax once it follows "def".
    return [parameters(ast.parse(f"def {s}: ...").body[0].args) for s in signatures]


def describe_module(namespace: dict) -> dict:
    """What a module or class of _core defines, by name: ``class``,
    ``property``, ``value``, or a function's signatures (one per overload)."""
    described = {}
    for name, value in namespace.items():
        defined_by_pybind11 = inspect.isroutine(value) and (value.__doc__ or "").startswith(f"{name}(")
        if isinstance(value, type):
            kind = "class"
        elif isinstance(value, property):
            kind = "property"
        elif defined_by_pybind11:
            kind = pybind11_signatures(name, value)
        else:
            kind = "value"
        if public(name) or defined_by_pybind11:
            described[name] = kind
    return described


def describe_stub(body: list) -> dict:
    """The same for the statements of the stub or of one of its classes."""
    described: dict = {}
    for node in body:
        if isinstance(node, ast.ClassDef):
            described[node.name] = "class"
        elif isinstance(node, ast.FunctionDef):
            if any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list):
                described[node.name] = "property"
            else:
                described.setdefault(node.name, []).append(parameters(node.args))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            described[node.target.id] = "value"
        elif isinstance(node, ast.Assign):
            described.update({t.id: "value" for t in node.targets if isinstance(t, ast.Name)})
    return {name: kind for name, kind in described.items() if public(name) or isinstance(kind, list)}


def stub() -> ast.Module:
    assert STUB.is_file(), f"{STUB.parent} has _core but no _core.pyi: the package was assembled without its stub"
    return ast.parse(STUB.read_text(), filename=str(STUB))


def test_the_stub_names_every_export_of_the_module_and_nothing_else():
    assert describe_stub(stub().body) == describe_module(vars(_core))


def test_the_stub_gives_every_class_the_members_and_parameters_of_the_module_s():
    in_stub = {node.name: describe_stub(node.body) for node in stub().body if isinstance(node, ast.ClassDef)}
    in_module = {name: describe_module(vars(value)) for name, value in vars(_core).items()
                 if public(name) and isinstance(value, type)}
    assert in_stub == in_module


def test_every_signature_pybind11_wrote_is_read():
    namespaces = [vars(_core), *(vars(value) for value in vars(_core).values() if isinstance(value, type))]
    functions = [(name, kind) for namespace in namespaces for name, kind in describe_module(namespace).items()
                 if isinstance(kind, list)]
    assert ("__init__", ["(self)"]) in functions  # RunProgress()
    for name, signatures in functions:
        assert signatures and "(*args, **kwargs)" not in signatures, name
