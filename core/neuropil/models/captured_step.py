"""``compile(jit_compile=True)``: the training step captured once (a CUDA graph on CuPy) and replayed.

On a GPU a small model's step is dozens of tiny kernels, and launching them costs more than running
them; a captured graph launches them all at once. Capture records buffers and scalars, not Python, so
the step must be the same work on the same buffers every time:

- inputs, targets and sample weights are copied into static device buffers before each replay;
- the optimizer counts steps on the device (:mod:`neuropil.base.device_step`), so Adam's bias
  corrections and learning-rate schedules advance inside the replayed step;
- every buffer the step allocates comes from the backend's capture arena (a private memory pool on
  CuPy), so layers need no rewriting;
- the captured work is :func:`.steps.gradient_step`, the same function the eager step runs (forward
  through the executor, losses, backward, penalties, update, constraints), so the two cannot drift;
- metrics, the running loss and callbacks stay outside the graph: they run eagerly after each
  replay, on the graph's output buffers.

The first full batch of a ``fit`` is a plain eager step (the warm-up: it creates the optimizer's
slots, compiles kernels); the second is captured; the rest replay. The ragged last batch of an epoch
runs eagerly, with the same device counter, rather than padded with zero sample weights: the loss is
a mean over the batch, so padding would change both the loss and the gradient scale (and batch
statistics of layers that have them), while one eager step per epoch costs little.

A backend that cannot capture (``Backend.capture`` returns None: NumPy) trains eagerly, as Keras does
where XLA is missing; an optimizer that computes its per-step scalars on the host does too, with a
warning saying why.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..base.backend import CaptureUnavailableError
from ..base.device_step import DeviceStep, device_step_problem
from ..graph.executor import Executor, GradientPlan
from . import steps
from .compiled import Compiled


class CapturedTraining:
    """The captured step of one ``fit``: static buffers, the graph, and the eager steps around it."""

    def __init__(self, executor: Executor, compiled: Compiled, backend: Any, batch_size: int) -> None:
        self.executor, self.compiled, self.backend, self.batch_size = executor, compiled, backend, batch_size
        optimizer = compiled.optimizer
        optimizer.device_counter = DeviceStep(backend, optimizer._iterations, optimizer._learning_rate)
        self.graph: Callable[[], Any] | None = None
        self.plan: GradientPlan | None = None
        self._plan_key: Any = None
        #: The static buffers the graph reads: one per input, one per target, and the sample weights.
        self.xs: list[Any] = []
        self.ys: list[Any] = []
        self.w: Any = None
        #: Steps run by graph launches (the capture included), and eagerly (warm-ups, ragged batches).
        self.launches = 0
        self.eager_steps = 0

    @classmethod
    def for_fit(cls, model: Any, executor: Executor, compiled: Compiled,
                batch_size: int) -> CapturedTraining | None:
        """The captured path when ``jit_compile=True`` and both backend and optimizer can take it."""
        compiled.optimizer.device_counter = None  # left by a captured fit that raised: host scalars again
        if getattr(model, "jit_compile", False) is not True:
            return None
        backend = model.backend
        if backend.capture(lambda: None) is None:  # nothing runs: the first call would capture
            return None
        problem = device_step_problem(compiled.optimizer, backend)
        if problem is not None:
            warnings.warn(f"jit_compile=True: training eagerly, because {problem}", RuntimeWarning, stacklevel=4)
            return None
        return cls(executor, compiled, backend, batch_size)

    def step(self, xb: list[Any], yb: list[Any], wb: Any, plan: GradientPlan) -> tuple[Any, list[Any]]:
        """Train on one batch; returns its total loss and each output's (device scalars, to be read
        before the next step)."""
        executor, compiled = self.executor, self.compiled
        optimizer = compiled.optimizer
        counter = optimizer.device_counter
        counter.refresh(optimizer._iterations, optimizer._learning_rate)
        key = (tuple(k for k, _, _ in plan.slots), tuple(plan.backward_steps), wb is None)
        if len(xb[0]) != self.batch_size or self.graph is None or key != self._plan_key:
            # eager: the ragged last batch, or the warm-up before a (new) capture
            self.eager_steps += 1
            result = steps.train_step(executor, compiled, plan, xb, yb, wb)
            if len(xb[0]) == self.batch_size and self._plan_key != "eager" and (self.graph is None
                                                                                  or key != self._plan_key):
                self._prepare_capture(xb, yb, wb, plan, key)
            return result
        for buffer, batch in zip(self.xs, xb):
            buffer[...] = batch
        for buffer, batch in zip(self.ys, yb):
            buffer[...] = batch
        if wb is not None:
            self.w[...] = wb
        before = optimizer._iterations
        try:
            total, per_output, outs = self.graph()
        except CaptureUnavailableError as error:  # e.g. a library refusing calls during capture
            warnings.warn(f"jit_compile=True: training eagerly, because {error}", RuntimeWarning, stacklevel=3)
            optimizer._iterations = before  # the failed capture ran no kernel; undo its host bookkeeping
            counter.refresh(before, optimizer._learning_rate)
            self.graph, self._plan_key = None, "eager"  # never captured again in this fit
            self.eager_steps += 1
            return steps.train_step(executor, compiled, plan, xb, yb, wb)
        # The host's bookkeeping: on a device the replay runs no Python, so the host counts the step.
        optimizer._iterations = counter.mirror = before + 1
        self.launches += 1
        steps.update_metrics(compiled, self.ys, outs, self.w)
        return total, per_output

    def _prepare_capture(self, xb: list[Any], yb: list[Any], wb: Any, plan: GradientPlan, key: Any) -> None:
        self.xs, self.ys = [a.copy() for a in xb], [a.copy() for a in yb]
        self.w = None if wb is None else wb.copy()
        self.plan, self._plan_key = plan, key
        self.graph = self.backend.capture(self._captured)

    def _captured(self) -> tuple[Any, list[Any], list[Any]]:
        assert self.plan is not None
        return steps.gradient_step(self.executor, self.compiled, self.plan, self.xs, self.ys, self.w)

    def close(self) -> None:
        """After ``fit``: the optimizer goes back to host scalars (its host count is current)."""
        self.compiled.optimizer.device_counter = None
        self.graph = None
