"""The gradient checker itself: exact enough to pass correct backwards at kinks' doorstep and at
stationary points, strict enough to fail a 1% error, and honest about kinks."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil.testing.gradients import Differentiable, GradientMismatch, KinkFound, check_gradients, check_pure_backward
from neuropil.testing.strategies import move_from_points


def elementwise(f, df, x, scale=1.0):
    def forward():
        return f(x), lambda dy: {"x": scale * df(x) * dy}

    return Differentiable({"x": x}, forward)


@pytest.mark.parametrize("shape", [(2, 3), (8, 40)])  # full Jacobian, then directional derivatives
def test_correct_backward_passes_and_one_percent_error_fails(shape) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=shape)
    check_gradients(elementwise(np.tanh, lambda x: 1 - np.tanh(x) ** 2, x), rng)
    with pytest.raises(GradientMismatch, match="central differences"):
        check_gradients(elementwise(np.tanh, lambda x: 1 - np.tanh(x) ** 2, x, scale=1.01), rng)


def test_stationary_point_is_not_mistaken_for_a_kink() -> None:
    x = np.zeros((2, 2))  # x**2 at 0: one-sided differences disagree by 2h, which is curvature
    check_gradients(elementwise(np.square, lambda x: 2 * x, x), np.random.default_rng(0))


def test_kink_is_reported_not_failed() -> None:
    x = np.array([[0.0, 1.0]])
    with pytest.raises(KinkFound):
        check_gradients(elementwise(np.abs, np.sign, x), np.random.default_rng(0))
    check_gradients(elementwise(np.abs, np.sign, move_from_points(x, (0.0,))), np.random.default_rng(0))


@pytest.mark.parametrize("shape", [(1, 2), (8, 40)])  # full Jacobian, then directional derivatives
def test_a_feature_finer_than_the_step_is_a_kink_not_a_failure(shape) -> None:
    """``x / max(|x|, 1e-9)`` is differentiable at 0 (slope 1e9 inside the floor) but a step of 6e-6
    jumps from -1 to 1, an odd function whose one-sided differences agree: only the retaken, finer
    difference shows that no slope was measured. Off the point the same backward passes."""
    floor = 1e-9
    x = np.zeros(shape)

    def sign_like(x):
        return x / np.maximum(np.abs(x), floor)

    def derivative(x):
        return np.where(np.abs(x) <= floor, 1 / floor, 0.0)

    with pytest.raises(KinkFound, match="do not settle"):
        check_gradients(elementwise(sign_like, derivative, x), np.random.default_rng(0))
    check_gradients(elementwise(sign_like, derivative, x + 0.5), np.random.default_rng(0))
    with pytest.raises(GradientMismatch):  # a wrong slope of a function that settles is still wrong
        check_gradients(elementwise(sign_like, lambda x: np.ones_like(x), x + 0.5), np.random.default_rng(0))


def test_input_mutation_and_accumulating_backward_are_caught() -> None:
    x = np.array([[-1.0, 2.0]])

    def mutating():
        np.maximum(x, 0, out=x)
        return x, lambda dy: {"x": dy}

    with pytest.raises(GradientMismatch, match="modified its input"):
        check_pure_backward(Differentiable({"x": x}, mutating), {"x": x}, np.random.default_rng(0))

    total = {"g": np.zeros(2)}

    def accumulating():
        def backward(dy):
            total["g"] = total["g"] + dy.reshape(-1)
            return {"x": dy, "w": total["g"]}

        return x * 1.0, backward

    with pytest.raises(GradientMismatch, match="assigned, not accumulated"):
        check_pure_backward(Differentiable({"x": x}, accumulating), {"x": x}, np.random.default_rng(0))
