"""The standard losses, with Keras's names, defaults and formulas.

Each loss implements ``per_sample(y_true, y_pred) -> (values, backward)``: Keras's unreduced values,
shape ``(batch, ...)`` (the last axis averaged, or the class axis summed for cross-entropies; further
axes such as timesteps are kept, as Keras keeps them) and ``backward(dvalues) -> dy_pred``.
:class:`neuropil.base.loss.Loss` does the weighting and the reduction.

Targets are brought to the predictions' array module and dtype once per call (so float64 labels do
not upcast a float32 model), and a flat ``(batch,)`` target matches a ``(batch, 1)`` prediction, as
Keras's rank alignment does.

The cross-entropies on probabilities clip as Keras does, to ``[epsilon, 1 - epsilon]`` with
:func:`neuropil.config.epsilon` (1e-7); their backward is the exact derivative of that clipped
formula (zero where clipping is active). Their ``logits_variant`` is what training uses after a
sigmoid or softmax output: the exact, overflow-free formulas on logits, whose gradients are the
famously simple ``sigmoid(z) - y`` and ``softmax(z) - y``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.loss import Loss
from neuropil.config import epsilon
from neuropil.errors import InputValidationError
from neuropil.plugin_system.hookspecs import Register
from neuropil.plugin_system.registry import normalize

from . import reference_losses as _reference
from .activations import softplus

Backward = Callable[[Any], Any]


def _align(y_true: Any, y_pred: Any) -> Any:
    """``y_true`` as an array of ``y_pred``'s module and dtype, shaped like ``y_pred`` when it holds
    the same number of entries (``(n,)`` targets for ``(n, 1)`` predictions)."""
    xp = array_module(y_pred)
    y_true = xp.asarray(y_true, dtype=y_pred.dtype)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true


def _row_mean(elementwise: Any) -> tuple[Any, int]:
    """Keras's ``mean(..., axis=-1)``: the values of ``elementwise`` (shape ``(batch, ..., d)``)
    averaged over the last axis, and ``d``. A flat ``(batch,)`` array is its own values."""
    if elementwise.ndim <= 1:
        return elementwise, 1
    return elementwise.mean(axis=-1), elementwise.shape[-1]


def _upstream(dvalues: Any, ndim: int, count: int) -> Any:
    """``dvalues / count`` (shaped like :func:`_row_mean`'s values) with the averaged last axis put
    back, to broadcast against the ``ndim``-axis elementwise array."""
    scaled = dvalues * (1.0 / count) if count != 1 else dvalues
    return scaled[..., None] if ndim > 1 else scaled


def _check_probabilities(loss: Loss, y_true: Any) -> None:
    """Binary targets must lie in [0, 1]: anything else makes the cross-entropy unbounded below."""
    xp = array_module(y_true)
    y_true = xp.asarray(y_true)
    if y_true.size == 0:
        return
    low, high = float(y_true.min()), float(y_true.max())
    if low < 0 or high > 1:
        raise InputValidationError(
            f"loss {loss.name!r} needs targets in [0, 1] (labels or probabilities), received values "
            f"from {low:g} to {high:g}")


class MeanSquaredError(Loss):
    """``mean((y_pred - y_true) ** 2)`` over the last axis (Keras ``mean_squared_error``, ``mse``)."""

    name = "mean_squared_error"
    reference = _reference.mean_squared_error  # the conformance suite's float64 formula
    example_configs = ({}, {"reduction": "sum"}, {"reduction": "mean_with_sample_weight"})

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "mean_squared_error") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        diff = y_pred - _align(y_true, y_pred)
        values, count = _row_mean(diff * diff)

        def backward(dvalues: Any) -> Any:
            return diff * _upstream(dvalues * 2.0, diff.ndim, count)

        return values, backward


class MeanAbsoluteError(Loss):
    """``mean(|y_pred - y_true|)`` over the last axis (Keras ``mean_absolute_error``, ``mae``).

    Its derivative at ``y_pred == y_true`` is taken as 0 (the subgradient ``sign`` gives).
    """

    name = "mean_absolute_error"
    reference = _reference.mean_absolute_error  # the conformance suite's float64 formula
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "mean_absolute_error") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        diff = y_pred - _align(y_true, y_pred)
        values, count = _row_mean(xp.abs(diff))

        def backward(dvalues: Any) -> Any:
            grad = xp.sign(diff)
            grad *= _upstream(dvalues, diff.ndim, count)
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        return y_pred - _align(y_true, y_pred)


class Hinge(Loss):
    """``mean(max(1 - y_true * y_pred, 0))`` over the last axis (Keras ``hinge``).

    Targets are -1/1; as in Keras, targets that are all 0 or 1 are first mapped to -1/1. The mapping
    decision stays on the device (a ``where`` on a 0-d flag), so it costs no host synchronisation.
    """

    name = "hinge"
    reference = _reference.hinge  # the conformance suite's float64 formula
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "hinge") -> None:
        super().__init__(reduction=reduction, name=name)

    @staticmethod
    def signed_labels(y_true: Any, y_pred: Any) -> Any:
        """Targets as -1/1 when they are all 0/1 (Keras's rule), else unchanged."""
        xp = array_module(y_pred)
        y_true = _align(y_true, y_pred)
        is_binary = ((y_true == 0) | (y_true == 1)).all()
        return xp.where(is_binary, 2 * y_true - 1, y_true)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        labels = self.signed_labels(y_true, y_pred)
        margin = labels * y_pred
        xp.subtract(1, margin, out=margin)
        values, count = _row_mean(xp.maximum(margin, 0))

        def backward(dvalues: Any) -> Any:
            grad = (margin > 0) * labels  # d/dp max(1 - y p, 0) = -y where the margin is violated
            grad *= _upstream(-dvalues, margin.ndim, count)
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        return 1 - self.signed_labels(y_true, y_pred) * y_pred


class Huber(Loss):
    """Keras ``huber``: ``0.5 e**2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 delta)``, with
    ``e = y_pred - y_true``, averaged over the last axis.

    Both branches are ``m * (|e| - m / 2)`` with ``m = min(|e|, delta)``, and the derivative is simply
    ``clip(e, -delta, delta)``; that is how it is computed.
    """

    name = "huber_loss"
    reference = _reference.huber  # the conformance suite's float64 formula
    example_configs = ({}, {"delta": 0.5}, {"delta": 2.0, "reduction": "sum"})

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "huber_loss") -> None:
        super().__init__(reduction=reduction, name=name)
        if delta <= 0:
            raise ValueError(f"huber needs delta > 0, received {delta}")
        self.delta = float(delta)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        diff = y_pred - _align(y_true, y_pred)
        error = xp.abs(diff)
        capped = xp.minimum(error, self.delta)
        error -= 0.5 * capped
        error *= capped
        values, count = _row_mean(error)

        def backward(dvalues: Any) -> Any:
            grad = xp.clip(diff, -self.delta, self.delta)
            grad *= _upstream(dvalues, diff.ndim, count)
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        """Zero where ``|e| == delta``: the value and slope are continuous there, the curvature is not."""
        xp = array_module(y_pred)
        return xp.abs(y_pred - _align(y_true, y_pred)) - self.delta

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "delta": self.delta}


