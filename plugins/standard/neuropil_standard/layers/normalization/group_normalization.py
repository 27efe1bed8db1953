"""GroupNormalization: normalize each sample over groups of channels, then scale and shift per channel.

Keras 3's semantics: the channels axis (``axis``, batch axis counted) is split into ``groups`` equal
groups; each sample's values in one group (over every other per-sample axis too) are normalized with
their own mean and biased variance, ``(x - mean) / sqrt(var + epsilon)``, then multiplied by
``gamma`` and shifted by ``beta``, one of each per channel. ``groups=-1`` makes every channel its own
group (Instance Normalization); ``groups=1`` is Layer Normalization over all per-sample axes with
per-channel weights. As in LayerNormalization, no statistic is kept: training and inference agree.

The forward works on a view with the channels axis split into ``(groups, channels // groups)``; the
backward is the exact gradient in that view, ``dx = (g - mean(g) - xhat * mean(g * xhat)) /
sqrt(var + eps)`` with ``g = dy * gamma`` and means over each group.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, LayerError

from .._common import check_declared_shape
from ._common import AffineArguments, resolve_axes


class GroupNormalization(Layer):
    """Normalizes over ``groups`` groups of the channels axis ``axis``.

    Weights, in Keras order: ``gamma`` (when ``scale``), ``beta`` (when ``center``), one per channel.
    """

    example_configs = (
        {"groups": 1},
        {"groups": 2, "epsilon": 0.01, "input_shape": (3, 4),
         "gamma_initializer": {"class_name": "RandomUniform", "config": {"minval": 0.5, "maxval": 2.0}},
         "beta_initializer": "random_normal"},
        {"groups": -1, "center": False, "gamma_initializer": "random_normal"},
        {"groups": 2, "axis": 1, "scale": False, "beta_initializer": "random_normal", "input_shape": (4, 3)},
        {"groups": 1, "trainable": False, "gamma_initializer": "random_normal"},
    )

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        owner = "GroupNormalization"
        self.groups = checks.integer(owner, "groups", groups, minimum=-1)
        if self.groups == 0:
            raise ArgumentError(f"{owner} expects groups to be a positive integer or -1 (one group per "
                                f"channel), received groups={groups!r}")
        self.axis = checks.integer(owner, "axis", axis)
        self.epsilon = checks.number(owner, "epsilon", epsilon, minimum=0, min_inclusive=False)
        self.center = checks.boolean(owner, "center", center)
        self.scale = checks.boolean(owner, "scale", scale)
        self._components = AffineArguments(
            beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        super().__init__(**kwargs)
        self._grouped_tail: tuple[int, ...] = ()
        self._reduce: tuple[int, ...] = ()
        self._param_axes: tuple[int, ...] = ()
        self._broadcast: tuple[int, ...] = ()

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        rank = len(input_shape) + 1
        (axis,) = resolve_axes(self, self.axis, rank)
        channels = int(input_shape[axis - 1])
        groups = channels if self.groups == -1 else self.groups
        if groups > channels or channels % groups:
            raise LayerError(
                f"layer {self.name!r} (GroupNormalization) got groups={self.groups} for {channels} channels "
                f"on axis {self.axis}; expected a number of groups that divides the number of channels")
        # The per-sample shape with the channels axis split into (groups, channels per group).
        tail = list(int(d) for d in input_shape)
        tail[axis - 1: axis] = [groups, channels // groups]
        self._grouped_tail = tuple(tail)
        self._reduce = tuple(a for a in range(1, rank + 1) if a != axis)
        self._param_axes = tuple(a for a in range(rank) if a != axis)
        self._broadcast = tuple(channels if a == axis else 1 for a in range(rank))
        c = self._components
        if self.scale:
            self.add_weight("gamma", (channels,), c["gamma_initializer"], rng, regularizer=c["gamma_regularizer"],
                            constraint=c["gamma_constraint"])
        if self.center:
            self.add_weight("beta", (channels,), c["beta_initializer"], rng, regularizer=c["beta_regularizer"],
                            constraint=c["beta_constraint"])

    def _grouped(self, a: Any) -> Any:
        return a.reshape((a.shape[0],) + self._grouped_tail)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        reduce = self._reduce
        grouped = self._grouped(x)
        xhat = grouped - grouped.mean(axis=reduce, keepdims=True)
        inv_std = xp.square(xhat).mean(axis=reduce, keepdims=True)
        inv_std += self.epsilon
        xp.sqrt(inv_std, out=inv_std)
        xp.reciprocal(inv_std, out=inv_std)
        xhat *= inv_std
        xhat = xhat.reshape(x.shape)
        gamma = self.params["gamma"].reshape(self._broadcast) if self.scale else None
        beta = self.params["beta"].reshape(self._broadcast) if self.center else None
        y = xhat * gamma if gamma is not None else xhat
        if beta is not None:
            y = y + beta

        def backward(dy: Any) -> Any:
            if self.trainable:
                if gamma is not None:
                    self.grads["gamma"] = (dy * xhat).sum(axis=self._param_axes)
                if beta is not None:
                    self.grads["beta"] = dy.sum(axis=self._param_axes)
            if not self.input_gradient:
                return None
            g = self._grouped(dy * gamma if gamma is not None else dy.copy())
            xhat_grouped = self._grouped(xhat)
            correction = (g * xhat_grouped).mean(axis=reduce, keepdims=True)
            g -= g.mean(axis=reduce, keepdims=True)
            g -= xhat_grouped * correction
            g *= inv_std
            return g.reshape(dy.shape)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                       "center": self.center, "scale": self.scale})
        config.update(self._components.config())
        return config
