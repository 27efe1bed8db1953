"""The rest of Keras 3's activations, each with its own backward.

As in :mod:`neuropil_standard.activations`: the math goes through the array module of ``x``, results
are in ``x``'s dtype, ``x`` and ``dy`` are never written to. Piecewise activations declare their
``kinks`` (where the slope jumps) so gradient checks step off them; ``hard_shrink`` and ``threshold``
jump in value there, and their derivative is taken as the slope of the piece on either side.
``exponential`` overflows for ``x`` above ~88 in float32, exactly as Keras's does.
"""
from __future__ import annotations

import math
from typing import Any

from neuropil import checks
from neuropil.base.activation import Activation, Backward
from neuropil.base.backend import array_module
from neuropil.errors import InputValidationError
from neuropil.plugin_system.hookspecs import Register

from . import reference_activations as _reference
from .activations import axes_of, sigmoid, softmax_axis, softplus


def _scaled(slope: Any) -> Backward:
    """The backward ``dy * slope`` of an elementwise activation whose slope is already known."""
    return lambda dy: dy * slope


class LogSoftmax(Activation):
    """Keras's ``log_softmax(x, axis=-1)``: ``x - max - log(sum(exp(x - max)))`` over ``axis`` (one
    or a tuple of axes); backward ``dy - softmax(x) * sum(dy)``."""

    name = "log_softmax"
    reference = _reference.log_softmax  # the conformance suite's float64 formula
    example_configs = ({}, {"axis": 0}, {"axis": [0, -1]})

    def __init__(self, axis: int | tuple[int, ...] = -1) -> None:
        self.axis = softmax_axis("LogSoftmax", axis)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp, axis = array_module(x), axes_of(self.axis, x.ndim)
        y = x - x.max(axis=axis, keepdims=True)
        y -= xp.log(xp.exp(y).sum(axis=axis, keepdims=True))

        def backward(dy: Any) -> Any:
            return dy - xp.exp(y) * dy.sum(axis=axis, keepdims=True)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


class Sparsemax(Activation):
    """Keras's ``sparsemax(x, axis=-1)`` (Martins & Astudillo, 2016): the Euclidean projection of
    ``x`` onto the probability simplex, ``max(x - tau, 0)``, so small entries become exactly 0.
    Backward on the support ``S``: ``dy - mean_S(dy)``, 0 off it."""

    name = "sparsemax"
    reference = _reference.sparsemax  # the conformance suite's float64 formula
    example_configs = ({}, {"axis": 0})

    def __init__(self, axis: int = -1) -> None:
        self.axis = checks.integer("Sparsemax", "axis", axis)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp, axis = array_module(x), self.axis
        # Sparsemax is shift-invariant: shifting by the maximum keeps the cumulative sums finite at
        # the dtype's limits (where summing two entries of 3e38 overflowed float32).
        shifted = x - x.max(axis=axis, keepdims=True)
        ranked = -xp.sort(-shifted, axis=axis)  # descending
        cumulative = xp.cumsum(ranked, axis=axis)
        positions = xp.arange(1, x.shape[axis] + 1, dtype=x.dtype)
        positions = positions.reshape((-1,) + (1,) * (x.ndim - 1 - axis % x.ndim))
        in_support = ranked - (cumulative - 1.0) / positions > 0
        size = in_support.sum(axis=axis, keepdims=True).astype(x.dtype)  # an integer count promoted to float64
        tau = (xp.where(in_support, ranked, 0.0).sum(axis=axis, keepdims=True) - 1.0) / size
        y = xp.maximum(shifted - tau, 0.0)
        support = (y > 0).astype(x.dtype)

        def backward(dy: Any) -> Any:
            inside = dy * support
            inside -= support * (inside.sum(axis=axis, keepdims=True) / support.sum(axis=axis, keepdims=True))
            return inside

        return y, backward

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class GLU(Activation):
    """Keras's ``glu(x, axis=-1)``: ``x`` split in two halves ``a, b`` along ``axis``, then
    ``a * sigmoid(b)``; the output has half the size along ``axis``, which must be even."""

    name = "glu"
    reference = _reference.glu  # the conformance suite's float64 formula
    example_configs = ({}, {"axis": 0})
    #: The conformance suite draws inputs whose size along this axis is a multiple of 2.
    input_axis_multiple = (-1, 2)

    def __init__(self, axis: int = -1) -> None:
        self.axis = checks.integer("GLU", "axis", axis)
        self.input_axis_multiple = (self.axis, 2)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp, axis = array_module(x), self.axis
        if x.shape[axis] % 2:
            raise InputValidationError(f"glu splits axis {axis} in two halves, so its size must be even; "
                                       f"received an input of shape {tuple(x.shape)}")
        a, b = xp.split(x, 2, axis=axis)
        gate = sigmoid(b)
        y = a * gate

        def backward(dy: Any) -> Any:
            da = dy * gate
            db = da * a
            db *= 1.0 - gate
            return xp.concatenate([da, db], axis=axis)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class Softsign(Activation):
    """Keras's ``softsign``: ``x / (1 + |x|)``; slope ``1 / (1 + |x|) ** 2``."""

    name = "softsign"
    reference = _reference.softsign  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        denominator = xp.abs(x) + 1.0
        slope = 1.0 / (denominator * denominator)
        return x / denominator, _scaled(slope)


