"""``finite``: activations and losses give finite values and gradients for finite inputs of any
magnitude, in float32 and float64.

The hook specs promise it, and it is where textbook formulas break: ``1 / (1 + exp(-x))`` overflows
at -89 in float32, ``log(p)`` of a probability that reached 0 is -inf, and a NaN in one weight
poisons a whole model within a step. Gradient checks never see it, because they draw inputs in
[-3, 3] where every formula is fine.

Inputs are fixed, not drawn: magnitudes 0, 1e-30, 0.5, 1, 10, 30, 100, 1e3 and 1e4 of both signs,
and, in an input of their own, the dtype's largest value of both signs. "Where the math is finite":
an activation that declares a float64
``reference`` is held to finiteness only where that reference is finite and representable in the
dtype (``exponential(1e4)`` is not); without one, every input up to 1e4 counts and the dtype's limits
are left out. Losses get their declared value kinds at the extremes: probabilities of exactly 0 and 1
(what a saturated sigmoid produces in float32), real predictions and logits up to +-1e4.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from ..instances import example_configs, make

DTYPES = ("float32", "float64")
MAGNITUDES = (0.0, 1e-30, 0.5, 1.0, 10.0, 30.0, 100.0, 1e3, 1e4)


def _signed(values: tuple[float, ...]) -> np.ndarray:
    return np.array(sorted({v for m in values for v in (m, -m)}), dtype=np.float64)


def _host(value: Any) -> np.ndarray:
    get = getattr(value, "get", None)
    return np.asarray(get() if callable(get) and not isinstance(value, np.ndarray) else value)


def _activation_input(activation: Any, values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` down the batch axis, repeated along the axis the activation splits (GLU), so that
    row-wise activations see each magnitude against itself and against the others."""
    columns = 2
    multiple = getattr(activation, "input_axis_multiple", None)
    if multiple is not None and multiple[0] in (0, -2):
        values = np.repeat(values, multiple[1])
    return np.repeat(values[:, None], columns, axis=1).astype(dtype)


def _bad(what: str, config: dict[str, Any], dtype: str, x: np.ndarray, out: np.ndarray,
         checked: np.ndarray) -> AssertionError:
    bad = checked & ~np.isfinite(out)
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return AssertionError(f"{what} is {out[index]!r} at input {x[index]!r} in {dtype} (config {config}); "
                          f"{int(bad.sum())} of {int(checked.sum())} checked values are not finite")


def activation(entry: Entry) -> None:
    for config in example_configs(entry):
        act = make(entry, config)
        has_reference = callable(getattr(act, "reference", None))
        for dtype in DTYPES:
            ladders = [_signed(MAGNITUDES)]
            if has_reference:  # the limits on their own: next to 1e4 they would test rounding, not range
                limit = float(np.finfo(dtype).max)
                ladders.append(np.array([-limit, 0.0, limit]))
            for values in ladders:
                _check_activation(act, config, dtype, _activation_input(act, values, dtype), has_reference)


def _check_activation(act: Any, config: dict[str, Any], dtype: str, x: np.ndarray, has_reference: bool) -> None:
    checked = np.ones(x.shape, dtype=bool)
    if has_reference:
        with np.errstate(all="ignore"):
            expected = np.asarray(act.reference(x.astype(np.float64)), dtype=np.float64)
        if expected.shape == x.shape:
            checked = np.isfinite(expected) & (np.abs(expected) <= float(np.finfo(dtype).max))
    with np.errstate(all="ignore"):
        y, backward = act.forward(x.copy())
        y = _host(y)
        if y.shape == x.shape and not np.isfinite(y[checked]).all():
            raise _bad("the output", config, dtype, x, y, checked)
        if y.shape != x.shape and not np.isfinite(y).all():
            raise AssertionError(f"the output is not finite for inputs up to 1e4 in {dtype} "
                                 f"(config {config}): {y!r}")
        dx = _host(backward(np.ones_like(x) if y.shape == x.shape else np.ones(y.shape, dtype)))
    if not np.isfinite(dx[checked]).all():
        raise _bad("the gradient (upstream 1)", config, dtype, x, dx, checked)


def _loss_predictions(kind: str, dtype: str, width: int) -> np.ndarray:
    if kind == "probability":
        columns = np.array([0.0, 1.0, 1e-30, 1 - 1e-7, 0.5])
    elif kind == "distribution":
        # Saturated softmax rows: classes at 1e-30 (a normal float32), not at an exact 0, where a
        # loss with a power of the probability (generalized crossentropy) has an infinite slope.
        saturated = np.full((2, width), 1e-30)
        saturated[0, 0] = saturated[1, width - 1] = 1.0
        return np.concatenate([saturated, np.full((1, width), 1.0 / width)]).astype(dtype)
    elif kind == "positive":
        columns = np.array([1e-30, 1e-4, 1.0, 1e3, 1e4])
    else:
        columns = _signed((1e4, 1e3, 100.0, 30.0, 0.0))
    return np.repeat(columns[:, None], width, axis=1).astype(dtype)


def _loss_targets(kind: str, batch: int, width: int, dtype: str) -> np.ndarray:
    rows = np.arange(batch)
    if kind == "sparse":
        return (rows % width).astype(np.int64)
    if kind in ("one_hot", "distribution"):
        return np.eye(width, dtype=dtype)[rows % width]
    if kind == "binary":
        return (np.indices((batch, width)).sum(axis=0) % 2).astype(dtype)
    if kind == "probability":
        return np.full((batch, width), 0.3, dtype=dtype)
    if kind == "positive":
        return np.full((batch, width), 2.0, dtype=dtype)
    return np.linspace(-1e4, 1e4, batch * width).reshape(batch, width).astype(dtype)


def loss(entry: Entry) -> None:
    for config in example_configs(entry):
        lo = make(entry, config)
        if getattr(lo, "conformance_example", None) is not None:
            continue  # inputs no value kind describes (CTC): its own tests cover the extremes
        target_kind = getattr(lo, "target_kind", "real")
        prediction_kind = getattr(lo, "prediction_kind", "real")
        for dtype in DTYPES:
            y_pred = _loss_predictions(prediction_kind, dtype, 3)
            y_true = _loss_targets(target_kind, y_pred.shape[0], 3, dtype)
            with np.errstate(all="ignore"):
                value, backward = lo.forward(y_true, y_pred.copy())
                value = _host(value)
                grad = _host(backward(1.0))
            where = (f"for {prediction_kind} predictions {y_pred[:, 0].tolist()} against {target_kind} targets "
                     f"in {dtype} (config {config})")
            if not np.isfinite(value).all():
                raise AssertionError(f"the loss is {value!r} {where}")
            if not np.isfinite(grad).all():
                bad = tuple(int(i) for i in np.argwhere(~np.isfinite(grad))[0])
                raise AssertionError(f"the gradient is {grad[bad]!r} at prediction {y_pred[bad]!r} {where}")
