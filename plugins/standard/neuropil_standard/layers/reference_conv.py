"""Float64 references for the convolution layers: explicit loops over output positions and kernel
taps, written from Keras's (TensorFlow's) published definitions and sharing no code with the fast
im2col forwards of :mod:`.conv`, so the conformance suite's ``reference`` property can tell a wrong
forward from a merely self-consistent one.

Every loop works on channels-last arrays ``(batch, *spatial, channels)``; the layer methods at the
bottom move a channels-first input's channel axis last on the way in and back on the way out.

The geometry, per spatial axis, as TensorFlow documents it ("Notes on padding"):

* ``"valid"``: no zeros, output ``(n - span) // s + 1`` with ``span = (k - 1) * d + 1``;
* ``"same"``: output ``ceil(n / s)``, total padding ``max((out - 1) * s + span - n, 0)``, the
  smaller half before the input (the odd zero goes after);
* ``"causal"`` (1-D): ``span - 1`` zeros before, none after.

Output ``o`` then reads input ``o * s + t * d - before`` for tap ``t``, zero where that falls outside.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np


def conv_geometry(length: int, kernel: int, stride: int, dilation: int, padding: str) -> tuple[int, int]:
    """``(zeros before the input, output length)`` of one axis of a convolution."""
    span = (kernel - 1) * dilation + 1
    if padding == "same":
        out = math.ceil(length / stride)
        return max((out - 1) * stride + span - length, 0) // 2, out
    before = span - 1 if padding == "causal" else 0
    return before, (length + before - span) // stride + 1


def _source(out: tuple[int, ...], tap: tuple[int, ...], strides: tuple[int, ...], dilation: tuple[int, ...],
            befores: list[int], spatial: tuple[int, ...]) -> tuple[int, ...] | None:
    """The input position output ``out`` reads through kernel tap ``tap``, or None in the padding."""
    pos = tuple(o * s + t * d - b for o, s, t, d, b in zip(out, strides, tap, dilation, befores))
    return pos if all(0 <= p < n for p, n in zip(pos, spatial)) else None


def loop_conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, strides: tuple[int, ...],
              dilation: tuple[int, ...], padding: str, groups: int = 1) -> np.ndarray:
    """``y[b, o, f] = bias[f] + sum over taps t and the channels c of f's group g of
    x[b, o * s + t * d - before, g * cg + c] * kernel[t, c, f]``, kernel ``(*k, channels // groups,
    filters)`` (Keras's layout), filters split into ``groups`` consecutive blocks."""
    rank = x.ndim - 2
    spatial, taps = tuple(x.shape[1:-1]), tuple(kernel.shape[:rank])
    per_group, filters = kernel.shape[-2], kernel.shape[-1]
    per_group_filters = filters // groups
    geometry = [conv_geometry(n, k, s, d, padding) for n, k, s, d in zip(spatial, taps, strides, dilation)]
    befores = [g[0] for g in geometry]
    y = np.zeros((x.shape[0], *(g[1] for g in geometry), filters))
    for out in np.ndindex(*y.shape[1:-1]):
        for f in range(filters):
            g = f // per_group_filters
            total = np.zeros(x.shape[0]) if bias is None else np.full(x.shape[0], float(bias[f]))
            for tap in np.ndindex(*taps):
                pos = _source(out, tap, strides, dilation, befores, spatial)
                if pos is not None:
                    for c in range(per_group):
                        total = total + x[(slice(None), *pos, g * per_group + c)] * kernel[(*tap, c, f)]
            y[(slice(None), *out, f)] = total
    return y


def loop_depthwise(x: np.ndarray, kernel: np.ndarray, strides: tuple[int, ...], dilation: tuple[int, ...],
                   padding: str) -> np.ndarray:
    """``y[b, o, c * multiplier + m] = sum over taps t of x[b, o * s + t * d - before, c] *
    kernel[t, c, m]``: each input channel with its own filters, no mixing across channels."""
    rank = x.ndim - 2
    spatial, taps = tuple(x.shape[1:-1]), tuple(kernel.shape[:rank])
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    geometry = [conv_geometry(n, k, s, d, padding) for n, k, s, d in zip(spatial, taps, strides, dilation)]
    befores = [g[0] for g in geometry]
    y = np.zeros((x.shape[0], *(g[1] for g in geometry), channels * multiplier))
    for out in np.ndindex(*y.shape[1:-1]):
        for c in range(channels):
            for m in range(multiplier):
                total = np.zeros(x.shape[0])
                for tap in np.ndindex(*taps):
                    pos = _source(out, tap, strides, dilation, befores, spatial)
                    if pos is not None:
                        source: tuple[Any, ...] = (slice(None), *pos, c)
                        total = total + x[source] * kernel[(*tap, c, m)]
                target: tuple[Any, ...] = (slice(None), *out, c * multiplier + m)
                y[target] = total
    return y


def transpose_length(length: int, kernel: int, stride: int, dilation: int, padding: str,
                     output_padding: int | None) -> int:
    """Keras's documented output length of a transposed convolution (``deconv_output_length``)."""
    span = (kernel - 1) * dilation + 1
    if output_padding is None:
        return length * stride + max(span - stride, 0) if padding == "valid" else length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def loop_transpose(x: np.ndarray, kernel: np.ndarray, strides: tuple[int, ...], dilation: tuple[int, ...],
                   padding: str, output_padding: tuple[int, ...] | None = None) -> np.ndarray:
    """The adjoint of a convolution, as TensorFlow defines ``conv_transpose``: the output has Keras's
    documented length ``L``, and input position ``i`` adds ``kernel[t] @ x[b, i]`` at ``i * s + t * d -
    before``, ``before`` being what the forward convolution of an input of length ``L`` with this
    padding puts before it (0 for "valid"); positions outside ``[0, L)`` are dropped. Kernel
    ``(*k, filters, channels)``, Keras's layout. No bias."""
    rank = x.ndim - 2
    spatial, taps = tuple(x.shape[1:-1]), tuple(kernel.shape[:rank])
    paddings = output_padding if output_padding is not None else (None,) * rank
    lengths = tuple(transpose_length(n, k, s, d, padding, p)
                    for n, k, s, d, p in zip(spatial, taps, strides, dilation, paddings))
    befores = [conv_geometry(length, k, s, d, padding)[0] if padding == "same" else 0
               for length, k, s, d in zip(lengths, taps, strides, dilation)]
    filters = kernel.shape[-2]
    y = np.zeros((x.shape[0], *lengths, filters))
    for i in np.ndindex(*spatial):
        for tap in np.ndindex(*taps):
            pos = tuple(a * s + t * d - b for a, s, t, d, b in zip(i, strides, tap, dilation, befores))
            if all(0 <= p < n for p, n in zip(pos, lengths)):
                for f in range(filters):
                    y[(slice(None), *pos, f)] += x[(slice(None), *i)] @ kernel[(*tap, f)]
    return y


# -- the layers' declared references ---------------------------------------------------------------
def _channels_last(layer: Any, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.moveaxis(x, 1, -1) if layer.data_format == "channels_first" else x


def _finish(layer: Any, z: np.ndarray) -> np.ndarray:
    """The layer's activation on the channels-last linear part, in the layer's data format: the
    activation's own float64 reference where it declares one (every standard activation does)."""
    activation = layer.activation
    formula = getattr(activation, "reference", None)
    y = formula(z) if callable(formula) else np.asarray(activation.forward(z)[0])
    return np.moveaxis(y, -1, 1) if layer.data_format == "channels_first" else y


def conv(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """Conv1D/2D/3D: ``activation(conv(x, kernel) + bias)``."""
    z = loop_conv(_channels_last(layer, x), params["kernel"], params.get("bias") if layer.use_bias else None,
                  layer.strides, layer.dilation_rate, layer.padding, layer.groups)
    return _finish(layer, z)


def conv_transpose(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """Conv1DTranspose/2D/3D: ``activation(conv_transpose(x, kernel) + bias)``."""
    z = loop_transpose(_channels_last(layer, x), params["kernel"], layer.strides, layer.dilation_rate,
                       layer.padding, layer.output_padding)
    if layer.use_bias:
        z = z + params["bias"]
    return _finish(layer, z)


def depthwise_conv(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """DepthwiseConv1D/2D: ``activation(depthwise(x, kernel) + bias)``."""
    z = loop_depthwise(_channels_last(layer, x), params["kernel"], layer.strides, layer.dilation_rate,
                       layer.padding)
    if layer.use_bias:
        z = z + params["bias"]
    return _finish(layer, z)


def separable_conv(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """SeparableConv1D/2D: the depthwise loop, then each position's channels mixed by the pointwise
    kernel (a sum written out per filter), then bias and activation."""
    middle = loop_depthwise(_channels_last(layer, x), params["depthwise_kernel"], layer.strides,
                            layer.dilation_rate, layer.padding)
    channels, filters = (int(n) for n in params["pointwise_kernel"].shape[-2:])
    pointwise = params["pointwise_kernel"].reshape(channels, filters)
    z = np.zeros((*middle.shape[:-1], filters))
    for f in range(filters):
        for c in range(channels):
            z[..., f] += middle[..., c] * pointwise[c, f]
    if layer.use_bias:
        z = z + params["bias"]
    return _finish(layer, z)
