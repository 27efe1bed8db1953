"""BatchNormalization: normalize each feature to zero mean and unit variance, then scale and shift.

Keras's semantics. A training forward normalizes with the batch's own mean and biased variance and
moves the running statistics towards them, ``moving = moving * momentum + batch * (1 - momentum)``;
an inference forward (predict, evaluate, validation) uses the running statistics instead, so one
sample's output does not depend on the others in its batch. A frozen layer (``trainable = False``)
runs in inference mode even while the model trains, as in Keras 3: fine-tuning a network on a small
data set should neither re-estimate nor disturb statistics learned on a large one.

The running statistics are weights (saved, loaded, counted, listed by ``get_weights`` after gamma and
beta) but not trainable ones: the optimizer never sees them, only training forwards move them, in
place.

The training backward is the exact gradient of the batch-statistics forward. With ``xhat`` the
normalized input, ``m`` the number of values per feature and sums over everything but the feature
axis, ``dx = gamma / sqrt(var + eps) * (dy - sum(dy) / m - xhat * sum(dy * xhat) / m)``; the two sums
are also beta's and gamma's gradients, so the whole backward is two reductions and four elementwise
passes. Everything goes through ``self.backend.xp`` so it runs on any backend.
"""
from __future__ import annotations

from numbers import Real
from typing import Any

import neuropil.constraints
import neuropil.initializers
import neuropil.regularizers
import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer

from . import reference_normalization as _reference
from ._common import check_declared_shape, serialize_component

