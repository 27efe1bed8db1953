"""The core knows no concrete component: what it needs from one is a declared protocol on the base
classes, never a name.

These checks read the core's source (its code, not its docstrings or comments): no string literal
or identifier names a component that a first-party plugin registers, and nothing names an array
library other than NumPy. A change that teaches the core about, say, ``Dense`` or ``cupy`` fails here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from neuropil.plugin_system.manager import manager
from neuropil.plugin_system.registry import normalize

CORE = Path(__file__).resolve().parents[1] / "core" / "neuropil"
#: The core's own vocabulary that happens to coincide with a component name: Keras's reduction
#: names, the "linear" fallback an activation lookup of None resolves to (Keras's
#: ``activations.get(None)``), config keys, NumPy (the core's array library: the NumPy backend shares
#: its name), and ``compile``'s Keras default optimizer, resolved through the registry like any name.
ALLOWED = {normalize(word) for word in ("linear", "sum", "none", "mean", "name", "config", "epoch", "loss",
                                         "numpy", "rmsprop",
                                         "average")}  # the optimizer's EMA state name, not the Average layer
#: The contracts themselves (``Activation`` is both the base class and a standard layer's name).
CONTRACTS = {normalize(path.stem) for path in (CORE / "base").glob("*.py")}


def _first_party_names() -> set[str]:
    names: set[str] = set()
    for registry in manager().registries.values():
        for entry in registry.entries():
            defined_by_core = (getattr(entry.factory, "__module__", "") or "").startswith("neuropil.")
            if defined_by_core:  # a component the core defines itself (InputLayer, Input) and a plugin registers
                continue
            if entry.source.distribution in ("neuropil-standard", "neuropil-metrics", "neuropil-cupy"):
                names |= {normalize(entry.name), *(normalize(alias) for alias in entry.aliases)}
                factory_name = getattr(entry.factory, "__name__", "")
                if factory_name:
                    names.add(normalize(factory_name))
    return names - ALLOWED - CONTRACTS


def _code_nodes(path: Path, *, attributes: bool) -> list[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring, every imported name and module,
    and with ``attributes`` every identifier and attribute name."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append((node.lineno, node.value))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.extend((node.lineno, alias.name.rpartition(".")[2]) for alias in node.names)
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((node.lineno, node.module))
        elif attributes and isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif attributes and isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
    return found


def _core_files() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "_templates" not in p.parts and "testing" not in p.parts)


def test_the_core_names_no_first_party_component():
    names = _first_party_names()
    assert {"dense", "adam", "binaryaccuracy", "relu"} <= names  # the check sees the plugins
    offences = [f"{path.relative_to(CORE)}:{line}: {text!r}" for path in _core_files()
                for line, text in _code_nodes(path, attributes=False) if normalize(text) in names]
    assert not offences, "the core names concrete components:\n" + "\n".join(offences)


@pytest.mark.parametrize("library", ["cupy", "torch", "jax"])
def test_the_core_names_no_array_library_but_numpy(library):
    offences = [f"{path.relative_to(CORE)}:{line}: {text!r}" for path in _core_files()
                for line, text in _code_nodes(path, attributes=True) if library in text.lower().split(".")
                or text.lower().startswith(library)]
    assert not offences, f"the core refers to {library}:\n" + "\n".join(offences)
