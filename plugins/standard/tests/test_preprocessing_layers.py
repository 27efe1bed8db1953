"""The preprocessing and augmentation layers against direct float64 loop implementations of Keras's
formulas (pixel by pixel), their backwards against central differences of the map they applied,
training-only randomness that is seeded and reproducible, identity at inference, and errors naming
the argument."""
from __future__ import annotations

import math
from typing import Any

import neuropil
import neuropil.layers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.errors import LayerError, NeuropilError
from neuropil.layers import (
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)


def build(layer: Any, input_shape: tuple[int, ...], seed: int = 0) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(seed))
    return layer


def images(*shape: int, seed: int = 1, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def replay(layer: Any, seed: int) -> None:
    """Restart the layer's generator, so the next training forward draws what a fresh layer with
    ``seed`` would (to difference one fixed random map)."""
    layer._draws = np.random.default_rng(seed)


def assert_backward_is_the_applied_map(layer: Any, x: np.ndarray, seed: int = 9, training: bool = True) -> None:
    """dx of sum(y * dy) against central differences of the same forward (same draws each time)."""
    replay(layer, seed)
    y, backward = layer.forward(x, training=training)
    dy = np.random.default_rng(4).normal(size=y.shape)
    dx = backward(dy)

    def objective() -> float:
        replay(layer, seed)
        return float((layer.forward(x, training=training)[0] * dy).sum())

    np.testing.assert_allclose(dx, central_difference(objective, x), rtol=1e-6, atol=1e-8)


# -- reference loops --------------------------------------------------------------------------------
def bilinear_loop(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Half-pixel-center bilinear resize, the source point clamped into the image."""
    in_h, in_w, channels = image.shape
    out = np.zeros((out_h, out_w, channels))
    for i in range(out_h):
        sy = min(max((i + 0.5) * in_h / out_h - 0.5, 0.0), in_h - 1)
        for j in range(out_w):
            sx = min(max((j + 0.5) * in_w / out_w - 0.5, 0.0), in_w - 1)
            y0, x0 = int(math.floor(sy)), int(math.floor(sx))
            y1, x1 = min(y0 + 1, in_h - 1), min(x0 + 1, in_w - 1)
            fy, fx = sy - y0, sx - x0
            out[i, j] = ((1 - fy) * (1 - fx) * image[y0, x0] + (1 - fy) * fx * image[y0, x1]
                         + fy * (1 - fx) * image[y1, x0] + fy * fx * image[y1, x1])
    return out


def nearest_loop(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    in_h, in_w, _ = image.shape
    return np.array([[image[int((i + 0.5) * in_h / out_h), int((j + 0.5) * in_w / out_w)]
                      for j in range(out_w)] for i in range(out_h)])


def sample_loop(image: np.ndarray, transform: list[float], fill_mode: str, fill_value: float) -> np.ndarray:
    """Bilinear sampling of ``image`` through one affine transform, pixel by pixel and corner by
    corner, extending the image by ``fill_mode``."""
    height, width, channels = image.shape

    def pixel(r: int, c: int) -> np.ndarray:
        if fill_mode == "constant" and not (0 <= r < height and 0 <= c < width):
            return np.full(channels, fill_value)
        if fill_mode == "nearest":
            r, c = min(max(r, 0), height - 1), min(max(c, 0), width - 1)
        elif fill_mode == "wrap":
            r, c = r % height, c % width
        elif fill_mode == "reflect":  # d c b a | a b c d | d c b a
            r, c = r % (2 * height), c % (2 * width)
            r = r if r < height else 2 * height - 1 - r
            c = c if c < width else 2 * width - 1 - c
        return image[r, c]

    a0, a1, a2, b0, b1, b2 = transform
    out = np.zeros_like(image)
    for y in range(height):
        for x in range(width):
            sx, sy = a0 * x + a1 * y + a2, b0 * x + b1 * y + b2
            x0, y0 = math.floor(sx), math.floor(sy)
            fx, fy = sx - x0, sy - y0
            out[y, x] = ((1 - fy) * (1 - fx) * pixel(y0, x0) + (1 - fy) * fx * pixel(y0, x0 + 1)
                         + fy * (1 - fx) * pixel(y0 + 1, x0) + fy * fx * pixel(y0 + 1, x0 + 1))
    return out


# -- Rescaling ---------------------------------------------------------------------------------------
def test_rescaling_is_scale_and_offset_per_channel() -> None:
    layer = build(Rescaling([2.0, -1.0, 0.5], offset=[0.0, 1.0, 2.0], dtype="float64"), (4, 3))
    x = images(2, 4, 3)
    expected = np.array([[[x[n, i, c] * [2.0, -1.0, 0.5][c] + [0.0, 1.0, 2.0][c] for c in range(3)]
                          for i in range(4)] for n in range(2)])
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    np.testing.assert_allclose(build(Rescaling(1 / 255, dtype="float64"), (3,))(np.full((1, 3), 255.0)), 1.0)
    assert_backward_is_the_applied_map(layer, x)


# -- Resizing / CenterCrop -----------------------------------------------------------------------------
@pytest.mark.parametrize(("out_h", "out_w"), [(3, 4), (8, 11), (5, 7), (1, 1)])
def test_resizing_bilinear_matches_a_pixel_loop(out_h: int, out_w: int) -> None:
    x = images(2, 5, 7, 3)
    layer = build(Resizing(out_h, out_w, dtype="float64"), (5, 7, 3))
    expected = np.stack([bilinear_loop(image, out_h, out_w) for image in x])
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)
    assert layer.output_shape == (out_h, out_w, 3)


def test_resizing_nearest_and_channels_first_match_the_loops() -> None:
    x = images(2, 5, 7, 3)
    nearest = build(Resizing(9, 4, interpolation="nearest", dtype="float64"), (5, 7, 3))
    np.testing.assert_allclose(nearest(x), np.stack([nearest_loop(image, 9, 4) for image in x]))
    first = build(Resizing(3, 4, data_format="channels_first", dtype="float64"), (3, 5, 7))
    expected = np.stack([bilinear_loop(image, 3, 4) for image in x]).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)), expected, rtol=1e-12, atol=1e-12)
    assert first.output_shape == (3, 3, 4)


def test_resizing_crop_and_pad_to_aspect_ratio_match_crop_or_pad_then_resize() -> None:
    x = images(2, 5, 8, 2)
    cropped = build(Resizing(4, 4, crop_to_aspect_ratio=True, dtype="float64"), (5, 8, 2))
    # largest centered 1:1 window of a 5 x 8 image: 5 x 5, columns 1..5
    np.testing.assert_allclose(cropped(x), np.stack([bilinear_loop(image[:, 1:6], 4, 4) for image in x]),
                               rtol=1e-12, atol=1e-12)
    padded = build(Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=0.5, dtype="float64"), (5, 8, 2))
    # padded to 1:1 with 1 row of 0.5 above and below: 7 x 8 (Keras pads int((8 - 5) / 2) each side)
    pad = [np.concatenate([np.full((1, 8, 2), 0.5), image, np.full((1, 8, 2), 0.5)]) for image in x]
    np.testing.assert_allclose(padded(x), np.stack([bilinear_loop(image, 4, 4) for image in pad]),
                               rtol=1e-12, atol=1e-12)
    assert_backward_is_the_applied_map(padded, x)


@pytest.mark.parametrize("config", [{"height": 3, "width": 4}, {"height": 2, "width": 3, "antialias": True},
                                    {"height": 6, "width": 3, "interpolation": "nearest"},
                                    {"height": 7, "width": 3, "interpolation": "bicubic"},
                                    {"height": 2, "width": 9, "interpolation": "lanczos5", "antialias": True}])
def test_resizing_backward_is_the_transpose(config: dict) -> None:
    assert_backward_is_the_applied_map(build(Resizing(dtype="float64", **config), (4, 5, 2)), images(2, 4, 5, 2))


def test_center_crop_cuts_the_centered_window_or_resizes_a_smaller_image() -> None:
    x = images(2, 6, 7, 3)
    layer = build(CenterCrop(3, 4, dtype="float64"), (6, 7, 3))
    np.testing.assert_array_equal(layer(x), x[:, 1:4, 1:5])  # (6 - 3) // 2 = 1, (7 - 4) // 2 = 1
    assert_backward_is_the_applied_map(layer, x)
    smaller = build(CenterCrop(8, 4, dtype="float64"), (6, 7, 3))
    # too short: the largest 2:1 window (6 x 3, columns 2..4) resized, as Keras's smart_resize
    np.testing.assert_allclose(smaller(x), np.stack([bilinear_loop(image[:, 2:5], 8, 4) for image in x]),
                               rtol=1e-12, atol=1e-12)


# -- RandomFlip -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_random_flip_flips_about_half_the_images_along_mode(mode: str) -> None:
    x = images(200, 3, 4, 2)
    layer = build(RandomFlip(mode, seed=3, dtype="float64"), (3, 4, 2))
    y = layer(x, training=True)
    flipped_h, flipped_v = x[:, :, ::-1], x[:, ::-1]
    flipped = {"horizontal": flipped_h, "vertical": flipped_v, "horizontal_and_vertical": x[:, ::-1, ::-1]}[mode]
    was_flipped = np.array([np.array_equal(y[n], flipped[n]) for n in range(200)])
    assert all(np.array_equal(y[n], x[n]) for n in range(200) if not was_flipped[n])
    assert 0.4 < was_flipped.mean() < 0.6
    assert layer(x) is x  # inference: the identity
    assert_backward_is_the_applied_map(layer, x[:5])


def test_random_layers_are_reproducible_from_their_seed() -> None:
    x = images(4, 6, 5, 2)
    for make in (lambda: RandomFlip(seed=7), lambda: RandomRotation(0.3, seed=7), lambda: RandomZoom(0.3, seed=7),
                 lambda: RandomTranslation(0.2, 0.2, seed=7), lambda: RandomCrop(3, 3, seed=7),
                 lambda: RandomContrast(0.5, seed=7), lambda: RandomBrightness(0.3, seed=7)):
        first, second = build(make(), (6, 5, 2)), build(make(), (6, 5, 2))
        a, b = first(x * 255, training=True), second(x * 255, training=True)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(first(x * 255, training=True), a)  # the stream moves on


# -- RandomRotation / RandomZoom / RandomTranslation ----------------------------------------------------
def drawn(seed: int, batch: int, *ranges: tuple[float, float]) -> list[np.ndarray]:
    """The uniform draws a layer seeded with ``seed`` makes for one batch, in its order."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=batch) for low, high in ranges]


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_random_rotation_rotates_about_the_center_by_keras_angle(fill_mode: str) -> None:
    x = images(3, 6, 5, 2)
    layer = build(RandomRotation((-0.2, 0.3), fill_mode=fill_mode, fill_value=0.25, seed=5, dtype="float64"),
                  (6, 5, 2))
    (turns,) = drawn(5, 3, (-0.2 * 360, 0.3 * 360))
    expected = []
    for n in range(3):
        t = math.radians(turns[n])
        cx, cy = 2.0, 2.5  # ((W - 1) / 2, (H - 1) / 2)
        # output (x, y) reads the input at the point rotated about the center
        transform = [math.cos(t), -math.sin(t), cx - cx * math.cos(t) + cy * math.sin(t),
                     math.sin(t), math.cos(t), cy - cx * math.sin(t) - cy * math.cos(t)]
        expected.append(sample_loop(x[n], transform, fill_mode, 0.25))
    np.testing.assert_allclose(layer(x, training=True), np.stack(expected), rtol=1e-10, atol=1e-12)
    assert layer(x) is x
    assert_backward_is_the_applied_map(layer, x)


def test_a_positive_quarter_turn_turns_counter_clockwise() -> None:
    """Keras: "positive values meaning rotating counter clock-wise" (as the image is displayed, row 0
    on top), which is NumPy's rot90."""
    x = images(1, 5, 5, 1)
    layer = build(RandomRotation((0.25, 0.25), interpolation="nearest", dtype="float64"), (5, 5, 1))
    np.testing.assert_allclose(layer(x, training=True)[0, :, :, 0], np.rot90(x[0, :, :, 0], k=1), atol=1e-12)


def test_random_zoom_scales_about_the_center() -> None:
    x = images(3, 6, 5, 2)
    layer = build(RandomZoom((-0.4, 0.5), (0.1, 0.3), fill_mode="constant", seed=2, dtype="float64"), (6, 5, 2))
    zoom_y, zoom_x = drawn(2, 3, (-0.4, 0.5), (0.1, 0.3))
    expected = [sample_loop(x[n], [1 + zoom_x[n], 0, 2.0 * -zoom_x[n], 0, 1 + zoom_y[n], 2.5 * -zoom_y[n]],
                            "constant", 0.0) for n in range(3)]
    np.testing.assert_allclose(layer(x, training=True), np.stack(expected), rtol=1e-10, atol=1e-12)
    same_aspect = build(RandomZoom(0.3, seed=4, dtype="float64"), (6, 5, 2))
    (zoom,) = drawn(4, 3, (-0.3, 0.3))
    expected = [sample_loop(x[n], [1 + zoom[n], 0, 2.0 * -zoom[n], 0, 1 + zoom[n], 2.5 * -zoom[n]], "reflect", 0.0)
                for n in range(3)]
    np.testing.assert_allclose(same_aspect(x, training=True), np.stack(expected), rtol=1e-10, atol=1e-12)
    assert_backward_is_the_applied_map(layer, x)


def test_random_translation_shifts_by_fractions_of_the_size() -> None:
    x = images(3, 6, 5, 2)
    layer = build(RandomTranslation(0.3, (-0.2, 0.4), fill_mode="wrap", seed=8, dtype="float64"), (6, 5, 2))
    shift_y, shift_x = drawn(8, 3, (-0.3, 0.3), (-0.2, 0.4))
    expected = [sample_loop(x[n], [1, 0, -shift_x[n] * 5, 0, 1, -shift_y[n] * 6], "wrap", 0.0) for n in range(3)]
    np.testing.assert_allclose(layer(x, training=True), np.stack(expected), rtol=1e-10, atol=1e-12)
    first = build(RandomTranslation(0.3, (-0.2, 0.4), fill_mode="wrap", seed=8, data_format="channels_first",
                                    dtype="float64"), (2, 6, 5))
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2), training=True),
                               np.stack(expected).transpose(0, 3, 1, 2), rtol=1e-10, atol=1e-12)
    assert_backward_is_the_applied_map(first, x.transpose(0, 3, 1, 2))


