"""AUC of the ROC or precision-recall curve, the Keras way (thresholded) or exactly.

Thresholded mode (Keras's, the default): tp/fp/fn/tn are tallied at ``num_thresholds`` thresholds
evenly spaced over [0, 1] (the outer two nudged to -1e-7 and 1 + 1e-7 so that scores of exactly 0 and
1 fall inside) and the curve through those points is summed: 'interpolation' is the trapezoid rule for
ROC and Davis & Goadrich's interpolation for PR; 'minoring' / 'majoring' take the lower / upper
rectangle. State is four arrays of num_thresholds floats whatever the epoch length. Scores that share
a bucket between two thresholds are indistinguishable, so ROC AUC is exact only up to the pairs of
positives and negatives that share a bucket (each counted as a tie).

Exact mode (``num_thresholds=None``): every (label, score, weight) is kept on the device until
``result()``, which sorts once. ROC gives the exact area (ties count one half, = scikit-learn's
``roc_auc_score``); PR gives average precision (= scikit-learn's ``average_precision_score``, the
step-wise sum, not the interpolated area). Memory grows with the epoch: use it for evaluation.

``curve="PRGAIN"`` (Keras 3): the area under the precision-recall *gain* curve (Flach & Kull 2015),
precision gain against recall gain, summed like ROC (the trapezoid rule for 'interpolation'; linear
interpolation is the right one between PRG points). Exact mode sums it over every distinct score.

Degenerate data: with no positive or no negative label the ROC curve is undefined; the result is 0.0
(what Keras's formulas give; scikit-learn raises or returns nan). PR AUC with no positive is 0.0.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric

from . import reference_metrics as _reference
from ._tally import FLOAT, Tallies, aligned, broadcast_weights, divide, threshold_tallies, to_host

EPSILON = 1e-7
CURVES = ("ROC", "PR", "PRGAIN")
SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC (default) or PR curve; see the module docstring for the two modes."""

    @property
    def result_range(self) -> tuple[float, float]:
        """Checked by the conformance suite's ``range``: an area under a ROC or PR curve lies in
        [0, 1]; a precision-recall *gain* curve dips below 0 where precision is below the base rate."""
        return (-float("inf"), 1.0) if self.curve == "PRGAIN" else (0.0, 1.0)

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "auc"
    target_kind = "binary"
    prediction_kind = "probability"
    #: For the conformance suite: each curve, both modes, a coarse grid.
    example_configs: tuple[dict[str, Any], ...] = (
        {}, {"curve": "PR", "num_thresholds": 20}, {"curve": "PRGAIN"}, {"curve": "PRGAIN", "num_thresholds": None},
        {"num_thresholds": None}, {"curve": "PR", "num_thresholds": None}, {"summation_method": "minoring"},
        {"summation_method": "majoring", "num_thresholds": 7}, {"curve": "PR", "summation_method": "minoring"},
        {"curve": "PRGAIN", "summation_method": "majoring"}, {"thresholds": [0.3, 0.5, 0.8]},
        {"curve": "PR", "thresholds": [0.25, 0.6]}, {"from_logits": True}, {"multi_label": True},
        {"multi_label": True, "curve": "PR", "num_thresholds": 11}, {"multi_label": True, "num_thresholds": None})
    reference = _reference.auc
    #: Keras's documented example (keras/src/metrics/confusion_metrics.py): thresholds [-1e-7, 0.5,
    #: 1 + 1e-7], tp = [2, 1, 0], fp = [2, 0, 0], so the trapezoids add up to 0.75.
    golden_examples = ({"config": {"num_thresholds": 3}, "inputs": ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]), "output": 0.75},
                       {"config": {"num_thresholds": 3},
                        "inputs": ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1]), "output": 1.0},
                       # By the definition: scores of exactly 0 or 1 fall inside the outer thresholds
                       # (-1e-7 and 1 + 1e-7), so a positive and a negative tied there are one tie, 1/2
                       {"inputs": ([0, 1], [1.0, 1.0]), "output": 0.5},
                       {"inputs": ([0, 1], [0.0, 0.0]), "output": 0.5},
                       {"config": {"thresholds": [0.5]}, "inputs": ([0, 1], [1.0, 1.0]), "output": 0.5},
                       {"config": {"thresholds": [0.5]}, "inputs": ([0, 1], [0.0, 0.0]), "output": 0.5},
                       # Exact mode against scikit-learn's documented examples: roc_auc_score gives 0.75
                       # and average_precision_score 0.83 (= 1/2 · 1 + 1/2 · 2/3) on these scores;
                       # weighted, 2/3 · 1 + 1/3 · 3/7 = 17/21 (scikit-learn agrees)
                       {"config": {"num_thresholds": None},
                        "inputs": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), "output": 0.75},
                       {"config": {"num_thresholds": None, "curve": "PR"},
                        "inputs": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), "output": 5 / 6},
                       {"config": {"num_thresholds": None, "curve": "PR"},
                        "inputs": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [1.0, 2.0, 0.5, 1.0]),
                        "output": 17 / 21},
                       # from_logits: the sigmoid of a negative logit (-0.2 -> 0.45) stays below that of
                       # 2.0 (0.88), so the positive outranks the negative: 1.0
                       {"config": {"from_logits": True}, "inputs": ([0, 1], [-0.2, 2.0]), "output": 1.0},
                       {"config": {"from_logits": True, "num_thresholds": None},
                        "inputs": ([0, 1, 0, 1], [-0.2, 2.0, -3.0, -1.0]), "output": 0.75})

    def __init__(self, num_thresholds: int | None = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None, dtype: str | None = None,
                 thresholds: Sequence[float] | None = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Sequence[float] | None = None,
                 from_logits: bool = False) -> None:
        self.curve = checks.one_of("AUC", "curve", curve.upper() if isinstance(curve, str) else curve, CURVES)
        self.summation_method = checks.one_of("AUC", "summation_method", summation_method, SUMMATIONS,
                                              normalise=True)
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self._thresholds: list[float] | None = [-EPSILON, *inner, 1.0 + EPSILON]
            num_thresholds = len(self._thresholds)
        elif num_thresholds is None:
            self._thresholds = None
        else:
            num_thresholds = checks.integer("AUC", "num_thresholds", num_thresholds, minimum=2)
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds = [-EPSILON, *inner, 1.0 + EPSILON]
        self.num_thresholds = num_thresholds
        self.init_thresholds = None if thresholds is None else list(thresholds)
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        self.label_weights = None if label_weights is None else [float(w) for w in label_weights]
        self.from_logits = bool(from_logits)
        super().__init__(name=name, dtype=dtype)

    @property
    def exact(self) -> bool:
        return self._thresholds is None

    @property
    def thresholds(self) -> list[float] | None:
        """The thresholds used (None in exact mode)."""
        return self._thresholds

    def reset_state(self) -> None:
        self._tallies = Tallies()
        self._kept: list[tuple[Any, Any, Any]] = []

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        y_true, y_pred = aligned(xp, y_true, y_pred)
        y_pred = y_pred.astype(FLOAT)
        if self.from_logits:  # a sigmoid that cannot overflow
            small = xp.exp(-xp.abs(y_pred))
            y_pred = xp.where(y_pred >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
        weights = broadcast_weights(xp, sample_weight, y_pred.shape)
        if self.label_weights is not None and not self.multi_label:
            weights = weights * xp.asarray(self.label_weights, dtype=FLOAT)
        labels = y_pred.shape[-1] if self.multi_label else 1
        positive = (y_true != 0).reshape(-1, labels)
        scores, weights = y_pred.reshape(-1, labels), weights.reshape(-1, labels)
        if self.exact:
            self._kept.append((positive, scores, weights))
            return
        thresholds = xp.asarray(self._thresholds, dtype=FLOAT)
        tp: list[Any] = []
        fp: list[Any] = []
        fn: list[Any] = []
        tn: list[Any] = []
        for j in range(labels):
            t, f, pos, neg = threshold_tallies(xp, positive[:, j], scores[:, j], weights[:, j], thresholds)
            tp.append(t)
            fp.append(f)
            fn.append(pos - t)
            tn.append(neg - f)
        self._tallies.add(tp=xp.stack(tp), fp=xp.stack(fp), fn=xp.stack(fn), tn=xp.stack(tn))

    def result(self) -> float:
        per_label = self._exact_per_label() if self.exact else self._thresholded_per_label()
        if per_label.size == 0:
            return 0.0
        if self.multi_label and self.label_weights is not None:
            label_weights = np.asarray(self.label_weights, dtype=np.float64)
            return float(divide((per_label * label_weights).sum(), label_weights.sum()))
        return float(per_label.mean())

    # -- thresholded -----------------------------------------------------------------------------
    def _thresholded_per_label(self) -> np.ndarray:
        counts = self._tallies.read()
        if counts is None:
            return np.zeros(0)
        return np.array([self._area(counts["tp"][j], counts["fp"][j], counts["fn"][j], counts["tn"][j])
                         for j in range(len(counts["tp"]))])

    def _area(self, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> float:
        """The curve's area from counts ordered by increasing threshold (so decreasing tp and fp)."""
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _interpolated_pr_area(tp, fp, fn)
        if self.curve == "ROC":
            x, y = divide(fp, fp + tn), divide(tp, tp + fn)
        elif self.curve == "PR":
            x, y = divide(tp, tp + fn), divide(tp, tp + fp)
        else:
            x, y = _precision_recall_gains(tp, fp, fn, tn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))

    # -- exact -----------------------------------------------------------------------------------
    def _exact_per_label(self) -> np.ndarray:
        if not self._kept:
            return np.zeros(0)
        positive, scores, weights = (to_host(array_module(parts[0]).concatenate(parts))
                                     for parts in zip(*self._kept))
        if self.curve == "PRGAIN":
            return np.array([self._area(*_counts_at_every_score(positive[:, j], scores[:, j], weights[:, j]))
                             for j in range(scores.shape[1])])
        exact = _exact_roc_auc if self.curve == "ROC" else _average_precision
        return np.array([exact(positive[:, j], scores[:, j], weights[:, j]) for j in range(scores.shape[1])])

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "num_thresholds": None if self.exact else self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self.init_thresholds, "multi_label": self.multi_label,
                "num_labels": self.num_labels, "label_weights": self.label_weights,
                "from_logits": self.from_logits}


