"""Plumbing shared by the property modules: running a Hypothesis test, stepping off kinks, comparing
arrays, and saving a component the way a model file does."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..gradients import KinkFound
from ..strategies import WEIGHT_NDIMS

#: Attempts to step off a kink the strategies could not foresee before the example is discarded.
KINK_ATTEMPTS = 4


def run_hypothesis(test: Callable[[Any], None]) -> None:
    """Run ``test(data)`` under the conformance settings, drawing with Hypothesis's ``data()``.

    Draws are labelled, so the falsifying example Hypothesis reports after shrinking reads as the
    component's inputs ("Draw 2 (x): array(...)").
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st

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
    """A ``nudge`` adding uniform noise of ``size`` to ``arrays`` in place (an entry that is a list,
    a multi-input layer's inputs, is nudged array by array)."""
    flat = [a for entry in arrays for a in (entry if isinstance(entry, (list, tuple)) else [entry])]

    def nudge() -> None:
        for a in flat:
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


def assert_same(what: str, actual: Any, expected: Any) -> None:
    """``actual`` equals ``expected`` exactly; the report names how many values differ and the first,
    rather than printing two whole weight arrays."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, expected {expected.shape}")
    differ = np.asarray(actual != expected)
    if differ.any() and actual.dtype.kind == "f" and expected.dtype.kind == "f":
        differ &= ~(np.isnan(actual) & np.isnan(expected))
    if differ.any():
        first = tuple(int(i) for i in np.argwhere(differ)[0])
        raise AssertionError(f"{what}: {int(differ.sum())} of {differ.size} values differ, e.g. at index "
                             f"{first}: {actual[first]!r} where {expected[first]!r} was expected")


def check_weight_array(what: str, out: Any, shape: Sequence[int], dtype: Any) -> None:
    """``out`` is a NumPy array of ``shape`` and ``dtype`` holding only finite values: what a layer can
    keep as a parameter of a model computing in ``dtype``."""
    if not isinstance(out, np.ndarray):
        raise AssertionError(f"{what} is a {type(out).__name__}, expected a numpy array")
    if out.shape != tuple(shape):
        raise AssertionError(f"{what} has shape {out.shape}, expected {tuple(shape)}")
    if out.dtype != np.dtype(dtype):
        raise AssertionError(f"{what} has dtype {out.dtype}, expected {np.dtype(dtype)}")
    if not np.isfinite(out).all():
        raise AssertionError(f"{what} is not finite: {out!r}")


def weight_ndims(component: Any) -> tuple[int, ...]:
    """The numbers of axes of the weights ``component`` accepts: its ``ndims`` if it declares one."""
    return tuple(getattr(component, "ndims", WEIGHT_NDIMS))


def saved_and_loaded(kind: str, component: Any) -> tuple[dict[str, Any], Any]:
    """``component`` written as a model file writes it (``{"class_name", "config": get_config()}``
    through the registry of ``kind``, as JSON) and read back through the registry; returns the saved
    dict and the rebuilt component."""
    from ...plugin_system.namespace import resolve, serialize

    if not callable(getattr(component, "get_config", None)):
        raise AssertionError(f"{type(component).__name__} has no get_config(): a model using it cannot "
                             f"be saved")
    saved = serialize(kind, component)
    try:
        text = json.dumps(saved)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"get_config() returned {saved['config']!r}, which is not JSON ({exc}); "
                             f"model files store it as JSON") from None
    return saved, resolve(kind, json.loads(text), None)
