"""The array work of every convolution: windows as strided views, matmuls, and their adjoint.

All arrays here are channels-last, ``(batch, *spatial, channels)``; the layers move a channels-first
input's axis (a view) before calling in. Everything goes through the ``xp`` handed in (NumPy or CuPy).

Why this shape of algorithm (im2col): a convolution is a matrix product once every output position's
receptive field is laid out as a row. :func:`windows` makes that layout a zero-copy strided view
``(batch, *out, *kernel, channels)`` of the (padded) input; one reshape materialises it as the
``(positions, taps * channels)`` matrix and one BLAS call does all the arithmetic. The adjoint,
:func:`scatter_windows`, adds each kernel tap's slice of a column matrix back onto the input
positions it came from: ``prod(kernel)`` strided in-place adds, not one per output position.

Ungrouped, all of it runs one piece of the batch at a time (``spread``, the backend's ``map_batch``):
a piece's columns are built, multiplied and dropped while they are in the core's cache, and the
pieces run on all the cores. The backward builds them again rather than keeping the layer's largest
matrix in memory between the passes. A max pooling reading the output may ask for it window by window
(:class:`..._arrangement.WindowMajor`): the im2col rows are then taken in that order, and only over the
positions a window reads.

Groups split the channel axis into ``(groups, channels // groups)``: the column matrix gets a leading
groups axis and the products become one batched matmul. A depthwise convolution is the case
``groups == channels``.
"""
from __future__ import annotations

import copy
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .._arrangement import WindowMajor
from ._geometry import Axis, TransposeAxis

#: ``spread(work, batch, size)``: runs ``work(rows)`` over slices of the batch (``Backend.map_batch``).
Spread = Callable[[Callable[[slice], None], int, int], None]


def _whole(work: Callable[[slice], None], batch: int, size: int = 0) -> None:
    work(slice(0, batch))


def windows(xp: Any, x: Any, kernel: Sequence[int], strides: Sequence[int], dilation: Sequence[int],
            output: Sequence[int]) -> Any:
    """A view (never written to) ``(batch, *output, *kernel, channels)`` of ``x``: element ``[n, o, k, c]`` is
    ``x[n, o * stride + k * dilation, c]`` on every spatial axis. ``x`` must already hold every
    position a window reaches (pad it first)."""
    step = x.strides
    spatial = step[1:-1]
    shape = (x.shape[0], *output, *kernel, x.shape[-1])
    strides_ = (step[0], *(a * s for a, s in zip(spatial, strides)), *(a * d for a, d in zip(spatial, dilation)),
                step[-1])
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides_)


def scatter_windows(xp: Any, columns: Any, spatial: Sequence[int], strides: Sequence[int],
                    dilation: Sequence[int]) -> Any:
    """The adjoint of :func:`windows`: ``columns`` of shape ``(batch, *out, *kernel, *tail)`` summed
    into a new zero array ``(batch, *spatial, *tail)`` at the positions each window read."""
    rank = len(spatial)
    batch = columns.shape[0]
    output = columns.shape[1:1 + rank]
    kernel = columns.shape[1 + rank:1 + 2 * rank]
    tail = columns.shape[1 + 2 * rank:]
    out = xp.zeros((batch, *spatial, *tail), dtype=columns.dtype)
    lead = (slice(None),) * (1 + rank)
    for taps in itertools.product(*(range(k) for k in kernel)):
        target = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                       for t, d, s, o in zip(taps, dilation, strides, output))
        out[(slice(None), *target)] += columns[lead + taps]
    return out


def _row_major_strides(shape: Sequence[int], step: int) -> tuple[int, ...]:
    """Byte strides of a C-ordered block of ``shape`` whose last axis advances by ``step`` bytes."""
    strides = []
    for length in reversed(shape):
        strides.append(step)
        step *= length
    return tuple(reversed(strides))


def pad(xp: Any, x: Any, axes: Sequence[Axis]) -> Any:
    """``x`` with zeros before/after each spatial axis; ``x`` itself when no axis is padded."""
    if not any(a.before or a.after for a in axes):
        return x
    spatial = tuple(n + a.before + a.after for n, a in zip(x.shape[1:-1], axes))
    out = xp.zeros((x.shape[0], *spatial, x.shape[-1]), dtype=x.dtype)
    out[interior(x.shape[1:-1], axes)] = x
    return out


