"""TF32 matmuls: an explicit opt-in, because it trades float32 accuracy for speed.

On Ampere and newer GPUs, cuBLAS can run float32 matrix products on tensor cores in TF32 (10-bit
mantissa inputs, float32 accumulation): several times faster on large layers, with relative errors near
1e-3 instead of 1e-7. Keras/TensorFlow turn it on by default, PyTorch does not; neuropil does not, so
results match the NumPy backend unless a person asks. Ask with ``NEUROPIL_CUPY_TF32=1`` or
``CupyBackend(tf32=True)``. CuPy keeps one compute type per dtype for the whole process, so enabling it
affects every float32 CuPy matmul in the process, not only neuropil's.
"""
from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

ENV_VAR = "NEUROPIL_CUPY_TF32"
_TRUE = {"1", "true", "yes", "on"}


def requested(option: bool | None) -> bool:
    """The explicit option when given, else ``NEUROPIL_CUPY_TF32``."""
    if option is not None:
        return bool(option)
    return os.environ.get(ENV_VAR, "").strip().lower() in _TRUE


def enable(cupy: Any) -> None:
    """Make CuPy's float32 matmuls use TF32 from now on (a warning, not an error, where it cannot).

    ``CUPY_TF32`` is CuPy's own switch, read when CuPy first picks a compute type; setting the compute
    type directly also covers the case where a float32 matmul already ran. CuPy itself warns and keeps
    full float32 on GPUs older than compute capability 8.0.
    """
    os.environ.setdefault("CUPY_TF32", "1")
    try:
        from cupy._core import _routines_linalg as linalg

        linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_TF32)
    except Exception as exc:  # a private CuPy API: tolerate it moving, but say so
        warnings.warn(f"neuropil-cupy could not switch float32 matmuls to TF32 ({type(exc).__name__}: {exc}); "
                      f"they stay in full float32 unless CUPY_TF32=1 was set before the first matmul",
                      UserWarning, stacklevel=3)


def enabled(cupy: Any) -> bool:
    """Whether CuPy's float32 matmuls currently use TF32 (for tests and diagnostics)."""
    from cupy._core import _routines_linalg as linalg

    return linalg.get_compute_type(np.float32) == linalg.COMPUTE_TYPE_TF32
