"""The initializers draw what Keras's do: same names, defaults, limits and spreads, repeatable by seed."""
from __future__ import annotations

import math

import neuropil.initializers as initializers
import numpy as np
import pytest

FAN_IN, FAN_OUT = 300, 200
SHAPE = (FAN_IN, FAN_OUT)


def draw(name: str, shape=SHAPE, dtype="float64", seed=0, **config):
    return initializers.get(name, **config)(shape, dtype, np.random.default_rng(seed))


@pytest.mark.parametrize("name, variance", [
    ("glorot_uniform", 2.0 / (FAN_IN + FAN_OUT)),
    ("he_uniform", 2.0 / FAN_IN),
    ("lecun_uniform", 1.0 / FAN_IN),
])
def test_uniform_variance_scaling_fills_its_limit(name: str, variance: float) -> None:
    limit = math.sqrt(3.0 * variance)
    w = draw(name)
    assert w.shape == SHAPE
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3.0), rel=0.02)
    assert abs(w.mean()) < 0.01 * limit


@pytest.mark.parametrize("name, variance", [
    ("glorot_normal", 2.0 / (FAN_IN + FAN_OUT)),
    ("he_normal", 2.0 / FAN_IN),
    ("lecun_normal", 1.0 / FAN_IN),
])
def test_normal_variance_scaling_is_truncated_with_the_variance_kept(name: str, variance: float) -> None:
    w = draw(name)
    # Truncated at two standard deviations of the underlying normal, whose stddev is corrected so
    # the truncated draws still have the requested variance.
    underlying = math.sqrt(variance) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * underlying
    assert w.std() == pytest.approx(math.sqrt(variance), rel=0.02)


def test_fans_of_convolution_kernels_include_the_receptive_field() -> None:
    w = draw("he_uniform", shape=(3, 3, 16, 32))
    fan_in = 3 * 3 * 16
    assert np.abs(w).max() <= math.sqrt(6.0 / fan_in)
    assert np.abs(w).max() > 0.98 * math.sqrt(6.0 / fan_in)


def test_vector_shapes_use_their_size_as_both_fans() -> None:
    w = draw("glorot_uniform", shape=(50_000,))
    assert np.abs(w).max() == pytest.approx(math.sqrt(6.0 / 100_000), rel=0.01)


def test_keras_defaults_of_the_plain_distributions() -> None:
    normal = draw("random_normal", shape=(400, 400))
    assert normal.mean() == pytest.approx(0.0, abs=0.002)
    assert normal.std() == pytest.approx(0.05, rel=0.02)
    uniform = draw("random_uniform", shape=(400, 400))
    assert uniform.min() >= -0.05 and uniform.max() < 0.05
    assert uniform.min() < -0.049 and uniform.max() > 0.049
    truncated = draw("truncated_normal", shape=(400, 400))
    assert np.abs(truncated).max() <= 0.1
    assert np.abs(truncated).max() > 0.099


def test_constants() -> None:
    assert np.array_equal(draw("zeros", shape=(2, 3)), np.zeros((2, 3)))
    assert np.array_equal(draw("ones", shape=(4,)), np.ones(4))
    assert np.array_equal(draw("constant", shape=(2,), value=3.5), np.full(2, 3.5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_come_in_the_requested_dtype(dtype: str) -> None:
    for name in ("glorot_uniform", "he_normal", "zeros", "random_normal"):
        assert draw(name, shape=(3, 4), dtype=dtype).dtype == np.dtype(dtype)


def test_the_given_generator_makes_draws_repeatable() -> None:
    assert np.array_equal(draw("glorot_normal", seed=5), draw("glorot_normal", seed=5))
    assert not np.array_equal(draw("glorot_normal", seed=5), draw("glorot_normal", seed=6))


def test_a_seeded_initializer_ignores_the_model_generator() -> None:
    init = initializers.get("he_uniform", seed=42)
    a = init((4, 5), "float32", np.random.default_rng(0))
    b = init((4, 5), "float32", np.random.default_rng(1))
    assert np.array_equal(a, b)
    other = initializers.get("he_uniform", seed=43)((4, 5), "float32", np.random.default_rng(0))
    assert not np.array_equal(a, other)


def test_keras_spellings_resolve_to_one_initializer() -> None:
    assert type(initializers.get("glorot_uniform")) is type(initializers.get("GlorotUniform"))
    assert type(initializers.get("he_normal")) is type(initializers.get("HeNormal"))


def test_config_round_trips_through_the_registry() -> None:
    original = initializers.get("random_normal", mean=1.0, stddev=0.5, seed=3)
    rebuilt = initializers.get(initializers.serialize(original))
    assert rebuilt.get_config() == {"mean": 1.0, "stddev": 0.5, "seed": 3}
    assert np.array_equal(original((3, 3), "float64", None), rebuilt((3, 3), "float64", None))
    scaled = initializers.get("he_normal", seed=1)
    assert initializers.serialize(scaled)["config"] == {"seed": 1}


def test_bad_arguments_name_what_was_expected_and_received() -> None:
    with pytest.raises(ValueError, match="mode.*received mode='fan_sideways'"):
        initializers.get("variance_scaling", mode="fan_sideways")
    with pytest.raises(ValueError, match="minval <= maxval.*minval=1"):
        initializers.get("random_uniform", minval=1.0, maxval=0.0)
