"""The float64 references the spatial layers declare (conv, pooling, shape, merge layers and Flatten):
every one of them declares one, the references themselves agree with Keras 3's outputs (the committed
fixtures, not the layers' forwards), and the conformance suite's ``reference`` property, using them,
catches forwards that are wrong but consistent with their own backward -- bugs the gradient checks
pass by construction."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.plugin_system.namespace import lookup
from neuropil.testing.properties import layers as layer_properties
from neuropil.testing.properties import reference as reference_property
from neuropil_standard.layers import conv, merging, pooling, reshaping
from neuropil_standard.layers.conv import _geometry
from neuropil_standard.layers.pooling import _base as pooling_base
from neuropil_standard.layers.pooling.average_pooling import AveragePooling
from neuropil_standard.layers.reshaping import _resize

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "keras"


def _registered(module: Any) -> list[str]:
    names: list[str] = []
    module.register_all(lambda name, factory, aliases=(): names.append(name))
    return names


SPATIAL_LAYERS = ([*_registered(conv), *_registered(pooling), *_registered(reshaping), *_registered(merging),
                   "Flatten"])


@pytest.mark.parametrize("name", SPATIAL_LAYERS)
def test_every_spatial_layer_declares_a_reference(name: str) -> None:
    assert callable(getattr(lookup("layers", name).factory, "reference", None)), name


def _float64(layer: Any, shape: tuple[int, ...]) -> Any:
    layer.dtype = "float64"
    layer.ensure_built(shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def _close_to_keras(what: str, got: np.ndarray, keras_y: np.ndarray) -> None:
    """Keras computed in float32: agreement to its precision, relative to the output's scale."""
    assert got.shape == keras_y.shape, what
    scale = float(np.abs(keras_y).max()) or 1.0
    np.testing.assert_allclose(got, keras_y, rtol=1e-4, atol=1e-5 * scale, err_msg=what)


def _conv_cases() -> list[str]:
    with np.load(FIXTURES / "conv.npz", allow_pickle=False) as data:
        return sorted({key.split("/")[0] for key in data.files if "/" in key})


@pytest.mark.parametrize("case", _conv_cases())
def test_conv_references_give_keras_outputs(case: str) -> None:
    """Keras 3's own outputs (transposed convolutions with output_padding, causal, groups, "same" with
    even kernels and strides, channels first, depthwise, separable) from the declared loop references."""
    with np.load(FIXTURES / "conv.npz", allow_pickle=False) as data:
        arrays = {key.split("/", 1)[1]: data[key] for key in data.files if key.startswith(case + "/")}
    meta = json.loads(str(arrays["meta"]))
    x = arrays["x"].astype(np.float64)
    layer = _float64(neuropil.layers.get(meta["class_name"], **meta["config"]), x.shape[1:])
    params = {name: arrays[f"w{i}"].astype(np.float64) for i, name in enumerate(meta["weights"])}
    _close_to_keras(case, layer.reference(params, x, False), arrays["y"])


def _pooling_cases() -> list[tuple[str, dict[str, Any], np.ndarray, np.ndarray]]:
    with np.load(FIXTURES / "pooling.npz", allow_pickle=False) as data:
        count = sum(1 for key in data.files if key.endswith("_layer"))
        specs = [json.loads(str(data[f"case{i}_layer"])) for i in range(count)]
        return [(s["class_name"], s["config"], data[f"case{i}_x"], data[f"case{i}_y"]) for i, s in enumerate(specs)]


