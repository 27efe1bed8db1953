"""Central finite differences in float64 against a component's own backward.

Why these numbers:

* ``STEP = 6e-6`` (times ``max(1, |x|)``): the error of a central difference is truncation
  ``h**2 * f''' / 6`` plus rounding ``eps * |f| / h``; the sum is smallest near ``h = eps ** (1/3)``,
  about 6e-6 in float64, where both terms are around 1e-11 relative to the function's scale.
* ``RTOL = 1e-4``: seven orders above that noise, so curvature as sharp as ``log(p)`` at p = 0.005
  never fails a correct backward, yet two orders below the smallest bug worth catching (a backward
  off by 1%).
* ``ATOL = 1e-7 * scale``: absolute slack for derivatives that are (nearly) zero, where a relative
  test is meaningless; ``scale`` is the magnitude of the terms being differenced, so that rounding in
  a large sum is not mistaken for a bug.
* Kinks: at a non-differentiable point the two one-sided differences disagree by the jump in slope,
  whatever the step; for a smooth function they differ by ``h * f''``, which shrinks with the step.
  So a disagreement above ``KINK_RTOL`` is retaken with a step ten times smaller: if it persists the
  point is a kink (:class:`KinkFound`; the caller moves the input and tries again instead of
  reporting a false failure), if it shrinks it was curvature (x**2 at 0) and the smaller step's
  central difference is used. A kink whose one-sided differences agree (an odd function of the step)
  shows only as a disagreement with the backward; before one is reported, the central difference is
  retaken with a step ten times smaller, and if it moves by more than ``KINK_RTOL`` it was no
  derivative either (:class:`KinkFound` again). A correct derivative's differences settle, so a wrong
  backward is still reported.

Tiny problems get the full Jacobian (every input element against every output element: a backward
that ignores off-diagonal terms cannot hide); larger ones get random directional derivatives
``v^T J u`` for a random upstream ``v`` and direction ``u``, which test every entry at once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STEP = 6e-6
RTOL = 1e-4
ATOL = 1e-7
KINK_RTOL = 1e-2
#: Largest (total input size) x (output size) checked by full Jacobian.
FULL_JACOBIAN_MAX = 1024
#: Random directions per variable in directional mode.
DIRECTIONS = 3

Backward = Callable[[Any], dict[str, Any]]


class GradientMismatch(AssertionError):
    """The backward disagrees with finite differences (or breaks the backward contract)."""


class KinkFound(Exception):
    """The function is not differentiable at (or within a step of) the drawn point."""


@dataclass
class Differentiable:
    """A function of named float64 arrays as the checker sees it.

    ``forward()`` reads the arrays in ``variables`` (which the checker perturbs *in place*) and returns
    ``(y, backward)``; ``backward(dy)`` returns the gradient for every name in ``variables``.
    ``project`` maps a name to the projection onto the directions its variable can actually move in
    (rows of a probability distribution only move within the simplex): gradients are compared after it.
    """

    variables: dict[str, np.ndarray]
    forward: Callable[[], tuple[Any, Backward]]
    project: dict[str, Callable[[np.ndarray], np.ndarray]] = field(default_factory=dict)
    #: Names standing for several variables, wherever names are asked for: a multi-input layer's
    #: ``x`` is ``x[0]``, ``x[1]``, ...
    groups: dict[str, list[str]] = field(default_factory=dict)

    def expand(self, names: list[str]) -> list[str]:
        return [member for name in names for member in self.groups.get(name, [name])]

    def output(self) -> np.ndarray:
        return np.array(self.forward()[0], dtype=np.float64)


def _step(x: np.ndarray) -> float:
    return STEP * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)


def _upstream_like(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.5, 1.5, size=y.shape) * rng.choice([-1.0, 1.0], size=y.shape)


def _call_backward(backward: Backward, dy: np.ndarray) -> dict[str, np.ndarray]:
    upstream = float(dy) if dy.ndim == 0 else dy.copy()
    return {k: np.array(v, dtype=np.float64) for k, v in backward(upstream).items()}


def _differences(fn: Differentiable, name: str, direction: np.ndarray, h: float, weights: np.ndarray,
                 f0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward-, backward- and central differences of ``weights @ f`` along ``direction`` (``weights``
    may hold one unit row per output, giving a whole column of the Jacobian)."""
    x = fn.variables[name]
    original = x.copy()
    try:
        x[...] = original + h * direction
        up = weights @ fn.output().reshape(-1)
        x[...] = original - h * direction
        down = weights @ fn.output().reshape(-1)
    finally:
        x[...] = original
    return (up - f0) / h, (f0 - down) / h, (up - down) / (2 * h)


