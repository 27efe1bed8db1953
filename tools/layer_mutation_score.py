"""Mutation score of the conformance suite on the standard *layer* modules, which
``tools/mutation_score.py`` does not reach (it globs only the top level of each plugin package): the
same one-token mutants and the same per-mutant runner, over ``neuropil_standard/layers/**`` (modules
not starting with ``_`` or ``reference_``), conformance verdict only.

    python tools/layer_mutation_score.py --sample 40 --seed 0 --out layer_mutation_report.json
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "plugins/standard/neuropil_standard/layers"


def _mutation_score() -> object:
    spec = importlib.util.spec_from_file_location("mutation_score", ROOT / "tools/mutation_score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_score"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", nargs="*", default=None, help="layer module paths relative to layers/")
    parser.add_argument("--out", type=Path, default=ROOT / "layer_mutation_report.json")
    args = parser.parse_args()
    ms: object = _mutation_score()
    files = sorted(p for p in LAYERS.rglob("*.py") if not p.name.startswith(("_", "reference_")))
    if args.only:
        files = [LAYERS / name for name in args.only]
    sites: list[tuple[Path, int, int]] = []
    for path in files:
        visitor = ms._Sites()  # type: ignore[attr-defined]
        visitor.visit(ms.ast.parse(path.read_text()))  # type: ignore[attr-defined]
        sites.extend((path, i, getattr(node, "lineno", 0)) for i, (node, *_rest) in enumerate(visitor.sites))
    chosen = random.Random(args.seed).sample(sites, min(args.sample, len(sites)))
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"neuropil-layer-mutants-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "runner.py").write_text(ms.RUNNER)  # type: ignore[attr-defined]
    ms.unit_tests_for = lambda path: []  # type: ignore[attr-defined]  # the conformance verdict only
    mutants = []
    for number, (path, index, line) in enumerate(chosen):
        source, text = ms.mutated_source(path, index)  # type: ignore[attr-defined]
        module = ".".join(path.relative_to(ROOT / "plugins/standard").with_suffix("").parts)
        mutant = ms.Mutant(f"m{number:03d}", str(path.relative_to(ROOT)), module, line, text)  # type: ignore[attr-defined]
        ms.run_one(mutant, source, args.timeout, scratch)  # type: ignore[attr-defined]
        mutants.append(mutant)
        print(f"{mutant.id} {mutant.path}:{line} {text}: conformance {mutant.conformance}", flush=True)
    killed = sum(m.conformance == "killed" for m in mutants)
    summary = {"sites": len(sites), "sampled": len(mutants), "conformance": f"{killed}/{len(mutants)}"}
    args.out.write_text(json.dumps({"summary": summary, "mutants": [asdict(m) for m in mutants]}, indent=1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
