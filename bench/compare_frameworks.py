"""neuropil's training step against the NumPy floor, Thinc and PyTorch on the CPU, side by side in one run.

    python bench/compare_frameworks.py [--workload seed|mnist] [--rounds 5] [--against numpy thinc torch]

Each comparator is a reference trainer in ../shared/anchors (the same MLP, data sizes, batch size,
Adam and logged loss); each round runs neuropil and then every comparator as fresh processes, so
machine drift hits all of them alike, and the ratio neuropil/comparator is taken per round. Thinc
and PyTorch are not neuropil dependencies: run this with an interpreter that has them (e.g. a venv
with ``pip install thinc torch==2.13.0`` and neuropil installed editable); a comparator whose library
is missing is reported and skipped.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys

from seed_vs_floor import FLOOR, OURS, us_per_step

ANCHORS = FLOOR.parent
#: comparator -> (the module it needs, the command after the interpreter, given the workload)
COMPARATORS = {
    "numpy": ("numpy", lambda workload: [str(ANCHORS / "ref_numpy.py"), workload]),
    "thinc": ("thinc", lambda workload: [str(ANCHORS / "ref_thinc.py"), workload]),
    "torch": ("torch", lambda workload: [str(ANCHORS / "ref_torch.py"), workload, "cpu"]),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", default="seed", choices=["seed", "mnist"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", nargs="+", default=list(COMPARATORS), choices=list(COMPARATORS))
    args = parser.parse_args()
    present = []
    for name in args.against:
        module = COMPARATORS[name][0]
        if importlib.util.find_spec(module) is None:
            print(f"skipping {name}: {module} is not installed in {sys.executable}")
        else:
            present.append(name)
    ours_cmd = [sys.executable, str(OURS), args.workload]
    times: dict[str, list[float]] = {"neuropil": [], **{name: [] for name in present}}
    for _ in range(args.rounds):
        times["neuropil"].append(us_per_step(ours_cmd))
        for name in present:
            times[name].append(us_per_step([sys.executable, *COMPARATORS[name][1](args.workload)]))
    print(f"workload {args.workload}, {args.rounds} rounds, each round neuropil then {', '.join(present)}")
    for name, values in times.items():
        line = (f"{name:9s}: median {statistics.median(values):9.1f} us/step "
                f"(min {min(values):.1f}, max {max(values):.1f})")
        if name != "neuropil":
            ratios = [ours / theirs for ours, theirs in zip(times["neuropil"], values)]
            line += (f"   neuropil/{name}: median {statistics.median(ratios):.3f} "
                     f"(min {min(ratios):.3f}, max {max(ratios):.3f})")
        print(line)


if __name__ == "__main__":
    main()