def _central(fn: Differentiable, name: str, direction: np.ndarray, h: float, weights: np.ndarray,
             y0: np.ndarray) -> np.ndarray:
    """The central difference, after making sure no kink lies within the step.

    One-sided differences that disagree are suspicious; they are retaken with a step ten times
    smaller. For a smooth function the disagreement (``h * f''``) shrinks tenfold, so the smaller
    step's central difference is used; at a kink it stays (the jump in slope does not depend on
    ``h``), and :class:`KinkFound` is raised.
    """
    f0 = weights @ y0.reshape(-1)
    fwd, bwd, central = _differences(fn, name, direction, h, weights, f0)
    jump = np.abs(fwd - bwd)
    suspicious = jump > KINK_RTOL * np.maximum(np.abs(fwd), np.abs(bwd)) + 1e-6
    if not np.any(suspicious):
        return central
    fwd, bwd, central = _differences(fn, name, direction, h / 10, weights, f0)
    if np.any(suspicious & (np.abs(fwd - bwd) > 0.5 * jump)):
        raise KinkFound(f"one-sided differences of {name!r} disagree by {float(jump.max()):.3g}")
    return central


def _close(numeric: np.ndarray, analytic: np.ndarray, scale: float) -> bool:
    numeric, analytic = np.asarray(numeric), np.asarray(analytic)
    tolerance = RTOL * np.maximum(np.abs(numeric), np.abs(analytic)) + ATOL * scale
    return bool(np.all(np.isfinite(analytic)) and np.all(np.abs(numeric - analytic) <= tolerance))


def _unless_unresolved(what: str, numeric: np.ndarray, finer: np.ndarray) -> None:
    """Before a disagreement is reported: raise :class:`KinkFound` if the central difference itself
    does not settle as the step shrinks tenfold.

    A derivative's central difference changes by ``O(h**2)`` with the step; one that moves by more
    than ``KINK_RTOL`` measured something finer than the step, not a slope: a kink whose one-sided
    differences happen to agree (an odd function of the step, as ``x / max(|x|, 1e-7)`` at 0, where
    the floor is far below the step) or a near-tie crossed within it. The caller steps off the point.
    """
    moved = np.abs(finer - numeric)
    if np.any(moved > KINK_RTOL * np.maximum(np.abs(numeric), np.abs(finer)) + 1e-6):
        raise KinkFound(f"{what}: central differences do not settle as the step shrinks "
                        f"(changed by up to {float(moved.max()):.3g})")


def _assert_close(what: str, numeric: np.ndarray, analytic: np.ndarray, scale: float) -> None:
    numeric, analytic = np.asarray(numeric), np.asarray(analytic)
    if not np.all(np.isfinite(analytic)):
        raise GradientMismatch(f"{what}: backward returned non-finite values {analytic!r}")
    tolerance = RTOL * np.maximum(np.abs(numeric), np.abs(analytic)) + ATOL * scale
    bad = np.abs(numeric - analytic) > tolerance
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise GradientMismatch(
            f"{what}: backward gives {float(analytic[where]):.12g} where central differences give "
            f"{float(numeric[where]):.12g} (at index {where}; worst relative error "
            f"{float(np.max(np.abs(numeric - analytic) / np.maximum(tolerance, 1e-300)) * RTOL):.3g}, "
            f"tolerance rtol={RTOL}, atol={ATOL}*{scale:.3g})")


def check_gradients(fn: Differentiable, rng: np.random.Generator, *, names: list[str] | None = None,
                    full_jacobian_max: int = FULL_JACOBIAN_MAX, directions: int = DIRECTIONS) -> None:
    """Compare ``fn``'s backward with central differences for each variable in ``names`` (default all).

    Raises :class:`GradientMismatch` naming the variable and the first disagreeing entry, or
    :class:`KinkFound` when the point is too close to a non-differentiable one to judge.
    """
    names = list(fn.variables) if names is None else fn.expand(names)
    for name in names:
        if fn.variables[name].dtype != np.float64:
            raise GradientMismatch(f"{name}: gradient checks need float64, got {fn.variables[name].dtype}")
    y0 = fn.output()
    total_in = sum(fn.variables[n].size for n in names)
    if total_in * max(y0.size, 1) <= full_jacobian_max:
        _full_jacobian(fn, names, y0, rng)
    else:
        _directional(fn, names, y0, rng, directions)


