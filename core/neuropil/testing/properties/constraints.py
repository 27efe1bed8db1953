"""Constraints: what training relies on when it applies ``constraint(w)`` after every update.

The hook contract is ``factory(**config)(w) -> w'``; no core base class exists. ``Layer.apply_constraints``
calls it on each constrained parameter, an array on the layer's backend in the compute dtype, and
writes the result back into the parameter (``value[...] = constraint(value)``): the layer does the
in-place update, the constraint is a function. Hence:

- ``shape_and_dtype``: ``w'`` is a NumPy array (for NumPy ``w``) of ``w``'s shape and dtype, finite
  for finite ``w``, in float32 and float64: a float32 model stays float32 and nothing is broadcast
  into the parameter by accident.
- ``pure``: ``w`` itself is left unchanged, as for every other kind's inputs. A constraint that also
  writes into ``w`` happens to survive ``apply_constraints``, but not any caller that keeps ``w``
  (a user comparing before and after, the checks below).
- ``idempotent``: ``constraint(constraint(w))`` equals ``constraint(w)`` to 1e-5 relative: a
  constraint projects onto a set (norms at most c, non-negative entries, unit norms), so weights
  already in it must not keep moving at every step. A constraint deliberately taking a partial step
  (Keras's MinMaxNorm with ``rate < 1``) says so with ``idempotent = False`` and skips this property.
- ``config_roundtrip``: saved as a model file saves it (registered name and ``get_config()``, as JSON)
  and loaded back, the constraint gives the same result.
- ``backends`` (see properties/backends.py): the same result on every available backend, since the
  arrays it gets are the backend's.

- ``reference``: where the constraint declares ``reference(w) -> w'``, a float64 formula written from
  the published definition and sharing no code with ``__call__``, the result agrees with it (to 1e-9
  in float64, to float32 rounding for float32 weights) on every ``example_configs`` entry and drawn
  weights: a norm taken along the wrong axis is idempotent, pure and of the right shape, and only
  this catches it. Without a declaration: a visible skip.

Weights have 1 to 4 axes (a bias, a Dense kernel, convolution kernels), or the numbers of axes the
constraint declares in ``ndims``; entries are 0 or of magnitude 0.05 to 3 (see
:func:`neuropil.testing.strategies.weights`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import ConformanceSkip, example_configs, make
from ._common import assert_allclose, assert_same, check_weight_array, run_hypothesis, saved_and_loaded, weight_ndims
from .reference import _check_golden, _require

#: Applying a projection twice differs from once by rounding and by the epsilon guards of norm
#: denominators (Keras's 1e-7 against norms >= 0.05: 2e-6 relative at most); a constraint still
#: moving its output moves it by far more.
IDEMPOTENCE_RTOL, IDEMPOTENCE_ATOL = 1e-5, 1e-8
#: float64 against a float64 formula written differently; float32 results against the same formula
#: on the float64 copy (a few float32 roundings of norms and quotients).
REFERENCE_RTOL, REFERENCE_ATOL = 1e-9, 1e-12
F32_RTOL, F32_ATOL = 2e-5, 1e-6


def draw_example(data: Any, entry: Entry, configs: tuple[dict[str, Any], ...]) -> tuple[Any, np.ndarray]:
    """A constraint from one of ``configs`` and float64 weights of a shape it accepts."""
    constraint = make(entry, data.draw(s.st.sampled_from(configs), label="config"))
    w = data.draw(s.weights(s.weight_shapes(weight_ndims(constraint), max_side=4)), label="w")
    return constraint, w


def shape_and_dtype(entry: Entry) -> None:
    def test(data: Any) -> None:
        constraint, w = draw_example(data, entry, example_configs(entry))
        for dtype in ("float32", "float64"):
            check_weight_array(f"the result for a {dtype} w", constraint(w.astype(dtype)), w.shape, dtype)

    run_hypothesis(test)


def pure(entry: Entry) -> None:
    def test(data: Any) -> None:
        constraint, w = draw_example(data, entry, example_configs(entry))
        original = w.copy()
        constraint(w)
        assert_same("w after the call (the constraint modified its input in place; return a new array "
                    "and let the layer write it back)", w, original)

    run_hypothesis(test)


def idempotent(entry: Entry) -> None:
    configs = tuple(c for c in example_configs(entry) if getattr(make(entry, c), "idempotent", True))
    if not configs:
        raise ConformanceSkip("the constraint declares idempotent = False")

    def test(data: Any) -> None:
        constraint, w = draw_example(data, entry, configs)
        once = np.array(constraint(w.copy()), copy=True)
        assert_allclose("constraint(constraint(w)) against constraint(w)", constraint(once.copy()), once,
                        IDEMPOTENCE_RTOL, IDEMPOTENCE_ATOL)

    run_hypothesis(test)


def config_roundtrip(entry: Entry) -> None:
    def test(data: Any) -> None:
        constraint, w = draw_example(data, entry, example_configs(entry))
        saved, loaded = saved_and_loaded("constraints", constraint)
        assert_same(f"the result of the constraint loaded from {saved!r}", loaded(w.copy()),
                    constraint(w.copy()))

    run_hypothesis(test)


#: Entries of the fixed weights every config is also checked on: zeros, both signs, the smallest drawn
#: magnitude, and norms on both sides of usual limits once scaled by :data:`LADDER_SCALES` (30 drawn
#: examples can miss an entry between 0.05 and 0.1, where a threshold moved off 0 shows).
LADDER = (0.0, 0.05, -0.05, 0.08, -0.3, 0.7, -1.0, 1.5, -2.0, 3.0, -0.12, 0.0, 0.4)
LADDER_SCALES = (0.1, 1.0, 3.0)
#: Their shapes, the first ``ndim`` sides (sides differ, so a wrong axis changes the result).
LADDER_SHAPE = (3, 4, 2, 3, 2)


def fixed_weights(ndims: tuple[int, ...]) -> list[np.ndarray]:
    """Deterministic float64 weights of each rank in ``ndims``, entries from :data:`LADDER`, scaled."""
    out: list[np.ndarray] = []
    for n in ndims:
        shape = LADDER_SHAPE[:n]
        base = np.resize(np.asarray(LADDER, dtype=np.float64), int(np.prod(shape))).reshape(shape)
        out.extend(scale * base for scale in LADDER_SCALES)
    return out


def _compare_with_reference(constraint: Any, config: dict[str, Any], w: np.ndarray) -> None:
    expected = constraint.reference(w.copy())
    assert_allclose(f"constraint(w) against the declared reference (config {config}, w of shape {w.shape})",
                    np.asarray(constraint(w.copy())), expected, REFERENCE_RTOL, REFERENCE_ATOL)
    w32 = w.astype(np.float32)
    assert_allclose(f"constraint(w) for a float32 w against the declared reference (config {config}, w of shape "
                    f"{w.shape})", np.asarray(constraint(w32)), constraint.reference(w32.astype(np.float64)),
                    F32_RTOL, F32_ATOL)


def reference(entry: Entry) -> None:
    has_formula, golden = _require(entry, "this constraint", "`reference(w) -> w'`")
    _check_golden(entry, golden, lambda constraint, inputs: constraint(inputs[0]))
    if not has_formula:
        return

    for config in example_configs(entry):
        constraint = make(entry, config)
        for w in fixed_weights(weight_ndims(constraint)):
            _compare_with_reference(constraint, config, w)

    def test(data: Any) -> None:
        constraint, w = draw_example(data, entry, example_configs(entry))
        config = constraint.get_config() if callable(getattr(constraint, "get_config", None)) else {}
        _compare_with_reference(constraint, config, w)

    run_hypothesis(test)


PROPERTIES = {"shape_and_dtype": shape_and_dtype, "pure": pure, "idempotent": idempotent,
              "config_roundtrip": config_roundtrip, "reference": reference}
