"""Reference formulas of the preprocessing layers (Rescaling, Resizing, CenterCrop and the Random*
augmentations), for the conformance suite's ``reference`` property: ``reference(self, params, x,
training) -> y`` in float64.

Resizing is written the way Keras's NumPy backend defines it (``keras.src.backend.numpy.image``, a
port of JAX's ``scale_and_translate``), but as plainly as it reads there and sharing nothing with the
fast path, which folds every case into two precomputed matrices: here a cropped window is cut out and
a padded image is built with ``np.pad`` before resizing, each output pixel's weights are computed in a
loop over the input pixels, and bilinear without antialiasing is the textbook clamp-and-interpolate.

The Random* layers are the identity at inference (RandomCrop: the centered resize Keras's
``smart_resize`` makes). The suite asks a reference about training only where two training forwards
agree; the affine ones then resample through the middle of their ranges (every draw gives the same
image), the others answer where their range leaves nothing to draw and refuse a random training
forward rather than answer it with a guess.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def _f(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def rescaling(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: ``x * scale + offset``, scale and offset broadcast against the trailing axes."""
    return _f(x) * np.asarray(self.scale, dtype=np.float64) + np.asarray(self.offset, dtype=np.float64)


# -- resampling kernels, as functions of the distance d >= 0 in pixels -----------------------------
def _triangle(d: float) -> float:
    return max(0.0, 1.0 - d)


def _keys_cubic(d: float, a: float = -0.5) -> float:
    """Keys's cubic convolution kernel (a = -0.5, what Keras's "bicubic" uses)."""
    if d < 1.0:
        return (a + 2.0) * d ** 3 - (a + 3.0) * d ** 2 + 1.0
    if d < 2.0:
        return a * d ** 3 - 5.0 * a * d ** 2 + 8.0 * a * d - 4.0 * a
    return 0.0


def _lanczos(radius: int) -> Any:
    def kernel(d: float) -> float:
        return float(np.sinc(d) * np.sinc(d / radius)) if d < radius else 0.0

    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def _axis_weights(in_size: int, out_size: int, interpolation: str, antialias: bool) -> np.ndarray:
    """The (out_size, in_size) weights of resizing one axis, one output pixel at a time."""
    weights = np.zeros((out_size, in_size))
    scale = in_size / out_size
    for j in range(out_size):
        if interpolation == "nearest":
            weights[j, min(int(math.floor((j + 0.5) * scale)), in_size - 1)] = 1.0
            continue
        center = (j + 0.5) * scale - 0.5  # half-pixel centers
        if interpolation == "bilinear" and not antialias:
            position = min(max(center, 0.0), in_size - 1.0)  # beyond the edge pixel's center: the edge
            low = int(math.floor(position))
            high = min(low + 1, in_size - 1)
            weights[j, low] += 1.0 - (position - low)
            weights[j, high] += position - low
            continue
        widen = max(scale, 1.0) if antialias else 1.0  # an antialiased shrink widens the kernel
        kernel = _KERNELS[interpolation]
        row = np.array([kernel(abs(center - i) / widen) for i in range(in_size)])
        total = row.sum()
        weights[j] = row / total if abs(total) > 1000.0 * np.finfo(np.float32).eps else 0.0
    return weights


def _resize(images: np.ndarray, height: int, width: int, interpolation: str, antialias: bool) -> np.ndarray:
    """Channels-last ``images`` resized to ``(height, width)``, separably: rows, then columns."""
    rows = _axis_weights(images.shape[1], height, interpolation, antialias)
    cols = _axis_weights(images.shape[2], width, interpolation, antialias)
    return np.einsum("ji,bikc,lk->bjlc", rows, images, cols)