def test_whole_pixel_translation_moves_content_down_and_right() -> None:
    x = images(1, 4, 5, 1)
    layer = build(RandomTranslation((0.25, 0.25), (0.4, 0.4), fill_mode="constant", dtype="float64"), (4, 5, 1))
    y = layer(x, training=True)[0, :, :, 0]
    np.testing.assert_allclose(y[1:, 2:], x[0, :-1, :-2, 0], atol=1e-12)  # 1 row down, 2 columns right
    assert np.all(y[0] == 0) and np.all(y[:, :2] == 0)


# -- RandomCrop -----------------------------------------------------------------------------------------
def test_random_crop_cuts_a_random_window_in_training_and_resizes_at_inference() -> None:
    x = images(2, 6, 7, 3)
    layer = build(RandomCrop(3, 4, seed=6, dtype="float64"), (6, 7, 3))
    rng = np.random.default_rng(6)
    top, left = int(rng.uniform(0, 4)), int(rng.uniform(0, 4))
    np.testing.assert_array_equal(layer(x, training=True), x[:, top:top + 3, left:left + 4])
    # inference: the largest centered 3:4 window (5 x 7 from rows 0..4) resized to 3 x 4
    np.testing.assert_allclose(layer(x), np.stack([bilinear_loop(image[0:5], 3, 4) for image in x]),
                               rtol=1e-12, atol=1e-12)
    assert layer.output_shape == (3, 4, 3)
    assert_backward_is_the_applied_map(layer, x)
    assert_backward_is_the_applied_map(layer, x, training=False)
    offsets = {tuple(np.argwhere(layer(x, training=True)[0, 0, 0, 0] == x[0, :, :, 0])[0]) for _ in range(40)}
    assert len(offsets) > 5  # the window moves


