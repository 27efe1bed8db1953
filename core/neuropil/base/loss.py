"""The loss contract: per-sample values with their own backward, reduced as Keras reduces.

Subclasses implement :meth:`Loss.per_sample`; the base class weights and reduces the values (Keras 3's
``sum_over_batch_size`` default, ``mean``, ``sum``, ``mean_with_sample_weight`` and ``none``) and
derives the backward of that, so every loss weights and reduces alike. :meth:`Loss.as_function` is the
declared way to reach a loss as Keras's plain function (``keras.losses.mean_squared_error(y_true,
y_pred)`` returning per-sample values): the namespace serves it without knowing any loss by name.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import checks
from ..errors import InputValidationError
from .backend import array_module

#: Keras 3's reductions; ``None`` means ``"none"``. ``"mean"`` is ``"sum_over_batch_size"``.
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def same_rank(a: Any, b: Any) -> tuple[Any, Any]:
    """Keras's ``squeeze_or_expand_to_same_rank``: when the ranks differ by one and the longer array
    ends in an axis of 1, squeeze it (or expand a rank-1 partner), so ``(n,)`` meets ``(n, 1)``."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        return (a, b[..., None]) if b.ndim == 1 else (a[..., 0], b)
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        return (a[..., None], b) if a.ndim == 1 else (a, b[..., 0])
    return a, b


def _pad_trailing(a: Any, ndim: int) -> Any:
    return a.reshape(a.shape + (1,) * (ndim - a.ndim)) if a.ndim < ndim else a


def _align_weights(values: Any, weights: Any) -> tuple[Any, Any]:
    """Values and weights brought to the same rank, as Keras does before multiplying them.

    Keras's rank alignment first (a trailing axis of 1 is squeezed); then the array with fewer axes
    gains trailing axes of 1: one weight per sample scales all of that sample's values (per timestep
    for sequences), and weights of the targets' full shape (per element) each scale their sample's
    loss. A scalar weight scales everything.
    """
    values, weights = same_rank(values, weights)
    ndim = max(values.ndim, weights.ndim)
    values, weights = _pad_trailing(values, ndim), _pad_trailing(weights, ndim)
    try:
        np.broadcast_shapes(values.shape, weights.shape)  # shape arithmetic only, on the host
    except ValueError:
        raise InputValidationError(
            f"sample_weight of shape {tuple(weights.shape)} cannot weight loss values of shape "
            f"{tuple(values.shape)}: pass a scalar, one weight per sample, or one per loss value "
            f"(the targets' shape)") from None
    return values, weights


def _sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """``grad`` (of a broadcast shape) summed back to ``shape``, which has as many axes."""
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def _divide_no_nan(total: Any, divisor: Any) -> tuple[Any, Any]:
    """``total / divisor`` and ``1 / divisor``, both 0 where the divisor is 0 (Keras's
    ``divide_no_nan``), computed on the device without a host round trip."""
    xp = array_module(total)
    zero = divisor == 0
    scale = xp.where(zero, 0.0, 1.0 / xp.where(zero, 1.0, divisor)).astype(total.dtype)
    return total * scale, scale