#: The component arguments with the registry each resolves through.
_COMPONENTS = {
    "beta_initializer": neuropil.initializers,
    "gamma_initializer": neuropil.initializers,
    "moving_mean_initializer": neuropil.initializers,
    "moving_variance_initializer": neuropil.initializers,
    "beta_regularizer": neuropil.regularizers,
    "gamma_regularizer": neuropil.regularizers,
    "beta_constraint": neuropil.constraints,
    "gamma_constraint": neuropil.constraints,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class BatchNormalization(Layer):
    """Normalizes along every axis but ``axis`` (the features axis; the batch axis counts, so -1 is
    the last and 0 is refused), then applies ``gamma`` (when ``scale``) and ``beta`` (when ``center``).

    Weights, in Keras order: ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance``
    (non-trainable), each of the feature axis's length.
    """

    axis: int
    momentum: float
    epsilon: float
    center: bool
    scale: bool
    # The resolved component arguments (set from _COMPONENTS in __init__).
    beta_initializer: Any
    gamma_initializer: Any
    moving_mean_initializer: Any
    moving_variance_initializer: Any
    beta_regularizer: Any
    gamma_regularizer: Any
    beta_constraint: Any
    gamma_constraint: Any

    reference = _reference.batch_normalization  # the conformance suite's float64 formula
    reference_state = _reference.batch_normalization_state  # the moving statistics after a forward
    # The defaults (epsilon 1e-3, gamma 1, beta 0, moving mean 0 and variance 1) by the definition:
    # inference x / sqrt(1.001); training (x - 0.05) / sqrt(0.0025 + 0.001) for the batch [0, 0.1].
    golden_examples = (
        {"config": {}, "inputs": ([[0.1], [-2.0]],), "output": [[0.09995003746877733], [-1.9990007493755464]],
         "rtol": 1e-9},
        {"config": {}, "training": True, "inputs": ([[0.0], [0.1]],),
         "output": [[-0.8451542547285166], [0.8451542547285166]], "rtol": 1e-9},
    )
    example_configs: tuple[dict[str, Any], ...] = (
        {},
        {"axis": -2, "momentum": 0.5, "epsilon": 0.01},
        {"axis": 1, "epsilon": 0.5, "momentum": 0.0, "input_shape": (3, 2, 2),
         "moving_mean_initializer": "random_normal", "beta_initializer": "random_normal"},
        {"gamma_initializer": {"class_name": "RandomUniform", "config": {"minval": 0.5, "maxval": 2.0}},
         "beta_initializer": "random_normal"},
        {"center": False},
        {"scale": False, "beta_initializer": "random_normal"},
        {"trainable": False, "gamma_initializer": {"class_name": "RandomUniform", "config": {"minval": -2.0,
                                                                                            "maxval": 2.0}},
         "moving_mean_initializer": "random_normal",
         "moving_variance_initializer": {"class_name": "RandomUniform", "config": {"minval": 0.5, "maxval": 2.0}}},
    )

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        axis = checks.integer("BatchNormalization", "axis", axis)  # the features axis
        momentum = checks.number("BatchNormalization", "momentum", momentum, minimum=0, maximum=1)
        epsilon = checks.number("BatchNormalization", "epsilon", epsilon, minimum=0, min_inclusive=False)
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._component_args: dict[str, Any] = {
            "beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer,
            "moving_mean_initializer": moving_mean_initializer,
            "moving_variance_initializer": moving_variance_initializer,
            "beta_regularizer": beta_regularizer, "gamma_regularizer": gamma_regularizer,
            "beta_constraint": beta_constraint, "gamma_constraint": gamma_constraint,
        }
        for arg, module in _COMPONENTS.items():
            setattr(self, arg, module.get(self._component_args[arg]))
        self._reduce: tuple[int, ...] = ()
        self._broadcast: tuple[int, ...] | None = None

    # -- building --------------------------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        rank = len(input_shape) + 1
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"layer {self.name!r} (BatchNormalization) got axis={self.axis} for inputs of rank {rank} "
                f"(per-sample shape {tuple(input_shape)} plus the batch axis); expected a features axis: "
                f"one of 1..{rank - 1} or -{rank - 1}..-1, not the batch axis")
        axis = self.axis % rank
        features = int(input_shape[axis - 1])
        self._reduce = tuple(i for i in range(rank) if i != axis)
        # Parameters of shape (features,) broadcast against the last axis as they are; another axis
        # needs them reshaped to (1, .., features, .., 1).
        self._broadcast = None if axis == rank - 1 else tuple(features if i == axis else 1 for i in range(rank))
        if self.scale:
            self.add_weight("gamma", (features,), self.gamma_initializer, rng,
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.add_weight("beta", (features,), self.beta_initializer, rng,
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.add_weight("moving_mean", (features,), self.moving_mean_initializer, rng, trainable=False)
        self.add_weight("moving_variance", (features,), self.moving_variance_initializer, rng, trainable=False)

    def _shaped(self, param: Any) -> Any:
        """A (features,) array shaped to broadcast against the input."""
        return param if self._broadcast is None else param.reshape(self._broadcast)

    # -- computing -------------------------------------------------------------------------------
    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if training and self.trainable:
            return self._forward_batch_statistics(x)
        return self._forward_moving_statistics(x)

    def _forward_batch_statistics(self, x: Any) -> tuple[Any, Backward]:
        xp = self.backend.xp
        params = self.params
        reduce = self._reduce
        mean = x.mean(axis=reduce, keepdims=True)
        xhat = x - mean
        variance = xp.square(xhat).mean(axis=reduce, keepdims=True)  # biased, as Keras
        inv_std = variance + self.epsilon
        xp.sqrt(inv_std, out=inv_std)
        xp.reciprocal(inv_std, out=inv_std)
        xhat *= inv_std
        gamma = self._shaped(params["gamma"]) if self.scale else None
        beta = self._shaped(params["beta"]) if self.center else None
        if gamma is not None:
            y = xhat * gamma
            if beta is not None:
                y += beta
        else:  # xhat itself when nothing applies: components never write to arrays they return
            y = xhat + beta if beta is not None else xhat
        self._update_moving(params["moving_mean"], mean)
        self._update_moving(params["moving_variance"], variance)
        count = x.size // max(mean.size, 1)

        def backward(dy: Any) -> Any:
            dy_sum = dy.sum(axis=reduce, keepdims=True)
            work = dy * xhat
            dy_xhat_sum = work.sum(axis=reduce, keepdims=True)
            if self.trainable:
                grads = self.grads
                if gamma is not None:
                    grads["gamma"] = dy_xhat_sum.reshape(-1)
                if beta is not None:
                    grads["beta"] = dy_sum.reshape(-1)
            if not self.input_gradient:
                return None
            dx = xp.multiply(xhat, dy_xhat_sum / count, out=work)
            xp.subtract(dy, dx, out=dx)
            dx -= dy_sum / count
            dx *= inv_std if gamma is None else gamma * inv_std
            return dx

        return y, backward

    def _update_moving(self, moving: Any, batch: Any) -> None:
        """``moving = moving * momentum + batch * (1 - momentum)``, in place (the array is the weight)."""
        moving *= self.momentum
        moving += batch.reshape(-1) * (1.0 - self.momentum)

    def _forward_moving_statistics(self, x: Any) -> tuple[Any, Backward]:
        """``(x - moving_mean) / sqrt(moving_variance + eps) * gamma + beta``, computed as one
        multiply-add with per-feature ``factor`` and ``shift``."""
        xp = self.backend.xp
        params = self.params
        inv_std = params["moving_variance"] + self.epsilon
        xp.sqrt(inv_std, out=inv_std)
        xp.reciprocal(inv_std, out=inv_std)
        offset = params["moving_mean"] * inv_std
        xp.negative(offset, out=offset)  # xhat = x * inv_std + offset
        if self.scale:
            gamma = params["gamma"]
            factor, shift = inv_std * gamma, offset * gamma
        else:
            factor, shift = inv_std, offset
        if self.center:
            shift = shift + params["beta"]
        factor, shift = self._shaped(factor), self._shaped(shift)
        y = x * factor
        y += shift
        reduce = self._reduce

        def backward(dy: Any) -> Any:
            if self.trainable:
                grads = self.grads
                if self.scale:
                    xhat = x * self._shaped(inv_std)
                    xhat += self._shaped(offset)
                    xhat *= dy
                    grads["gamma"] = xhat.sum(axis=reduce)
                if self.center:
                    grads["beta"] = dy.sum(axis=reduce)
            if not self.input_gradient:
                return None
            return dy * factor

        return y, backward

    # -- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                       "center": self.center, "scale": self.scale})
        for arg, module in _COMPONENTS.items():
            config[arg] = serialize_component(module, self._component_args[arg], getattr(self, arg))
        return config
