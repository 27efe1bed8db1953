"""The loss contract: per-sample values with their own backward, reduced as Keras reduces.

Subclasses implement :meth:`Loss.per_sample`; the base class does the reduction (Keras's
``sum_over_batch_size`` default, ``sum`` and ``none``) and its backward, so every loss reduces alike.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..errors import InputValidationError
from .backend import array_module

REDUCTIONS = ("sum_over_batch_size", "sum", "none")


class Loss:
    """Base class of losses.

    ``per_sample(y_true, y_pred) -> (values, backward)``: ``values`` has one entry per sample
    (shape ``(batch,)``) and ``backward(dvalues) -> dy_pred``.
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

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None) -> None:
        reduction = "none" if reduction is None else reduction
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction
        if name is not None:
            self.name = name

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Callable[[Any], Any]]:
        raise NotImplementedError(f"{type(self).__name__} does not implement per_sample")

    def forward(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tuple[Any, Callable[..., Any]]:
        """The reduced value and ``backward(dvalue=1.0) -> dy_pred``.

        ``sample_weight`` (one weight per sample, on the predictions' backend) scales each sample's
        value before reduction, as Keras does: ``sum_over_batch_size`` still divides by the batch
        size, not by the sum of the weights.
        """
        values, backward = self.per_sample(y_true, y_pred)
        if sample_weight is not None:
            weights = sample_weight.reshape(values.shape).astype(values.dtype, copy=False)
            values, unweighted_backward = values * weights, backward

            def backward(dvalues: Any) -> Any:
                return unweighted_backward(dvalues * weights)

        if self.reduction == "none":
            return values, backward
        xp = array_module(values)
        n = values.shape[0] if values.ndim else 1
        scale = 1.0 / n if self.reduction == "sum_over_batch_size" and n else 1.0
        total = values.sum() * scale

        def reduced_backward(dvalue: Any = 1.0) -> Any:
            upstream = xp.full(values.shape, scale, dtype=values.dtype)
            if not (isinstance(dvalue, float) and dvalue == 1.0):
                upstream = upstream * dvalue
            return backward(upstream)

        return total, reduced_backward

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The loss value; with ``sample_weight``, per-sample values are weighted before reduction."""
        if sample_weight is not None:
            sample_weight = array_module(y_pred).asarray(sample_weight)
        return self.forward(y_true, y_pred, sample_weight)[0]

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