# -- RandomContrast / RandomBrightness -------------------------------------------------------------------
def test_random_contrast_scales_deviations_from_the_channel_means() -> None:
    x = images(3, 4, 5, 2, low=50, high=200)
    layer = build(RandomContrast((0.2, 0.6), seed=1, dtype="float64"), (4, 5, 2))
    (factors,) = drawn(1, 3, (1 - 0.2, 1 + 0.6))
    expected = np.empty_like(x)
    for n in range(3):
        for c in range(2):
            mean = sum(x[n, i, j, c] for i in range(4) for j in range(5)) / 20
            expected[n, :, :, c] = np.clip((x[n, :, :, c] - mean) * factors[n] + mean, 0, 255)
    np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-12)
    assert layer(x) is x
    assert_backward_is_the_applied_map(layer, x)


def test_random_contrast_single_factor_spans_both_sides_of_one() -> None:
    layer = build(RandomContrast(0.5, value_range=(-1e9, 1e9), seed=0, dtype="float64"), (2, 2, 1))
    x = np.tile(np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(1, 2, 2, 1), (500, 1, 1, 1))
    y = layer(x, training=True)
    factors = (y[:, 0, 1, 0] - y[:, 0, 0, 0])  # deviations scale by the factor: 1 * f
    assert factors.min() < 0.55 and factors.max() > 1.45 and 0.5 <= factors.min() and factors.max() <= 1.5


