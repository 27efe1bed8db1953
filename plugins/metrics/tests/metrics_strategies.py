"""Hypothesis strategies and helpers shared by the neuropil-metrics tests."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: Moderate example counts: the whole project suite must run in minutes on two cores.
EXAMPLES = 40

# Scores with plenty of ties and exact threshold hits (0, 0.5, 1) as well as arbitrary values.
scores = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
weights = st.floats(0.1, 4.0)


@st.composite
def binary(draw: Any, min_size: int = 1, max_size: int = 60, weighted: bool | None = None) -> tuple:
    """(y_true (n, 1) of 0/1 floats, y_pred (n, 1) probabilities, sample weights (n,) or None)."""
    n = draw(st.integers(min_size, max_size))
    y_true = draw(hnp.arrays(np.float64, (n, 1), elements=st.sampled_from([0.0, 1.0])))
    y_pred = draw(hnp.arrays(np.float64, (n, 1), elements=scores))
    use_weights = draw(st.booleans()) if weighted is None else weighted
    w = draw(hnp.arrays(np.float64, (n,), elements=weights)) if use_weights else None
    return y_true, y_pred, w


@st.composite
def classes(draw: Any, min_classes: int = 2, max_classes: int = 6, max_size: int = 60) -> tuple:
    """(integer labels (n,), distinct scores (n, C), weights or None, C): scores come from a drawn seed
    so that rows have no ties (tie-breaking is where libraries legitimately differ)."""
    n = draw(st.integers(1, max_size))
    c = draw(st.integers(min_classes, max_classes))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores_ = rng.random((n, c))
    # sometimes make the labels predictable, so that scores are not only chance-level
    if draw(st.booleans()):
        scores_[np.arange(n), labels] += rng.random(n)
    w = draw(hnp.arrays(np.float64, (n,), elements=weights)) if draw(st.booleans()) else None
    return labels, scores_, w, c


@st.composite
def cuts(draw: Any, n: int) -> list[int]:
    """Split points 0 <= a <= b <= ... <= n (repeats give empty batches)."""
    return sorted(draw(st.lists(st.integers(0, n), max_size=6)))


def stream(metric: Any, y_true: Any, y_pred: Any, w: Any, points: list[int]) -> Any:
    """Feed ``metric`` batch by batch, split at ``points``; returns its result."""
    bounds = [0, *points, len(y_pred)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        metric.update_state(y_true[a:b], y_pred[a:b], None if w is None else w[a:b])
    return metric.result()


def one_hot(labels: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[labels]
