"""The convnet benchmark's neuropil step at a base revision against the working tree, side by side.

    python bench/convnet_ab.py [--base main] [--rounds 5]

Exports ``plugins/standard`` at ``--base`` (``git archive``) to a temporary folder and runs
``bench/convnet.py --worker`` against it (first on ``PYTHONPATH``, so it shadows the editable
install) and against the working tree, alternating fresh processes per round, so machine drift hits
both alike. Prints the median of the per-round ratios and the per-process CPU time (user + system
of the child, startup included), which a shared machine disturbs less than wall time. Set
``OPENBLAS_NUM_THREADS=1`` to take thread scheduling on a loaded machine out of the comparison.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from seed_vs_floor import us_per_step

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall us/step of the timed steps, CPU seconds of the whole process)."""
    before = child_cpu_seconds()
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        wall = us_per_step(command)
    finally:
        os.environ.clear()
        os.environ.update(old)
    return wall, child_cpu_seconds() - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="main", help="the git revision to compare against")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base, "plugins/standard/neuropil_standard"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        base_env = dict(os.environ)
        base_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(folder) / "plugins" / "standard"),
                                                               os.environ.get("PYTHONPATH")]))
        command = [sys.executable, str(HERE / "convnet.py"), "--worker"]
        runs: dict[str, list[tuple[float, float]]] = {"base": [], "tree": []}
        for _ in range(args.rounds):
            runs["base"].append(timed(command, base_env))
            runs["tree"].append(timed(command, dict(os.environ)))
    print(f"convnet neuropil step, {args.base} vs working tree, {args.rounds} rounds")
    for name, values in runs.items():
        walls = [wall for wall, _ in values]
        cpus = [cpu for _, cpu in values]
        print(f"{name:5s}: median {statistics.median(walls) / 1000:7.1f} ms/step (min {min(walls) / 1000:.1f}), "
              f"median process CPU {statistics.median(cpus):.2f} s")
    ratios = [tree[0] / base[0] for base, tree in zip(runs["base"], runs["tree"])]
    cpu_ratios = [tree[1] / base[1] for base, tree in zip(runs["base"], runs["tree"])]
    print(f"tree/base wall: median {statistics.median(ratios):.3f} (per round {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"tree/base CPU:  median {statistics.median(cpu_ratios):.3f} "
          f"(per round {', '.join(f'{r:.2f}' for r in cpu_ratios)})")


if __name__ == "__main__":
    main()
