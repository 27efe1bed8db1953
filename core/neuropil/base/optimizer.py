"""The optimizer contract: in-place updates from (key, parameter, gradient) triples, state as arrays.

The base class owns what every optimizer shares in Keras 3: the iteration counter, a settable (or
scheduled) learning rate, gradient clipping, decoupled weight decay (with exclusions), gradient
accumulation, an exponential moving average of the weights, and per-parameter slot arrays. A subclass
names its slots and writes one update rule; parameters of any shape, 0-d included, reach that rule as
arrays of at least one axis.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .. import checks
from ..errors import ArgumentError, ArgumentTypeError
from .backend import array_module

#: State names of the arrays the base class keeps per parameter, beside the subclass's slots.
AVERAGE, ACCUMULATOR = "average", "gradient_accumulator"


class Optimizer:
    """Base class of optimizers.

    Subclasses set ``slot_names`` and implement :meth:`update_step`, which must update ``param`` (and
    the slot arrays) *in place*. ``learning_rate`` may be a float, a registered
    :class:`~neuropil.base.schedule.LearningRateSchedule` (or its ``{"class_name", "config"}``), or any
    callable ``schedule(iterations)``; as in Keras, a schedule is evaluated at the number of
    ``apply_gradients`` calls already made, 0 for the first.

    Keras 3's shared keyword arguments, with Keras's semantics:

    - ``clipnorm`` / ``clipvalue`` / ``global_clipnorm``: at most one of them.
    - ``weight_decay``: ``p -= p * weight_decay * lr`` before each update, except for the parameters
      named through :meth:`exclude_from_weight_decay`.
    - ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``: a moving average of every parameter,
      ``average = ema_momentum * average + (1 - ema_momentum) * param`` after each call (the first call
      copies the parameter); every ``ema_overwrite_frequency`` updates the parameters are overwritten
      with it, and :meth:`finalize_variable_values` (called by ``fit`` at its end) does so once more.
    - ``gradient_accumulation_steps``: parameters change only every that many calls, by the mean of
      the gradients received since the last change; ``iterations`` then counts those changes.
    """

    name: str = "optimizer"
    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, *, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 weight_decay: float | None = None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None, gradient_accumulation_steps: int | None = None,
                 name: str | None = None) -> None:
        owner = type(self).__name__
        self.learning_rate = learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            None if value is None else checks.number(owner, option, value, minimum=0)
            for option, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                  ("global_clipnorm", global_clipnorm)))
        clips = [f"{k}={v!r}" for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                            ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(clips) > 1:
            raise ArgumentError(f"{owner} expects at most one of clipnorm, clipvalue and global_clipnorm, "
                                f"received {', '.join(clips)}")
        #: Keras 3's decoupled weight decay: ``p -= p * weight_decay * lr`` before each update, for
        #: every optimizer (AdamW is Adam with it on by default).
        self.weight_decay = None if weight_decay is None else checks.number(owner, "weight_decay", weight_decay,
                                                                             minimum=0)
        self.use_ema = checks.boolean(owner, "use_ema", use_ema)
        self.ema_momentum = checks.number(owner, "ema_momentum", ema_momentum, minimum=0, maximum=1)
        self.ema_overwrite_frequency = None if ema_overwrite_frequency is None else \
            checks.count(owner, "ema_overwrite_frequency", ema_overwrite_frequency)
        self.gradient_accumulation_steps = None if gradient_accumulation_steps is None else \
            checks.count(owner, "gradient_accumulation_steps", gradient_accumulation_steps, minimum=2)
        if name is not None:
            self.name = name
        self._iterations = 0
        self.slots: dict[str, dict[str, Any]] = {}
        #: Per parameter key: the moving average (``use_ema``) and the gradient sum (accumulation).
        self.averages: dict[str, Any] = {}
        self.accumulators: dict[str, Any] = {}
        self._excluded_ids: set[int] = set()
        self._excluded_keys: set[str] = set()
        self._excluded_pattern: re.Pattern[str] | None = None
        self._decays: dict[str, bool] = {}

    # -- counting --------------------------------------------------------------------------------
    @property
    def iterations(self) -> int:
        """Updates applied so far (Keras: with gradient accumulation, calls // steps)."""
        steps = self.gradient_accumulation_steps
        return self._iterations // steps if steps else self._iterations

    @iterations.setter
    def iterations(self, value: int) -> None:
        self._iterations = int(value) * (self.gradient_accumulation_steps or 1)

    # -- learning rate ---------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule is evaluated at the calls made so far)."""
        lr = self._learning_rate
        return float(lr(self._iterations)) if callable(lr) else float(lr)

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

    # -- weight decay exclusions -----------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list: Iterable[Any] | None = None,
                                  var_names: Iterable[str] | None = None) -> None:
        """Keep some parameters out of weight decay (Keras 3), before the first update.

        ``var_list``: parameter arrays (matched by identity) or parameter keys such as
        ``"dense/bias"`` (matched exactly). ``var_names``: strings, any of which found (as a regular
        expression, as Keras searches) in a parameter's key excludes it, e.g. ``["bias"]``. Each call
        replaces the exclusions of the previous one, as in Keras.
        """
        owner = type(self).__name__
        if self._iterations or self.slots:
            raise ArgumentError(f"{owner}.exclude_from_weight_decay() must be called before the optimizer's "
                                f"first update, received it after {self._iterations} updates")
        if isinstance(var_names, str) or hasattr(var_list, "shape") or isinstance(var_list, str):
            # one name or one array where a list belongs: iterating it would exclude letters or rows
            raise ArgumentTypeError(f"{owner}.exclude_from_weight_decay() expects var_list and var_names to be "
                                    f"lists, received var_list={var_list!r}, var_names={var_names!r}")
        items = list(var_list or ())
        self._excluded_keys = {item for item in items if isinstance(item, str)}
        self._excluded_ids = {id(item) for item in items if not isinstance(item, str)}
        names = [checks.instance(owner, "var_names[]", n, str, what="a string") for n in (var_names or ())]
        self._excluded_pattern = re.compile("|".join(sorted(set(names)))) if names else None
        self._decays = {}

    def _decays_weight(self, key: str, param: Any) -> bool:
        decays = self._decays.get(key)
        if decays is None:
            decays = self._decays[key] = not (
                key in self._excluded_keys or id(param) in self._excluded_ids
                or (self._excluded_pattern is not None and self._excluded_pattern.search(key) is not None))
        return decays

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
        steps = self.gradient_accumulation_steps
        if steps:
            sums = [self._state_array(self.accumulators, key, param) for key, param, _ in triples]
            if (self._iterations + 1) % steps:
                for total, (_, _, grad) in zip(sums, triples):
                    total += grad
            else:
                means = [(grad + total) / steps for total, (_, _, grad) in zip(sums, triples)]
                for total in sums:
                    total[...] = 0
                self._update([(key, param, mean) for (key, param, _), mean in zip(triples, means)])
        else:
            self._update(triples)
        if self.use_ema:
            self._update_averages(triples)
        self._iterations += 1

    def _update(self, triples: list[tuple[str, Any, Any]]) -> None:
        """Clip, decay and apply one update to every parameter."""
        grads = self._clip([g for _, _, g in triples])
        lr = self.learning_rate  # before counting this call: a schedule sees 0 on the first
        step = self.iterations + 1
        shrink = 1.0 - self.weight_decay * lr if self.weight_decay else None
        for (key, param, _), grad in zip(triples, grads):
            slots = self.slots.get(key)
            if slots is None:
                slots = self.slots[key] = {s: self.initial_slot(s, param) for s in self.slot_names}
            if shrink is not None and self._decays_weight(key, param):
                param *= shrink
            if param.ndim == 0:  # update rules index and reduce: give them one axis (views, so in place)
                param, grad = param.reshape(1), grad.reshape(1)
                slots = {s: v.reshape(1) if v.ndim == 0 else v for s, v in slots.items()}
            self.update_step(param, grad, slots, lr, step)

    def _state_array(self, table: dict[str, Any], key: str, param: Any) -> Any:
        value = table.get(key)
        if value is None:
            value = table[key] = array_module(param).zeros_like(param)
        return value

    def _update_averages(self, triples: list[tuple[str, Any, Any]]) -> None:
        """Keras's EMA: momentum 0 at the first update (the average starts as the weights)."""
        momentum = self.ema_momentum if self.iterations != 0 else 0.0
        for key, param, _ in triples:
            average = self.averages.get(key)
            if average is None:  # starts as the weights (a state saved without averages resumes sanely)
                average = self.averages[key] = param.copy()
            average *= momentum
            average += param * (1.0 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (self.iterations + 1) % frequency == 0:
            self.finalize_variable_values(triples)

    def finalize_variable_values(self, var_list: Mapping[str, Any] | Iterable[tuple[Any, ...]]) -> None:
        """Set the parameters to their final values: with ``use_ema``, their moving averages.

        ``var_list`` maps parameter keys to parameter arrays, or lists ``(key, param, ...)`` tuples (the
        triples given to :meth:`apply_gradients` do). ``fit`` calls it once training ends, as Keras does.
        """
        if not self.use_ema:
            return
        pairs = var_list.items() if isinstance(var_list, Mapping) else ((t[0], t[1]) for t in var_list)
        for key, param in pairs:
            average = self.averages.get(key)
            if average is not None:
                param[...] = average

    def _clip(self, grads: list[Any]) -> list[Any]:
        if self.clipvalue is not None:
            grads = [array_module(g).clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [g * min(1.0, self.clipnorm / max(float((g * g).sum()) ** 0.5, 1e-12)) for g in grads]
        if self.global_clipnorm is not None:
            norm = sum(float((g * g).sum()) for g in grads) ** 0.5
            scale = min(1.0, self.global_clipnorm / max(norm, 1e-12))
            grads = [g * scale for g in grads]
        return grads

    # -- state -----------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """Slots as ``"key/slot" -> array`` plus ``"iterations"`` (calls made), with the moving
        averages (``"key/average"``) and gradient sums (``"key/gradient_accumulator"``) when used, for
        saving and resuming."""
        state: dict[str, Any] = {"iterations": np.asarray(self._iterations, dtype=np.int64)}
        for key, slots in self.slots.items():
            for slot, value in slots.items():
                state[f"{key}/{slot}"] = value
        for suffix, table in ((AVERAGE, self.averages), (ACCUMULATOR, self.accumulators)):
            for key, value in table.items():
                state[f"{key}/{suffix}"] = value
        return state

    def set_state(self, state: dict[str, Any], like: dict[str, Any] | None = None) -> None:
        """Restore :meth:`get_state`'s output. ``like`` maps parameter keys to their arrays, so slots are
        created on the parameters' backend and checked against the shapes they must have."""
        iterations = int(np.asarray(state.get("iterations", 0)))
        slots: dict[str, dict[str, Any]] = {}
        tables: dict[str, dict[str, Any]] = {AVERAGE: {}, ACCUMULATOR: {}}
        kept = {AVERAGE: self.use_ema, ACCUMULATOR: bool(self.gradient_accumulation_steps)}
        for name, value in state.items():
            if name == "iterations":
                continue
            key, _, slot = name.rpartition("/")
            own = slot in tables and kept[slot]
            if not own and slot not in self.slot_names:
                raise ValueError(f"optimizer {self.name!r} has slots {self.slot_names}, state names {slot!r}")
            if like is not None:
                if key not in like:
                    raise ValueError(f"optimizer state names parameter {key!r}, which the model does not have")
                param = like[key]
                expected = tuple(param.shape) if own else tuple(np.shape(self.initial_slot(slot, param)))
                if tuple(np.shape(value)) != expected:
                    raise ValueError(f"optimizer slot {name!r} has shape {tuple(np.shape(value))}, "
                                     f"parameter {key!r} needs {expected}")
                value = array_module(param).asarray(value, dtype=param.dtype)
            if own:
                tables[slot][key] = value
            else:
                slots.setdefault(key, {})[slot] = value
        self._iterations, self.slots = iterations, slots
        self.averages, self.accumulators = tables[AVERAGE], tables[ACCUMULATOR]

    def get_config(self) -> dict[str, Any]:
        config_: dict[str, Any] = {"learning_rate": self._learning_rate_config()}
        for option in ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay", "gradient_accumulation_steps"):
            if getattr(self, option) is not None:
                config_[option] = getattr(self, option)
        if self.use_ema:
            config_.update(use_ema=True, ema_momentum=self.ema_momentum,
                           ema_overwrite_frequency=self.ema_overwrite_frequency)
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
        return float(lr(self._iterations))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"
