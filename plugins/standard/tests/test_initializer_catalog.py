"""Keras's VarianceScaling (every mode and distribution, Keras's fans for 2-D to 5-D kernels),
Orthogonal, Identity and Constant with an array value.

Statistics are checked against the declared distribution with tolerances derived from the sample
size: the sample variance of N independent draws has relative standard deviation sqrt((kurtosis - 1)
/ N), the sample mean a standard deviation of sigma / sqrt(N); each check allows 5 of those (a false
alarm about once in 3.5 million runs, and the draws are seeded anyway).
"""
from __future__ import annotations

import json
import math

import neuropil.initializers as initializers
import numpy as np
import pytest
from neuropil.errors import ArgumentError
from scipy import stats

#: Kurtosis (not excess) of each distribution: 3 for a normal, 9/5 for a uniform, and for a normal
#: truncated at two standard deviations, SciPy's value.
KURTOSIS = {"untruncated_normal": 3.0, "uniform": 1.8,
            "truncated_normal": 3.0 + float(stats.truncnorm(-2, 2).stats(moments="k"))}
SIGMAS = 5.0


def keras_fans(shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's compute_fans, written out: (in, out) of a matrix, times the receptive field for kernels."""
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for side in shape[:-2]:
        receptive *= side
    return shape[-2] * receptive, shape[-1] * receptive


def pooled_draws(initializer, shape, calls: int = 6) -> np.ndarray:
    return np.concatenate([initializer(shape, "float64", np.random.default_rng(seed)).ravel()
                           for seed in range(calls)])


SHAPES = [(96, 64), (5, 48, 40), (3, 3, 24, 16), (2, 2, 3, 12, 10)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_has_the_declared_variance(mode: str, distribution: str, shape: tuple[int, ...]) -> None:
    scale = 1.7
    fan_in, fan_out = keras_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / n
    initializer = initializers.get("VarianceScaling", scale=scale, mode=mode, distribution=distribution)
    w = pooled_draws(initializer, shape)
    count = w.size
    assert w.var() == pytest.approx(variance, rel=SIGMAS * math.sqrt((KURTOSIS[distribution] - 1) / count))
    assert abs(w.mean()) < SIGMAS * math.sqrt(variance / count)
    if distribution == "uniform":
        assert np.abs(w).max() <= math.sqrt(3 * variance)
    elif distribution == "truncated_normal":  # cut at 2 stddev of the normal before the truncation
        assert np.abs(w).max() <= 2 * math.sqrt(variance) / stats.truncnorm(-2, 2).std()
    else:
        assert np.abs(w).max() > 2.5 * math.sqrt(variance)  # real normal tails are present


def test_truncation_correction_constant_is_the_stddev_of_the_truncated_normal() -> None:
    from neuropil_standard.initializers import TRUNCATED_STDDEV

    assert TRUNCATED_STDDEV == pytest.approx(stats.truncnorm(-2, 2).std(), rel=1e-12)


@pytest.mark.parametrize("bad", [{"mode": "fan_sum"}, {"distribution": "cauchy"}, {"scale": 0.0}])
def test_variance_scaling_refuses_bad_arguments(bad: dict) -> None:
    with pytest.raises(ValueError, match="VarianceScaling expects"):
        initializers.get("VarianceScaling", **bad)


# -- Orthogonal -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 5), (3, 3, 2, 4), (2, 2, 2, 16)], ids=str)
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal_columns_or_rows(shape: tuple[int, ...], gain: float) -> None:
    w = initializers.get("Orthogonal", gain=gain)(shape, "float64", np.random.default_rng(0))
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1])  # Keras's flattening: all leading axes are rows
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_is_seeded_and_not_constant() -> None:
    first = initializers.get("Orthogonal", seed=3)((4, 4))
    np.testing.assert_array_equal(first, initializers.get("Orthogonal", seed=3)((4, 4)))
    assert not np.allclose(first, initializers.get("Orthogonal", seed=4)((4, 4)))


def test_orthogonal_refuses_vectors() -> None:
    with pytest.raises(ArgumentError, match=r"Orthogonal .*at least 2 axes.*shape=\(5,\)"):
        initializers.get("orthogonal")((5,))


# -- Identity -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)], ids=str)
def test_identity_is_gain_times_eye(shape: tuple[int, int]) -> None:
    w = initializers.get("Identity", gain=2.5)(shape, "float32")
    expected = np.zeros(shape)
    for i in range(min(shape)):
        expected[i, i] = 2.5
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, expected)


def test_identity_refuses_other_ranks() -> None:
    with pytest.raises(ArgumentError, match=r"Identity .*2-D.*shape=\(2, 2, 2\)"):
        initializers.get("IdentityInitializer")((2, 2, 2))


# -- Constant -------------------------------------------------------------------------------------

def test_constant_array_value_broadcasts_and_saves_as_data() -> None:
    initializer = initializers.get("Constant", value=[1.0, -2.0, 3.0])
    w = initializer((2, 3), "float64")
    np.testing.assert_array_equal(w, [[1.0, -2.0, 3.0], [1.0, -2.0, 3.0]])
    w[0, 0] = 9.0  # a fresh, writeable array: the stored value is untouched
    config = json.loads(json.dumps(initializers.serialize(initializer)))
    np.testing.assert_array_equal(initializers.get(config)((2, 3)), [[1.0, -2.0, 3.0]] * 2)


def test_constant_scalar_fills_the_shape() -> None:
    np.testing.assert_array_equal(initializers.get("constant", value=10)((2, 2), "float32"), np.full((2, 2), 10.0))


def test_constant_array_that_does_not_fit_is_refused_naming_both_shapes() -> None:
    with pytest.raises(ArgumentError, match=r"Constant's value of shape \(3,\) cannot fill .*\(2, 4\)"):
        initializers.get("Constant", value=[1.0, 2.0, 3.0])((2, 4))
    with pytest.raises(TypeError, match="Constant expects value"):
        initializers.get("Constant", value="ten")