@pytest.mark.parametrize("class_name, config, x, keras_y", _pooling_cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_pooling_and_bilinear_references_give_keras_outputs(class_name: str, config: dict[str, Any],
                                                            x: np.ndarray, keras_y: np.ndarray) -> None:
    """MaxPooling2D and AveragePooling2D with "same" padding (the average over real elements only) and
    UpSampling2D bilinear, as Keras 3 computes them."""
    x = x.astype(np.float64)
    layer = _float64(neuropil.layers.get({"class_name": class_name, "config": config}), x.shape[1:])
    _close_to_keras(f"{class_name} {config}", layer.reference({}, x, False), keras_y)


# -- the references bite: wrong but self-consistent forwards fail the reference property ---------------
def _caught(name: str) -> None:
    with pytest.raises(AssertionError, match="against the declared reference"):
        reference_property.layer(lookup("layers", name))


def _swapped_same_split(original: Any) -> Any:
    """Conv padding with the odd zero of "same" before the input instead of after (PyTorch-like)."""
    def conv_axis(length: int, kernel: int, stride: int, dilation: int, padding: str) -> Any:
        axis = original(length, kernel, stride, dilation, padding)
        return _geometry.Axis(axis.after, axis.before, axis.output)
    return conv_axis


def test_a_conv_with_the_same_split_the_wrong_way_round_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv.conv, "conv_axis", _swapped_same_split(_geometry.conv_axis))
    # Consistent with its own backward, so the gradient check alone passes it...
    layer_properties.PROPERTIES["input_gradient"](lookup("layers", "Conv2D"))
    # ...and only the declared reference sees it.
    _caught("Conv2D")


def test_a_depthwise_conv_with_the_same_split_the_wrong_way_round_is_caught(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv.depthwise, "conv_axis", _swapped_same_split(_geometry.conv_axis))
    _caught("DepthwiseConv2D")
    _caught("SeparableConv2D")


def test_a_causal_conv_padding_after_the_input_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = _geometry.conv_axis

    def conv_axis(length: int, kernel: int, stride: int, dilation: int, padding: str) -> Any:
        axis = original(length, kernel, stride, dilation, padding)
        return _geometry.Axis(0, axis.before, axis.output) if padding == "causal" else axis

    monkeypatch.setattr(conv.conv, "conv_axis", conv_axis)
    _caught("Conv1D")


def test_a_transposed_conv_cropping_one_too_many_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = _geometry.transpose_axis

    def transpose_axis(*args: Any) -> Any:
        axis = original(*args)
        crop = axis.crop + 1 if axis.crop + axis.output < axis.full else axis.crop
        return _geometry.TransposeAxis(axis.full, crop, axis.output)

    monkeypatch.setattr(conv.conv_transpose, "transpose_axis", transpose_axis)
    _caught("Conv2DTranspose")


def test_an_average_pooling_counting_the_padding_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyTorch's count_include_pad: edge means pulled towards 0 ("same" configs reach it)."""
    monkeypatch.setattr(AveragePooling, "_divisor", lambda self, xp, geo, shape, dtype: float(np.prod(geo.pool)))
    _caught("AveragePooling2D")


def test_a_max_pooling_with_the_same_split_reversed_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """MaxPooling2D's "same" configs come after its default one, and Hypothesis's draws, favouring the
    first config, may never reach them: the property also compares every config once at a dense
    input, which catches this (it passed before that pass existed)."""
    original = pooling_base.geometry

    def geometry(*args: Any) -> Any:
        geo = original(*args)
        return dataclasses.replace(geo, pads=tuple((after, before) for before, after in geo.pads))

    monkeypatch.setattr(pooling_base, "geometry", geometry)
    _caught("MaxPooling2D")


def test_an_align_corners_bilinear_up_sampling_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output ``j`` sampling input ``j / factor`` instead of the half-pixel ``(j + 0.5) / factor - 0.5``."""
    monkeypatch.setattr(_resize, "_phases", lambda factor: [(1, r / factor) for r in range(factor)])
    _caught("UpSampling2D")


def test_a_maximum_merging_with_the_minimum_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A multi-input layer: the reference receives the list of inputs."""
    monkeypatch.setattr(merging.Maximum, "extremum", lambda self, xp, a, b: xp.minimum(a, b))
    _caught("Maximum")


def test_a_forward_crashing_on_one_declared_input_shape_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dot's two-vector fast path raising TypeError used to make the suite drop the declared
    [(3,), (3,)] shapes as "not this shape" and check the others: every property passed."""
    original = merging.Dot.forward

    def forward(self: Any, inputs: Any, training: bool = False) -> Any:
        if all(x.ndim == 2 for x in inputs):
            raise TypeError("unsupported operand type(s) for -: 'tuple' and 'tuple'")
        return original(self, inputs, training)

    monkeypatch.setattr(merging.Dot, "forward", forward)
    with pytest.raises(AssertionError, match="crashes"):
        reference_property.layer(lookup("layers", "Dot"))
