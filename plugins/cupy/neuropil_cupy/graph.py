"""CUDA-graph capture of a training step with CuPy: ``CupyBackend.capture`` returns a :class:`CupyGraph`.

The first call records the step on a capturing stream (``Stream.begin_capture`` / ``end_capture``),
with every buffer it allocates drawn from a private memory pool that the graph keeps: once captured,
those addresses belong to the graph, and the process-wide pool must never hand them to anyone else.
Then it launches the graph. Later calls only launch it (``Graph.launch``) on the current stream, so
the eager copies of the next batch into the static input buffers, queued before, land first.

Not every CuPy call may run during capture: CuPy's own cuBLAS bindings refuse to (the shared anchors'
``ref_cupy_graph.py`` calls cuBLAS through ctypes instead, which neuropil does not do yet), and a
synchronising call is an error there. A capture that fails raises
:class:`~neuropil.base.backend.CaptureUnavailableError`, and ``fit`` trains eagerly, with a warning.
This module imports no CuPy itself: the backend passes its module in.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil.base.backend import CaptureUnavailableError


class CupyGraph:
    """A training step captured as a CUDA graph (on first call) and replayed by launching it."""

    def __init__(self, cupy: Any, step_fn: Callable[[], Any]) -> None:
        self.cupy = cupy
        self.step_fn = step_fn
        self.graph: Any = None
        self.pool: Any = None  # the graph's buffers: kept alive, and kept out of the shared pool
        self.result: Any = None

    def __call__(self) -> Any:
        if self.graph is None:
            self._capture()
        self.graph.launch(self.cupy.cuda.get_current_stream())
        return self.result

    def _capture(self) -> None:
        cp = self.cupy
        pool = cp.cuda.MemoryPool()
        stream = cp.cuda.Stream(non_blocking=True)
        cp.cuda.get_current_stream().synchronize()  # once per capture: the static inputs are written
        graph = None
        try:
            with stream, cp.cuda.using_allocator(pool.malloc):
                stream.begin_capture()
                try:
                    result = self.step_fn()
                finally:
                    graph = stream.end_capture()
        except CaptureUnavailableError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever CuPy refused, the step cannot be captured here
            raise CaptureUnavailableError(f"CUDA-graph capture of the training step failed: "
                                          f"{type(error).__name__}: {error}") from error
        self.graph, self.pool, self.result = graph, pool, result
