"""LayerNormalization: normalize each sample over its feature axes, then scale and shift.

Keras 3's semantics: over the axes in ``axis`` (batch axis counted, ``-1`` the last), each sample is
normalized with its own mean and biased variance, ``(x - mean) / sqrt(var + epsilon)``, then
multiplied by ``gamma`` and shifted by ``beta``, which have the shape of the normalized axes. Unlike
BatchNormalization no statistic is kept, so training and inference compute the same function.

``rms_scaling=True`` is Keras's variant, reproduced as Keras computes it: ``x * gamma / sqrt(var +
epsilon)`` with ``var`` still the variance about the mean (not the mean square), no centering, and no
``beta`` weight at all.

The backward is the exact gradient, written per slice: with ``g = dy * gamma``, ``xhat`` the
normalized input and means over the normalized axes, ``dx = (g - mean(g) - xhat * mean(g * xhat)) /
sqrt(var + eps)``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer

from .. import reference_normalization as _reference
from .._common import check_declared_shape
from ._common import AffineArguments, axis_argument, axis_config, resolve_axes


class LayerNormalization(Layer):
    """Normalizes every sample over ``axis`` (an int or a list of ints, batch axis counted).

    Weights, in Keras order: ``gamma`` (when ``scale`` or ``rms_scaling``), ``beta`` (when ``center``
    and not ``rms_scaling``), each of the shape of the normalized axes.
    """

    reference = _reference.layer_normalization  # the conformance suite's float64 formula
    # The default epsilon 1e-3 by the definition: [0, 0.1] -> +-0.05 / sqrt(0.0025 + 0.001).
    golden_examples = ({"config": {}, "inputs": ([[0.0, 0.1]],),
                        "output": [[-0.8451542547285166, 0.8451542547285166]], "rtol": 1e-9},)
    example_configs = (
        {},
        {"axis": [1, 3], "input_shape": (2, 3, 2), "beta_initializer": "random_normal"},
        {"rms_scaling": True, "axis": [-2, -1], "epsilon": 0.1, "input_shape": (3, 2)},
        {"axis": [-2, -1], "epsilon": 0.01,
         "gamma_initializer": {"class_name": "RandomUniform", "config": {"minval": 0.5, "maxval": 2.0}},
         "beta_initializer": "random_normal"},
        {"axis": 1, "center": False, "gamma_initializer": "random_normal"},
        {"scale": False, "beta_initializer": "random_normal"},
        {"rms_scaling": True, "gamma_initializer": "random_normal"},
        {"trainable": False, "gamma_initializer": "random_normal"},
    )

    def __init__(self, axis: int | list[int] = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, rms_scaling: bool = False, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None, **kwargs: Any) -> None:
        owner = "LayerNormalization"
        self.axis = axis_argument(owner, axis)
        self.epsilon = checks.number(owner, "epsilon", epsilon, minimum=0, min_inclusive=False)
        self.center = checks.boolean(owner, "center", center)
        self.scale = checks.boolean(owner, "scale", scale)
        self.rms_scaling = checks.boolean(owner, "rms_scaling", rms_scaling)
        self._components = AffineArguments(
            beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        super().__init__(**kwargs)
        self._axes: tuple[int, ...] = ()
        self._param_axes: tuple[int, ...] = ()
        self._broadcast: tuple[int, ...] = ()

    @property
    def has_gamma(self) -> bool:
        return self.scale or self.rms_scaling

    @property
    def has_beta(self) -> bool:
        return self.center and not self.rms_scaling

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        assert self.axis is not None
        rank = len(input_shape) + 1
        self._axes = resolve_axes(self, self.axis, rank)
        shape = tuple(int(input_shape[a - 1]) for a in self._axes)
        self._broadcast = tuple(int(input_shape[a - 1]) if a in self._axes else 1 for a in range(rank))
        # gamma/beta gradients sum over every axis that is not one of theirs (the batch axis included).
        self._param_axes = tuple(a for a in range(rank) if a not in self._axes)
        c = self._components
        if self.has_gamma:
            self.add_weight("gamma", shape, c["gamma_initializer"], rng, regularizer=c["gamma_regularizer"],
                            constraint=c["gamma_constraint"])
        if self.has_beta:
            self.add_weight("beta", shape, c["beta_initializer"], rng, regularizer=c["beta_regularizer"],
                            constraint=c["beta_constraint"])

    def _shaped(self, param: Any) -> Any:
        return param.reshape(self._broadcast)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if self.rms_scaling:
            return self._forward_rms(x)
        xp = self.backend.xp
        axes = self._axes
        mean = x.mean(axis=axes, keepdims=True)
        xhat = x - mean
        inv_std = xp.square(xhat).mean(axis=axes, keepdims=True)
        inv_std += self.epsilon
        xp.sqrt(inv_std, out=inv_std)
        xp.reciprocal(inv_std, out=inv_std)
        xhat *= inv_std
        gamma = self._shaped(self.params["gamma"]) if self.has_gamma else None
        beta = self._shaped(self.params["beta"]) if self.has_beta else None
        y = xhat * gamma if gamma is not None else xhat
        if beta is not None:
            y = y + beta

        def backward(dy: Any) -> Any:
            if self.trainable:
                if gamma is not None:
                    self.grads["gamma"] = (dy * xhat).sum(axis=self._param_axes).reshape(self.params["gamma"].shape)
                if beta is not None:
                    self.grads["beta"] = dy.sum(axis=self._param_axes).reshape(self.params["beta"].shape)
            if not self.input_gradient:
                return None
            g = dy * gamma if gamma is not None else dy.copy()
            correction = (g * xhat).mean(axis=axes, keepdims=True)
            g -= g.mean(axis=axes, keepdims=True)
            g -= xhat * correction
            g *= inv_std
            return g

        return y, backward

    def _forward_rms(self, x: Any) -> tuple[Any, Backward]:
        """``y = x * gamma / sqrt(var + eps)``; ``var`` depends on ``x`` through its mean as well, so
        ``dx = inv * g - inv**3 * (x - mean) * mean(g * x)`` with ``g = dy * gamma``."""
        xp = self.backend.xp
        axes = self._axes
        centered = x - x.mean(axis=axes, keepdims=True)
        inv_std = xp.square(centered).mean(axis=axes, keepdims=True)
        inv_std += self.epsilon
        xp.sqrt(inv_std, out=inv_std)
        xp.reciprocal(inv_std, out=inv_std)
        scaled = x * inv_std
        gamma = self._shaped(self.params["gamma"])
        y = scaled * gamma

        def backward(dy: Any) -> Any:
            if self.trainable:
                self.grads["gamma"] = (dy * scaled).sum(axis=self._param_axes).reshape(self.params["gamma"].shape)
            if not self.input_gradient:
                return None
            g = dy * gamma
            through_variance = (g * x).mean(axis=axes, keepdims=True)
            through_variance *= inv_std ** 3
            dx = centered * through_variance
            xp.subtract(g * inv_std, dx, out=dx)
            return dx

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"axis": axis_config(self.axis), "epsilon": self.epsilon, "center": self.center,
                       "scale": self.scale, "rms_scaling": self.rms_scaling})
        config.update(self._components.config())
        return config
