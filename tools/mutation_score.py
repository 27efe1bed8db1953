"""Mutation score of the conformance suite (and of the plugins' own tests) on neuropil-standard and
neuropil-metrics: how many deliberately wrong versions of the components' arithmetic are caught.

A mutant changes one thing in one component module: an arithmetic operator (``+`` and ``-``, ``*`` and
``/``, ``**`` and ``*``), a comparison (``<`` and ``<=``, ``>`` and ``>=``) or a float constant (times
1.1, or 0.0 made 0.1). Mutants are sampled (``--sample``, fixed ``--seed``) from every site in the
modules' functions, except ``get_config``/``__repr__`` and error messages. Nothing is written to the
source tree: each mutant runs in a fresh subprocess whose import system compiles the mutated source
for that one module.

Per mutant, two verdicts:

- ``conformance``: the conformance cases of the components defined in the mutated module (every
  property, ci profile) fail;
- ``tests``: those cases or the plugin's unit test files that import the module fail.

A mutant that no check kills may be equivalent (``x * 1.0`` made ``x / 1.0``, a constant in an
unreachable branch); the report lists the survivors with their diff for a person to judge, and the
score is given both over all sampled mutants and over those not marked equivalent in
``--equivalent`` (a file of mutant ids, one per line).

    python tools/mutation_score.py --sample 150 --seed 0 --jobs 1 --out mutation_report.json
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = [ROOT / "plugins/standard/neuropil_standard", ROOT / "plugins/metrics/neuropil_metrics"]
SKIP_FILES = {"__init__.py", "plugin.py", "backend.py", "catalog.py", "compile_shorthands.py", "_checks.py"}
SKIP_FUNCTIONS = {"get_config", "__repr__", "register_all", "from_config"}
#: Class attributes that are hints to the checks (where to expect kinks, which data to draw), not
#: arithmetic: changing them changes no computed value.
HINT_ATTRIBUTES = {"kinks", "kink_margin", "example_configs", "result_range", "input_ranks", "golden_examples"}
SWAPS: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                           ast.Pow: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
                           ast.GtE: ast.Gt}


@dataclass
class Mutant:
    id: str
    path: str
    module: str
    line: int
    description: str
    conformance: str = ""  # "killed", "survived", "no cases"
    tests: str = ""
    seconds: float = 0.0


class _Sites(ast.NodeVisitor):
    """Every mutable node inside functions worth mutating, as (node, field, replacement, text)."""

    def __init__(self) -> None:
        self.sites: list[tuple[ast.AST, str, object, str]] = []
        self._skip = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._skip += node.name in SKIP_FUNCTIONS
        self.generic_visit(node)
        self._skip -= node.name in SKIP_FUNCTIONS

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # error messages
        return

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for statement in node.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            if any(isinstance(t, ast.Name) and t.id in HINT_ATTRIBUTES for t in targets):
                continue
            self.visit(statement)

    def visit_Raise(self, node: ast.Raise) -> None:
        return

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not self._skip and type(node.op) in SWAPS:
            self.sites.append((node, "op", SWAPS[type(node.op)](), f"{type(node.op).__name__} -> "
                               f"{SWAPS[type(node.op)].__name__}"))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not self._skip and type(node.op) in SWAPS:
            self.sites.append((node, "op", SWAPS[type(node.op)](), f"{type(node.op).__name__}= -> "
                               f"{SWAPS[type(node.op)].__name__}="))
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if not self._skip and len(node.ops) == 1 and type(node.ops[0]) in SWAPS:
            self.sites.append((node, "ops", [SWAPS[type(node.ops[0])]()], f"{type(node.ops[0]).__name__} -> "
                               f"{SWAPS[type(node.ops[0])].__name__}"))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not self._skip and type(node.value) is float:
            new = node.value * 1.1 if node.value else 0.1
            self.sites.append((node, "value", new, f"{node.value!r} -> {new!r}"))


def module_name(path: Path) -> str:
    return f"{path.parent.name}.{path.stem}"


def enumerate_mutants() -> list[tuple[Path, int, int]]:
    """(file, site index, line) for every site."""
    out = []
    for folder in TARGETS:
        for path in sorted(folder.glob("*.py")):
            if path.name in SKIP_FILES or path.name.startswith(("reference_", "_")):
                continue
            visitor = _Sites()
            visitor.visit(ast.parse(path.read_text()))
            out.extend((path, i, getattr(node, "lineno", 0)) for i, (node, *_rest) in enumerate(visitor.sites))
    return out


def mutated_source(path: Path, index: int) -> tuple[str, str]:
    tree = ast.parse(path.read_text())
    visitor = _Sites()
    visitor.visit(tree)
    node, field, replacement, text = visitor.sites[index]
    setattr(node, field, replacement)
    return ast.unparse(tree), text


RUNNER = r'''
import importlib.abc, importlib.util, os, sys, json
target, source_file = os.environ["MUTANT_MODULE"], os.environ["MUTANT_SOURCE"]

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target_=None):
        if name != target:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        sys.meta_path.insert(0, self)
        source = open(source_file).read()

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return None

            def exec_module(self, module):
                exec(compile(source, spec.origin, "exec"), module.__dict__)

        spec.loader = Loader()
        return spec

sys.meta_path.insert(0, Finder())
mode = sys.argv[1]
if mode == "conformance":
    import neuropil.plugins
    from neuropil.testing.suite import cases
    from neuropil.testing.instances import ConformanceSkip
    from neuropil.testing.suite import ConformanceFailure
    neuropil.plugins.reload()
    selected = [c for c in cases(["neuropil-standard", "neuropil-metrics"])
                if getattr(c.entry.factory, "__module__", "") == target
                or any(getattr(k, "__module__", "") == target for k in getattr(c.entry.factory, "__mro__", ()))]
    if not selected:
        print("NO_CASES"); sys.exit(3)
    for case in selected:
        try:
            case.run()
        except ConformanceSkip:
            pass
        except ConformanceFailure as exc:
            print("KILLED_BY", case.id); sys.exit(1)
    sys.exit(0)
else:
    import pytest
    sys.exit(pytest.main(["-q", "-x", "-p", "no:cacheprovider", *sys.argv[2:]]))
'''


def unit_tests_for(path: Path) -> list[str]:
    """The plugin's test files that import the module (by its name)."""
    tests = path.parent.parent / "tests"
    stem = path.stem
    return [str(t) for t in sorted(tests.glob("test_*.py"))
            if f".{stem} import" in t.read_text() or f"{path.parent.name}.{stem}" in t.read_text()
            or f"import {stem}" in t.read_text()]