def interior(lengths: Sequence[int], axes: Sequence[Axis]) -> tuple[slice, ...]:
    """The index of the unpadded input inside a padded array."""
    return (slice(None), *(slice(a.before, a.before + n) for n, a in zip(lengths, axes)))


class Convolution:
    """One N-d cross-correlation geometry for a fixed per-sample input shape, as Keras computes it.

    ``kernel`` arrays are in Keras's layout ``(*kernel_size, channels // groups, filters)``.
    """

    def __init__(self, spatial: Sequence[int], channels: int, kernel_size: Sequence[int], strides: Sequence[int],
                 dilation: Sequence[int], axes: Sequence[Axis], groups: int) -> None:
        self.spatial = tuple(spatial)
        self.channels = channels
        self.kernel_size = tuple(kernel_size)
        self.strides = tuple(strides)
        self.dilation = tuple(dilation)
        self.axes = tuple(axes)
        self.groups = groups
        self.output = tuple(a.output for a in axes)
        self.padded = tuple(n + a.before + a.after for n, a in zip(spatial, axes))
        self.taps = math.prod(self.kernel_size)
        self._cropped: dict[tuple[int, ...], Convolution] = {}

    def arranges(self, arrangement: WindowMajor) -> bool:
        """Whether :meth:`forward` can give its output in ``arrangement``: ungrouped, with at least
        one whole window."""
        return arrangement.rank == len(self.spatial) and self.groups == 1 and min(arrangement.pooled(self.output)) > 0

    def cropped(self, arrangement: WindowMajor | None) -> Convolution:
        """This geometry computing only the output positions the windows of ``arrangement`` cover
        (itself when there is no arrangement): the same taps over the same padded input."""
        if arrangement is None:
            return self
        found = self._cropped.get(arrangement.pool)
        if found is None:
            found = copy.copy(self)
            found.output = arrangement.covered(self.output)
            found._cropped = {}
            self._cropped[arrangement.pool] = found
        return found

    def columns(self, xp: Any, padded: Any, samples: slice, ones: bool = False,
                arrangement: WindowMajor | None = None) -> Any:
        """The im2col matrix of the samples ``samples`` of the padded input: ``(positions, taps *
        channels)`` (ungrouped), or ``(groups, positions, taps * channels_per_group)``. The positions
        are in row-major order, or with an ``arrangement`` (ungrouped only) in its order over the
        positions its windows cover.

        With ``ones`` (ungrouped only) the matrix gets a last column of ones, so that one product with
        the kernel stacked on the bias adds the bias, and one product with ``dy`` sums the bias
        gradient: two passes over the output saved, on the layer's largest arrays."""
        part = padded[samples]
        geometry = self.cropped(arrangement)
        positions = part.shape[0] * math.prod(geometry.output)
        if self.channels == 1 and self.groups == 1:
            return geometry._tap_major_columns(xp, part, positions, ones, arrangement)
        view = windows(xp, part, self.kernel_size, self.strides, self.dilation, geometry.output)
        if arrangement is not None:
            view = arrangement.arrange(view)
        if self.groups == 1:
            width = self.taps * self.channels
            if not ones:
                return view.reshape(positions, width)
            out = xp.empty((positions, width + 1), dtype=part.dtype)
            item = out.itemsize
            inner = 1 + len(self.spatial)  # the kernel taps and the channels
            rows = _row_major_strides(view.shape[:view.ndim - inner], (width + 1) * item)
            inside = _row_major_strides(view.shape[view.ndim - inner:], item)
            xp.lib.stride_tricks.as_strided(out, shape=view.shape, strides=rows + inside)[...] = view
            out[:, width] = 1
            return out
        per_group = self.channels // self.groups
        rank = len(self.spatial)
        split = view.reshape(view.shape[:-1] + (self.groups, per_group))
        order = (1 + 2 * rank, *range(1 + 2 * rank), 2 + 2 * rank)  # groups first
        return split.transpose(order).reshape(self.groups, positions, self.taps * per_group)

    def _tap_major_columns(self, xp: Any, padded: Any, positions: int, ones: bool,
                           arrangement: WindowMajor | None) -> Any:
        """The im2col matrix of a one-channel input (a grayscale first layer), built tap by tap: each
        tap's row of the ``(taps, positions)`` buffer is one strided slice copied whole, where the
        row-major layout would copy one number at a time. Returned as its transpose (a view), the
        same ``(positions, taps)`` matrix to the matmuls."""
        rows = self.taps + 1 if ones else self.taps
        out = xp.empty((rows, padded.shape[0], math.prod(self.output)), dtype=padded.dtype)
        for row, source in enumerate(self._tap_slices()):
            tap = padded[(slice(None), *source, 0)]
            if arrangement is not None:
                tap = arrangement.arrange(tap)
            out[row].reshape(tap.shape)[...] = tap
        if ones:
            out[self.taps] = 1
        return out.reshape(rows, positions).T

    def _tap_slices(self) -> tuple[tuple[slice, ...], ...]:
        """Per kernel tap, in the kernel's row-major order: the strided slice of the padded input's
        spatial axes that the tap reads at every output position."""
        return _tap_slices(self.kernel_size, self.dilation, self.strides, self.output)

    def _grouped_kernel(self, kernel: Any) -> Any:
        """``(taps * channels, filters)``, or ``(groups, taps * channels_per_group, filters_per_group)``."""
        rows = self.taps * kernel.shape[-2]
        if self.groups == 1:
            return kernel.reshape(rows, kernel.shape[-1])
        return kernel.reshape(rows, self.groups, kernel.shape[-1] // self.groups).transpose(1, 0, 2)

    def _piece_size(self, batch: int, ones: bool, filters: int) -> int:
        """How many elements the whole batch's column matrix and output would have together: the size
        ``spread`` cuts into pieces, so that a piece's columns and the product they meet stay in a
        core's cache (for a one-channel input the output is most of it)."""
        return batch * math.prod(self.output) * (self.taps * self.channels + ones + filters)

    def forward(self, xp: Any, x: Any, kernel: Any, bias: Any = None, spread: Spread = _whole,
                arrangement: WindowMajor | None = None) -> tuple[Any, Any]:
        """``(y, saved)``: the convolution ``(batch, *output, filters)`` plus ``bias`` (when given),
        and what :meth:`kernel_gradient` needs. With an ``arrangement`` (ungrouped only), ``y`` is
        given in it, ``(batch, *pool, *pooled, filters)``, computed only where its windows read.

        Ungrouped, the column matrix is built and multiplied one piece of the batch at a time
        (``spread``), so each piece's columns are read back from the cache rather than from memory.
        Columns wider than the output they make (the usual case: ``taps * channels`` against
        ``filters``) are not kept: the kernel gradient builds them again from the padded input it
        saves, a copy out of the cache, where keeping them costs a write and a read of the layer's
        largest matrix. Narrower ones (a one-channel first layer) are kept for it. Grouped, it is one
        batched matmul and the saved columns."""
        filters = kernel.shape[-1]
        weights = self._grouped_kernel(kernel)
        padded = pad(xp, x, self.axes)
        if self.groups != 1:
            cols = self.columns(xp, padded, slice(None))
            y = xp.matmul(cols, weights).transpose(1, 0, 2).reshape(-1, filters)
            if bias is not None:
                y += bias
            return y.reshape((x.shape[0], *self.output, filters)), cols
        ones = bias is not None
        if ones:
            weights = xp.concatenate([weights, bias.reshape(1, filters)], axis=0)
        geometry = self.cropped(arrangement)
        batch = x.shape[0]
        per_sample = math.prod(geometry.output)
        y = xp.empty((batch * per_sample, filters), dtype=x.dtype)
        kept: dict[int, Any] | None = {} if self.keeps_columns(ones, filters) else None

        def product(samples: slice) -> None:
            cols = self.columns(xp, padded, samples, ones, arrangement)
            if kept is not None:
                kept[samples.start] = cols
            xp.matmul(cols, weights, out=y[samples.start * per_sample:samples.stop * per_sample])

        spread(product, batch, geometry._piece_size(batch, ones, filters))
        if arrangement is None:
            shape = (batch, *self.output, filters)
        else:
            shape = (batch, *arrangement.pool, *arrangement.pooled(self.output), filters)
        return y.reshape(shape), _Saved(padded, ones, arrangement, kept)

    def keeps_columns(self, ones: bool, filters: int) -> bool:
        """Whether the forward keeps its column pieces for the kernel gradient: when they are no
        wider than the output they make (a one-channel first layer), so keeping costs less memory
        traffic than the output itself, where wide ones are cheaper built again from the cache."""
        return self.taps * self.channels + ones <= filters

    def kernel_gradient(self, xp: Any, dy: Any, saved: Any, kernel_shape: Sequence[int],
                        spread: Spread = _whole) -> tuple[Any, Any]:
        """``(d(loss)/d(kernel) in the kernel's own layout, d(loss)/d(bias))``; the bias gradient is
        None unless the forward had a bias (then it is the ones column's product). ``dy`` is laid
        out as the forward's output was.

        Ungrouped, each piece of the batch adds ``columns.T @ dy`` of its own samples into a partial
        sum, and the partials are added in the order of the pieces: the cut into pieces depends only
        on the batch, so the sum's bits do not depend on how many threads ran them."""
        filters = kernel_shape[-1]
        if self.groups != 1:
            dy = dy.reshape(-1, filters)
            grouped = dy.reshape(dy.shape[0], self.groups, filters // self.groups).transpose(1, 0, 2)
            per_group = xp.matmul(saved.transpose(0, 2, 1), grouped)  # (groups, taps * cg, fg)
            return per_group.transpose(1, 0, 2).reshape(kernel_shape), None
        padded, ones, arrangement, kept = saved
        batch = padded.shape[0]
        geometry = self.cropped(arrangement)
        per_sample = math.prod(geometry.output)
        flat = dy.reshape(-1, filters)
        partials: dict[int, Any] = {}

        def part(samples: slice) -> None:
            cols = kept[samples.start] if kept is not None else self.columns(xp, padded, samples, ones, arrangement)
            partials[samples.start] = cols.T @ flat[samples.start * per_sample:samples.stop * per_sample]

        spread(part, batch, geometry._piece_size(batch, ones, filters))
        order = sorted(partials)
        product = partials[order[0]]
        for start in order[1:]:
            product += partials[start]
        rows = math.prod(kernel_shape[:-1])
        return product[:rows].reshape(kernel_shape), product[rows] if ones else None

    def input_gradient(self, xp: Any, dy: Any, kernel: Any, spread: Spread = _whole,
                       arrangement: WindowMajor | None = None) -> Any:
        """d(loss)/d(x): the columns' gradient ``dy @ kernel.T``, scattered back onto the input
        positions each column came from; ``dy`` is laid out as the forward's output was (with an
        ``arrangement``, each piece of it is put back in row-major order first: a copy in runs of
        ``filters`` numbers, so that the scatter below reads whole rows).

        Ungrouped, one piece of the batch at a time, so each piece's column gradient is scattered
        while it is still in the cache, and laid out tap by tap ``(taps, positions, channels)`` (one
        batched matmul): each tap's add then reads whole rows of the output in order, where the
        ``(positions, taps * channels)`` layout hands NumPy one run of ``channels`` numbers at a time
        (the scatter measured half as fast)."""
        batch = dy.shape[0]
        filters = kernel.shape[-1]
        rank = len(self.spatial)
        if self.groups == 1:
            geometry = self.cropped(arrangement)
            dx = xp.empty((batch, *self.padded, self.channels), dtype=dy.dtype)
            per_sample = math.prod(geometry.output)
            flat: Any = dy.reshape(-1, filters) if arrangement is None else None
            per_tap = xp.ascontiguousarray(kernel.reshape(self.taps, self.channels, filters).transpose(0, 2, 1))
            taps = geometry._tap_slices()

            def scatter(samples: slice) -> None:
                count = samples.stop - samples.start
                rows = (flat[samples.start * per_sample:samples.stop * per_sample] if arrangement is None
                        else arrangement.plain(dy[samples]).reshape(-1, filters))
                dcols = xp.matmul(rows, per_tap).reshape((self.taps, count, *geometry.output, self.channels))
                target = dx[samples]
                target[...] = 0
                for index, source in enumerate(taps):
                    target[(slice(None), *source)] += dcols[index]

            spread(scatter, batch, geometry._piece_size(batch, False, filters))
        else:
            weights = self._grouped_kernel(kernel)
            flat = dy.reshape(-1, filters)
            grouped = flat.reshape(flat.shape[0], self.groups, filters // self.groups).transpose(1, 0, 2)
            per_group = xp.matmul(grouped, weights.transpose(0, 2, 1))  # (groups, positions, taps * cg)
            per_group = per_group.reshape((self.groups, batch, *self.output, *self.kernel_size, -1))
            dcols = per_group.transpose((*range(1, 2 + 2 * rank), 0, 2 + 2 * rank))  # groups next to cg
            dx = scatter_windows(xp, dcols, self.padded, self.strides, self.dilation)
            dx = dx.reshape((batch, *self.padded, self.channels))
        if self.padded == self.spatial:
            return dx
        return dx[interior(self.spatial, self.axes)]


@functools.lru_cache(maxsize=256)
def _tap_slices(kernel_size: tuple[int, ...], dilation: tuple[int, ...], strides: tuple[int, ...],
                output: tuple[int, ...]) -> tuple[tuple[slice, ...], ...]:
    """Worked out once per geometry: the pieces of a batch ask for them on threads that share the
    interpreter lock."""
    return tuple(tuple(slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in zip(taps, dilation, strides, output))
                 for taps in itertools.product(*(range(k) for k in kernel_size)))


class _Saved(NamedTuple):
    """What an ungrouped convolution's backward needs from its forward: the padded input its column
    pieces are built from again, whether those had the bias's ones column, and the arrangement its
    output was given in."""

    padded: Any
    ones: bool
    arrangement: WindowMajor | None
    #: The forward's column pieces by their first sample, when they are narrower than the output.
    kept: dict[int, Any] | None


class TransposedConvolution:
    """The adjoint of a convolution as a layer: each input position scatters ``kernel @ x`` over a
    window of the output. ``kernel`` is in Keras's layout ``(*kernel_size, filters, channels)``."""

    def __init__(self, spatial: Sequence[int], kernel_size: Sequence[int], strides: Sequence[int],
                 dilation: Sequence[int], axes: Sequence[TransposeAxis]) -> None:
        self.spatial = tuple(spatial)
        self.kernel_size = tuple(kernel_size)
        self.strides = tuple(strides)
        self.dilation = tuple(dilation)
        self.axes = tuple(axes)
        self.output = tuple(a.output for a in axes)
        self.full = tuple(a.full for a in axes)
        self.taps = math.prod(self.kernel_size)
        self._crop = (slice(None), *(slice(a.crop, a.crop + a.output) for a in axes))
        self._cropped = self.full != self.output

    def forward(self, xp: Any, x: Any, kernel: Any) -> Any:
        batch, channels = x.shape[0], x.shape[-1]
        filters = kernel.shape[-2]
        weights = kernel.reshape(self.taps * filters, channels)
        cols = x.reshape(-1, channels) @ weights.T
        cols = cols.reshape((batch, *self.spatial, *self.kernel_size, filters))
        full = scatter_windows(xp, cols, self.full, self.strides, self.dilation)
        return full[self._crop] if self._cropped else full

    def columns(self, xp: Any, dy: Any) -> Any:
        """The output gradient laid out per input position: ``(positions, taps * filters)``."""
        if self._cropped:
            full = xp.zeros((dy.shape[0], *self.full, dy.shape[-1]), dtype=dy.dtype)
            full[self._crop] = dy
        else:
            full = dy
        view = windows(xp, full, self.kernel_size, self.strides, self.dilation, self.spatial)
        return view.reshape(dy.shape[0] * math.prod(self.spatial), self.taps * dy.shape[-1])

    def input_gradient(self, dcols: Any, kernel: Any, x_shape: Sequence[int]) -> Any:
        weights = kernel.reshape(self.taps * kernel.shape[-2], kernel.shape[-1])
        return (dcols @ weights).reshape(tuple(x_shape))

    def kernel_gradient(self, dcols: Any, x: Any, kernel_shape: Sequence[int]) -> Any:
        return (dcols.T @ x.reshape(-1, x.shape[-1])).reshape(tuple(kernel_shape))
