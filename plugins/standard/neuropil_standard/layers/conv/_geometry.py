"""The arithmetic of convolution windows, per spatial axis, in plain Python (no arrays).

Every layer of this package reduces to the same question: for each spatial axis, how much zero
padding goes before and after the input, and how long the output is. Keras's answers are TensorFlow's:

* ``"valid"``: no padding; ``out = (n - k_eff) // s + 1`` with ``k_eff = (k - 1) * d + 1``;
* ``"same"``: ``out = ceil(n / s)``, padded by ``max((out - 1) * s + k_eff - n, 0)`` split with the
  smaller half *before* (the odd element goes after, TensorFlow's asymmetric split);
* ``"causal"`` (1-D only): ``k_eff - 1`` zeros before, none after, then "valid".

Transposed convolutions scatter each input position over a window of the output instead: input
``i`` and kernel tap ``k`` land on ``i * s + k * d`` of a "full" output of length
``(n - 1) * s + k_eff``, of which Keras keeps a window starting at ``crop`` (see
:func:`transpose_axis`).
"""
from __future__ import annotations

from dataclasses import dataclass


def effective_size(kernel: int, dilation: int) -> int:
    """The span of a dilated kernel: taps ``0, d, 2d, ..., (k - 1) d``."""
    return (kernel - 1) * dilation + 1


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a convolution: zeros added before/after the input, and the output length."""

    before: int
    after: int
    output: int


def conv_axis(length: int, kernel: int, stride: int, dilation: int, padding: str) -> Axis:
    """Padding and output length of one axis of a (cross-correlation) convolution."""
    span = effective_size(kernel, dilation)
    if padding == "same":
        output = -(-length // stride)
        total = max((output - 1) * stride + span - length, 0)
        return Axis(total // 2, total - total // 2, output)
    before = span - 1 if padding == "causal" else 0
    return Axis(before, 0, (length + before - span) // stride + 1)


@dataclass(frozen=True)
class TransposeAxis:
    """One spatial axis of a transposed convolution.

    ``full`` is the length of the buffer the input is scattered into (at least the span every window
    reaches, longer when Keras's output extends past it: those positions receive no input, only the
    bias); the output is ``full[crop:crop + output]``.
    """

    full: int
    crop: int
    output: int


def transpose_axis(length: int, kernel: int, stride: int, dilation: int, padding: str,
                   output_padding: int | None) -> TransposeAxis:
    """Keras's transposed-convolution geometry (its JAX backend's, which the other backends match).

    Keras describes the output as a convolution of the stride-dilated input padded by ``left`` and
    ``right``; output ``o`` then reads full position ``o + span - 1 - left``, so ``crop = span - 1 -
    left`` (never negative: ``left <= span - 1``).
    """
    span = effective_size(kernel, dilation)
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    else:
        total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, span - 1)
        right = total - left
    output = (length - 1) * stride - span + 2 + left + right
    crop = span - 1 - left
    reached = (length - 1) * stride + span
    return TransposeAxis(max(reached, crop + output), crop, output)
