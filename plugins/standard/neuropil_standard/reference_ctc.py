"""Reference formula of the CTC loss, for the conformance suite's ``reference`` property:
``reference(self, y_true, y_pred) -> per-sample values`` in float64, attached to ``CTC`` as one
attribute and compared with ``per_sample``.

``-log p(labels | logits)`` (Graves et al., 2006; Keras's ``ctc`` with ``mask_index=0``: 0 is the
blank and the padding, a sequence's labels are its first ``count_nonzero`` entries, every time step
is used). The sum over alignments is a dynamic programme over *how many labels have been emitted
and whether the current frame is a blank*, one (t, j) cell at a time in plain Python, not the
extended-sequence alpha recursion of the forward; :func:`brute_force` sums over every frame-by-frame
path for tiny sizes, which the unit tests use to check this formula. Test-side only.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

BLANK = 0


def _log_softmax(row: np.ndarray) -> np.ndarray:
    peak = float(row.max())
    return row - peak - math.log(float(np.exp(row - peak).sum()))


def _add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))``, exact for ``-inf``."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def _labels(row: Any) -> list[int]:
    row = [int(v) for v in np.asarray(row).reshape(-1)]
    return row[:sum(1 for v in row if v != BLANK)]


def sequence_log_likelihood(labels: list[int], log_probs: np.ndarray) -> float:
    """``log p(labels)``: ``blank[j]`` / ``label[j]`` hold the log-probability of the frames so far having
    emitted ``labels[:j]`` and the current frame being a blank / being ``labels[j-1]`` (possibly a repeat
    of it, which collapses)."""
    n = len(labels)
    neg = -math.inf
    blank = [neg] * (n + 1)
    label = [neg] * (n + 1)
    blank[0] = float(log_probs[0, BLANK])
    if n:
        label[1] = float(log_probs[0, labels[0]])
    for frame in log_probs[1:]:
        new_blank, new_label = [neg] * (n + 1), [neg] * (n + 1)
        for j in range(n + 1):
            # a blank frame keeps the count: after a blank or after a label
            new_blank[j] = float(frame[BLANK]) + _add(blank[j], label[j])
            if j:
                symbol = labels[j - 1]
                stay = label[j]  # the same label again: collapsed into the one before
                # a new label: after a blank, or after a different label
                advance = _add(blank[j - 1], label[j - 1] if j >= 2 and labels[j - 2] != symbol else neg)
                new_label[j] = float(frame[symbol]) + _add(stay, advance)
        blank, label = new_blank, new_label
    return _add(blank[n], label[n])


def ctc(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    logits = np.asarray(y_pred, dtype=np.float64)
    rows = np.asarray(y_true)
    return np.array([-sequence_log_likelihood(_labels(rows[b]), np.array([_log_softmax(z) for z in logits[b]]))
                     for b in range(logits.shape[0])])


def brute_force(labels: list[int], logits: np.ndarray) -> float:
    """``-log`` of the sum, over every path of one class per frame whose collapse (repeats merged, then
    blanks dropped) is ``labels``, of the product of the softmax probabilities: exponential in the
    number of frames, for tiny sizes only."""
    probabilities = np.exp(np.array([_log_softmax(z) for z in np.asarray(logits, dtype=np.float64)]))
    steps, classes = probabilities.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        merged = [c for t, c in enumerate(path) if t == 0 or c != path[t - 1]]
        if [c for c in merged if c != BLANK] == list(labels):
            total += float(np.prod([probabilities[t, c] for t, c in enumerate(path)]))
    return -math.log(total) if total > 0 else math.inf
