"""Keras's OrthogonalRegularizer: a penalty on the cosine similarity between a kernel's rows (or
columns), pushing them towards orthogonality (decorrelated features), with its gradient by hand."""
from __future__ import annotations

from typing import Any

from neuropil import checks, config
from neuropil.base.backend import array_module
from neuropil.errors import ArgumentError

from . import reference_regularizers as _reference


class OrthogonalRegularizer:
    """``factor · 0.5 · sum_{i≠j} |u_i · u_j| / (n(n-1)/2)`` over the ``n`` rows (``mode="rows"``) or
    columns (``mode="columns"``) ``u_i`` of a 2-D weight, each normalised as ``w_i / max(||w_i||,
    epsilon)`` (Keras's ``normalize``, so a zero row stays zero).

    That is ``factor`` times the mean absolute cosine over the distinct pairs (each pair is counted
    twice in the sum, which the 0.5 undoes). Keras divides by zero for a single row (NaN); with no
    pair there is nothing to decorrelate, so here the penalty and its gradient are 0.

    Gradient, with ``P = U Uᵀ`` and ``G = c·sign(P)`` off the diagonal (``c`` the constant above):
    ``dL/dU = 2·G·U``; through the normalisation, ``dL/dw_i = (d_i - u_i (u_i·d_i)) / ||w_i||`` (the
    component along ``u_i`` does not change a unit vector), or ``d_i / epsilon`` where the norm is
    below ``epsilon`` and the division is linear.
    """

    ndims = (2,)
    example_configs: tuple[dict[str, Any], ...] = ({}, {"factor": 0.3, "mode": "columns"}, {"factor": 0.2})
    reference = _reference.orthogonal
    #: By hand, Keras's default factor 0.01: rows (1, 0) and (1, 1) have cosine 1 / sqrt(2), one pair;
    #: columns (1, 1) and (0, 1) too.
    golden_examples: tuple[dict[str, Any], ...] = (
        {"config": {}, "inputs": ([[1.0, 0.0], [1.0, 1.0]],), "output": 0.01 / 2**0.5},
        {"config": {"mode": "columns"}, "inputs": ([[1.0, 0.0], [1.0, 1.0]],), "output": 0.01 / 2**0.5})

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = checks.number("OrthogonalRegularizer", "factor", factor, minimum=0)
        self.mode = checks.one_of("OrthogonalRegularizer", "mode", mode, ("rows", "columns"))

    def _vectors(self, w: Any) -> Any:
        if w.ndim != 2:
            raise ArgumentError(f"OrthogonalRegularizer needs a 2-D weight, received one of shape {tuple(w.shape)}")
        return w if self.mode == "rows" else w.T

    def _normalised(self, vectors: Any) -> tuple[Any, Any, Any]:
        xp = array_module(vectors)
        norms = xp.sqrt((vectors * vectors).sum(axis=1, keepdims=True))
        denominators = xp.maximum(norms, config.epsilon())
        return vectors / denominators, norms, denominators

    def _coefficient(self, n: int) -> float:
        return self.factor * 0.5 / (n * (n - 1) / 2.0)

    def loss(self, w: Any) -> Any:
        xp = array_module(w)
        vectors = self._vectors(w)
        n = vectors.shape[0]
        if n < 2:
            return xp.zeros((), dtype=w.dtype)
        units, _, _ = self._normalised(vectors)
        products = units @ units.T
        off_diagonal = xp.abs(products).sum() - xp.abs(xp.diagonal(products)).sum()
        return off_diagonal * self._coefficient(n)

    def gradient(self, w: Any) -> Any:
        xp = array_module(w)
        vectors = self._vectors(w)
        n = vectors.shape[0]
        if n < 2:
            return xp.zeros_like(w)
        units, norms, denominators = self._normalised(vectors)
        signs = xp.sign(units @ units.T)
        signs *= 1.0 - xp.eye(n, dtype=w.dtype)
        d_units = (signs @ units) * (2.0 * self._coefficient(n))
        along = (units * d_units).sum(axis=1, keepdims=True)
        d_vectors = xp.where(norms > config.epsilon(), d_units - units * along, d_units) / denominators
        return d_vectors if self.mode == "rows" else d_vectors.T

    def __call__(self, w: Any) -> Any:
        return self.loss(w)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}

    def __repr__(self) -> str:
        return f"OrthogonalRegularizer(factor={self.factor!r}, mode={self.mode!r})"
