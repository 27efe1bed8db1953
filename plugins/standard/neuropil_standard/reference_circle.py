"""Reference formula of the Circle loss, for the conformance suite's ``reference`` property:
``reference(self, y_true, y_pred) -> per-sample values`` in float64, attached to ``Circle`` as one
attribute and compared with ``per_sample``.

Keras's definition (keras/src/losses/losses.py, ``circle``, after Sun et al., 2020), written one
anchor and one pair at a time in plain Python and NumPy, sharing nothing with the vectorised forward
(its masks, its masked logsumexp). Test-side only.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np


def _logsumexp(terms: list[float]) -> float:
    """``log(sum(exp(terms)))``, ``-inf`` for no terms."""
    if not terms:
        return -math.inf
    peak = max(terms)
    return peak + math.log(sum(math.exp(term - peak) for term in terms))


def _softplus(x: float) -> float:
    return 0.0 if x == -math.inf else float(np.logaddexp(0.0, x))


def circle(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """For each anchor ``i``: with cosine distances ``d = max(1 - e_i . e_j, 0)``, positive pairs (same
    label; ``j != i`` with ``remove_diagonal``) give ``-gamma * max(margin + d, 0) * (margin - d)``,
    negative pairs (other label) ``gamma * max(1 + margin - d, 0) * ((1 - margin) - d)``; the value is
    ``softplus(logsumexp(positive terms) + logsumexp(negative terms))``, 0 for an anchor lacking
    either kind of pair."""
    embeddings = np.asarray(y_pred, dtype=np.float64)
    labels = [int(v) for v in np.asarray(y_true).reshape(-1)]
    gamma, margin = float(self.gamma), float(self.margin)
    values = np.zeros(len(labels))
    for i, anchor in enumerate(embeddings):
        positive_terms, negative_terms = [], []
        for j, other in enumerate(embeddings):
            distance = max(1.0 - float(np.dot(anchor, other)), 0.0)
            if labels[j] == labels[i]:
                if self.remove_diagonal and j == i:
                    continue
                positive_terms.append(-gamma * max(margin + distance, 0.0) * (margin - distance))
            else:
                negative_terms.append(gamma * max(1.0 + margin - distance, 0.0) * ((1.0 - margin) - distance))
        values[i] = _softplus(_logsumexp(positive_terms) + _logsumexp(negative_terms))
    return values