class BinaryCrossentropy(Loss):
    """Keras ``binary_crossentropy``: ``-(y log p + (1 - y) log(1 - p))`` averaged over the last axis.

    ``label_smoothing`` moves targets toward 0.5: ``y * (1 - s) + s / 2``. On probabilities ``p`` is
    clipped to ``[epsilon, 1 - epsilon]``. With ``from_logits=True`` the exact form
    ``softplus(z) - y z`` is used, which is finite for any logit.
    """

    name = "binary_crossentropy"
    reference = _reference.binary_crossentropy  # the conformance suite's float64 formula
    target_kind = "binary"
    prediction_kind = "probability"
    example_configs = ({}, {"from_logits": True, "label_smoothing": 0.1}, {"label_smoothing": 0.3, "reduction": "sum"},
                       {"axis": 0}, {"axis": 0, "from_logits": True})

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "binary_crossentropy") -> None:
        super().__init__(reduction=reduction, name=name)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"label_smoothing must be in [0, 1], received {label_smoothing}")
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = checks.integer("BinaryCrossentropy", "axis", axis)
        if self.from_logits:
            self.prediction_kind = "real"

    def _targets(self, y_true: Any, y_pred: Any) -> Any:
        y_true = _align(y_true, y_pred)
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y_true

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        y_true = self._targets(y_true, y_pred)
        compute = self._from_logits if self.from_logits else self._from_probabilities
        if self.axis in (-1, y_pred.ndim - 1) or y_pred.ndim < 2:
            return compute(y_true, y_pred)
        # Keras averages over ``axis``: move it last, and the gradient back
        xp = array_module(y_pred)
        values, backward = compute(xp.moveaxis(y_true, self.axis, -1), xp.moveaxis(y_pred, self.axis, -1))
        return values, lambda dvalues: xp.moveaxis(backward(dvalues), -1, self.axis)

    @staticmethod
    def _from_logits(y_true: Any, logits: Any) -> tuple[Any, Backward]:
        xp = array_module(logits)
        log_one_plus_exp = softplus(logits)  # log(1 + e^z), exact for any z
        elementwise = log_one_plus_exp - y_true * logits
        values, count = _row_mean(elementwise)

        def backward(dvalues: Any) -> Any:
            grad = logits - log_one_plus_exp  # log sigmoid(z) <= 0: its exp cannot overflow
            xp.exp(grad, out=grad)
            grad -= y_true
            grad *= _upstream(dvalues, logits.ndim, count)
            return grad

        return values, backward

    @staticmethod
    def _from_probabilities(y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        eps = epsilon()
        p = xp.clip(y_pred, eps, 1.0 - eps)
        one_minus_p = 1 - p
        log_one_minus_p = xp.log(one_minus_p)
        elementwise = xp.log(p)
        elementwise -= log_one_minus_p
        elementwise *= y_true
        elementwise += log_one_minus_p  # y log p + (1 - y) log(1 - p)
        values, count = _row_mean(elementwise)
        values = -values

        def backward(dvalues: Any) -> Any:
            # d/dp -(y log p + (1-y) log(1-p)) = (p - y) / (p (1 - p)); zero where the clip is active.
            grad = p - y_true
            one_minus_p_times_p = one_minus_p * p
            grad /= one_minus_p_times_p
            grad *= (p == y_pred)
            grad *= _upstream(dvalues, y_pred.ndim, count)
            return grad

        return values, backward

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        super().check_targets(y_true, output_shape)
        _check_probabilities(self, y_true)

    def logits_variant(self, activation_name: str) -> Loss | None:
        if self.from_logits or normalize(activation_name) != "sigmoid":
            return None
        return BinaryCrossentropy(from_logits=True, label_smoothing=self.label_smoothing, axis=self.axis,
                                  reduction=self.reduction, name=self.name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


def _log_softmax(logits: Any, axis: int) -> Any:
    """``log(softmax(z))`` as ``z - max - log(sum(exp(z - max)))``: no ``exp`` can overflow and the
    largest entry's term is exactly ``exp(0) = 1``, so the log never sees 0."""
    xp = array_module(logits)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    total = xp.exp(shifted).sum(axis=axis, keepdims=True)
    shifted -= xp.log(total, out=total)
    return shifted


class CategoricalCrossentropy(Loss):
    """Keras ``categorical_crossentropy``: ``-sum(y log p)`` over the class ``axis``.

    On probabilities, Keras first rescales each row of ``y_pred`` to sum to 1, then clips it to
    ``[epsilon, 1 - epsilon]``; so does this. ``label_smoothing`` mixes targets with the uniform
    distribution: ``y * (1 - s) + s / classes``. With ``from_logits=True`` the log-softmax is exact.
    """

    name = "categorical_crossentropy"
    reference = _reference.categorical_crossentropy  # the conformance suite's float64 formula
    target_kind = "one_hot"
    prediction_kind = "distribution"
    #: Keras rescales probability rows to sum to one first: the suite draws them unnormalised.
    normalizes_predictions = True
    example_configs = ({}, {"from_logits": True, "label_smoothing": 0.2}, {"label_smoothing": 0.1, "reduction": "sum"},
                       {"axis": 0, "label_smoothing": 0.2}, {"axis": 0, "from_logits": True})

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_crossentropy") -> None:
        super().__init__(reduction=reduction, name=name)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"label_smoothing must be in [0, 1], received {label_smoothing}")
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = int(axis)
        if self.from_logits:
            self.prediction_kind = "real"

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        y_true = _align(y_true, y_pred)
        if self.label_smoothing:
            classes = y_pred.shape[self.axis]
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / classes
        if self.from_logits:
            return _crossentropy_from_logits(y_true, y_pred, self.axis)
        return _crossentropy_from_probabilities(y_true, y_pred, self.axis)

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        got = tuple(y_true.shape[1:])
        if got == tuple(output_shape):
            return
        units = output_shape[self.axis] if output_shape else 1
        if got in (tuple(output_shape[:-1]), tuple(output_shape[:-1]) + (1,)) and units > 1:
            raise InputValidationError(
                f"loss {self.name!r} needs one-hot targets of per-sample shape {tuple(output_shape)} "
                f"(the model's {units} output units), received per-sample shape {got}, which looks like "
                f"integer class labels: use loss='sparse_categorical_crossentropy' for those")
        raise InputValidationError(
            f"loss {self.name!r} needs one-hot targets of per-sample shape {tuple(output_shape)} (one "
            f"column per each of the model's {units} output units), received per-sample shape {got}")

    def logits_variant(self, activation_name: str) -> Loss | None:
        if self.from_logits or normalize(activation_name) != "softmax":
            return None
        return CategoricalCrossentropy(from_logits=True, label_smoothing=self.label_smoothing,
                                       axis=self.axis, reduction=self.reduction, name=self.name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


def _crossentropy_from_logits(y_true: Any, logits: Any, axis: int) -> tuple[Any, Backward]:
    """``-sum(y log softmax(z))`` per sample; backward ``softmax(z) * sum(y) - y`` (``softmax - y``
    for targets that are distributions)."""
    xp = array_module(logits)
    log_probs = _log_softmax(logits, axis)
    elementwise = y_true * log_probs
    values = -elementwise.sum(axis=axis)

    def backward(dvalues: Any) -> Any:
        grad = xp.exp(log_probs)
        grad *= y_true.sum(axis=axis, keepdims=True)
        grad -= y_true
        grad *= xp.expand_dims(dvalues, axis)
        return grad

    return values, backward


def _crossentropy_from_probabilities(y_true: Any, y_pred: Any, axis: int) -> tuple[Any, Backward]:
    """Keras's probability form: ``q = clip(p / sum(p), eps, 1 - eps)``, ``-sum(y log q)``.

    With ``S = sum(p)`` and ``m`` marking entries the clip left alone, the derivative is
    ``dL/dp_k = (sum_j y_j m_j - y_k m_k / q_k) / S``.
    """
    xp = array_module(y_pred)
    eps = epsilon()
    row_sum = y_pred.sum(axis=axis, keepdims=True)
    normalised = y_pred / row_sum
    q = xp.clip(normalised, eps, 1.0 - eps)
    elementwise = xp.log(q)
    elementwise *= y_true
    values = -elementwise.sum(axis=axis)

    def backward(dvalues: Any) -> Any:
        active = y_true * (q == normalised)
        grad = active / q
        xp.subtract(active.sum(axis=axis, keepdims=True), grad, out=grad)
        grad /= row_sum
        grad *= xp.expand_dims(dvalues, axis)
        return grad

    return values, backward


def check_sparse_labels(loss: Loss, y_true: Any, output_shape: tuple[int, ...], axis: int = -1,
                        ignore_class: int | None = None) -> None:
    """Raise ``InputValidationError`` unless ``y_true`` holds integer class ids in ``[0, classes)``
    (or ``ignore_class``), of the model output's per-sample shape without the class ``axis`` (or that
    with a trailing 1). ``axis`` counts the batch axis, as Keras's does."""
    xp = array_module(y_true)
    y_true = xp.asarray(y_true)
    full = (None,) + tuple(output_shape)
    class_axis = axis % len(full) if full else 0
    classes = full[class_axis] if output_shape else 1
    base = tuple(n for i, n in enumerate(full) if i != class_axis)[1:]
    got = tuple(y_true.shape[1:])
    label_shapes = (base, base + (1,))
    if got not in label_shapes:
        hint = (": these look like one-hot rows, use loss='categorical_crossentropy' for those"
                if got == tuple(output_shape) else "")
        raise InputValidationError(
            f"loss {loss.name!r} needs integer class labels of per-sample shape "
            f"{label_shapes[0]} or {label_shapes[1]}, received per-sample shape {got}{hint}")
    if y_true.size == 0:
        return
    if y_true.dtype.kind == "f":
        fractional = y_true != xp.floor(y_true)
        if bool(fractional.any()):
            bad = float(y_true[fractional][0])
            raise InputValidationError(
                f"loss {loss.name!r} needs integer class labels in [0, {classes}), received "
                f"the non-integer label {bad:g}")
    elif y_true.dtype.kind not in "iub":
        raise InputValidationError(
            f"loss {loss.name!r} needs integer class labels, received dtype {y_true.dtype}")
    outside = (y_true < 0) | (y_true >= classes)
    if ignore_class is not None:
        outside &= y_true != ignore_class
    if bool(outside.any()):
        bad = y_true[outside][0].item()
        raise InputValidationError(
            f"loss {loss.name!r} needs class labels in [0, {classes}) (the model has {classes} "
            f"output units), received label {bad:g}")


class SparseCategoricalCrossentropy(Loss):
    """Keras ``sparse_categorical_crossentropy``: categorical cross-entropy with integer class labels
    (the predictions' shape without the class ``axis``, or that with a trailing 1) in place of one-hot
    rows; same clipping and logits form.

    ``ignore_class`` (e.g. -1 or 255, a "void" class in segmentation maps) leaves those positions out:
    their value is 0, they get no gradient, and, as in Keras (a loss mask), ``sum_over_batch_size``
    divides by the number of positions that count.
    """

    name = "sparse_categorical_crossentropy"
    reference = _reference.sparse_categorical_crossentropy  # the conformance suite's float64 formula
    sparse_targets = True
    target_kind = "sparse"
    prediction_kind = "distribution"
    #: Keras rescales probability rows to sum to one first: the suite draws them unnormalised.
    normalizes_predictions = True
    example_configs = ({}, {"from_logits": True}, {"ignore_class": 0}, {"from_logits": True, "ignore_class": 1},
                       {"reduction": "sum"})

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "sparse_categorical_crossentropy") -> None:
        super().__init__(reduction=reduction, name=name)
        owner = "SparseCategoricalCrossentropy"
        self.from_logits = checks.boolean(owner, "from_logits", from_logits)
        self.ignore_class = None if ignore_class is None else checks.integer(owner, "ignore_class", ignore_class)
        self.axis = checks.integer(owner, "axis", axis)
        if self.from_logits:
            self.prediction_kind = "real"

    @staticmethod
    def one_hot(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
        """Integer labels as one-hot rows along ``axis`` of ``y_pred``'s dtype (one comparison
        against ``arange``); a label outside ``[0, classes)`` gives a row of zeros."""
        xp = array_module(y_pred)
        axis = axis % y_pred.ndim
        labels = xp.asarray(y_true)
        batch_shape = y_pred.shape[:axis] + y_pred.shape[axis + 1:]
        if labels.shape != batch_shape:
            labels = labels.reshape(batch_shape)
        if labels.dtype.kind == "f":
            labels = labels.astype(xp.int64)
        classes = xp.arange(y_pred.shape[axis]).reshape((-1,) + (1,) * (y_pred.ndim - 1 - axis))
        return (xp.expand_dims(labels, axis) == classes).astype(y_pred.dtype)

    def _valid(self, y_true: Any, y_pred: Any) -> Any | None:
        if self.ignore_class is None:
            return None
        xp = array_module(y_pred)
        labels = xp.asarray(y_true)
        axis = self.axis % y_pred.ndim
        return (labels != self.ignore_class).reshape(y_pred.shape[:axis] + y_pred.shape[axis + 1:])

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        one_hot = self.one_hot(y_true, y_pred, self.axis)
        valid = self._valid(y_true, y_pred)
        if valid is not None:  # the ignored positions become class 0, then their values are dropped
            first = self.one_hot(xp.zeros(valid.shape, dtype=xp.int64), y_pred, self.axis)
            one_hot = xp.where(xp.expand_dims(valid, self.axis), one_hot, first)
        compute = _crossentropy_from_logits if self.from_logits else _crossentropy_from_probabilities
        values, backward = compute(one_hot, y_pred, self.axis)
        if valid is None:
            return values, backward
        keep = valid.astype(values.dtype)
        return values * keep, lambda dvalues: backward(dvalues * keep)

    def value_mask(self, y_true: Any, y_pred: Any, values: Any) -> Any | None:
        valid = self._valid(y_true, y_pred)
        return None if valid is None else valid.reshape(values.shape)

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        check_sparse_labels(self, y_true, output_shape, self.axis, self.ignore_class)

    def logits_variant(self, activation_name: str) -> Loss | None:
        if self.from_logits or normalize(activation_name) != "softmax" or self.axis != -1:
            return None
        return SparseCategoricalCrossentropy(from_logits=True, ignore_class=self.ignore_class,
                                             reduction=self.reduction, name=self.name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class,
                "axis": self.axis}


LOSSES: tuple[tuple[str, type[Loss], tuple[str, ...]], ...] = (
    ("mean_squared_error", MeanSquaredError, ("mse",)),
    ("mean_absolute_error", MeanAbsoluteError, ("mae",)),
    ("hinge", Hinge, ()),
    ("huber", Huber, ("huber_loss",)),
    ("binary_crossentropy", BinaryCrossentropy, ()),
    ("categorical_crossentropy", CategoricalCrossentropy, ()),
    ("sparse_categorical_crossentropy", SparseCategoricalCrossentropy, ()),
)


#: Modules beside this one holding further losses, each with its own ``LOSSES`` table.
EXTRA_MODULES = ("losses_regression", "losses_focal", "losses_overlap", "losses_circle", "losses_ctc")


def register_all(register: Register) -> None:
    """Register each loss under its Keras function name; the Keras class name ('MeanSquaredError')
    resolves to the same entry because lookups ignore case and underscores."""
    from importlib import import_module

    tables = [LOSSES] + [import_module(f"{__package__}.{module}").LOSSES for module in EXTRA_MODULES]
    for table in tables:
        for name, cls, aliases in table:
            register(name, cls, aliases=aliases)