def _precision_recall_gains(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray,
                            tn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recall gain and precision gain (Flach & Kull 2015) at every threshold, with Keras's guards.

    With π the share of positives, gain = (rate - π) / ((1 - π) rate), i.e. 1 - (P/N)·fn/tp for
    recall and 1 - (P/N)·fp/tp for precision. Where tp = 0 both are undefined: recall gain is set to
    0 and precision gain to 1; a negative recall gain (recall below π) is raised to 0. Both diverge
    without negatives, which is left as it is (P/N is then 0 by ``divide``).
    """
    scale = divide(tp + fn, tn + fp)
    no_hit = tp == 0
    recall_gain = np.where(no_hit, 0.0, 1.0 - scale * divide(fn, tp))
    precision_gain = np.where(no_hit, 1.0, 1.0 - scale * divide(fp, tp))
    return np.maximum(recall_gain, 0.0), precision_gain


def _counts_at_every_score(positive: np.ndarray, scores: np.ndarray,
                           weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """tp, fp, fn, tn with a threshold below every score, then just above each distinct score in
    increasing order (the exact curve's points, ordered as the thresholded counts are)."""
    pos, neg = _distinct_score_groups(positive, scores, weights, descending=False)
    # suffix sums (the weight above each threshold), so that "nothing above" is exactly 0: a total
    # minus a running sum can leave 1e-16 there, which the gains divide by
    tp = np.concatenate([np.cumsum(pos[::-1])[::-1], [0.0]])
    fp = np.concatenate([np.cumsum(neg[::-1])[::-1], [0.0]])
    return tp, fp, tp[0] - tp, fp[0] - fp


def _interpolated_pr_area(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    """PR area with tp and predicted positives p = tp + fp varying linearly between thresholds
    (Davis & Goadrich 2006): on each interval precision = (intercept + slope * p) / p, whose integral
    over recall has a closed form with a logarithm."""
    d_tp = tp[:-1] - tp[1:]
    p = tp + fp
    d_p = p[:-1] - p[1:]
    slope = divide(d_tp, np.maximum(d_p, 0))
    intercept = tp[1:] - slope * p[1:]
    both_positive = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both_positive, divide(p[:-1], np.maximum(p[1:], 0)), 1.0)
    increments = divide(slope * (d_tp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
    return float(np.sum(increments))


def _distinct_score_groups(positive: np.ndarray, scores: np.ndarray, weights: np.ndarray,
                           descending: bool) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative weight per distinct score, in score order (ties pooled)."""
    order = np.argsort(-scores if descending else scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.concatenate([[True], sorted_scores[1:] != sorted_scores[:-1]])
    group = np.cumsum(starts) - 1
    w, pos = weights[order], positive[order]
    return (np.bincount(group, np.where(pos, w, 0.0)), np.bincount(group, np.where(pos, 0.0, w)))


def _exact_roc_auc(positive: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> float:
    """The weighted Mann-Whitney statistic: P(score of a positive > score of a negative), ties 1/2."""
    pos, neg = _distinct_score_groups(positive, scores, weights, descending=False)
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        return 0.0
    negatives_below = np.cumsum(neg) - neg
    return float(np.sum(pos * (negatives_below + 0.5 * neg)) / (total_pos * total_neg))


def _average_precision(positive: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> float:
    """Sum over distinct thresholds, high to low, of precision times the recall gained there."""
    pos, neg = _distinct_score_groups(positive, scores, weights, descending=True)
    total_pos = pos.sum()
    if total_pos <= 0:
        return 0.0
    tp, fp = np.cumsum(pos), np.cumsum(neg)
    return float(np.sum(pos / total_pos * divide(tp, tp + fp)))
