"""Finding out whether CuPy can run here, and if not, saying why in words a person can act on.

Three things go wrong in practice, each with its own fix: CuPy is not installed (install the extra),
CuPy is installed but cannot load its CUDA libraries (wheel and toolkit/driver do not match), or CuPy
loads but there is no usable device (no GPU, driver too old, ``CUDA_VISIBLE_DEVICES`` hides it). A
first tiny kernel is run too, because a missing NVRTC only shows when something is compiled.
"""
from __future__ import annotations

from typing import Any

INSTALL_HINT = "pip install neuropil-cupy[cuda12x]"


def probe() -> tuple[bool, str]:
    """``(True, device description)`` when CuPy can compute here, else ``(False, reason)``. Never raises."""
    try:
        import cupy
    except ModuleNotFoundError as exc:
        if exc.name == "cupy":
            return False, f"cupy is not installed: {INSTALL_HINT} (or [cuda13x] for CUDA 13)"
        return False, f"cupy failed to import: {type(exc).__name__}: {exc}"
    except Exception as exc:  # ImportError/OSError from missing CUDA libraries, and anything else
        return False, (f"cupy is installed but failed to import ({type(exc).__name__}: {exc}); the CuPy "
                       f"wheel probably does not match the CUDA libraries or driver here")
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:
        return False, f"cupy is installed but no CUDA device is usable: {type(exc).__name__}: {exc}"
    if count == 0:
        return False, "cupy is installed but no CUDA device was found (getDeviceCount() == 0)"
    try:
        description = _describe_device(cupy)
        _first_kernel(cupy)
    except Exception as exc:
        return False, (f"a CUDA device was found but a first CuPy kernel failed ({type(exc).__name__}: {exc}); "
                       f"check that the CUDA runtime libraries (NVRTC, cuBLAS) are installed")
    return True, description


def _describe_device(cupy: Any) -> str:
    runtime = cupy.cuda.runtime
    index = int(runtime.getDevice())
    name = runtime.getDeviceProperties(index)["name"]
    if isinstance(name, bytes):
        name = name.decode(errors="replace")
    return f"{name} (CUDA device {index})"


def _first_kernel(cupy: Any) -> None:
    """Compile and run one elementwise kernel and one reduction, and check the answer."""
    total = float((cupy.arange(4, dtype=cupy.float32) * 2).sum())
    if total != 12.0:
        raise RuntimeError(f"2 * (0 + 1 + 2 + 3) computed as {total}")
