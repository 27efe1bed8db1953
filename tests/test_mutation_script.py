"""tools/mutation_score.py on a tiny package: it finds the mutation sites and their stable keys, follows
the import graph, serves the mutated source to a subprocess, and a mutant is killed by a check that
fails on it and survives one that does not."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_score", ROOT / "tools/mutation_score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


ms = _script()

TINY = '''
def double(x):
    """Twice x."""
    return x + x


def get_config():
    return {"scale": 2.0 * 3.0}
'''


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    package = tmp_path / "tinypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tiny.py").write_text(TINY)
    (package / "user.py").write_text("from .tiny import double\n\n\ndef quadruple(x):\n    return double(double(x))\n")
    (package / "other.py").write_text("import math\n")
    return package


def test_sites_skip_get_config_and_keys_name_the_function(tiny: Path) -> None:
    sites = ms.module_sites(tiny / "tiny.py")
    assert [(s.qualname, s.description, s.occurrence, s.line) for s in sites] == [("double", "Add -> Sub", 0, 4)]


def test_keys_do_not_move_when_another_function_gains_sites(tiny: Path) -> None:
    before = {s.key for s in ms.module_sites(tiny / "tiny.py")}
    (tiny / "tiny.py").write_text("def half(y):\n    return y / 2.0 - 1.0\n" + TINY)  # double's line moves too
    after = {s.key for s in ms.module_sites(tiny / "tiny.py")}
    assert before < after and len(after - before) == 4  # half's two operators and two constants


def test_the_import_graph_reaches_modules_importing_the_mutated_one(tiny: Path) -> None:
    modules = {"tinypkg": tiny / "__init__.py", "tinypkg.tiny": tiny / "tiny.py",
               "tinypkg.user": tiny / "user.py", "tinypkg.other": tiny / "other.py"}
    graph = ms.import_graph(modules)
    assert graph["tinypkg.user"] == {"tinypkg.tiny"} and graph["tinypkg.other"] == set()
    assert ms.dependents("tinypkg.tiny", graph) == ["tinypkg.tiny", "tinypkg.user"]


def test_equivalence_file_needs_a_reason_per_key(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# comment\n\na.py::f::Add -> Sub::0  # x + 0.0 and x - 0.0 agree\n")
    assert ms.read_equivalent(good) == {"a.py::f::Add -> Sub::0": "x + 0.0 and x - 0.0 agree"}
    bad = tmp_path / "bad.txt"
    bad.write_text("a.py::f::Add -> Sub::0\n")
    with pytest.raises(SystemExit, match="reason"):
        ms.read_equivalent(bad)


def _verdict(tiny: Path, test_body: str, mutate: bool) -> str:
    scratch = tiny.parent / "scratch"
    scratch.mkdir(exist_ok=True)
    runner = scratch / "runner.py"
    runner.write_text(ms.RUNNER)
    source = scratch / "mutant.py"
    source.write_text(ms.mutated_source(tiny / "tiny.py", 0))
    test = tiny.parent / "test_tiny.py"
    test.write_text(f"from tinypkg.user import quadruple\n\n\ndef test_it():\n    {test_body}\n")
    env = {**os.environ, "PYTHONPATH": str(tiny.parent), "MUTANT_MODULE": "tinypkg.tiny",
           "MUTANT_SOURCE": str(source) if mutate else "", "MUTANT_AFFECTED": "tinypkg.tiny"}
    return ms.check("tests", [str(test)], env, 60, runner, cwd=tiny.parent)[0]


def test_mutant_is_killed_by_a_check_it_breaks(tiny: Path) -> None:
    assert "x - x" in ms.mutated_source(tiny / "tiny.py", 0)
    assert _verdict(tiny, "assert quadruple(3) == 12", mutate=False) == ms.SURVIVED  # the code itself passes
    assert _verdict(tiny, "assert quadruple(3) == 12", mutate=True) == ms.KILLED


def test_mutant_survives_a_check_it_does_not_break(tiny: Path) -> None:
    assert _verdict(tiny, "assert quadruple(0) == 0", mutate=True) == ms.SURVIVED
    assert (tiny / "tiny.py").read_text() == TINY  # the source tree is never written
