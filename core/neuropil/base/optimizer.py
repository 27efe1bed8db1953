"""The optimizer contract: in-place updates from (key, parameter, gradient) triples, state as arrays.

The base class owns what every optimizer shares in Keras 3: the iteration counter, a settable (or
scheduled) learning rate, gradient clipping, decoupled weight decay and per-parameter slot arrays. A
subclass names its slots and writes one update rule.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .backend import array_module


class Optimizer:
    """Base class of optimizers.

    Subclasses set ``slot_names`` and implement :meth:`update_step`, which must update ``param`` (and
    the slot arrays) *in place*. ``learning_rate`` may be a float, a registered
    :class:`~neuropil.base.schedule.LearningRateSchedule` (or its ``{"class_name", "config"}``), or any
    callable ``schedule(iterations)``; as in Keras, a schedule is evaluated at the number of updates
    already applied, 0 for the first.
    """

    name: str = "optimizer"
    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, *, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 weight_decay: float | None = None, name: str | None = None) -> None:
        self.learning_rate = learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        if weight_decay is not None:
            if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float, np.number)) \
                    or not np.isfinite(weight_decay) or weight_decay < 0:
                raise ValueError(f"weight_decay must be a finite number >= 0 or None, received {weight_decay!r}")
            weight_decay = float(weight_decay)
        #: Keras 3's decoupled weight decay: ``p -= p * weight_decay * lr`` before each update, for
        #: every optimizer (AdamW is Adam with it on by default).
        self.weight_decay = weight_decay
        if name is not None:
            self.name = name
        self.iterations = 0
        self.slots: dict[str, dict[str, Any]] = {}

    # -- learning rate ---------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule is evaluated at the current iteration)."""
        lr = self._learning_rate
        return float(lr(self.iterations)) if callable(lr) else float(lr)

    @learning_rate.setter
    def learning_rate(self, value: float | Callable[[int], float]) -> None:
        if isinstance(value, dict):  # a saved schedule: rebuilt through the registry, never imported
            from .. import schedules

            value = schedules.get(value)
        if not callable(value):
            value = float(value)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"learning_rate must be a finite number >= 0, got {value!r}")
        self._learning_rate = value

    # -- updating --------------------------------------------------------------------------------
    def initial_slot(self, slot: str, param: Any) -> Any:
        """The starting value of one slot array (zeros unless a subclass says otherwise)."""
        return array_module(param).zeros_like(param)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement update_step")

    def apply_gradients(self, triples: Iterable[tuple[str, Any, Any]]) -> None:
        """Update every ``param`` in place from its ``grad``; ``key`` names its slots (e.g. 'dense/kernel')."""
        triples = list(triples)
        if not triples:
            return
        grads = self._clip([g for _, _, g in triples])
        lr = self.learning_rate  # before counting this update: a schedule sees 0 on the first
        self.iterations += 1
        step = self.iterations
        shrink = 1.0 - self.weight_decay * lr if self.weight_decay else None
        for (key, param, _), grad in zip(triples, grads):
            slots = self.slots.get(key)
            if slots is None:
                slots = self.slots[key] = {s: self.initial_slot(s, param) for s in self.slot_names}
            if shrink is not None:
                param *= shrink
            self.update_step(param, grad, slots, lr, step)

    def _clip(self, grads: list[Any]) -> list[Any]:
        if self.clipvalue is not None:
            grads = [array_module(g).clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        # Norms and scales stay device scalars: reading one on the host would wait for the device
        # on every step.
        if self.clipnorm is not None:
            grads = [g * _shrink(array_module(g), (g * g).sum(), self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            xp = array_module(grads[0])
            total = (grads[0] * grads[0]).sum()
            for g in grads[1:]:
                total = total + (g * g).sum()
            grads = [g * _shrink(xp, total, self.global_clipnorm).astype(g.dtype) for g in grads]
        return grads

    # -- state -----------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """Slots as ``"key/slot" -> array`` plus ``"iterations"``, for saving and resuming."""
        state: dict[str, Any] = {"iterations": np.asarray(self.iterations, dtype=np.int64)}
        for key, slots in self.slots.items():
            for slot, value in slots.items():
                state[f"{key}/{slot}"] = value
        return state

    def set_state(self, state: dict[str, Any], like: dict[str, Any] | None = None) -> None:
        """Restore :meth:`get_state`'s output. ``like`` maps parameter keys to their arrays, so slots are
        created on the parameters' backend and checked against their shapes."""
        iterations = int(np.asarray(state.get("iterations", 0)))
        slots: dict[str, dict[str, Any]] = {}
        for name, value in state.items():
            if name == "iterations":
                continue
            key, _, slot = name.rpartition("/")
            if slot not in self.slot_names:
                raise ValueError(f"optimizer {self.name!r} has slots {self.slot_names}, state names {slot!r}")
            if like is not None:
                if key not in like:
                    raise ValueError(f"optimizer state names parameter {key!r}, which the model does not have")
                param = like[key]
                if tuple(np.shape(value)) != tuple(param.shape):
                    raise ValueError(f"optimizer slot {name!r} has shape {tuple(np.shape(value))}, "
                                     f"parameter {key!r} has {tuple(param.shape)}")
                value = array_module(param).asarray(value, dtype=param.dtype)
            slots.setdefault(key, {})[slot] = value
        self.iterations, self.slots = iterations, slots

    def get_config(self) -> dict[str, Any]:
        config_: dict[str, Any] = {"learning_rate": self._learning_rate_config()}
        for option in ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay"):
            if getattr(self, option) is not None:
                config_[option] = getattr(self, option)
        return config_

    def _learning_rate_config(self) -> Any:
        """A float, or a registered schedule as ``{"class_name", "config"}`` (Keras saves it so); a plain
        function cannot be named in a file, so its current value stands in for it."""
        lr = self._learning_rate
        if not callable(lr):
            return lr
        from .schedule import LearningRateSchedule

        if isinstance(lr, LearningRateSchedule):
            from .. import schedules

            try:
                return schedules.serialize(lr)
            except ValueError:  # a schedule class no plugin registers
                pass
        return float(lr(self.iterations))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def _shrink(xp: Any, squared_norm: Any, limit: float) -> Any:
    """``min(1, limit / max(norm, 1e-12))`` as a device scalar, for ``norm = sqrt(squared_norm)``."""
    return xp.minimum(1.0, limit / xp.maximum(xp.sqrt(squared_norm), 1e-12))
