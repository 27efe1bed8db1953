"""Small, correct components written plainly; the reference the broken fixtures deviate from."""
from __future__ import annotations

import numpy as np
from neuropil.base.activation import Activation
from neuropil.base.backend import array_module
from neuropil.base.layer import Layer
from neuropil.base.loss import Loss
from neuropil.base.metric import Metric
from neuropil.base.optimizer import Optimizer
from neuropil.base.schedule import LearningRateSchedule


class Tanh(Activation):
    name = "good_tanh"

    def forward(self, x):
        y = array_module(x).tanh(x)
        return y, lambda dy: dy * (1 - y * y)

    def reference(self, x):
        """The definition, in float64: what the ``reference`` property compares the forward with."""
        e2 = np.exp(-2 * np.abs(x))
        return np.sign(x) * (1 - e2) / (1 + e2)


class Relu(Activation):
    name = "good_relu"
    kinks = (0.0,)

    def forward(self, x):
        mask = x > 0
        return x * mask, lambda dy: dy * mask

    def reference(self, x):
        return np.where(x > 0, x, 0.0)

    #: Golden input/output pairs: the other way to declare what a component computes.
    golden_examples = ({"inputs": ([-2.0, -0.5, 0.5, 3.0],), "output": [0.0, 0.0, 0.5, 3.0]},)


