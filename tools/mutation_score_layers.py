"""Mutation score of the conformance suite on layer packages, which ``tools/mutation_score.py`` does
not reach: it mutates only the plugins' top-level modules and skips helper modules (``_*.py``), where
most of the layers' arithmetic lives (``conv/_ops.py``, ``pooling/_windows.py``, ``reshaping/_resize.py``).

The mutants are the same (``mutation_score``'s sites and operators, one per subprocess, nothing
written to the source tree). A mutant is killed when a conformance case fails of a layer that
depends on the mutated module: a layer whose class or a base class is defined in it, or, for a
helper, a layer whose modules import it. Each layer's ``reference`` case runs first (the cheapest
kill); the other properties follow in the suite's order. ``--skip-reference`` leaves the reference
cases out, which measures the suite as it was before these layers declared references. A mutant that
breaks the plugin's import (a hint function such as ``_configs``) finds no cases and is not counted.

    python tools/mutation_score_layers.py --under layers/conv layers/pooling layers/reshaping \\
        layers/merging layers/_spatial.py layers/flatten.py --sample 80 --seed 0 --out layers_mutants.json
"""
from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation_score import RUNNER, SKIP_FILES, Mutant, _Sites, mutated_source  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "plugins/standard/neuropil_standard"

SELECT = '''
import neuropil.plugins
from neuropil.testing.suite import cases, ConformanceFailure
from neuropil.testing.instances import ConformanceSkip
neuropil.plugins.reload()
wanted = os.environ["MUTANT_LAYERS"].split(",")
selected = [c for c in cases(["neuropil-standard"]) if c.id.split(":")[1] in wanted
            and not (os.environ.get("MUTANT_SKIP_REFERENCE") and c.id.endswith(":reference"))]
if not selected:  # the mutant broke the plugin's import, or the layers' registration
    print("NO_CASES"); sys.exit(3)
selected.sort(key=lambda c: not c.id.endswith(":reference"))
for case in selected:
    try:
        case.run()
    except ConformanceSkip:
        pass
    except ConformanceFailure:
        print("KILLED_BY", case.id); sys.exit(1)
sys.exit(0)
'''


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def files_under(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for item in paths:
        target = PACKAGE / item
        found = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        out.extend(p for p in found if p.name not in SKIP_FILES and not p.name.startswith("reference_"))
    return out


def dependent_layers(module: str) -> list[str]:
    """The registered layers (of neuropil-standard) whose classes are defined in ``module``, or whose
    classes' modules import it."""
    import neuropil.plugins
    from neuropil.plugin_system.namespace import registry

    neuropil.plugins.reload()
    short = module.rsplit(".", 1)[1]
    names = []
    for name in registry("layers").names():
        factory = registry("layers").lookup(name).factory
        modules = {k.__module__ for k in getattr(factory, "__mro__", (factory,))}
        if module in modules or any(_imports(m, short) for m in modules if m.startswith("neuropil_standard.")):
            names.append(name)
    return sorted(set(names))


def _imports(module: str, short: str) -> bool:
    source = inspect.getsource(importlib.import_module(module))
    return f"import {short}" in source or f".{short} import" in source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--under", nargs="+", required=True, help="paths under neuropil_standard/")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--out", type=Path, default=ROOT / "layers_mutants.json")
    parser.add_argument("--skip-reference", action="store_true",
                        help="leave the reference cases out: the suite as it was before layers declared references")
    args = parser.parse_args()

    sites: list[tuple[Path, int, int]] = []
    for path in files_under(args.under):
        visitor = _Sites()
        visitor.visit(ast.parse(path.read_text()))
        sites.extend((path, i, getattr(node, "lineno", 0)) for i, (node, *_rest) in enumerate(visitor.sites))
    chosen = random.Random(args.seed).sample(sites, min(args.sample, len(sites)))
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"neuropil-layer-mutants-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    runner = scratch / "runner.py"
    runner.write_text(RUNNER.split("mode = sys.argv[1]")[0] + SELECT)
    layers_of: dict[str, list[str]] = {}
    mutants = []
    for number, (path, index, line) in enumerate(chosen):
        source, text = mutated_source(path, index)
        module = module_of(path)
        layers = layers_of.setdefault(module, dependent_layers(module))
        mutant = Mutant(f"m{number:03d}", str(path.relative_to(ROOT)), module, line, text)
        (scratch / f"{mutant.id}.py").write_text(source)
        env = {**os.environ, "MUTANT_MODULE": module, "MUTANT_SOURCE": str(scratch / f"{mutant.id}.py"),
               "MUTANT_LAYERS": ",".join(layers), "HYPOTHESIS_PROFILE": "ci",
               "MUTANT_SKIP_REFERENCE": "1" if args.skip_reference else ""}
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, str(runner)], env=env, cwd=ROOT, timeout=args.timeout,
                                  capture_output=True, text=True)
            killed_by = next((line.split()[1] for line in done.stdout.splitlines() if line.startswith("KILLED_BY")),
                             "")
            mutant.conformance = {0: "survived", 3: "no cases"}.get(done.returncode, "killed")
        except subprocess.TimeoutExpired:
            killed_by, mutant.conformance = "timeout", "killed"
        mutant.tests = killed_by
        mutant.seconds = time.perf_counter() - start
        mutants.append(mutant)
        print(f"{mutant.id} {mutant.path}:{line} {text}: {mutant.conformance} {killed_by} "
              f"({mutant.seconds:.1f}s)", flush=True)
    counted = [m for m in mutants if m.conformance != "no cases"]
    killed = sum(m.conformance == "killed" for m in counted)
    by_reference = sum(m.tests.endswith(":reference") for m in counted)
    summary = {"sites": len(sites), "sampled": len(mutants), "no cases (import broken)": len(mutants) - len(counted),
               "killed by the conformance suite": f"{killed}/{len(counted)}",
               "first killed by a reference case": f"{by_reference}/{len(counted)}"}
    args.out.write_text(json.dumps({"summary": summary, "mutants": [asdict(m) for m in mutants]}, indent=1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
