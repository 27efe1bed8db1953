"""neuropil-cupy: the CuPy GPU backend for neuropil.

Importing this package imports neither CuPy nor any CUDA library: the plugin must load (and explain
itself) on machines without a GPU, so CuPy is imported the first time the backend is asked about.
"""
from __future__ import annotations

from .backend import CupyBackend

__all__ = ["CupyBackend"]
__version__ = "0.1.0"
