"""Conv1D, Conv2D, Conv3D: Keras's cross-correlation layers, ``activation(conv(x, kernel) + bias)``.

Kernel ``(*kernel_size, channels // groups, filters)`` and bias ``(filters,)``, Keras's layouts, so
weights move between neuropil and Keras unchanged. Conv1D also takes ``padding="causal"``.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward
from neuropil.errors import ArgumentError, LayerError

from .. import reference_conv as _reference
from .._arrangement import WindowMajor
from ._base import ConvolutionBase, Linear
from ._geometry import conv_axis
from ._ops import Convolution


class Conv(ConvolutionBase):
    """The N-d convolution; the registered classes fix its rank."""

    reference = _reference.conv  # the conformance suite's float64 loop

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        self.filters = checks.count(owner, "filters", filters)
        self.groups = checks.count(owner, "groups", groups)
        if self.filters % self.groups:
            raise ArgumentError(f"{owner} expects filters to be divisible by groups, "
                                f"received filters={filters!r} and groups={groups!r}")
        super().__init__(**kwargs)
        self._configure(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias, {
            "kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer,
            "kernel_regularizer": kernel_regularizer, "bias_regularizer": bias_regularizer,
            "activity_regularizer": activity_regularizer,
            "kernel_constraint": kernel_constraint, "bias_constraint": bias_constraint})
        self._geometry: Convolution | None = None

    def _build_geometry(self, spatial: tuple[int, ...], channels: int) -> None:
        if channels % self.groups:
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) expects its input channels to be "
                             f"divisible by groups={self.groups}, received {channels} channels")
        axes = [conv_axis(n, k, s, d, self.padding)
                for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        self._geometry = Convolution(spatial, channels, self.kernel_size, self.strides, self.dilation_rate, axes,
                                     self.groups)

    def _build_weights(self, channels: int, rng: np.random.Generator) -> None:
        self._add("kernel", (*self.kernel_size, channels // self.groups, self.filters), "kernel", rng)
        if self.use_bias:
            self._add("bias", (self.filters,), "bias", rng)

    def _output_channels(self) -> int:
        return self.filters

    def _linear(self, xp: Any, x: Any, arrangement: WindowMajor | None = None) -> Linear:
        geometry = self._geometry
        assert geometry is not None
        kernel = self.params["kernel"]
        spread = self.backend.map_batch
        z, saved = geometry.forward(xp, x, kernel, self.params["bias"] if self.use_bias else None,
                                    spread=spread, arrangement=arrangement)

        def backward(dz: Any) -> Any:
            if self.trainable:
                self.grads["kernel"], bias = geometry.kernel_gradient(xp, dz, saved, kernel.shape, spread=spread)
                if bias is not None:
                    self.grads["bias"] = bias
                else:
                    self._bias_gradient(dz)
            if not self.input_gradient:
                return None
            return geometry.input_gradient(xp, dz, kernel, spread=spread, arrangement=arrangement)

        return z, backward

    def arranges(self, arrangement: Any) -> bool:
        """The Layer protocol: a channels-last convolution writes its output window by window for a
        max pooling (:class:`WindowMajor`) where its geometry does so at no cost (``arranges``);
        not with an activity regularizer, which reads the whole output."""
        return (isinstance(arrangement, WindowMajor) and not self._channels_first
                and self.activity_regularizer is None and self._geometry is not None
                and self._geometry.arranges(arrangement))

    def forward_arranged(self, x: Any, training: bool, arrangement: Any,
                         activation: bool = True) -> tuple[Any, Backward]:
        """The Layer protocol: the output (before the activation, without ``activation``) in
        ``arrangement``, with the positions no window reads left out; see :meth:`arranges`."""
        z, linear_backward = self._linear(self.backend.xp, x, arrangement)
        return self._activated(z, linear_backward) if activation else (z, linear_backward)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["filters"] = self.filters
        config["groups"] = self.groups
        return config


class Conv1D(Conv):
    """1-D convolution over ``(batch, steps, channels)`` (or ``(batch, channels, steps)``)."""

    rank = 1
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same", "causal")
    example_configs = (
        {"filters": 2, "kernel_size": 2},
        {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2, "input_shape": (6, 2)},
        {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "groups": 2, "input_shape": (8, 4),
         "activation": "tanh"},
        {"filters": 3, "kernel_size": 2, "data_format": "channels_first", "use_bias": False,
         "input_shape": (2, 5)},
    )


class Conv2D(Conv):
    """2-D convolution over images ``(batch, rows, cols, channels)`` (or channels first)."""

    rank = 2
    example_configs = (
        {"filters": 2, "kernel_size": 2},
        {"filters": 3, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same", "input_shape": (5, 4, 2)},
        {"filters": 2, "kernel_size": 2, "dilation_rate": (2, 1), "padding": "same", "input_shape": (4, 4, 1),
         "bias_initializer": "random_normal"},
        {"filters": 4, "kernel_size": 2, "groups": 2, "data_format": "channels_first", "input_shape": (2, 4, 3),
         "activation": "tanh"},
    )


class Conv3D(Conv):
    """3-D convolution over volumes ``(batch, d1, d2, d3, channels)`` (or channels first)."""

    rank = 3
    example_configs = (
        {"filters": 2, "kernel_size": 2, "input_shape": (3, 3, 3, 1)},
        {"filters": 2, "kernel_size": (2, 1, 2), "strides": (1, 2, 1), "padding": "same",
         "data_format": "channels_first", "input_shape": (2, 3, 3, 2)},
    )