class Loss:
    """Base class of losses.

    ``per_sample(y_true, y_pred) -> (values, backward)``: ``values`` are Keras's unreduced loss values,
    shape ``(batch, ...)`` with the class/feature axis reduced (``(batch,)`` for the usual 2-D
    predictions; a loss reducing over everything, such as Dice with ``axis=None``, returns a scalar),
    and ``backward(dvalues) -> dy_pred``.
    """

    name: str = "loss"
    #: Whether integer class labels (not one-hot) are the targets, so inputs keep an integer dtype.
    sparse_targets: bool = False
    #: What targets look like, so generic checks can draw valid ones: "real", "binary" (0/1),
    #: "one_hot", or "sparse" (integer class ids).
    target_kind: str = "real"
    #: What predictions look like: "real", "probability" (each in (0, 1)), "distribution" (rows
    #: that are probability vectors), or "positive" (> 0, e.g. Poisson rates).
    prediction_kind: str = "real"
    #: Constructor arguments the conformance suite builds the component with (non-default ones
    #: included); empty means the defaults alone.
    example_configs: tuple[dict[str, Any], ...] = ()

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None) -> None:
        reduction = "none" if reduction is None else reduction
        self.reduction = checks.one_of(type(self).__name__, "reduction", reduction, REDUCTIONS)
        if name is not None:
            self.name = name

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Callable[[Any], Any]]:
        raise NotImplementedError(f"{type(self).__name__} does not implement per_sample")

    def value_mask(self, y_true: Any, y_pred: Any, values: Any) -> Any | None:
        """Which of ``values`` count (Keras's loss mask: an ignored class, a pair-less row), as a
        boolean array shaped like ``values``, or None when all do. Masked values are left out of the
        reduction: ``sum_over_batch_size`` then divides by the number of values that count."""
        return None

    def _weights(self, sample_weight: Any, mask: Any | None, values: Any) -> Any | None:
        """Keras's ``apply_mask``: the mask merged into the sample weights (rescaled by
        ``total / valid`` for the mean reductions, so that they divide by the valid count)."""
        if mask is None:
            return sample_weight
        xp = array_module(values)
        mask = mask.astype(values.dtype)
        if self.reduction in ("sum_over_batch_size", "mean"):
            from ..config import epsilon

            mask = mask * (mask.size / (mask.sum() + epsilon()))
        if sample_weight is None:
            return mask
        mask, sample_weight = _align_weights(mask, xp.asarray(sample_weight, dtype=values.dtype))
        return sample_weight * mask

    def forward(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tuple[Any, Callable[..., Any]]:
        """The reduced value and ``backward(dvalue=1.0) -> dy_pred``.

        ``sample_weight`` (a scalar, one weight per sample, or one per loss value, on the predictions'
        backend) scales the values before reduction, as Keras does: ``sum_over_batch_size`` still
        divides by the number of values, ``mean_with_sample_weight`` by the sum of the weights.
        """
        values, backward = self.per_sample(y_true, y_pred)
        weights = self._weights(sample_weight, self.value_mask(y_true, y_pred, values), values)
        if weights is not None:
            xp = array_module(values)
            weights = xp.asarray(weights, dtype=values.dtype)
            unweighted_backward = backward
            if weights.shape == values.shape:  # the usual case, one weight per value: no reshaping
                values = values * weights

                def backward(dvalues: Any) -> Any:
                    return unweighted_backward(dvalues * weights)
            else:
                aligned, weights = _align_weights(values, weights)
                values, unweighted_shape = aligned * weights, values.shape

                def backward(dvalues: Any) -> Any:
                    grad = _sum_to(dvalues * weights, aligned.shape)
                    return unweighted_backward(grad.reshape(unweighted_shape))

        if self.reduction == "none":
            return values, backward  # a scalar (Dice over everything) reduces to itself below
        xp = array_module(values)
        total = values.sum()
        if self.reduction == "mean_with_sample_weight" and weights is not None:
            total, scale = _divide_no_nan(total, weights.sum())
        elif self.reduction == "sum":
            scale = 1.0
        else:
            scale = 1.0 / values.size if values.size else 0.0
            total = total * scale

        def reduced_backward(dvalue: Any = 1.0) -> Any:
            if isinstance(scale, float):
                upstream = xp.full(values.shape, scale, dtype=values.dtype)
            else:  # a device scalar (1 / sum of weights): no host round trip to read it
                upstream = xp.ones(values.shape, dtype=values.dtype)
                upstream *= scale
            if not (isinstance(dvalue, float) and dvalue == 1.0):
                upstream *= dvalue
            return backward(upstream)

        return total, reduced_backward

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The loss value; with ``sample_weight``, values are weighted before reduction.

        Called directly, targets must have the predictions' shape (up to a trailing axis of 1), as
        Keras's cross-entropies require: ``(3, 1)`` targets for ``(3, 3)`` predictions are refused
        rather than broadcast into a 3x3 comparison nobody meant.
        """
        y_pred = _as_float_array(y_pred)
        xp = array_module(y_pred)
        self.check_call_shapes(y_true, y_pred)
        if sample_weight is not None:
            sample_weight = xp.asarray(sample_weight, dtype=y_pred.dtype)
        return self.forward(y_true, y_pred, sample_weight)[0]

    def check_call_shapes(self, y_true: Any, y_pred: Any) -> None:
        """Raise when ``y_true`` cannot be compared with ``y_pred`` entry by entry. Losses whose
        targets are labels (``sparse_targets``) check their own shapes."""
        if self.sparse_targets:
            return
        y_true = array_module(y_pred).asarray(y_true)
        aligned, pred = same_rank(y_true, y_pred)
        if aligned.shape != pred.shape:
            raise InputValidationError(
                f"{type(self).__name__} ({self.name!r}) needs targets of the predictions' shape "
                f"{tuple(y_pred.shape)}, received targets of shape {tuple(y_true.shape)}")

    @classmethod
    def as_function(cls, name: str | None = None) -> Callable[..., Any]:
        """This loss as Keras's plain function: ``fn(y_true, y_pred, **config) -> values``, the
        per-sample values (``reduction="none"``). ``config`` is the class's constructor arguments
        (``from_logits``, ``delta`` ...). The function remembers its class (``component_class``), so
        ``compile(loss=neuropil.losses.mse)`` uses the loss's own backward."""
        function_name = name or cls.name

        def loss_function(y_true: Any, y_pred: Any, **config: Any) -> Any:
            return cls(**config, reduction="none")(y_true, y_pred)

        loss_function.__name__ = loss_function.__qualname__ = function_name
        loss_function.__module__ = cls.__module__  # it belongs where its class does
        loss_function.__doc__ = (f"Keras's ``{function_name}(y_true, y_pred, **config)``: the per-sample "
                                 f"values of :class:`{cls.__name__}`.\n\n{cls.__doc__ or ''}")
        loss_function.component_class = cls  # type: ignore[attr-defined]
        return loss_function

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        """Raise ``ValueError`` naming expected and received when targets cannot fit this loss.

        ``output_shape`` is the model's per-sample output shape. The default accepts targets of the
        same per-sample shape (or a flat vector when the output has one unit).
        """
        got = tuple(y_true.shape[1:])
        if got != tuple(output_shape) and not (got == () and tuple(output_shape) == (1,)):
            raise InputValidationError(f"loss {self.name!r} needs targets of per-sample shape {tuple(output_shape)} "
                             f"(the model's output), received {got}")

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any | None:
        """An array shaped like ``y_pred`` that is zero where the loss is not differentiable in
        ``y_pred`` (MAE: ``y_pred - y_true``; hinge: the margin), or None for a smooth loss. Gradient
        checks move predictions away from those points."""
        return None

    def logits_variant(self, activation_name: str) -> Loss | None:
        """The same loss taking pre-activation logits, when the model's last activation is
        ``activation_name`` (sigmoid + binary cross-entropy, softmax + categorical cross-entropy).

        Training then skips the activation's own backward: exact and finite for saturated outputs
        (Keras 3 does the same through the output's ``_keras_logits``). ``None`` when not applicable.
        """
        return None

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"




def _as_float_array(y_pred: Any) -> Any:
    """Predictions as a floating array: Python lists and integer arrays (as Keras accepts them)
    become ``floatx`` arrays; backend arrays stay where they are."""
    xp = array_module(y_pred)
    y_pred = xp.asarray(y_pred)
    if y_pred.dtype.kind != "f":
        from ..config import floatx

        y_pred = y_pred.astype(floatx())
    return y_pred


class FunctionLoss(Loss):
    """A user's plain ``fn(y_true, y_pred)`` used as a loss.

    ``fn`` has no backward of its own, so its gradient is taken by central differences in float64.
    When ``fn`` returns one value per sample (as Keras loss functions do), samples are independent and
    one perturbation per output column suffices: ``2 * units`` calls of ``fn`` per step. A scalar
    return value is taken as the batch mean and perturbed element by element (slower; fine for small
    batches).
    """

    #: Relative step of the central differences: near the cube root of float64's epsilon, which
    #: balances truncation error (O(h^2)) against rounding error (O(eps / h)).
    STEP = 6e-6

    def __init__(self, fn: Callable[[Any, Any], Any], name: str | None = None) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "custom_loss"))
        self.fn = fn

    def check_call_shapes(self, y_true: Any, y_pred: Any) -> None:
        """The user's function decides what targets it takes (labels, sequences ...)."""

    def _values(self, y_true: Any, y_pred: Any) -> Any:
        xp = array_module(y_pred)
        values = xp.asarray(self.fn(y_true, y_pred))
        if values.ndim > 1:
            values = values.reshape(values.shape[0], math.prod(values.shape[1:])).mean(axis=1)
        return values

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Callable[[Any], Any]]:
        values = self._values(y_true, y_pred)
        per_sample = values.ndim == 1 and values.shape[0] == y_pred.shape[0]
        if not per_sample:  # a scalar: spread it so that the mean reduction gives it back
            values = array_module(y_pred).full((y_pred.shape[0],), float(values), dtype=y_pred.dtype)

        def backward(dvalues: Any) -> Any:
            xp = array_module(y_pred)
            base = y_pred.astype(xp.float64)
            flat = base.reshape(base.shape[0], -1)
            grad = xp.zeros_like(flat)
            h = self.STEP * xp.maximum(1.0, xp.abs(flat))
            if per_sample:
                for j in range(flat.shape[1]):
                    grad[:, j] = self._column_difference(y_true, flat, j, h[:, j], base.shape) * dvalues
            else:
                upstream = dvalues.sum()  # d(total)/d(values) is the same for every spread entry
                for i in range(flat.shape[0]):
                    for j in range(flat.shape[1]):
                        grad[i, j] = self._element_difference(y_true, flat, i, j, h[i, j], base.shape) * upstream
            return grad.reshape(y_pred.shape).astype(y_pred.dtype)

        return values, backward

    def _column_difference(self, y_true: Any, flat: Any, j: int, h: Any, shape: tuple) -> Any:
        up, down = flat.copy(), flat.copy()
        up[:, j] += h
        down[:, j] -= h
        f_up = self._values(y_true, up.reshape(shape))
        f_down = self._values(y_true, down.reshape(shape))
        return (f_up - f_down) / (2 * h)

    def _element_difference(self, y_true: Any, flat: Any, i: int, j: int, h: Any, shape: tuple) -> Any:
        up, down = flat.copy(), flat.copy()
        up[i, j] += h
        down[i, j] -= h
        f_up = float(self._values(y_true, up.reshape(shape)).mean())
        f_down = float(self._values(y_true, down.reshape(shape)).mean())
        return (f_up - f_down) / (2 * float(h))