def run_one(mutant: Mutant, source: str, timeout: float, scratch: Path) -> None:
    source_file = scratch / f"{mutant.id}.py"
    source_file.write_text(source)
    env = {**os.environ, "MUTANT_MODULE": mutant.module, "MUTANT_SOURCE": str(source_file),
           "HYPOTHESIS_PROFILE": "ci"}
    runner = scratch / "runner.py"
    start = time.perf_counter()

    def verdict(args: list[str]) -> str:
        try:
            done = subprocess.run([sys.executable, str(runner), *args], env=env, cwd=ROOT, timeout=timeout,
                                  capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            return "killed"  # a mutant that hangs the checks is caught (by the timeout)
        if done.returncode == 3:
            return "no cases"
        return "survived" if done.returncode == 0 else "killed"

    mutant.conformance = verdict(["conformance"])
    if mutant.conformance == "killed":
        mutant.tests = "killed"
    else:
        files = unit_tests_for(Path(mutant.path))
        mutant.tests = verdict(["tests", *files]) if files else mutant.conformance
    mutant.seconds = time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--equivalent", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "mutation_report.json")
    args = parser.parse_args()

    sites = enumerate_mutants()
    chosen = random.Random(args.seed).sample(sites, min(args.sample, len(sites)))
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"neuropil-mutants-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "runner.py").write_text(RUNNER)
    mutants = []
    for number, (path, index, line) in enumerate(chosen):
        source, text = mutated_source(path, index)
        mutant = Mutant(f"m{number:03d}", str(path.relative_to(ROOT)), module_name(path), line, text)
        run_one(mutant, source, args.timeout, scratch)
        mutants.append(mutant)
        print(f"{mutant.id} {mutant.path}:{line} {text}: conformance {mutant.conformance}, "
              f"tests {mutant.tests} ({mutant.seconds:.1f}s)", flush=True)

    equivalent = set(args.equivalent.read_text().split()) if args.equivalent else set()
    counted = [m for m in mutants if m.id not in equivalent]

    def share(kind: str) -> str:
        killed = sum(getattr(m, kind) == "killed" for m in counted)
        return f"{killed}/{len(counted)} ({100 * killed / max(1, len(counted)):.0f}%)"

    summary = {"sites": len(sites), "sampled": len(mutants), "marked_equivalent": len(equivalent),
               "conformance": share("conformance"), "tests": share("tests")}
    args.out.write_text(json.dumps({"summary": summary, "mutants": [asdict(m) for m in mutants]}, indent=1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