class HardSigmoid(Activation):
    """Keras 3's ``hard_sigmoid``: ``relu6(x + 3) / 6``, i.e. ``clip(x / 6 + 0.5, 0, 1)``."""

    name = "hard_sigmoid"
    reference = _reference.hard_sigmoid  # the conformance suite's float64 formula
    kinks = (-3.0, 3.0)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        y = xp.clip(x / 6.0 + 0.5, 0.0, 1.0)
        return y, _scaled(((x > -3.0) & (x < 3.0)) * (1.0 / 6.0))


class SparseSigmoid(Activation):
    """Keras's ``sparse_sigmoid``: 0 below -1, 1 above 1, ``(x + 1) / 2`` between."""

    name = "sparse_sigmoid"
    reference = _reference.sparse_sigmoid  # the conformance suite's float64 formula
    kinks = (-1.0, 1.0)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        y = xp.clip(0.5 * (x + 1.0), 0.0, 1.0)
        return y, _scaled(((x > -1.0) & (x < 1.0)) * 0.5)


class LogSigmoid(Activation):
    """Keras's ``log_sigmoid``: ``-softplus(-x)``, finite for any input; slope ``sigmoid(-x)``."""

    name = "log_sigmoid"
    reference = _reference.log_sigmoid  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        negated = -x
        y = softplus(negated)
        y *= -1.0
        return y, _scaled(sigmoid(negated))


class HardSiLU(Activation):
    """Keras's ``hard_silu`` (``hard_swish``): ``x * relu6(x + 3) / 6``: 0 below -3, ``x`` above 3."""

    name = "hard_silu"
    reference = _reference.hard_silu  # the conformance suite's float64 formula
    kinks = (-3.0, 3.0)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        gate = xp.clip(x / 6.0 + 0.5, 0.0, 1.0)
        middle = (x > -3.0) & (x < 3.0)
        slope = xp.where(middle, (2.0 * x + 3.0) / 6.0, (x >= 3.0).astype(x.dtype))
        return x * gate, _scaled(slope)


class ReLU6(Activation):
    """Keras's ``relu6``: ``min(max(x, 0), 6)``."""

    name = "relu6"
    reference = _reference.relu6  # the conformance suite's float64 formula
    kinks = (0.0, 6.0)
    non_decreasing = True  # flat wherever two inputs tie (below 0, above 6): max pooling commutes with it

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        return xp.clip(x, 0.0, 6.0), _scaled((x > 0.0) & (x < 6.0))


class CELU(Activation):
    """Keras's ``celu(x, alpha=1.0)``: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``; its slope,
    ``exp(x / alpha)`` below 0 and 1 above, is continuous."""

    name = "celu"
    reference = _reference.celu  # the conformance suite's float64 formula
    example_configs = ({}, {"alpha": 0.5}, {"alpha": 2.0})

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = checks.number("CELU", "alpha", alpha, minimum=0, min_inclusive=False)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        scaled = xp.minimum(x, 0.0) / self.alpha
        y = xp.expm1(scaled) * self.alpha
        y += xp.maximum(x, 0.0)
        return y, _scaled(xp.exp(scaled))

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class TanhShrink(Activation):
    """Keras's ``tanh_shrink``: ``x - tanh(x)``; slope ``tanh(x) ** 2``."""

    name = "tanh_shrink"
    reference = _reference.tanh_shrink  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        t = xp.tanh(x)
        return x - t, _scaled(t * t)


class HardTanh(Activation):
    """Keras's ``hard_tanh``: ``clip(x, -1, 1)``."""

    name = "hard_tanh"
    reference = _reference.hard_tanh  # the conformance suite's float64 formula
    kinks = (-1.0, 1.0)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        return xp.clip(x, -1.0, 1.0), _scaled((x > -1.0) & (x < 1.0))


class HardShrink(Activation):
    """Keras's ``hard_shrink(x, threshold=0.5)``: ``x`` where ``|x| > threshold``, else 0."""

    name = "hard_shrink"
    reference = _reference.hard_shrink  # the conformance suite's float64 formula
    example_configs = ({}, {"threshold": 1.2})

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = checks.number("HardShrink", "threshold", threshold, minimum=0)
        self.kinks = (-self.threshold, self.threshold)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        keep = xp.abs(x) > self.threshold
        return x * keep, _scaled(keep)

    def get_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold}


