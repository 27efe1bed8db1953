"""Plumbing shared by the property modules: running a Hypothesis test, stepping off kinks."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..gradients import KinkFound

#: Attempts to step off a kink the strategies could not foresee before the example is discarded.
KINK_ATTEMPTS = 4


def run_hypothesis(test: Callable[[Any], None]) -> None:
    """Run ``test(data)`` under the conformance settings, drawing with Hypothesis's ``data()``.

    Draws are labelled, so the falsifying example Hypothesis reports after shrinking reads as the
    component's inputs ("Draw 2 (x): array(...)").
    """
    from hypothesis import given, settings, strategies as st

    from ..profiles import check_settings

    settings(check_settings())(given(st.data())(test))()


def avoiding_kinks(check: Callable[[], None], nudge: Callable[[], None]) -> None:
    """Run ``check``; when it lands on a non-differentiable point, ``nudge`` the inputs and redraw.

    Kinks of layers are not declared anywhere (a Dense with relu has one wherever a pre-activation is
    0), so they are detected by the gradient checker and stepped off here. A point that stays on a
    kink after a few nudges is discarded rather than failed: it says nothing about the backward.
    """
    from hypothesis import reject

    for _ in range(KINK_ATTEMPTS):
        try:
            check()
            return
        except KinkFound:
            nudge()
    reject()


def nudger(arrays: list[np.ndarray], rng: np.random.Generator, size: float = 0.05,
           clip: tuple[float, float] | None = None) -> Callable[[], None]:
    """A ``nudge`` adding uniform noise of ``size`` to ``arrays`` in place."""

    def nudge() -> None:
        for a in arrays:
            a += rng.uniform(-size, size, size=a.shape)
            if clip is not None:
                np.clip(a, *clip, out=a)

    return nudge


def assert_allclose(what: str, actual: Any, expected: Any, rtol: float, atol: float) -> None:
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, expected {expected.shape}")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        raise AssertionError(f"{what}: got {actual!r}, expected {expected!r} (rtol={rtol}, atol={atol})")
