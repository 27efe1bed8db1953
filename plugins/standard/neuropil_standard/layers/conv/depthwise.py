"""DepthwiseConv1D, DepthwiseConv2D: each input channel convolved with its own ``depth_multiplier``
filters, no mixing across channels.

Kernel ``(*kernel_size, channels, depth_multiplier)`` (named ``kernel``, as Keras 3 names it) and bias
``(channels * depth_multiplier,)``; output channel ``c * depth_multiplier + m`` comes from input
channel ``c``. That is exactly a grouped convolution with one group per channel, whose kernel
``(*kernel_size, 1, channels * depth_multiplier)`` is this one reshaped (no copy), so the array work
is :class:`~._ops.Convolution`'s.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks

from .. import reference_conv as _reference
from ._base import ConvolutionBase, Linear
from ._geometry import conv_axis
from ._ops import Convolution


def depthwise_geometry(layer: ConvolutionBase, spatial: tuple[int, ...], channels: int) -> Convolution:
    """The one-group-per-channel convolution of a depthwise (or separable) layer."""
    axes = [conv_axis(n, k, s, d, layer.padding)
            for n, k, s, d in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate)]
    return Convolution(spatial, channels, layer.kernel_size, layer.strides, layer.dilation_rate, axes, channels)


def as_grouped(kernel: Any) -> Any:
    """A depthwise kernel ``(*k, channels, multiplier)`` as the grouped kernel ``(*k, 1, channels *
    multiplier)`` it equals (a view)."""
    return kernel.reshape((*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1]))


class DepthwiseConv(ConvolutionBase):
    """The N-d depthwise convolution; the registered classes fix its rank."""

    reference = _reference.depthwise_conv  # the conformance suite's float64 loop

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate: Any = 1, activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        self.depth_multiplier = checks.count(type(self).__name__, "depth_multiplier", depth_multiplier)
        super().__init__(**kwargs)
        self._configure(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias, {
            "depthwise_initializer": depthwise_initializer, "bias_initializer": bias_initializer,
            "depthwise_regularizer": depthwise_regularizer, "bias_regularizer": bias_regularizer,
            "activity_regularizer": activity_regularizer,
            "depthwise_constraint": depthwise_constraint, "bias_constraint": bias_constraint})
        self._geometry: Convolution | None = None

    def _build_geometry(self, spatial: tuple[int, ...], channels: int) -> None:
        self._geometry = depthwise_geometry(self, spatial, channels)

    def _build_weights(self, channels: int, rng: np.random.Generator) -> None:
        self._add("kernel", (*self.kernel_size, channels, self.depth_multiplier), "depthwise", rng)
        if self.use_bias:
            self._add("bias", (channels * self.depth_multiplier,), "bias", rng)

    def _output_channels(self) -> int:
        assert self._geometry is not None
        return self._geometry.channels * self.depth_multiplier

    def _linear(self, xp: Any, x: Any) -> Linear:
        geometry = self._geometry
        assert geometry is not None
        kernel = self.params["kernel"]
        grouped = as_grouped(kernel)
        z, cols = geometry.forward(xp, x, grouped, self.params["bias"] if self.use_bias else None)

        def backward(dz: Any) -> Any:
            if self.trainable:
                gradient, bias = geometry.kernel_gradient(xp, dz, cols, grouped.shape)
                self.grads["kernel"] = gradient.reshape(kernel.shape)
                if bias is not None:
                    self.grads["bias"] = bias
                else:
                    self._bias_gradient(dz)
            if not self.input_gradient:
                return None
            return geometry.input_gradient(xp, dz, grouped)

        return z, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["depth_multiplier"] = self.depth_multiplier
        return config


class DepthwiseConv1D(DepthwiseConv):
    """1-D depthwise convolution over ``(batch, steps, channels)`` (or channels first)."""

    rank = 1
    example_configs = (
        {"kernel_size": 2},
        {"kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same", "input_shape": (6, 2)},
        {"kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first", "use_bias": False,
         "input_shape": (2, 5), "activation": "tanh"},
    )


class DepthwiseConv2D(DepthwiseConv):
    """2-D depthwise convolution over images (or channels first)."""

    rank = 2
    example_configs = (
        {"kernel_size": 2},
        {"kernel_size": (3, 2), "depth_multiplier": 2, "strides": (2, 1), "padding": "same",
         "input_shape": (4, 3, 2), "bias_initializer": "random_normal"},
        {"kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first", "input_shape": (2, 4, 4),
         "activation": "tanh"},
    )
