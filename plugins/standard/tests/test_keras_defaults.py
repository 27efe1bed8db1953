"""Constructed without arguments, the standard schedules, regularizers, constraints and initializers
have Keras 3's documented defaults (keras/src/optimizers/schedules, keras/src/regularizers,
keras/src/constraints, keras/src/initializers): a user porting a Keras model relies on them, and a
reference formula reading its parameters from the instance cannot notice a wrong default."""
from __future__ import annotations

from typing import Any

import neuropil_standard.constraints as constraints
import neuropil_standard.initializers as initializers
import neuropil_standard.matrix_initializers as matrix_initializers
import neuropil_standard.orthogonal_regularizer as orthogonal_regularizer
import neuropil_standard.regularizers as regularizers
import neuropil_standard.restart_schedules as restart_schedules
import neuropil_standard.schedules as schedules
import pytest

KERAS_DEFAULTS: list[tuple[Any, dict[str, Any]]] = [
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5), {"staircase": False}),
    (lambda: schedules.InverseTimeDecay(0.1, 10, 0.5), {"staircase": False}),
    (lambda: schedules.PolynomialDecay(0.1, 10), {"end_learning_rate": 0.0001, "power": 1.0, "cycle": False}),
    (lambda: schedules.CosineDecay(0.1, 10), {"alpha": 0.0, "warmup_target": None, "warmup_steps": 0}),
    (lambda: restart_schedules.CosineDecayRestarts(0.1, 10), {"t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0}),
    (regularizers.L1, {"l1": 0.01}),
    (regularizers.L2, {"l2": 0.01}),
    (regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    (orthogonal_regularizer.OrthogonalRegularizer, {"factor": 0.01, "mode": "rows"}),
    (constraints.MaxNorm, {"max_value": 2, "axis": 0}),
    (constraints.MinMaxNorm, {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    (constraints.UnitNorm, {"axis": 0}),
    (initializers.RandomNormal, {"mean": 0.0, "stddev": 0.05}),
    (initializers.TruncatedNormal, {"mean": 0.0, "stddev": 0.05}),
    (initializers.RandomUniform, {"minval": -0.05, "maxval": 0.05}),
    (initializers.VarianceScaling, {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}),
    (matrix_initializers.Orthogonal, {"gain": 1.0}),
    (matrix_initializers.Identity, {"gain": 1.0}),
]


@pytest.mark.parametrize("make, defaults", KERAS_DEFAULTS)
def test_defaults_are_keras_defaults(make, defaults) -> None:
    config = make().get_config()
    assert {key: config[key] for key in defaults} == defaults


@pytest.mark.parametrize("preset, scale, mode, distribution", [
    (initializers.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (initializers.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    (initializers.HeUniform, 2.0, "fan_in", "uniform"),
    (initializers.HeNormal, 2.0, "fan_in", "truncated_normal"),
    (initializers.LecunUniform, 1.0, "fan_in", "uniform"),
    (initializers.LecunNormal, 1.0, "fan_in", "truncated_normal"),
])
def test_named_variance_scaling_presets_are_keras_presets(preset, scale, mode, distribution) -> None:
    made = preset()
    assert (made.scale, made.mode, made.distribution) == (scale, mode, distribution)


@pytest.mark.parametrize("make, value", [(initializers.Zeros, 0.0), (initializers.Ones, 1.0),
                                         (initializers.Constant, 0.0)])
def test_constant_initializers_fill_with_keras_values(make, value) -> None:
    import numpy as np

    out = make()((3, 2), "float32", np.random.default_rng(0))
    assert out.dtype == np.float32 and (out == value).all()
