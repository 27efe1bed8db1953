"""GroupNormalization: normalize each sample over groups of channels, then scale and shift per channel.

Keras 3's semantics: the channels axis (``axis``, batch axis counted) is split into ``groups`` equal
groups; each sample's values in one group (over every other per-sample axis too) are normalized with
their own mean and biased variance, ``(x - mean) / sqrt(var + epsilon)``, then multiplied by
``gamma`` and shifted by ``beta``, one of each per channel. ``groups=-1`` makes every channel its own
group (Instance Normalization); ``groups=1`` is Layer Normalization over all per-sample axes with
per-channel weights. As in LayerNormalization, no statistic is kept: training and inference agree.

The forward works on a copy with the channels axis split into ``(groups, channels // groups)`` and
the group axis next to the batch axis; the backward is the exact gradient in that layout,
``dx = (g - mean(g) - xhat * mean(g * xhat)) / sqrt(var + eps)`` with ``g = dy * gamma`` and means
over each group. gamma's and beta's gradients sum over all but the channels axis as one
matrix-vector product.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, LayerError

from .. import reference_normalization as _reference
from .._common import check_declared_shape
from ._common import AffineArguments, resolve_axes


class GroupNormalization(Layer):
    """Normalizes over ``groups`` groups of the channels axis ``axis``.

    Weights, in Keras order: ``gamma`` (when ``scale``), ``beta`` (when ``center``), one per channel.
    """

    reference = _reference.group_normalization  # the conformance suite's float64 formula
    # Two groups, the default epsilon 1e-3: [0, 0.1] -> +-0.05 / sqrt(0.0035), [1, 1.2] -> +-0.1 / sqrt(0.011).
    golden_examples = ({"config": {"groups": 2}, "inputs": ([[0.0, 0.1, 1.0, 1.2]],),
                        "output": [[-0.8451542547285166, 0.8451542547285166, -0.9534625892455924,
                                    0.9534625892455924]], "rtol": 1e-9},)
    example_configs = (
        {"groups": 1},
        {"groups": 3, "epsilon": 0.1, "input_shape": (2, 2, 6), "beta_initializer": "random_normal"},
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
        self._axis = -1
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
        self._axis = axis
        self._broadcast = tuple(channels if a == axis else 1 for a in range(rank))
        c = self._components
        if self.scale:
            self.add_weight("gamma", (channels,), c["gamma_initializer"], rng, regularizer=c["gamma_regularizer"],
                            constraint=c["gamma_constraint"])
        if self.center:
            self.add_weight("beta", (channels,), c["beta_initializer"], rng, regularizer=c["beta_regularizer"],
                            constraint=c["beta_constraint"])

    def _grouped(self, a: Any, copy: bool = False) -> Any:
        """``a`` as (batch, groups, ...): the channels axis split and the group axis moved next to the
        batch axis, contiguous, so that every group's statistics reduce over trailing axes (a
        strided reduction over interleaved channels is several times slower). ``copy`` guarantees
        a new array (with the channels axis first, the layout is ``a``'s own, and ``a`` is returned)."""
        xp = self.backend.xp
        moved = xp.moveaxis(a.reshape((a.shape[0],) + self._grouped_tail), self._axis, 1)
        return xp.array(moved, copy=True, order="C") if copy else xp.ascontiguousarray(moved)

    def _ungrouped(self, a: Any, shape: tuple[int, ...]) -> Any:
        return self.backend.xp.moveaxis(a, 1, self._axis).reshape(shape)

    def _per_channel_sum(self, a: Any) -> Any:
        """``a`` summed over every axis but the channels axis, as one matrix-vector product (NumPy's
        reduction over leading axes of a few channels is slow; BLAS's is not)."""
        xp = self.backend.xp
        channels = a.shape[self._axis]
        rows = xp.moveaxis(a, self._axis, -1).reshape(-1, channels)
        return xp.matmul(xp.ones(rows.shape[0], dtype=a.dtype), rows)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        grouped = self._grouped(x)
        reduce = tuple(range(2, grouped.ndim))
        xhat_grouped = grouped - grouped.mean(axis=reduce, keepdims=True)
        inv_std = xp.square(xhat_grouped).mean(axis=reduce, keepdims=True)
        inv_std += self.epsilon
        xp.sqrt(inv_std, out=inv_std)
        xp.reciprocal(inv_std, out=inv_std)
        xhat_grouped *= inv_std
        xhat = self._ungrouped(xhat_grouped, x.shape)
        gamma = self.params["gamma"].reshape(self._broadcast) if self.scale else None
        beta = self.params["beta"].reshape(self._broadcast) if self.center else None
        y = xhat * gamma if gamma is not None else xhat.copy()
        if beta is not None:
            y += beta

        def backward(dy: Any) -> Any:
            if self.trainable:
                if gamma is not None:
                    self.grads["gamma"] = self._per_channel_sum(dy * xhat)
                if beta is not None:
                    self.grads["beta"] = self._per_channel_sum(dy)
            if not self.input_gradient:
                return None
            g = self._grouped(dy * gamma) if gamma is not None else self._grouped(dy, copy=True)
            correction = (g * xhat_grouped).mean(axis=reduce, keepdims=True)
            g -= g.mean(axis=reduce, keepdims=True)
            g -= xhat_grouped * correction
            g *= inv_std
            return self._ungrouped(g, dy.shape)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                       "center": self.center, "scale": self.scale})
        config.update(self._components.config())
        return config
