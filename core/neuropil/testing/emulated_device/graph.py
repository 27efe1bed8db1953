"""The emulated device's stand-in for a CUDA graph: what capture demands of a step, checked on the CPU.

A real graph is recorded once and then replayed without Python: every kernel runs again with the
buffers (addresses) and scalar arguments it had when it was captured. A step is capturable only if
that is the same as running it again, which the stand-in checks on every launch:

- the step's buffers come from a static arena, one per allocation in capture order (what a private
  CuPy memory pool gives a graph), so a replay writes where the capture wrote; a step that allocates
  a buffer more, fewer, or of another shape than at capture fails (:class:`~.errors.CaptureError`);
- inside the step there is no synchronising call (:class:`~.errors.HostSyncError`) and no
  host-to-device copy (the graph would replay the host address, not the host's current values);
- the step's Python runs again at each replay (the emulation has no graph to replay), but every
  kernel it launches is compared with the one captured: the same kernel, the same buffers, the same
  scalar values. A host float that changes from step to step (a learning rate or bias correction
  computed on the host) or an array rebound instead of written in place (a counter ``t = t + 1``)
  makes them differ, which on a GPU would silently replay the captured value: here it raises.

The first call captures (and runs) the step, as :meth:`neuropil.base.backend.Backend.capture`'s
contract says; later calls are replays.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .device_array import SCALARS, DeviceArray
from .errors import CaptureError
from .sync import COUNTER


def _describe(value: Any) -> Any:
    """What a kernel launch depends on, comparable between launches: a device array by address,
    shape, strides and dtype; a scalar by type and value; containers element by element."""
    if isinstance(value, DeviceArray):
        data = value._data
        return ("device", data.__array_interface__["data"][0], data.shape, data.strides, data.dtype.str)
    if isinstance(value, np.ndarray):
        return ("host", value.__array_interface__["data"][0], value.shape, value.dtype.str)
    if isinstance(value, SCALARS):
        return (type(value).__name__, repr(value))
    if isinstance(value, (list, tuple)):
        return tuple(_describe(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _describe(v)) for k, v in value.items())
    if value is None or isinstance(value, (str, slice, type(Ellipsis), np.dtype, type)):
        return repr(value)
    return type(value).__name__


def node(kernel: str, operands: Any, result: Any, where: str) -> tuple[tuple[Any, ...], str]:
    """One launch on a tape: (what must be equal at every replay, where the launch was made)."""
    return (kernel, _describe(operands), _describe(result)), where


class Arena:
    """The captured step's buffers, in allocation order; it grows during capture and serves them again,
    position by position, at every replay."""

    def __init__(self) -> None:
        self.buffers: list[np.ndarray] = []
        self.position = 0
        self.growing = False

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.buffers)

    def serve(self, data: np.ndarray) -> np.ndarray:
        """The arena's buffer for this allocation, holding ``data`` (which NumPy computed elsewhere)."""
        index = self.position
        if index < len(self.buffers):
            buffer = self.buffers[index]
            if buffer.shape != data.shape or buffer.dtype != data.dtype:
                raise CaptureError(f"buffer #{index} of the captured step is {buffer.shape} {buffer.dtype} at "
                                   f"capture and {data.shape} {data.dtype} now: a graph replays fixed buffers, so the "
                                   f"step must allocate the same buffers every time")
        elif self.growing:
            buffer = np.empty_like(data)
            self.buffers.append(buffer)
            COUNTER.allocations += 1  # made once, during capture, as a graph's private pool does
            COUNTER.allocated_bytes += buffer.nbytes
        else:
            raise CaptureError(f"the captured step allocated {len(self.buffers)} buffers at capture and now asks for "
                               f"one more: a graph replays fixed buffers, so the step must allocate the same ones "
                               f"every time")
        np.copyto(buffer, data)
        self.position += 1
        return buffer


class EmulatedGraph:
    """A captured training step on the emulated device: ``graph()`` runs it (the first call captures)."""

    def __init__(self, step_fn: Callable[[], Any]) -> None:
        self.step_fn = step_fn
        self.arena = Arena()
        self.reference: list[tuple[tuple[Any, ...], str]] | None = None
        self.replays = 0

    def __call__(self) -> Any:
        capturing = self.reference is None
        tape: list[tuple[tuple[Any, ...], str]] = []
        self.arena.position, self.arena.growing = 0, capturing
        COUNTER.arena, COUNTER.tape = self.arena, tape
        try:
            with COUNTER.capture("the capture of a training step" if capturing else "a replay of the captured step"):
                result = self.step_fn()
        finally:
            COUNTER.arena = COUNTER.tape = None
        if capturing:
            self.reference = tape
            return result
        self._compare(tape)
        self.replays += 1
        return result

    def _compare(self, tape: list[tuple[tuple[Any, ...], str]]) -> None:
        reference = self.reference or []
        for index, ((captured, at), (now, here)) in enumerate(zip(reference, tape)):
            if captured != now:
                raise CaptureError(
                    f"kernel #{index} of the captured step differs at replay {self.replays + 1}: captured "
                    f"{captured[0]} at {at}, now {now[0]} at {here}, with other buffers or scalar values. A CUDA "
                    f"graph replays the captured arguments, so on a GPU this step would reuse stale values: compute "
                    f"per-step scalars on the device (from a device step counter) and write state in place")
        if len(reference) != len(tape) or self.arena.position != len(self.arena.buffers):
            raise CaptureError(f"the captured step launched {len(reference)} kernels and used "
                               f"{len(self.arena.buffers)} buffers at capture, {len(tape)} and {self.arena.position} "
                               f"at replay {self.replays + 1}: a graph replays exactly what was captured")
