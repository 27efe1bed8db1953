"""The emulated device's CUDA-graph stand-in refuses what a real graph would replay wrongly.

Each test builds a tiny step that breaks one rule of capture and checks that the stand-in names it;
a step that keeps the rules replays with the captured buffers and the values a real replay gives.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from neuropil.testing.emulated_device import COUNTER, CaptureError, HostSyncError, emulated_backend


def test_a_clean_step_replays_on_the_same_buffers_and_advances_in_place() -> None:
    with emulated_backend() as device:
        xp = device.xp
        counter = device.asarray(np.zeros(()))
        x = device.asarray(np.arange(4.0))
        outputs: list[Any] = []

        def step() -> Any:
            counter[...] += 1.0
            y = x * 2.0 + counter  # a new buffer each time: served from the arena
            outputs.append(y)
            return xp.sum(y)

        graph = device.capture(step)
        totals = [float(device.to_numpy(graph())) for _ in range(3)]
        # the reference, written out: step k adds k to 2 * [0, 1, 2, 3]
        assert totals == [12.0 + 4 * k for k in (1, 2, 3)]
        assert outputs[0]._data is outputs[1]._data is outputs[2]._data  # one arena buffer, replayed
        allocations = COUNTER.allocations
        graph()
        assert COUNTER.allocations == allocations


def test_a_host_scalar_that_changes_between_steps_is_refused() -> None:
    with emulated_backend() as device:
        x = device.asarray(np.ones(3))
        host_step = [0]

        def step() -> None:
            host_step[0] += 1
            x[...] = x * (1.0 / host_step[0])  # a graph would replay 1 / 1 forever

        graph = device.capture(step)
        graph()
        with pytest.raises(CaptureError, match="kernel #0 of the captured step differs at replay 1"):
            graph()


def test_state_rebound_instead_of_written_in_place_is_refused() -> None:
    with emulated_backend() as device:
        state = {"t": device.asarray(np.zeros(()))}

        def step() -> None:
            state["t"] = state["t"] + 1.0  # a graph would read the pre-capture buffer at every replay

        graph = device.capture(step)
        graph()
        with pytest.raises(CaptureError, match="differs at replay 1"):
            graph()


def test_a_step_that_allocates_differently_at_replay_is_refused() -> None:
    with emulated_backend() as device:
        xp = device.xp
        sizes = iter([3, 4])

        def step() -> Any:
            return xp.zeros(next(sizes))

        graph = device.capture(step)
        graph()
        with pytest.raises(CaptureError, match=r"buffer #0 of the captured step is \(3,\) float64 at capture"):
            graph()


def test_syncs_and_uploads_inside_the_step_are_refused() -> None:
    with emulated_backend() as device:
        x = device.asarray(np.ones(2))
        with pytest.raises(HostSyncError, match="inside the capture of a training step"):
            device.capture(lambda: float(x.sum()))()
        with pytest.raises(CaptureError, match="host-to-device copy"):
            device.capture(lambda: device.asarray(np.ones(2)))()
