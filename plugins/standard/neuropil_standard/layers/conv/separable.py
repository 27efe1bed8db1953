"""SeparableConv1D, SeparableConv2D: a depthwise convolution, then a pointwise (1x1) one that mixes
channels, then bias and activation.

Weights in Keras's order and layouts: ``depthwise_kernel (*kernel_size, channels, depth_multiplier)``,
``pointwise_kernel (*ones, channels * depth_multiplier, filters)``, ``bias (filters,)``. The pointwise
step is one matmul over the channel axis; the depthwise step is :mod:`.depthwise`'s.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks

from .. import reference_conv as _reference
from ._base import ConvolutionBase, Linear
from ._ops import Convolution
from .depthwise import as_grouped, depthwise_geometry


class SeparableConv(ConvolutionBase):
    """The N-d separable convolution; the registered classes fix its rank."""

    reference = _reference.separable_conv  # the conformance suite's float64 loop

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 pointwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        self.filters = checks.count(owner, "filters", filters)
        self.depth_multiplier = checks.count(owner, "depth_multiplier", depth_multiplier)
        super().__init__(**kwargs)
        self._configure(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias, {
            "depthwise_initializer": depthwise_initializer, "pointwise_initializer": pointwise_initializer,
            "bias_initializer": bias_initializer, "depthwise_regularizer": depthwise_regularizer,
            "pointwise_regularizer": pointwise_regularizer, "bias_regularizer": bias_regularizer,
            "activity_regularizer": activity_regularizer, "depthwise_constraint": depthwise_constraint,
            "pointwise_constraint": pointwise_constraint, "bias_constraint": bias_constraint})
        self._geometry: Convolution | None = None

    def _build_geometry(self, spatial: tuple[int, ...], channels: int) -> None:
        self._geometry = depthwise_geometry(self, spatial, channels)

    def _build_weights(self, channels: int, rng: np.random.Generator) -> None:
        middle = channels * self.depth_multiplier
        self._add("depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier), "depthwise", rng)
        self._add("pointwise_kernel", (*(1,) * self.rank, middle, self.filters), "pointwise", rng)
        if self.use_bias:
            self._add("bias", (self.filters,), "bias", rng)

    def _output_channels(self) -> int:
        return self.filters

    def _linear(self, xp: Any, x: Any) -> Linear:
        geometry = self._geometry
        assert geometry is not None
        depthwise, pointwise = self.params["depthwise_kernel"], self.params["pointwise_kernel"]
        grouped = as_grouped(depthwise)
        middle = pointwise.shape[-2]
        mixer = pointwise.reshape(middle, self.filters)
        u, cols = geometry.forward(xp, x, grouped)
        flat_u = u.reshape(-1, middle)
        z = self._add_bias((flat_u @ mixer).reshape(u.shape[:-1] + (self.filters,)))

        def backward(dz: Any) -> Any:
            flat_dz = dz.reshape(-1, self.filters)
            du = (flat_dz @ mixer.T).reshape(u.shape)
            if self.trainable:
                self.grads["pointwise_kernel"] = (flat_u.T @ flat_dz).reshape(pointwise.shape)
                gradient, _ = geometry.kernel_gradient(xp, du, cols, grouped.shape)
                self.grads["depthwise_kernel"] = gradient.reshape(depthwise.shape)
                self._bias_gradient(dz)
            if not self.input_gradient:
                return None
            return geometry.input_gradient(xp, du, grouped)

        return z, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["filters"] = self.filters
        config["depth_multiplier"] = self.depth_multiplier
        return config


class SeparableConv1D(SeparableConv):
    """1-D separable convolution over ``(batch, steps, channels)`` (or channels first)."""

    rank = 1
    example_configs = (
        {"filters": 2, "kernel_size": 2},
        {"filters": 3, "kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same",
         "input_shape": (6, 2), "activation": "tanh"},
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first", "use_bias": False,
         "input_shape": (2, 5)},
    )


class SeparableConv2D(SeparableConv):
    """2-D separable convolution over images (or channels first)."""

    rank = 2
    example_configs = (
        {"filters": 2, "kernel_size": 2},
        {"filters": 3, "kernel_size": (3, 2), "depth_multiplier": 2, "strides": (2, 1), "padding": "same",
         "input_shape": (4, 3, 2), "bias_initializer": "random_normal"},
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first",
         "input_shape": (2, 4, 4), "activation": "tanh"},
    )
