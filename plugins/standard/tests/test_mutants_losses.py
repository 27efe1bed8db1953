"""Losses on 1-D inputs (one value per sample, the shape a regression target often has): the value
and the gradient of the reduced loss against Keras's formulas written out in float64.

The row-mean helpers in ``losses.py`` take a separate branch for 1-D inputs (no last axis to average,
none to put back in the backward); drawn conformance inputs are rank 2 and 3, so only this reaches it.
"""
from __future__ import annotations

from collections.abc import Callable

import neuropil.losses
import numpy as np
import pytest

Formula = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # (values, d values / d y_pred)


def squared(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (p - t) ** 2, 2 * (p - t)


def absolute(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.abs(p - t), np.sign(p - t)


def hinge(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    signed = 2 * t - 1  # 0/1 labels read as -1/1
    margin = 1 - signed * p
    return np.maximum(margin, 0), np.where(margin > 0, -signed, 0.0)


def huber(t: np.ndarray, p: np.ndarray, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    e = p - t
    small = np.abs(e) <= delta
    return np.where(small, 0.5 * e * e, delta * np.abs(e) - 0.5 * delta * delta), np.where(small, e, delta * np.sign(e))


@pytest.mark.parametrize(("name", "formula", "binary"), [
    ("mean_squared_error", squared, False), ("mean_absolute_error", absolute, False),
    ("hinge", hinge, True), ("huber", huber, False)])
def test_one_value_per_sample(name: str, formula: Formula, binary: bool) -> None:
    rng = np.random.default_rng(5)
    t = (rng.uniform(size=9) < 0.5).astype(float) if binary else rng.normal(size=9)
    p = rng.normal(scale=2.0, size=9)
    values, slopes = formula(t, p)
    loss = neuropil.losses.get(name)
    value, backward = loss.forward(t, p)
    assert float(value) == pytest.approx(values.mean(), rel=1e-12)
    gradient = np.asarray(backward(1.0))
    assert gradient.shape == p.shape
    np.testing.assert_allclose(gradient, slopes / p.size, rtol=1e-12, atol=1e-15)
