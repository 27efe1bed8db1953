"""CUDA-graph capture's wiring on a fake CuPy: the order of the calls, what is kept, what a failure gives.

What only a GPU shows: that the captured graph computes what the eager step computes, and which CuPy
calls (cuBLAS through CuPy's bindings, random generators) refuse to run during stream capture.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from neuropil.base.backend import CaptureUnavailableError
from neuropil_cupy import CupyBackend
from neuropil_cupy.graph import CupyGraph


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.allocator: Any = None


def _install_cuda(fake: Any, recorder: _Recorder) -> None:
    """Streams, graphs, memory pools and ``using_allocator`` that record what the capture does."""

    class Graph:
        def launch(self, stream: Any = None) -> None:
            recorder.calls.append(f"launch on {stream.name}")

    class Stream:
        def __init__(self, non_blocking: bool = False, name: str = "capture stream") -> None:
            self.name = name

        def __enter__(self) -> Stream:
            recorder.calls.append(f"enter {self.name}")
            return self

        def __exit__(self, *exc: Any) -> None:
            recorder.calls.append(f"leave {self.name}")

        def synchronize(self) -> None:
            recorder.calls.append(f"synchronize {self.name}")

        def begin_capture(self) -> None:
            recorder.calls.append("begin_capture")

        def end_capture(self) -> Graph:
            recorder.calls.append("end_capture")
            return Graph()

    class MemoryPool:
        def malloc(self, size: int) -> None:
            raise AssertionError("not called by the fake")

    @contextlib.contextmanager
    def using_allocator(allocator: Any) -> Iterator[None]:
        recorder.calls.append("private pool")
        recorder.allocator = allocator
        yield
        recorder.calls.append("shared pool")

    current = Stream(name="current stream")
    fake.cuda.Stream, fake.cuda.MemoryPool, fake.cuda.using_allocator = Stream, MemoryPool, using_allocator
    fake.cuda.get_current_stream = lambda: current


def test_the_first_call_captures_on_a_private_pool_and_every_call_launches(fake_cupy: Any) -> None:
    fake = fake_cupy()
    recorder = _Recorder()
    _install_cuda(fake, recorder)
    output = object()

    def step() -> Any:
        recorder.calls.append("step")
        return output

    graph = CupyBackend().capture(step)
    assert isinstance(graph, CupyGraph)
    assert recorder.calls == []  # nothing is captured before the first call
    assert graph() is output
    assert recorder.calls == ["synchronize current stream", "enter capture stream", "private pool", "begin_capture",
                              "step", "end_capture", "shared pool", "leave capture stream", "launch on current stream"]
    assert recorder.allocator.__self__ is graph.pool  # the graph keeps the pool its buffers came from
    recorder.calls.clear()
    assert graph() is output  # the same output buffers, and the step's Python does not run again
    assert recorder.calls == ["launch on current stream"]


def test_a_step_cupy_refuses_during_capture_gives_capture_unavailable(fake_cupy: Any) -> None:
    fake = fake_cupy()
    recorder = _Recorder()
    _install_cuda(fake, recorder)

    def step() -> None:
        raise RuntimeError("cuBLAS call during stream capture")

    graph = CupyBackend().capture(step)
    with pytest.raises(CaptureUnavailableError, match="capture of the training step failed: RuntimeError: cuBLAS"):
        graph()
    assert "end_capture" in recorder.calls  # the stream leaves capture mode even so
    assert not any(call.startswith("launch") for call in recorder.calls)


def test_no_capture_where_the_backend_cannot_run(fake_cupy: Any) -> None:
    fake_cupy(device_count=0)
    assert CupyBackend().capture(lambda: None) is None