def _full_jacobian(fn: Differentiable, names: list[str], y0: np.ndarray, rng: np.random.Generator) -> None:
    n_out = max(y0.size, 1)
    analytic: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for i in range(n_out):
        unit = np.zeros(n_out)
        unit[i] = 1.0
        _, backward = fn.forward()
        grads = _call_backward(backward, unit.reshape(y0.shape))
        for n in names:
            analytic[n].append(grads[n])
    identity = np.eye(n_out)
    scale = 1.0 + float(np.max(np.abs(y0))) if y0.size else 1.0
    for n in names:
        h = _step(fn.variables[n])
        numeric = _numeric_jacobian(fn, n, h, identity, y0)
        ana = np.stack(analytic[n])
        project = fn.project.get(n)
        if project is not None:
            ana = np.stack([project(r) for r in ana])
        what = f"d(output)/d({n}) (full Jacobian, shape {ana.shape})"
        tolerance_scale = max(scale, float(np.max(np.abs(ana))) if ana.size else 1.0)
        if not _close(numeric, ana, tolerance_scale):
            _unless_unresolved(what, numeric, _numeric_jacobian(fn, n, h / 10, identity, y0))
        _assert_close(what, numeric, ana, tolerance_scale)


def _numeric_jacobian(fn: Differentiable, name: str, h: float, identity: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """Every column of d(output)/d(``name``) by central differences of step ``h`` (projected)."""
    x = fn.variables[name]
    numeric = np.zeros((identity.shape[0],) + x.shape)
    for j in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[j] = 1.0
        numeric[(slice(None),) + j] = _central(fn, name, e, h, identity, y0)
    project = fn.project.get(name)
    return numeric if project is None else np.stack([project(r) for r in numeric])


def _directional(fn: Differentiable, names: list[str], y0: np.ndarray, rng: np.random.Generator,
                 directions: int) -> None:
    for _ in range(directions):
        v = _upstream_like(y0, rng)
        _, backward = fn.forward()
        grads = _call_backward(backward, v)
        weights = v.reshape(1, -1)
        for n in names:
            x = fn.variables[n]
            u = rng.uniform(-1.0, 1.0, size=x.shape)
            project = fn.project.get(n)
            if project is not None:
                u = project(u)
            u /= max(float(np.max(np.abs(u))), 1e-12)
            central = _central(fn, n, u, _step(x), weights, y0)
            analytic = float(np.sum(grads[n] * u))
            scale = 1.0 + float(np.sum(np.abs(grads[n] * u))) + float(np.sum(np.abs(v * y0)))
            what = f"v^T J u for {n} (directional derivative, shape {x.shape})"
            if not _close(central[0], np.asarray(analytic), scale):
                _unless_unresolved(what, central, _central(fn, n, u, _step(x) / 10, weights, y0))
            _assert_close(what, central[0], np.asarray(analytic), scale)


def check_pure_backward(fn: Differentiable, watched: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """The backward contract besides correctness: calling it twice gives the same gradients (it
    assigns, never accumulates), neither it nor the forward modifies the inputs (``watched``) or the
    upstream gradient, and float64 in gives float64 out. A watched list (a multi-input layer's
    inputs) is watched array by array, as ``name[0]``, ``name[1]``, ..."""
    watched = {f"{k}[{i}]" if isinstance(v, (list, tuple)) else k: a
               for k, v in watched.items() for i, a in enumerate(v if isinstance(v, (list, tuple)) else [v])}
    before = {k: np.array(v, copy=True) for k, v in watched.items()}
    y, backward = fn.forward()
    y_arr = np.asarray(y)
    if y_arr.dtype.kind == "f" and y_arr.ndim > 0 and y_arr.dtype != np.float64:
        raise GradientMismatch(f"forward returned {y_arr.dtype} for float64 inputs: allocate in the input's dtype")
    dy = _upstream_like(np.array(y_arr, dtype=np.float64), rng)
    upstream = float(dy) if dy.ndim == 0 else dy.copy()
    first = {k: np.array(v, copy=True) for k, v in backward(upstream).items()}
    if dy.ndim and not np.array_equal(upstream, dy):
        raise GradientMismatch("backward modified the upstream gradient dy it was given")
    for k, value in before.items():
        if not np.array_equal(np.asarray(watched[k]), value, equal_nan=True):
            raise GradientMismatch(f"forward/backward modified its input {k!r} in place")
    for k, value in first.items():
        if value.dtype.kind == "f" and value.dtype != np.float64:
            raise GradientMismatch(f"backward returned {value.dtype} for {k!r} with float64 inputs")
    second = {k: np.array(v, copy=True) for k, v in backward(np.copy(upstream) if dy.ndim else upstream).items()}
    for k in first:
        if not np.allclose(first[k], second[k], rtol=1e-12, atol=0.0, equal_nan=True):
            raise GradientMismatch(
                f"calling backward twice with the same dy gives different gradients for {k!r} "
                f"(first {first[k]!r}, second {second[k]!r}): gradients must be assigned, not accumulated")