def test_random_brightness_adds_a_fraction_of_the_value_range_and_clips() -> None:
    x = images(4, 3, 3, 2)
    layer = build(RandomBrightness((-0.5, 0.5), value_range=(0.0, 1.0), seed=2, dtype="float64"), (3, 3, 2))
    (deltas,) = drawn(2, 4, (-0.5, 0.5))
    expected = np.stack([np.clip(x[n] + deltas[n] * 1.0, 0.0, 1.0) for n in range(4)])
    np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-12)
    assert layer(x) is x
    replay(layer, 2)
    y, backward = layer.forward(x, training=True)
    inside = (x + deltas.reshape(4, 1, 1, 1) > 0) & (x + deltas.reshape(4, 1, 1, 1) < 1)
    np.testing.assert_array_equal(backward(np.ones_like(x)), inside.astype(float))


# -- arguments ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("factory", "message"), [
    (lambda: Resizing(0, 4), r"Resizing expects height to be a positive integer, received height=0"),
    (lambda: Resizing(2, 2, interpolation="area"), r"Resizing expects interpolation to be one of"),
    (lambda: Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), r"at most one of"),
    (lambda: CenterCrop(2, "3"), r"CenterCrop expects width to be a positive integer"),
    (lambda: RandomFlip("diagonal"), r"RandomFlip expects mode to be one of"),
    (lambda: RandomRotation(1.5), r"RandomRotation expects factor to be a finite number in \[-1, 1\]"),
    (lambda: RandomRotation(0.1, fill_mode="mirror"), r"RandomRotation expects fill_mode to be one of"),
    (lambda: RandomZoom(-1.0), r"RandomZoom expects height_factor to be a finite number in \(-1, 1\]"),
    (lambda: RandomTranslation(0.1, (0.1, 0.2, 0.3)),
     r"RandomTranslation expects width_factor to be a number or a pair"),
    (lambda: RandomContrast(1.5), r"RandomContrast expects factor to be a finite number in \[0, 1\]"),
    (lambda: RandomBrightness(0.1, value_range=(1, 1)), r"RandomBrightness expects value_range to span"),
    (lambda: RandomCrop(3, 3, seed=1.5), r"RandomCrop expects seed to be an integer"),
    (lambda: Rescaling("half"), r"Rescaling expects scale to be a number or an array"),
])
def test_bad_arguments_fail_at_construction(factory: Any, message: str) -> None:
    with pytest.raises(NeuropilError, match=message):
        factory()


def test_image_layers_refuse_inputs_that_are_not_images() -> None:
    with pytest.raises(LayerError, match=r"RandomFlip\) expects batches of images of rank 4"):
        build(RandomFlip(), (4, 3))


def test_configs_round_trip() -> None:
    for layer in (Resizing(3, 4, interpolation="nearest", pad_to_aspect_ratio=True, fill_value=0.5),
                  CenterCrop(2, 3, data_format="channels_first"), RandomFlip("vertical", seed=1),
                  RandomRotation((-0.1, 0.2), fill_mode="constant", fill_value=1.0), RandomZoom(0.2, (0.1, 0.3)),
                  RandomTranslation(0.1, 0.2, interpolation="nearest"), RandomCrop(3, 3, seed=2),
                  RandomContrast((0.1, 0.4), value_range=(0, 1)), RandomBrightness(0.2), Rescaling([1.0, 2.0], 0.5)):
        config = layer.get_config()
        rebuilt = neuropil.layers.deserialize({"class_name": type(layer).__name__, "config": config})
        assert rebuilt.get_config() == config