class SoftShrink(Activation):
    """Keras's ``soft_shrink(x, threshold=0.5)``: ``x - threshold`` above it, ``x + threshold``
    below ``-threshold``, 0 between."""

    name = "soft_shrink"
    reference = _reference.soft_shrink  # the conformance suite's float64 formula
    example_configs = ({}, {"threshold": 1.5})

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = checks.number("SoftShrink", "threshold", threshold, minimum=0)
        self.kinks = (-self.threshold, self.threshold)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        t = self.threshold
        y = xp.where(x > t, x - t, xp.where(x < -t, x + t, 0.0)).astype(x.dtype, copy=False)
        return y, _scaled(xp.abs(x) > t)

    def get_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold}


class Threshold(Activation):
    """Keras's ``threshold(x, threshold, default_value)``: ``x`` where ``x > threshold``, else
    ``default_value``. Both arguments are required, as in Keras."""

    name = "threshold"
    reference = _reference.threshold  # the conformance suite's float64 formula
    example_configs = ({"threshold": 0.5, "default_value": 0.0}, {"threshold": -1.0, "default_value": 2.0})

    def __init__(self, threshold: float, default_value: float) -> None:
        self.threshold = checks.number("Threshold", "threshold", threshold)
        self.default_value = checks.number("Threshold", "default_value", default_value)
        self.kinks = (self.threshold,)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        above = x > self.threshold
        y = xp.where(above, x, self.default_value).astype(x.dtype, copy=False)
        return y, _scaled(above)

    def get_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "default_value": self.default_value}


class Squareplus(Activation):
    """Keras's ``squareplus(x, b=4)``: ``(x + sqrt(x ** 2 + b)) / 2``, a smooth ReLU (a kink at 0
    only for ``b = 0``); slope ``(1 + x / sqrt(x ** 2 + b)) / 2``."""

    name = "squareplus"
    reference = _reference.squareplus  # the conformance suite's float64 formula
    example_configs = ({}, {"b": 1.0}, {"b": 0.0})

    def __init__(self, b: float = 4) -> None:
        self.b = checks.number("Squareplus", "b", b, minimum=0)
        self._root_b = math.sqrt(self.b)
        self.kinks = (0.0,) if self.b == 0 else ()

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        # hypot, not sqrt(x * x + b): x * x overflows beyond 1.8e19 in float32, where the result is
        # still finite; and halves summed, not a halved sum, which would overflow at the dtype's max.
        root = xp.hypot(x, self._root_b)
        y = x * 0.5
        y += root * 0.5
        ratio = x / xp.where(root > 0, root, 1.0)
        return y, _scaled((1.0 + ratio) * 0.5)

    def get_config(self) -> dict[str, Any]:
        return {"b": self.b}


class SparsePlus(Activation):
    """Keras's ``sparse_plus``: 0 below -1, ``(x + 1) ** 2 / 4`` between -1 and 1, ``x`` above; its
    slope is continuous."""

    name = "sparse_plus"
    reference = _reference.sparse_plus  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        shifted = xp.clip(x + 1.0, 0.0, 2.0)  # x + 1 on the middle piece
        y = xp.where(x >= 1.0, x, 0.25 * shifted * shifted).astype(x.dtype, copy=False)
        return y, _scaled(xp.where(x >= 1.0, 1.0, 0.5 * shifted).astype(x.dtype, copy=False))


class Exponential(Activation):
    """Keras's ``exponential``: ``exp(x)``, its own slope."""

    name = "exponential"
    reference = _reference.exponential  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        y = array_module(x).exp(x)
        return y, _scaled(y)


class Mish(Activation):
    """Keras's ``mish``: ``x * tanh(softplus(x))`` (Misra, 2019); slope
    ``tanh(sp) + x * (1 - tanh(sp) ** 2) * sigmoid(x)`` with ``sp = softplus(x)``."""

    name = "mish"
    reference = _reference.mish  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        t = xp.tanh(softplus(x))
        y = x * t

        def backward(dy: Any) -> Any:
            slope = 1.0 - t * t
            slope *= x
            slope *= sigmoid(x)
            slope += t
            slope *= dy
            return slope

        return y, backward


ACTIVATIONS: tuple[tuple[type[Activation], tuple[str, ...]], ...] = (
    (LogSoftmax, ()),
    (Sparsemax, ()),
    (GLU, ()),
    (Softsign, ()),
    (HardSigmoid, ()),
    (SparseSigmoid, ()),
    (LogSigmoid, ()),
    (HardSiLU, ("hard_swish",)),
    (ReLU6, ()),
    (CELU, ()),
    (TanhShrink, ()),
    (HardTanh, ()),
    (HardShrink, ()),
    (SoftShrink, ()),
    (Threshold, ()),
    (Squareplus, ()),
    (SparsePlus, ()),
    (Exponential, ()),
    (Mish, ()),
)

def register_all(register: Register) -> None:
    """Register each activation under its Keras function name."""
    for cls, aliases in ACTIVATIONS:
        register(cls.name, cls, aliases=aliases)
