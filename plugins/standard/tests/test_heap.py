"""The NumPy backend keeps freed blocks for reuse (neuropil_standard/_heap.py): repeated large
allocations, as every training step makes, stop page-faulting; the opt-out restores glibc's default.
Counted with the kernel's minor-fault counter in a fresh process, not timed."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = r"""
import resource
import numpy as np
import neuropil
neuropil.backends.get("numpy")  # creating the backend is what sets the allocator up
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    a = np.ones(2 * 1024 * 1024, np.float32); b = np.ones(2 * 1024 * 1024, np.float32); del a, b
start = faults()
for _ in range(20):
    a = np.ones(2 * 1024 * 1024, np.float32); b = np.ones(2 * 1024 * 1024, np.float32); del a, b
print((faults() - start) / 40)
"""


def _faults_per_allocation(keep: str) -> float:
    env = {**os.environ, "NEUROPIL_KEEP_FREED_MEMORY": keep}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator; nothing is set elsewhere")
def test_large_blocks_freed_by_one_step_are_reused_by_the_next_without_page_faults():
    pages = 8 * 1024 * 1024 // 4096  # one 8 MiB array
    assert _faults_per_allocation("0") > pages / 8, "glibc's default returns the block and faults it back"
    assert _faults_per_allocation("1") < pages / 100