class Softmax(Activation):
    name = "good_softmax"

    def forward(self, x):
        xp = array_module(x)
        e = xp.exp(x - x.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
        return y, lambda dy: y * (dy - (dy * y).sum(axis=-1, keepdims=True))

    def reference(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


class ReluDense(Layer):
    """Dense with a built-in relu: its kinks are nowhere declared, the checker must find them."""

    example_configs = ({"units": 2}, {"units": 3, "use_relu": False})

    def __init__(self, units=1, use_relu=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_relu = units, use_relu

    def build(self, input_shape, backend, rng):
        normal = lambda shape, dtype, rng: rng.standard_normal(shape).astype(dtype)  # noqa: E731
        self.add_weight("kernel", (input_shape[-1], self.units), normal, rng)
        self.add_weight("bias", (self.units,), normal, rng)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False):
        kernel, bias = self.params["kernel"], self.params["bias"]
        z = x @ kernel + bias
        mask = z > 0 if self.use_relu else np.ones_like(z, dtype=bool)
        y = z * mask

        def backward(dy):
            dz = dy * mask
            flat_x, flat_dz = x.reshape(-1, x.shape[-1]), dz.reshape(-1, self.units)
            self.grads["kernel"] = flat_x.T @ flat_dz
            self.grads["bias"] = flat_dz.sum(axis=0)
            return dz @ kernel.T

        return y, backward

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_relu": self.use_relu}

    def reference(self, params, x, training):
        """``relu(x @ kernel + bias)`` from the parameters it is given (the suite perturbs them)."""
        z = np.einsum("...i,ij->...j", x, params["kernel"]) + params["bias"]
        return np.maximum(z, 0.0) if self.use_relu else z


class RunningCenter(Layer):
    """``gamma * (x - mean)`` per feature (the last axis), where a training forward first moves the
    non-trainable running mean towards the batch's mean and centers with the moved value (as Batch
    Renormalization does); an inference forward centers with the running mean as it is.

    Its training output depends on state that the training forward itself changes, so a gradient
    checker that evaluates it repeatedly must restore that state before every evaluation.
    """

    example_configs = ({}, {"momentum": 0.5})

    def __init__(self, momentum=0.9, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def build(self, input_shape, backend, rng):
        normal = lambda shape, dtype, rng: rng.standard_normal(shape).astype(dtype)  # noqa: E731
        self.add_weight("gamma", (input_shape[-1],), normal, rng)
        self.add_weight("moving_mean", (input_shape[-1],), normal, rng, trainable=False)

    def update_running_mean(self, batch_mean):
        moving = self.params["moving_mean"]
        moving *= self.momentum
        moving += (1 - self.momentum) * batch_mean

    def statistics(self, x, training):
        """The mean to center with, and the share each input value has in it."""
        if not training:
            return self.params["moving_mean"], 0.0
        count = x.size // x.shape[-1]
        self.update_running_mean(x.sum(axis=tuple(range(x.ndim - 1))) / count)
        return self.params["moving_mean"], (1 - self.momentum) / count

    def forward(self, x, training=False):
        axes = tuple(range(x.ndim - 1))
        mean, share = self.statistics(x, training)
        centered = x - mean
        gamma = self.params["gamma"]

        def backward(dy):
            self.grads["gamma"] = (dy * centered).sum(axis=axes)
            return gamma * (dy - share * dy.sum(axis=axes))

        return gamma * centered, backward

    def reference(self, params, x, training):
        mean = params["moving_mean"]
        if training:
            mean = self.momentum * mean + (1 - self.momentum) * x.reshape(-1, x.shape[-1]).mean(axis=0)
        return params["gamma"] * (x - mean)


class MeanSquaredError(Loss):
    name = "good_mse"

    def per_sample(self, y_true, y_pred):
        diff = y_pred - y_true
        n = diff.shape[-1]
        return (diff * diff).mean(axis=-1), lambda dv: 2 * diff / n * dv[..., None]

    def reference(self, y_true, y_pred):
        return ((y_pred - y_true) ** 2).mean(axis=-1)


class MeanAbsoluteError(Loss):
    name = "good_mae"

    def per_sample(self, y_true, y_pred):
        diff = y_pred - y_true
        n = diff.shape[-1]
        return abs(diff).mean(axis=-1), lambda dv: array_module(diff).sign(diff) / n * dv[..., None]

    def kink_distance(self, y_true, y_pred):
        return y_pred - y_true

    def reference(self, y_true, y_pred):
        return np.abs(y_pred - y_true).mean(axis=-1)


class CategoricalCrossentropy(Loss):
    """Keras's: predictions are normalised to sum to one, so the gradient has the normaliser's term."""

    name = "good_cce"
    target_kind, prediction_kind = "one_hot", "distribution"
    normalizes_predictions = True  # so the suite draws rows that do not sum to one

    def per_sample(self, y_true, y_pred):
        total = y_pred.sum(axis=-1, keepdims=True)
        p = y_pred / total
        values = -(y_true * array_module(p).log(p)).sum(axis=-1)

        def backward(dv):
            g = -y_true / y_pred + y_true.sum(axis=-1, keepdims=True) / total
            return g * dv[..., None]

        return values, backward

    def reference(self, y_true, y_pred):
        return -(y_true * np.log(y_pred / y_pred.sum(axis=-1, keepdims=True))).sum(axis=-1)


class Momentum(Optimizer):
    """SGD with momentum, with its formula declared for the reference check."""

    name = "good_momentum"
    slot_names = ("velocity",)

    def __init__(self, learning_rate=0.01, momentum=0.9, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum

    def update_step(self, param, grad, slots, lr, step):
        velocity = slots["velocity"]
        velocity *= self.momentum
        velocity -= lr * grad
        param += velocity

    def reference_update(self, param, grad, state, lr, step):
        state["v"] = self.momentum * state.get("v", 0.0) - lr * grad
        return param + state["v"]

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


class MeanAbsoluteErrorMetric(Metric):
    name = "good_mae_metric"
    result_range = (0.0, float("inf"))  # an average of absolute values

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = abs(y_pred - y_true).reshape(len(y_true), -1).mean(axis=-1)
        weights = array_module(values).ones(len(values)) if sample_weight is None else sample_weight
        self.total = self.total + (values * weights).sum()  # stays on the device until result()
        self.count = self.count + weights.sum()

    def result(self):
        count = float(self.count)
        return float(self.total) / count if count else 0.0

    def reference(self, y_true, y_pred, sample_weight):
        """The weighted mean over samples of each sample's mean absolute error, as one loop."""
        total = count = 0.0
        for i in range(len(y_true)):
            w = 1.0 if sample_weight is None else float(sample_weight[i])
            total += w * float(np.mean(np.abs(np.asarray(y_pred[i]) - np.asarray(y_true[i]))))
            count += w
        return total / count if count else 0.0


class L1:
    def __init__(self, l1=0.01):
        self.l1 = l1

    def loss(self, w):
        return self.l1 * abs(w).sum()

    def gradient(self, w):
        return self.l1 * np.sign(w)

    def reference(self, w):
        """The penalty as Keras defines it, for the ``reference`` property."""
        return self.l1 * float(np.sum(np.abs(np.asarray(w, dtype=np.float64))))


class Normal:
    """An initializer written against the hook contract alone (no base class); with its own ``seed``
    it ignores the layer's generator, as Keras's seeded initializers do."""

    example_configs = ({}, {"stddev": 0.5})

    def __init__(self, stddev=0.05, seed=None):
        self.stddev, self.seed = stddev, seed

    def __call__(self, shape, dtype, rng):
        if self.seed is not None:
            rng = np.random.default_rng(self.seed)
        return (self.stddev * rng.standard_normal(shape)).astype(dtype)

    def get_config(self):
        return {"stddev": self.stddev, "seed": self.seed}

    def reference_moments(self, shape):
        """The distribution it promises, for the ``statistics`` property."""
        return 0.0, self.stddev**2


class Identity:
    """Keras's Identity: defined for 2-D kernels only, which it declares in ``ndims``."""

    ndims = (2,)

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype, rng):
        return self.gain * np.eye(*shape, dtype=dtype)

    def get_config(self):
        return {"gain": self.gain}

    def reference_moments(self, shape):
        """min(rows, cols) entries of gain among rows * cols, the rest 0."""
        share = min(shape) / (shape[0] * shape[1])
        return self.gain * share, self.gain**2 * share * (1 - share)


class MaxNorm:
    """Rescales each column whose norm exceeds ``max_value`` down to it; a new array, in w's dtype."""

    example_configs = ({}, {"max_value": 0.5})

    def __init__(self, max_value=1.0, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        xp = array_module(w)
        norms = xp.sqrt((w * w).sum(axis=self.axis, keepdims=True))
        return w * (xp.minimum(norms, self.max_value) / (norms + 1e-7))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}

    def reference(self, w):
        """Keras's MaxNorm, for the ``reference`` property."""
        norms = np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))
        return w * np.clip(norms, 0.0, self.max_value) / (1e-7 + norms)


class StepDecay(LearningRateSchedule):
    """The rate multiplied by ``factor`` every ``every`` updates: a function of the step alone."""

    example_configs = ({}, {"rate": 0.5, "factor": 0.1, "every": 3})

    def __init__(self, rate=0.1, factor=0.5, every=10):
        self.rate, self.factor, self.every = rate, factor, every

    def __call__(self, step):
        return self.rate * self.factor ** (step // self.every)

    def reference(self, step):
        """The rate after ``floor(step / every)`` drops, for the ``reference`` property."""
        return self.rate * self.factor ** np.floor(step / self.every)

    def get_config(self):
        return {"rate": self.rate, "factor": self.factor, "every": self.every}
