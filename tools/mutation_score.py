"""Mutation score of the conformance suite (and of the project's tests) on neuropil-standard and
neuropil-metrics: how many deliberately wrong versions of the plugins' arithmetic are caught.

A mutant changes one token in one module of either plugin package (every module, subpackages and
``_``-prefixed helpers included): an arithmetic operator (``+`` and ``-``, ``*`` and ``/``, ``**`` and
``*``), a comparison (``<`` and ``<=``, ``>`` and ``>=``) or a float constant (times 1.1, or 0.0 made
0.1). Not mutated: the ``reference_*`` modules (they are the checks' own formulas), plugin registration
(``plugin.py``, ``catalog.py``, ``compile_shorthands.py``, ``register_all``), the backend module, the
argument-check helper, ``get_config``/``__repr__``/``from_config``, error messages and the class
attributes that are hints to the checks (``kinks``, ``example_configs``, ...). Mutants are sampled
(``--sample``, fixed ``--seed``, optionally only from ``--only`` path globs). Nothing is written to the
source tree: each mutant runs in fresh subprocesses whose import system compiles the mutated source
for that one module.

Which checks can see a mutant follows the plugins' import graph (read from the AST of their own
imports; ``from pkg import submodule`` depends on the submodule, not on ``pkg/__init__``): the
*affected* modules are the mutated one and every module that imports it, directly or transitively.
Per mutant, two verdicts:

- ``conformance``: the conformance cases (every property, ci profile) of the components defined in an
  affected module fail; the mutated module's own components run first;
- ``tests``: those cases fail, or the unit tests do, run with ``pytest -x``: the root ``tests/`` files
  that import an affected module and the test files of both plugins that import one or name one of
  its top-level classes or functions (``Adam``, ``adam``, ``glorot_uniform``), so a helper module's
  mutant meets the tests of the components built on it. ``--all-unit-tests`` runs every test file of
  both plugins instead (the whole plugin suite per surviving mutant: several minutes each on a loaded
  machine).

A mutant whose check runs past ``--timeout`` counts as killed (it hangs or crawls) unless the
unmutated code also runs past it on the same selection; then it is ``slow``: not counted as killed.
The report (``--out``) is rewritten after every mutant, so a stopped run still counts what it did.

A mutant that no check kills may be equivalent (``x * 1.0`` made ``x / 1.0``, a constant in an
unreachable branch); the report lists the survivors for a person to judge, and the score is given both
over all sampled mutants and over those not marked equivalent in ``--equivalent``: a file with one
mutant key per line, ``path::qualname::description::occurrence  # reason`` (the key is stable across
samples and seeds; a reason is required). ``--rerun REPORT`` keeps the kills REPORT recorded for this
sample's mutants (matched by key), and the results of those marked equivalent, and runs the rest:
after tests were added, or to resume a stopped run.

    python tools/mutation_score.py --sample 150 --seed 0 --jobs 2 --timeout 300 \\
        --equivalent docs/mutation_equivalent.txt --out mutation_report.json
"""
from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The mutated packages, by importable name.
PACKAGES = {"neuropil_standard": ROOT / "plugins/standard/neuropil_standard",
            "neuropil_metrics": ROOT / "plugins/metrics/neuropil_metrics"}
UNIT_TEST_DIRS = [ROOT / "plugins/standard/tests", ROOT / "plugins/metrics/tests"]
ROOT_TEST_DIR = ROOT / "tests"
#: Registration, the backend and the argument-check helper: no component arithmetic.
SKIP_FILES = {"plugin.py", "backend.py", "catalog.py", "compile_shorthands.py", "_checks.py"}
#: ``reference_update`` is an optimizer's own float64 formula for the checks, like a ``reference_*`` module.
SKIP_FUNCTIONS = {"get_config", "__repr__", "register_all", "from_config", "reference_update"}
#: Class attributes that are hints to the checks (where to expect kinks, which data to draw), not
#: arithmetic: changing them changes no computed value.
HINT_ATTRIBUTES = {"kinks", "kink_margin", "example_configs", "result_range", "input_ranks", "golden_examples"}
SWAPS: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                           ast.Pow: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
                           ast.GtE: ast.Gt}
KILLED, SURVIVED, NO_CASES, SLOW, TIMEOUT = "killed", "survived", "no cases", "slow", "timeout"