def _crop_window(height: int, width: int, target_height: int, target_width: int) -> tuple[int, int, int, int]:
    """Keras's largest centered window of the target's aspect ratio: (top, left, height, width)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width)


def _smart_resize(images: np.ndarray, height: int, width: int, interpolation: str = "bilinear",
                  antialias: bool = False) -> np.ndarray:
    """Keras's ``crop_to_aspect_ratio`` resize (``smart_resize``): the window, then the resize."""
    top, left, crop_height, crop_width = _crop_window(images.shape[1], images.shape[2], height, width)
    window = images[:, top:top + crop_height, left:left + crop_width, :]
    return _resize(window, height, width, interpolation, antialias)


def _channels_last(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x if self.data_format == "channels_last" else np.moveaxis(x, 1, -1)


def _in_format(self: Any, y: np.ndarray) -> np.ndarray:
    return y if self.data_format == "channels_last" else np.moveaxis(y, -1, 1)


def resizing(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's Resizing: optionally first the centered window of the target's aspect ratio
    (``crop_to_aspect_ratio``) or a ``fill_value`` border making the image that aspect ratio
    (``pad_to_aspect_ratio``: the same number of rows, or columns, on both sides), then the resize."""
    images = _channels_last(self, x)
    if self.crop_to_aspect_ratio:
        return _in_format(self, _smart_resize(images, self.height, self.width, self.interpolation, self.antialias))
    if self.pad_to_aspect_ratio:
        height, width = images.shape[1], images.shape[2]
        pad_height = max(height, int(float(width * self.height) / self.width))
        pad_width = max(width, int(float(height * self.width) / self.height))
        top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
        images = np.pad(images, ((0, 0), (top, top), (left, left), (0, 0)), constant_values=self.fill_value)
    return _in_format(self, _resize(images, self.height, self.width, self.interpolation, self.antialias))


def center_crop(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's CenterCrop: the ``(height, width)`` window starting ``int((H - height) / 2)`` rows and
    ``int((W - width) / 2)`` columns in; an image smaller than that on an axis goes through
    ``smart_resize`` instead."""
    images = _channels_last(self, x)
    h_diff, w_diff = images.shape[1] - self.height, images.shape[2] - self.width
    if h_diff >= 0 and w_diff >= 0:
        top, left = int(h_diff / 2), int(w_diff / 2)
        return _in_format(self, images[:, top:top + self.height, left:left + self.width, :].copy())
    return _in_format(self, _smart_resize(images, self.height, self.width))


def _refuse_random(self: Any) -> None:
    raise AssertionError(f"layer {self.name!r} ({type(self).__name__}) draws a random transformation in "
                         f"training; the reference describes its deterministic modes only")


def random_flip(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """RandomFlip: the identity at inference (a flip is drawn for every sample in training)."""
    if training:
        _refuse_random(self)
    return _f(x)


def _source_index(i: int, size: int, fill_mode: str) -> int | None:
    """Where an index outside ``[0, size)`` reads, by Keras's ``fill_mode``; None: the fill value."""
    if 0 <= i < size:
        return i
    if fill_mode == "constant":
        return None
    if fill_mode == "nearest":  # a a a | a b c d | d d d
        return min(max(i, 0), size - 1)
    if fill_mode == "wrap":  # a b c d | a b c d | a b c d
        return i % size
    while not 0 <= i < size:  # "reflect": d c b a | a b c d | d c b a, folding at each edge
        i = -i - 1 if i < 0 else 2 * size - 1 - i
    return i


def _affine(self: Any, images: np.ndarray, transform: tuple[float, ...]) -> np.ndarray:
    """Every sample resampled through one affine transform ``(a0, a1, a2, b0, b1, b2)``: the output
    pixel at column ``c``, row ``r`` reads the input at ``(a0 c + a1 r + a2, b0 c + b1 r + b2)``;
    bilinear weighs the four pixels around that point, nearest rounds it (``x.5`` up: Keras's
    backends differ at ties, JAX's rounds up, TensorFlow's and torch's to even)."""
    a0, a1, a2, b0, b1, b2 = transform
    batch, height, width, channels = images.shape
    out = np.zeros_like(images)

    def pixel(n: int, row: int, col: int) -> np.ndarray:
        r, c = _source_index(row, height, self.fill_mode), _source_index(col, width, self.fill_mode)
        return np.full(channels, self.fill_value) if r is None or c is None else images[n, r, c]

    for n in range(batch):
        for row in range(height):
            for col in range(width):
                x_in, y_in = a0 * col + a1 * row + a2, b0 * col + b1 * row + b2
                if self.interpolation == "nearest":
                    out[n, row, col] = pixel(n, math.floor(y_in + 0.5), math.floor(x_in + 0.5))
                    continue
                left, top = math.floor(x_in), math.floor(y_in)
                fx, fy = x_in - left, y_in - top
                out[n, row, col] = ((1 - fy) * ((1 - fx) * pixel(n, top, left) + fx * pixel(n, top, left + 1))
                                    + fy * ((1 - fx) * pixel(n, top + 1, left) + fx * pixel(n, top + 1, left + 1)))
    return out


def _middle(bounds: tuple[float, float] | None) -> float | None:
    return None if bounds is None else (bounds[0] + bounds[1]) / 2.0


def random_affine(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """RandomRotation, RandomZoom, RandomTranslation: the identity at inference. The suite asks about
    training only where two training forwards agree: every draw then gives the same image, so the
    reference resamples through the transform of the middle of each range, built from Keras's
    definition (a turn of ``factor * 360`` degrees about ``((W - 1) / 2, (H - 1) / 2)``; a zoom ``1 +
    factor`` per axis about that center, the width following the height when no ``width_factor``; a
    shift of ``factor * H`` rows and ``factor * W`` columns)."""
    if not training:
        return _f(x)
    images = _channels_last(self, x)
    height, width = images.shape[1], images.shape[2]
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    kind = type(self).__name__
    if kind == "RandomRotation":
        angle = math.radians(360.0 * (self.lower + self.upper) / 2.0)
        cos, sin = math.cos(angle), math.sin(angle)
        # the point (cx, cy) maps onto itself: x_in - cx = cos (x - cx) - sin (y - cy), likewise y_in
        transform = (cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy)
    elif kind == "RandomZoom":
        zoom_y = 1.0 + float(_middle(self.height_range) or 0.0)
        zoom_x = zoom_y if self.width_range is None else 1.0 + float(_middle(self.width_range) or 0.0)
        transform = (zoom_x, 0.0, cx * (1.0 - zoom_x), 0.0, zoom_y, cy * (1.0 - zoom_y))
    else:  # RandomTranslation
        shift_y = float(_middle(self.height_range) or 0.0) * height
        shift_x = float(_middle(self.width_range) or 0.0) * width
        transform = (1.0, 0.0, -shift_x, 0.0, 1.0, -shift_y)
    return _in_format(self, _affine(self, images, transform))


def random_contrast(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """RandomContrast: the identity at inference; in training with a ``(0, 0)`` factor range (the
    contrast factor is always 1), the image unchanged but clipped to ``value_range``, as Keras clips."""
    if not training:
        return _f(x)
    if self.lower != 0.0 or self.upper != 0.0:
        _refuse_random(self)
    low, high = self.value_range
    return np.clip(_f(x), low, high)


def random_brightness(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """RandomBrightness: the identity at inference; in training with one factor ``f`` (a range ``(f,
    f)``), Keras's ``x + f * (high - low)`` clipped to ``value_range = (low, high)``."""
    if not training:
        return _f(x)
    if self.lower != self.upper:
        _refuse_random(self)
    low, high = self.value_range
    return np.clip(_f(x) + self.lower * (high - low), low, high)


def random_crop(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's RandomCrop: at inference, and in training for an image not larger than the target on
    both axes, the centered window of the target's aspect ratio resized (bilinear) to ``(height,
    width)``; a larger image in training is cut at a random offset."""
    images = _channels_last(self, x)
    if training and images.shape[1] > self.height and images.shape[2] > self.width:
        _refuse_random(self)
    return _in_format(self, _smart_resize(images, self.height, self.width))
