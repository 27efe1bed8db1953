"""Reference formulas of the standard regularizers, for the conformance suite's ``reference``
property: ``reference(self, w) -> penalty`` in float64, attached to each class as one attribute and
compared with ``loss(w)`` (whose ``gradient`` the gradient check then holds to it).

Keras's definitions (keras/src/regularizers/regularizers.py), written plainly and sharing nothing with
the regularizers' code: OrthogonalRegularizer's penalty as an explicit loop over the distinct pairs of
rows (or columns). Test-side NumPy only.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

EPSILON = 1e-7  # Keras's backend.epsilon(), the floor of a norm Keras's ``normalize`` divides by


def l1l2(self: Any, w: Any) -> float:
    """``l1 * sum(|w|) + l2 * sum(w ** 2)``; no factor 1/2 (Keras's definition)."""
    values = np.asarray(w, dtype=np.float64).ravel()
    return float(getattr(self, "l1", 0.0)) * float(np.sum(np.abs(values))) \
        + float(getattr(self, "l2", 0.0)) * float(np.dot(values, values))


def orthogonal(self: Any, w: Any) -> float:
    """``factor`` times the mean over the distinct pairs ``i < j`` of ``|cos(v_i, v_j)|``, ``v`` the rows
    (``mode="rows"``) or columns of the matrix, each divided by ``max(||v||, epsilon)`` (so a zero row has
    cosine 0 with everything). Keras writes this as ``factor * 0.5 * sum_{i != j} |u_i . u_j| / (n(n-1)/2)``,
    the same number. With fewer than two vectors there is no pair: 0 (Keras divides by zero)."""
    matrix = np.asarray(w, dtype=np.float64)
    vectors = list(matrix if self.mode == "rows" else matrix.T)
    pairs = list(itertools.combinations(range(len(vectors)), 2))
    if not pairs:
        return 0.0
    units = [v / max(float(np.sqrt(np.sum(v * v))), EPSILON) for v in vectors]
    total = sum(abs(float(np.dot(units[i], units[j]))) for i, j in pairs)
    return float(self.factor) * total / len(pairs)
