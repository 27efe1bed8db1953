"""Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: Keras's transposed ("deconvolution") layers.

Each input position scatters ``kernel @ x`` over a window of the output, stride ``strides`` apart: the
adjoint of a convolution, used to upsample. Kernel ``(*kernel_size, filters, channels)`` (filters
before input channels, Keras's layout) and bias ``(filters,)``. The output length follows Keras:
``padding="valid"`` gives ``n * s + max(k_eff - s, 0)``, ``"same"`` gives ``n * s``, and
``output_padding`` (each entry below its stride) gives ``(n - 1) * s + k_eff - 2 * pad + output_padding``
with ``pad = k_eff // 2`` for "same", 0 for "valid".
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.errors import ArgumentError

from .. import reference_conv as _reference
from ._base import ConvolutionBase, Linear
from ._geometry import transpose_axis
from ._ops import TransposedConvolution


class ConvTranspose(ConvolutionBase):
    """The N-d transposed convolution; the registered classes fix its rank."""

    reference = _reference.conv_transpose  # the conformance suite's float64 loop

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        owner = type(self).__name__
        self.filters = checks.count(owner, "filters", filters)
        super().__init__(**kwargs)
        self._configure(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias, {
            "kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer,
            "kernel_regularizer": kernel_regularizer, "bias_regularizer": bias_regularizer,
            "activity_regularizer": activity_regularizer,
            "kernel_constraint": kernel_constraint, "bias_constraint": bias_constraint})
        self.output_padding: tuple[int, ...] | None = None
        if output_padding is not None:
            self.output_padding = checks.int_tuple(owner, "output_padding", output_padding, self.rank, minimum=0)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ArgumentError(f"{owner} expects each output_padding entry to be below its stride, "
                                    f"received output_padding={output_padding!r} and strides={strides!r}")
        self._geometry: TransposedConvolution | None = None

    def _build_geometry(self, spatial: tuple[int, ...], channels: int) -> None:
        paddings = self.output_padding or (None,) * self.rank
        axes = [transpose_axis(n, k, s, d, self.padding, p)
                for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides, self.dilation_rate, paddings)]
        self._geometry = TransposedConvolution(spatial, self.kernel_size, self.strides, self.dilation_rate, axes)

    def _build_weights(self, channels: int, rng: np.random.Generator) -> None:
        self._add("kernel", (*self.kernel_size, self.filters, channels), "kernel", rng)
        if self.use_bias:
            self._add("bias", (self.filters,), "bias", rng)

    def _output_channels(self) -> int:
        return self.filters

    def _linear(self, xp: Any, x: Any) -> Linear:
        geometry = self._geometry
        assert geometry is not None
        kernel = self.params["kernel"]
        z = self._add_bias(geometry.forward(xp, x, kernel))

        def backward(dz: Any) -> Any:
            dcols = geometry.columns(xp, dz)
            if self.trainable:
                self.grads["kernel"] = geometry.kernel_gradient(dcols, x, kernel.shape)
                self._bias_gradient(dz)
            if not self.input_gradient:
                return None
            return geometry.input_gradient(dcols, kernel, x.shape)

        return z, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["filters"] = self.filters
        config["output_padding"] = None if self.output_padding is None else list(self.output_padding)
        return config


class Conv1DTranspose(ConvTranspose):
    """1-D transposed convolution over ``(batch, steps, channels)`` (or channels first)."""

    rank = 1
    example_configs = (
        {"filters": 2, "kernel_size": 2},
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "input_shape": (4, 2)},
        {"filters": 3, "kernel_size": 2, "strides": 3, "output_padding": 1, "data_format": "channels_first",
         "input_shape": (2, 3), "activation": "tanh"},
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same", "use_bias": False,
         "input_shape": (4, 1)},
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1, "input_shape": (3, 2)},
        {"filters": 1, "kernel_size": 2, "strides": 3, "input_shape": (3, 1)},
    )


class Conv2DTranspose(ConvTranspose):
    """2-D transposed convolution over images ``(batch, rows, cols, channels)`` (or channels first)."""

    rank = 2
    example_configs = (
        {"filters": 2, "kernel_size": 2},
        {"filters": 2, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same", "input_shape": (3, 3, 2)},
        {"filters": 3, "kernel_size": 3, "strides": 2, "output_padding": (1, 0), "data_format": "channels_first",
         "input_shape": (2, 2, 3)},
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "input_shape": (3, 3, 1),
         "bias_initializer": "random_normal", "activation": "tanh"},
    )


class Conv3DTranspose(ConvTranspose):
    """3-D transposed convolution over volumes (or channels first)."""

    rank = 3
    example_configs = (
        {"filters": 2, "kernel_size": 2, "input_shape": (2, 2, 2, 1)},
        {"filters": 2, "kernel_size": (2, 1, 2), "strides": (2, 1, 1), "padding": "same",
         "data_format": "channels_first", "input_shape": (2, 2, 3, 2)},
    )
