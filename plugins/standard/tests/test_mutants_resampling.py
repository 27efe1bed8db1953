"""The image layers' resampling helpers (``layers/preprocessing/_resize.py`` and ``_resample.py``)
against Keras's definitions written out here pixel by pixel in float64.

The helpers define no component, so the conformance suite reaches them only through the layers' drawn
configurations; these tests pin the branches a drawn image rarely reaches: a Lanczos tap within 1e-3
of a sample point while shrinking with ``antialias`` (Keras's kernel is exactly 1 there), and every
``fill_value`` of the constant fill mode, with every fill mode and both interpolations.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from neuropil_standard.layers.preprocessing._resample import affine_resample
from neuropil_standard.layers.preprocessing._resize import axis_weights

FLOAT32_EPS = float(np.finfo(np.float32).eps)


def keras_lanczos(radius: float, d: float) -> float:
    """Keras's Lanczos kernel (``keras.src.backend.numpy.image``): 1 within 1e-3 of the tap, 0 beyond
    the radius, ``r sin(πd) sin(πd/r) / (π d)²`` between."""
    if d > radius:
        return 0.0
    if d <= 1e-3:
        return 1.0
    return radius * math.sin(math.pi * d) * math.sin(math.pi * d / radius) / (math.pi * d) ** 2


def keras_weights(in_size: int, out_size: int, radius: float, antialias: bool) -> np.ndarray:
    """Keras's resampling matrix of one axis, one output sample at a time: half-pixel centers, the
    kernel widened by in/out when shrinking with antialias, rows normalised to sum to one, and rows
    whose sample lies outside the image zero."""
    kernel_scale = max(in_size / out_size, 1.0) if antialias else 1.0
    out = np.zeros((out_size, in_size))
    for j in range(out_size):
        sample = (j + 0.5) * in_size / out_size - 0.5
        row = [keras_lanczos(radius, abs(sample - i) / kernel_scale) for i in range(in_size)]
        total = sum(row)
        if abs(total) > 1000 * FLOAT32_EPS:
            row = [w / total for w in row]
        else:
            row = [0.0] * in_size
        if -0.5 <= sample <= in_size - 0.5:
            out[j] = row
    return out


@pytest.mark.parametrize(("in_size", "out_size", "radius", "antialias"), [
    (1501, 4, 3.0, True),  # shrinking 375x: the tap nearest each sample is within 1e-3 of it, not on it
    (2101, 3, 5.0, True),
    (4, 9, 3.0, False),  # enlarging: some samples fall exactly on a tap
    (9, 4, 5.0, False),
])
def test_lanczos_weights_match_keras_kernel(in_size: int, out_size: int, radius: float, antialias: bool) -> None:
    interpolation = "lanczos3" if radius == 3.0 else "lanczos5"
    np.testing.assert_allclose(axis_weights(in_size, out_size, interpolation, antialias),
                               keras_weights(in_size, out_size, radius, antialias), rtol=1e-10, atol=1e-13)


def test_the_near_tap_branch_is_reached_off_the_tap() -> None:
    """The first case above is only a test of that branch if some tap is near but not on a sample."""
    kernel_scale = 1501 / 4
    distances = [abs((j + 0.5) * kernel_scale - 0.5 - i) / kernel_scale for j in range(4) for i in range(1501)]
    assert any(0.0 < d <= 1e-3 for d in distances)


def source_index(i: int, size: int, fill_mode: str) -> int | None:
    """Where an out-of-image index reads (None: the constant fill), as Keras's fill modes define."""
    if 0 <= i < size:
        return i
    if fill_mode == "constant":
        return None
    if fill_mode == "nearest":
        return min(max(i, 0), size - 1)
    if fill_mode == "wrap":
        return i % size
    period = i % (2 * size)  # reflect: (d c b a | a b c d | d c b a)
    return period if period < size else 2 * size - 1 - period


def keras_affine(image: np.ndarray, transform: list[float], interpolation: str, fill_mode: str,
                 fill_value: float) -> np.ndarray:
    """The output pixel (row y, column x) reads the input at (a0 x + a1 y + a2, b0 x + b1 y + b2):
    the nearest pixel, or the four around it weighted bilinearly; an outside pixel per ``fill_mode``."""
    a0, a1, a2, b0, b1, b2 = transform
    height, width = image.shape
    out = np.zeros_like(image)

    def read(r: int, c: int) -> float:
        rr, cc = source_index(r, height, fill_mode), source_index(c, width, fill_mode)
        return fill_value if rr is None or cc is None else float(image[rr, cc])

    for y in range(height):
        for x in range(width):
            sx, sy = a0 * x + a1 * y + a2, b0 * x + b1 * y + b2
            if interpolation == "nearest":
                out[y, x] = read(math.floor(sy + 0.5), math.floor(sx + 0.5))
                continue
            x0, y0 = math.floor(sx), math.floor(sy)
            fx, fy = sx - x0, sy - y0
            out[y, x] = ((1 - fy) * ((1 - fx) * read(y0, x0) + fx * read(y0, x0 + 1))
                         + fy * ((1 - fx) * read(y0 + 1, x0) + fx * read(y0 + 1, x0 + 1)))
    return out


TRANSFORMS = [
    [1.0, 0.0, 1.5, 0.0, 1.0, -0.75],  # a translation by fractions of a pixel, off the image on two sides
    [0.8, -0.6, 1.2, 0.6, 0.8, -1.1],  # a rotation about a point inside
    [1.7, 0.0, -2.0, 0.0, 0.6, 0.5],  # a zoom, out on one axis and in on the other
]


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "reflect"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_value", [0.0, 0.1, -2.5])
def test_affine_resample_matches_the_pixel_loop(fill_mode: str, interpolation: str, fill_value: float) -> None:
    rng = np.random.default_rng(3)
    images = rng.normal(size=(len(TRANSFORMS), 5, 6, 2))
    y, _ = affine_resample(images, np.array(TRANSFORMS), interpolation, fill_mode, fill_value, np)
    for b, transform in enumerate(TRANSFORMS):
        for c in range(2):
            expected = keras_affine(images[b, :, :, c], transform, interpolation, fill_mode, fill_value)
            np.testing.assert_allclose(y[b, :, :, c], expected, rtol=1e-12, atol=1e-12)


def test_affine_backward_is_the_transpose_of_the_map() -> None:
    """<A x, dy> = <x, A^T dy> for the linear part (fill_value 0), by the pixel loop's own map."""
    rng = np.random.default_rng(4)
    x, dy = rng.normal(size=(3, 5, 6, 2)), rng.normal(size=(3, 5, 6, 2))
    y, backward = affine_resample(x, np.array(TRANSFORMS), "bilinear", "reflect", 0.0, np)
    assert float((y * dy).sum()) == pytest.approx(float((x * backward(dy)).sum()), rel=1e-12)