@dataclass
class Mutant:
    id: str
    key: str  # path::qualname::description::occurrence, stable across samples
    path: str
    module: str
    line: int
    description: str
    conformance: str = ""  # killed, survived, no cases, slow
    tests: str = ""
    killed_by: str = ""
    seconds: float = 0.0
    test_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Site:
    path: Path
    index: int  # position in the module's site list (how mutated_source finds it again)
    line: int
    qualname: str
    description: str
    occurrence: int  # among the sites of this path, qualname and description

    @property
    def key(self) -> str:
        return f"{relative(self.path)}::{self.qualname}::{self.description}::{self.occurrence}"


def relative(path: Path) -> str:
    """``path`` from the repository root (as given when it lies elsewhere)."""
    resolved = path.resolve()
    return resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else path.as_posix()


class _Sites(ast.NodeVisitor):
    """Every mutable node worth mutating, as (node, field, replacement, description, qualname)."""

    def __init__(self) -> None:
        self.sites: list[tuple[ast.AST, str, object, str, str]] = []
        self._skip = 0
        self._scope: list[str] = []

    def _add(self, node: ast.AST, name: str, replacement: object, description: str) -> None:
        if not self._skip:
            self.sites.append((node, name, replacement, description, ".".join(self._scope) or "<module>"))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scope.append(node.name)
        self._skip += node.name in SKIP_FUNCTIONS
        self.generic_visit(node)
        self._skip -= node.name in SKIP_FUNCTIONS
        self._scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scope.append(node.name)
        for statement in node.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            if any(isinstance(t, ast.Name) and t.id in HINT_ATTRIBUTES for t in targets):
                continue
            self.visit(statement)
        self._scope.pop()

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # error messages
        return

    def visit_Raise(self, node: ast.Raise) -> None:
        return

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in SWAPS:
            new = SWAPS[type(node.op)]
            self._add(node, "op", new(), f"{type(node.op).__name__} -> {new.__name__}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id == "__all__":  # export lists
            return
        if type(node.op) in SWAPS:
            new = SWAPS[type(node.op)]
            self._add(node, "op", new(), f"{type(node.op).__name__}= -> {new.__name__}=")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and type(node.ops[0]) in SWAPS:
            new = SWAPS[type(node.ops[0])]
            self._add(node, "ops", [new()], f"{type(node.ops[0]).__name__} -> {new.__name__}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if type(node.value) is float:
            new = node.value * 1.1 if node.value else 0.1
            self._add(node, "value", new, f"{node.value!r} -> {new!r}")


# -- the plugins' modules and their import graph ---------------------------------------------------

def plugin_modules() -> dict[str, Path]:
    """Every module of the mutated packages, by dotted name (a package by its ``__init__.py``)."""
    out = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


def imported_names(path: Path, module: str | None, known: Iterable[str] = ()) -> set[str]:
    """Dotted names ``path`` imports, relative imports resolved against ``module`` (the file's own
    dotted name; ``None`` for a test file). ``from a import b`` gives ``a.b`` where that is one of the
    ``known`` modules (a submodule: the package's ``__init__`` runs, but none of its names is used),
    else ``a`` (a name defined in ``a``)."""
    known = set(known)
    names: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if module is None:
                    base = node.module or ""
                else:
                    anchor = module.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each plugin module, the plugin modules it imports directly."""
    return {name: {n for n in imported_names(path, name, modules) if n in modules and n != name}
            for name, path in modules.items()}


def dependents(target: str, graph: dict[str, set[str]]) -> list[str]:
    """``target`` and every module importing it, directly or transitively, nearest first."""
    affected, position = [target], 0
    while position < len(affected):
        current = affected[position]
        position += 1
        affected += sorted(name for name, imports in graph.items() if current in imports and name not in affected)
    return affected


def test_file_imports(path: Path, known: Iterable[str], seen: set[Path] | None = None) -> set[str]:
    """Dotted names a test file imports, following the helper modules of its own folder
    (``metrics_cases.py``) that it imports."""
    seen = seen if seen is not None else set()
    seen.add(path)
    names = imported_names(path, None, known)
    for name in list(names):
        helper = path.parent / f"{name.split('.')[0]}.py"
        if helper.exists() and helper not in seen:
            names |= test_file_imports(helper, known, seen)
    return names


def public_names(paths: Iterable[Path]) -> set[str]:
    """The top-level classes and functions the modules define (what a test names to use them)."""
    return {node.name for path in paths for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and not node.name.startswith("_")}


def spellings(name: str) -> set[str]:
    """How a test names a class or function: as written, lower case, or snake case (Keras's registered
    spellings: ``GlorotUniform``, ``glorot_uniform``; ``GELU``, ``gelu``)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return {name, name.lower(), snake}


def unit_tests_for(affected: Sequence[str], modules: dict[str, Path], every_plugin_test: bool = False) -> list[str]:
    """The test files that can see a mutant of ``affected[0]``: the root ``tests/`` files that import
    an affected module and the plugins' test files that import one or name one of its top-level
    classes or functions (by AST through the test folders' helpers; by word), nearest module first so
    that ``-x`` stops early; with ``every_plugin_test`` every plugin test file."""
    plugin_files = [t for folder in UNIT_TEST_DIRS for t in sorted(folder.glob("test_*.py"))]
    root_files = [t for t in sorted(ROOT_TEST_DIR.glob("test_*.py")) if test_file_imports(t, modules) & set(affected)]
    far = len(affected)
    rank = {f: 0 if test_file_imports(f, modules) & set(affected) else far for f in plugin_files}
    texts = {f: f.read_text() for f in plugin_files}
    for distance, module in enumerate(affected):
        names = public_names([modules[module]]) if modules[module].name != "__init__.py" else set()
        words = sorted({spelling for name in names for spelling in spellings(name)})
        if not words:
            continue
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
        for f in plugin_files:
            if rank[f] > distance and pattern.search(texts[f]):
                rank[f] = distance
    chosen = [f for f in plugin_files if rank[f] < far or every_plugin_test]
    home = modules[affected[0]].parents[len(affected[0].split(".")) - 1] / "tests"  # the plugin's own

    def order(f: Path) -> tuple[int, bool]:
        return rank[f], f.parent != home

    return [relative(f) for f in sorted(chosen, key=order) + root_files]


# -- sites --------------------------------------------------------------------------------------------

def module_sites(path: Path) -> list[Site]:
    visitor = _Sites()
    visitor.visit(ast.parse(path.read_text()))
    seen: dict[tuple[str, str], int] = {}
    out = []
    for index, (node, _field, _new, description, qualname) in enumerate(visitor.sites):
        occurrence = seen.get((qualname, description), 0)
        seen[(qualname, description)] = occurrence + 1
        out.append(Site(path, index, getattr(node, "lineno", 0), qualname, description, occurrence))
    return out


def mutable_modules(modules: dict[str, Path], only: Sequence[str] = ()) -> dict[str, Path]:
    return {name: path for name, path in modules.items()
            if path.name not in SKIP_FILES and not path.name.startswith("reference_")
            and (not only or any(fnmatch.fnmatch(relative(path), pattern) for pattern in only))}


def enumerate_sites(modules: dict[str, Path]) -> list[Site]:
    return [site for path in modules.values() for site in module_sites(path)]


def mutated_source(path: Path, index: int) -> str:
    tree = ast.parse(path.read_text())
    visitor = _Sites()
    visitor.visit(tree)
    node, name, replacement, _description, _qualname = visitor.sites[index]
    setattr(node, name, replacement)
    return ast.unparse(tree)


# -- running a mutant ----------------------------------------------------------------------------

RUNNER = r'''
import importlib.abc, importlib.util, os, sys
target, source_file = os.environ["MUTANT_MODULE"], os.environ.get("MUTANT_SOURCE", "")

class Finder(importlib.abc.MetaPathFinder):
    """Serves the mutated source for the one target module; every other import is untouched."""

    def find_spec(self, name, path, target_=None):
        if name != target or not source_file:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
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
    # The affected modules nearest the mutated one first: its own components' cases run first.
    distance = {name: i for i, name in enumerate(os.environ["MUTANT_AFFECTED"].split(","))}

    def nearest(case):
        factory = case.entry.factory
        modules = [getattr(k, "__module__", "") for k in (factory, *getattr(factory, "__mro__", ()))]
        return min((distance[m] for m in modules if m in distance), default=None)

    neuropil.plugins.reload()
    selected = sorted((c for c in cases(["neuropil-standard", "neuropil-metrics"]) if nearest(c) is not None),
                      key=nearest)
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


def check(mode: str, files: Sequence[str], env: dict[str, str], timeout: float, runner: Path,
          cwd: Path = ROOT) -> tuple[str, str]:
    """One verdict of the runner: (killed/survived/no cases/timeout, what killed it)."""
    try:
        done = subprocess.run([sys.executable, str(runner), mode, *files], env=env, cwd=cwd, timeout=timeout,
                              capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return TIMEOUT, f"{mode}: timeout"
    if done.returncode == 3 and mode == "conformance":
        return NO_CASES, ""
    if done.returncode == 0:
        return SURVIVED, ""
    lines = (done.stdout + done.stderr).splitlines()
    cause = next((line for line in lines if line.startswith(("KILLED_BY", "FAILED", "ERROR"))), "")
    return KILLED, f"{mode}: {cause or (lines[-1] if lines else done.returncode)}"


class Runner:
    """Runs mutants (thread-safe): a mutant's source goes to a scratch file the subprocess compiles."""

    def __init__(self, scratch: Path, timeout: float, graph: dict[str, set[str]], modules: dict[str, Path],
                 every_plugin_test: bool = False):
        self.scratch, self.timeout, self.graph, self.modules = scratch, timeout, graph, modules
        self.every_plugin_test = every_plugin_test
        self.runner = scratch / "runner.py"
        self.runner.write_text(RUNNER)
        self._baselines: dict[tuple[str, str, tuple[str, ...]], str] = {}
        self._lock = threading.Lock()

    def _env(self, module: str, affected: Iterable[str], source_file: str) -> dict[str, str]:
        return {**os.environ, "MUTANT_MODULE": module, "MUTANT_SOURCE": source_file,
                "MUTANT_AFFECTED": ",".join(affected), "HYPOTHESIS_PROFILE": "ci"}

    def _judge(self, mode: str, files: Sequence[str], mutant: Mutant, affected: Sequence[str],
               source_file: str) -> tuple[str, str]:
        verdict, cause = check(mode, files, self._env(mutant.module, affected, source_file), self.timeout, self.runner)
        if verdict != TIMEOUT:
            return verdict, cause
        key = (mode, mutant.module, tuple(files))
        with self._lock:
            baseline = self._baselines.get(key)
        if baseline is None:  # does the unmutated code fit the timeout on this selection?
            baseline = check(mode, files, self._env(mutant.module, affected, ""), self.timeout, self.runner)[0]
            with self._lock:
                self._baselines[key] = baseline
        return (SLOW, f"{mode}: the unmutated code runs past the timeout too") if baseline == TIMEOUT \
            else (KILLED, cause)

    def run(self, mutant: Mutant, site: Site) -> Mutant:
        source_file = self.scratch / f"{mutant.id}.py"
        source_file.write_text(mutated_source(site.path, site.index))
        affected = dependents(mutant.module, self.graph)
        start = time.perf_counter()
        mutant.conformance, mutant.killed_by = self._judge("conformance", [], mutant, affected, str(source_file))
        if mutant.conformance == KILLED:
            mutant.tests = KILLED
        else:
            mutant.test_files = unit_tests_for(affected, self.modules, self.every_plugin_test)
            verdict, cause = self._judge("tests", mutant.test_files, mutant, affected, str(source_file))
            mutant.tests = KILLED if verdict == KILLED else (
                mutant.conformance if verdict == SURVIVED and mutant.conformance != NO_CASES else verdict)
            mutant.killed_by = cause or mutant.killed_by
        mutant.seconds = round(time.perf_counter() - start, 1)
        source_file.unlink()
        return mutant


# -- equivalence file and report ------------------------------------------------------------------

def read_equivalent(path: Path | None) -> dict[str, str]:
    """``key  # reason`` per line (blank lines and ``#`` comment lines ignored) -> {key: reason}."""
    if path is None:
        return {}
    out = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, reason = line.partition(" # ")
        if not reason.strip() or key.count("::") != 3:
            raise SystemExit(f"{path}:{number}: expected 'path::qualname::description::occurrence  # reason', "
                             f"got {raw!r}")
        out[key.strip()] = reason.strip()
    return out


def area(path: str) -> str:
    """The report's breakdown unit: the module path inside its package, without the extension."""
    for package, folder in PACKAGES.items():
        prefix = relative(folder) + "/"
        if path.startswith(prefix):
            return f"{package.split('_', 1)[1]}/{path[len(prefix):].removesuffix('.py')}"
    return path


def summarize(mutants: Sequence[Mutant], sites: int, equivalent: dict[str, str]) -> dict[str, object]:
    counted = [m for m in mutants if m.key not in equivalent]

    def share(kind: str, among: Sequence[Mutant]) -> str:
        killed = sum(getattr(m, kind) == KILLED for m in among)
        return f"{killed}/{len(among)} ({100 * killed / max(1, len(among)):.0f}%)"

    by_area: dict[str, list[Mutant]] = {}
    for m in mutants:
        by_area.setdefault(area(m.path), []).append(m)
    return {"sites": sites, "sampled": len(mutants),
            "marked_equivalent": sum(m.key in equivalent for m in mutants),
            "conformance_all": share("conformance", mutants), "tests_all": share("tests", mutants),
            "conformance_non_equivalent": share("conformance", counted),
            "tests_non_equivalent": share("tests", counted),
            "by_area (sampled, equivalent, killed by conformance, killed with tests)": {
                name: [len(ms), sum(m.key in equivalent for m in ms),
                       sum(m.conformance == KILLED for m in ms), sum(m.tests == KILLED for m in ms)]
                for name, ms in sorted(by_area.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per check and mutant")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run in parallel")
    parser.add_argument("--only", action="append", default=[], metavar="PATH_GLOB",
                        help="mutate only modules whose path (from the repository root) matches; repeatable")
    parser.add_argument("--equivalent", type=Path, default=None, metavar="FILE")
    parser.add_argument("--rerun", type=Path, default=None, metavar="REPORT",
                        help="keep the kills REPORT recorded for this sample's mutants (by key) and the "
                             "results of equivalent ones; run the rest")
    parser.add_argument("--all-unit-tests", action="store_true",
                        help="the tests verdict runs every unit-test file of both plugins, not only those "
                             "importing or naming an affected module")
    parser.add_argument("--out", type=Path, default=ROOT / "mutation_report.json")
    args = parser.parse_args()

    modules = plugin_modules()
    graph = import_graph(modules)
    sites = enumerate_sites(mutable_modules(modules, args.only))
    equivalent = read_equivalent(args.equivalent)
    path_module = {path: name for name, path in modules.items()}

    sample = random.Random(args.seed).sample(sites, min(args.sample, len(sites)))
    chosen = [(f"m{number:03d}", site) for number, site in enumerate(sample)]
    done: dict[str, Mutant] = {}
    if args.rerun:  # keep the kills (and the marked-equivalent results) recorded for this sample; run the rest
        recorded = {m["key"]: m for m in json.loads(args.rerun.read_text())["mutants"]}
        for number, site in chosen:
            if site.key in recorded and (recorded[site.key]["tests"] == KILLED or site.key in equivalent):
                done[number] = Mutant(**{**recorded[site.key], "id": number})
        chosen = [(number, site) for number, site in chosen if number not in done]

    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"neuropil-mutants-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    runner = Runner(scratch, args.timeout, graph, modules, args.all_unit_tests)

    lock = threading.Lock()

    def write_report() -> dict[str, object]:
        """The report of the mutants run so far (rewritten after each one, so a stopped run still counts)."""
        mutants = sorted(done.values(), key=lambda m: m.id)
        summary = summarize(mutants, len(sites), equivalent)
        survivors = [{"id": m.id, "key": m.key, "equivalent": equivalent.get(m.key, "")}
                     for m in mutants if m.tests != KILLED]
        args.out.write_text(json.dumps({"summary": summary, "survivors": survivors,
                                        "mutants": [asdict(m) for m in mutants]}, indent=1))
        return summary

    def one(item: tuple[str, Site]) -> None:
        number, site = item
        mutant = Mutant(number, site.key, relative(site.path), path_module[site.path], site.line, site.description)
        runner.run(mutant, site)
        with lock:
            done[mutant.id] = mutant
            write_report()
            print(f"{mutant.id} {mutant.path}:{mutant.line} {mutant.description}: conformance {mutant.conformance}, "
                  f"tests {mutant.tests} ({mutant.seconds:.1f}s)", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(one, chosen))
    print(json.dumps(write_report(), indent=1))


if __name__ == "__main__":
    main()
