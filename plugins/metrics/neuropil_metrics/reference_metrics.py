"""Reference formulas of the neuropil-metrics metrics, for the conformance suite's ``reference``
property: ``reference(self, y_true, y_pred, sample_weight) -> result`` in float64, attached to each
class as one attribute and compared with ``result()`` after one ``update_state``.

Each is written from Keras's published definition (keras/src/metrics/*.py and its docstrings) or,
where neuropil documents a difference, from that documented rule, as plain loops over samples and
elements. Nothing here is imported from the fast implementations (no ``_tally``, no ``per_sample``):
a shared helper would share its bugs. The loops are slow on purpose; the suite feeds them a handful
of rows. Test-side NumPy only, configuration read from ``self``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

EPSILON = 1e-7  # Keras's backend.epsilon()


# -- shared input handling (written once here, independently of neuropil_metrics._tally) ----------

def _f(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _safe_ratio(numerator: float, denominator: float) -> float:
    """Keras's ``divide_no_nan`` on one pair of numbers."""
    return numerator / denominator if denominator != 0 else 0.0


def _matched(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Targets reshaped to the predictions' shape when only the layout differs ((n,) against (n, 1))."""
    t, p = _f(y_true), _f(y_pred)
    if p.ndim == 0:
        p = p.reshape(1)
    if t.shape != p.shape and t.size == p.size:
        t = t.reshape(p.shape)
    return t, p


def _sample_weights(sample_weight: Any, n: int) -> np.ndarray:
    return np.ones(n) if sample_weight is None else _f(sample_weight).reshape(n)


def _element_weights(sample_weight: Any, shape: tuple[int, ...]) -> np.ndarray:
    """One weight per element: a sample's weight repeated over its row (Keras broadcasts so)."""
    w = _sample_weights(sample_weight, shape[0])
    return np.broadcast_to(w.reshape((shape[0],) + (1,) * (len(shape) - 1)), shape)


def _two_d(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) targets and predictions: one column for 1-D inputs."""
    t, p = _matched(y_true, y_pred)
    if p.ndim == 1:
        t, p = t.reshape(-1, 1), p.reshape(-1, 1)
    return t.reshape(p.shape[0], -1), p.reshape(p.shape[0], -1)


def _weighted_mean(values: list[float], weights: np.ndarray) -> float:
    total = sum(float(w) for w in weights)
    return sum(v * float(w) for v, w in zip(values, weights)) / total if total else 0.0


# -- confusion counts on thresholds ---------------------------------------------------------------

def _elements(y_true: Any, y_pred: Any, sample_weight: Any, class_id: int | None = None,
              top_k: int | None = None) -> list[tuple[bool, float, float]]:
    """(label is positive, score, weight) for every counted element, as Keras's
    ``update_confusion_matrix_variables`` counts them: top-k filtering per row of the last axis
    first (entries outside a row's k highest, ties to the lower index, can never be positive),
    then the ``class_id`` column."""
    t, p = _matched(y_true, y_pred)
    w = _element_weights(sample_weight, p.shape)
    rows_t, rows_p, rows_w = t.reshape(-1, p.shape[-1]), p.reshape(-1, p.shape[-1]), w.reshape(-1, p.shape[-1])
    out = []
    for labels, row, weights in zip(rows_t, rows_p, rows_w):
        scores = [float(s) for s in row]
        if top_k is not None:
            ranked = sorted(range(len(scores)), key=lambda j: (-scores[j], j))
            kept = set(ranked[:top_k])
            scores = [s if j in kept else -math.inf for j, s in enumerate(scores)]
        for j, (label, score, weight) in enumerate(zip(labels, scores, weights)):
            if class_id is None or j == class_id:
                out.append((bool(label != 0), score, float(weight)))
    return out


def _counts(elements: list[tuple[bool, float, float]], threshold: float) -> dict[str, float]:
    """Weighted tp, fp, tn, fn when a score strictly above ``threshold`` is predicted positive."""
    c = {"tp": 0.0, "fp": 0.0, "tn": 0.0, "fn": 0.0}
    for positive, score, weight in elements:
        predicted = score > threshold
        key = ("tp" if predicted else "fn") if positive else ("fp" if predicted else "tn")
        c[key] += weight
    return c


def _thresholds_or_default(init: Any, default: float) -> list[float]:
    if init is None:
        return [default]
    return [float(t) for t in (init if isinstance(init, (list, tuple, np.ndarray)) else [init])]


def _per_threshold(values: list[float]) -> float | np.ndarray:
    return values[0] if len(values) == 1 else np.array(values)


def _condition_count(condition: str) -> Any:
    def reference(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float | np.ndarray:
        elements = _elements(y_true, y_pred, sample_weight)
        return _per_threshold([_counts(elements, t)[condition]
                               for t in _thresholds_or_default(self.init_thresholds, 0.5)])
    reference.__name__ = f"{condition}_count"
    return reference


true_positives = _condition_count("tp")
false_positives = _condition_count("fp")
true_negatives = _condition_count("tn")
false_negatives = _condition_count("fn")


def _rate(other: str) -> Any:
    def reference(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float | np.ndarray:
        elements = _elements(y_true, y_pred, sample_weight, self.class_id, self.top_k)
        default = 0.5 if self.top_k is None else -1e10  # Keras's NEG_INF with top_k
        values = []
        for t in _thresholds_or_default(self.init_thresholds, default):
            c = _counts(elements, t)
            values.append(_safe_ratio(c["tp"], c["tp"] + c[other]))
        return _per_threshold(values)
    return reference


precision = _rate("fp")
recall = _rate("fn")


# -- the best value of one rate where another reaches a target ------------------------------------

def _operating_grid(num_thresholds: int) -> list[float]:
    """Keras's SensitivitySpecificityBase grid: [0.5] for one threshold, else 0 to 1 inclusive."""
    if num_thresholds == 1:
        return [0.5]
    return [i / (num_thresholds - 1) for i in range(num_thresholds)]


def _at_operating_point(constrained: str, dependent: str) -> Any:
    def rates(c: dict[str, float]) -> dict[str, float]:
        return {"sensitivity": _safe_ratio(c["tp"], c["tp"] + c["fn"]),
                "specificity": _safe_ratio(c["tn"], c["tn"] + c["fp"]),
                "precision": _safe_ratio(c["tp"], c["tp"] + c["fp"])}

    def reference(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
        elements = _elements(y_true, y_pred, sample_weight, self.class_id)
        best, found = 0.0, False
        for t in _operating_grid(self.num_thresholds):
            r = rates(_counts(elements, t))
            if r[constrained] >= self.value:
                best, found = max(best, r[dependent]), True
        return best if found else 0.0
    return reference


sensitivity_at_specificity = _at_operating_point("specificity", "sensitivity")
specificity_at_sensitivity = _at_operating_point("sensitivity", "specificity")
precision_at_recall = _at_operating_point("sensitivity", "precision")
recall_at_precision = _at_operating_point("precision", "sensitivity")


# -- AUC --------------------------------------------------------------------------------------------

def _auc_thresholds(self: Any) -> list[float]:
    """Keras's: [-ε, the inner thresholds, 1 + ε]; inner ones evenly spaced or the user's, sorted."""
    if self.init_thresholds is not None:
        inner = sorted(float(t) for t in self.init_thresholds)
    else:
        n = self.num_thresholds
        inner = [(i + 1) / (n - 1) for i in range(n - 2)]
    return [-EPSILON, *inner, 1.0 + EPSILON]


def _pr_interpolated(counts: list[dict[str, float]]) -> float:
    """Davis & Goadrich: between neighbouring thresholds tp grows linearly with the predicted
    positives p, so precision is tp(p)/p; integrated exactly over recall = tp / (all positives)."""
    area = 0.0
    for high, low in zip(counts[:-1], counts[1:]):  # high: the lower threshold, more predicted positive
        positives = low["tp"] + low["fn"]
        d_tp = high["tp"] - low["tp"]
        p_high, p_low = high["tp"] + high["fp"], low["tp"] + low["fp"]
        d_p = p_high - p_low
        if d_tp == 0 or d_p <= 0 or positives <= 0:
            continue
        slope = d_tp / d_p
        intercept = low["tp"] - slope * p_low
        # ∫ (slope + intercept / p) · slope dp / positives, from p_low to p_high
        log_ratio = math.log(p_high / p_low) if p_low > 0 and p_high > 0 else 0.0
        area += slope * (slope * d_p + intercept * log_ratio) / positives
    return area


def _curve_points(curve: str, counts: list[dict[str, float]]) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for c in counts:
        tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
        if curve == "ROC":
            xs.append(_safe_ratio(fp, fp + tn))
            ys.append(_safe_ratio(tp, tp + fn))
        elif curve == "PR":
            xs.append(_safe_ratio(tp, tp + fn))
            ys.append(_safe_ratio(tp, tp + fp))
        else:  # PRGAIN (Flach & Kull), with Keras's fixes: no tp -> gains 0 and 1; recall gain >= 0
            ratio = _safe_ratio(tp + fn, tn + fp)
            if tp == 0:
                xs.append(0.0)
                ys.append(1.0)
            else:
                xs.append(max(1.0 - ratio * fn / tp, 0.0))
                ys.append(1.0 - ratio * fp / tp)
    return xs, ys


def _riemann(self: Any, counts: list[dict[str, float]]) -> float:
    if self.curve == "PR" and self.summation_method == "interpolation":
        return _pr_interpolated(counts)
    xs, ys = _curve_points(self.curve, counts)
    area = 0.0
    for i in range(len(xs) - 1):
        a, b = ys[i], ys[i + 1]
        height = {"interpolation": (a + b) / 2, "minoring": min(a, b), "majoring": max(a, b)}[self.summation_method]
        area += (xs[i] - xs[i + 1]) * height
    return area


def _mann_whitney(elements: list[tuple[bool, float, float]]) -> float:
    """P(a positive outscores a negative), ties one half, over weighted pairs: the exact ROC AUC."""
    pos = [(s, w) for positive, s, w in elements if positive]
    neg = [(s, w) for positive, s, w in elements if not positive]
    total = sum(w for _, w in pos) * sum(w for _, w in neg)
    if total <= 0:
        return 0.0
    wins = sum(wp * wn * (1.0 if sp > sn else 0.5 if sp == sn else 0.0) for sp, wp in pos for sn, wn in neg)
    return wins / total


def _average_precision(elements: list[tuple[bool, float, float]]) -> float:
    """scikit-learn's average precision: Σ over distinct scores, high to low, of (recall gained) x
    (precision at that score)."""
    positives = sum(w for positive, _, w in elements if positive)
    if positives <= 0:
        return 0.0
    ap, previous_recall = 0.0, 0.0
    for s in sorted({score for _, score, _ in elements}, reverse=True):
        tp = sum(w for positive, score, w in elements if positive and score >= s)
        fp = sum(w for positive, score, w in elements if not positive and score >= s)
        r = tp / positives
        ap += (r - previous_recall) * _safe_ratio(tp, tp + fp)
        previous_recall = r
    return ap


def _auc_one(self: Any, elements: list[tuple[bool, float, float]]) -> float:
    if self.num_thresholds is None and self.init_thresholds is None:  # exact mode
        if self.curve == "ROC":
            return _mann_whitney(elements)
        if self.curve == "PR":
            return _average_precision(elements)
        grid = [-math.inf, *sorted({s for _, s, _ in elements})]
        return _riemann(self, [_counts(elements, t) for t in grid])
    return _riemann(self, [_counts(elements, t) for t in _auc_thresholds(self)])


def auc(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    t, p = _two_d(y_true, y_pred)
    if self.from_logits:
        p = 1.0 / (1.0 + np.exp(-p))
    w = _element_weights(sample_weight, p.shape).copy()
    n, d = p.shape
    if self.label_weights is not None and not self.multi_label:
        w = w * np.asarray(self.label_weights, dtype=np.float64).reshape(1, d)
    if not self.multi_label:
        return _auc_one(self, [(bool(t[i, j] != 0), float(p[i, j]), float(w[i, j]))
                               for i in range(n) for j in range(d)])
    per_label = [_auc_one(self, [(bool(t[i, j] != 0), float(p[i, j]), float(w[i, j])) for i in range(n)])
                 for j in range(d)]
    if self.label_weights is None:
        return sum(per_label) / d
    lw = [float(x) for x in self.label_weights]
    return _safe_ratio(sum(a * b for a, b in zip(per_label, lw)), sum(lw))


# -- F-beta ------------------------------------------------------------------------------------------

def fbeta(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float | np.ndarray:
    """Keras's F-beta from per-class precision and recall; the rules neuropil documents for one
    column (a sigmoid thresholded at 0.5) and for a class never seen (0.0)."""
    t, p = _two_d(y_true, y_pred)
    n, d = p.shape
    w = _sample_weights(sample_weight, n)
    binary = d == 1
    threshold = 0.5 if (binary and self.threshold is None) else self.threshold
    tp, fp, fn, support = ([0.0] * d for _ in range(4))
    for i in range(n):
        top = max(p[i])
        for c in range(d):
            if threshold is None:
                predicted = p[i, c] >= top and abs(p[i, c]) > 1e-9
            else:
                predicted = p[i, c] > threshold
            truth = float(t[i, c])
            tp[c] += w[i] * truth * predicted
            fp[c] += w[i] * (1.0 - truth) * predicted
            fn[c] += w[i] * truth * (not predicted)
            support[c] += w[i] * truth
    if self.average == "micro" and not binary:
        tp, fp, fn = [sum(tp)], [sum(fp)], [sum(fn)]
    b2 = self.beta ** 2
    scores = []
    for hit, false_alarm, miss in zip(tp, fp, fn):
        prec, rec = _safe_ratio(hit, hit + false_alarm), _safe_ratio(hit, hit + miss)
        scores.append(_safe_ratio((1 + b2) * prec * rec, b2 * prec + rec))
    if binary:
        return scores[0]
    if self.average is None:
        return np.array(scores)
    if self.average == "weighted":
        return _safe_ratio(sum(s * q for s, q in zip(scores, support)), sum(support))
    return sum(scores) / len(scores)


# -- top-k accuracy ----------------------------------------------------------------------------------

def _in_top_k(scores: np.ndarray, label: int, k: int) -> float:
    """TensorFlow's ``in_top_k``: a hit when fewer than k classes score strictly higher than the label."""
    return 1.0 if sum(1 for s in scores if s > scores[label]) < k else 0.0


def top_k_categorical_accuracy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    t, p = _f(y_true), _f(y_pred)
    k = self.fn_kwargs["k"]
    hits = [_in_top_k(p[i], int(np.argmax(t[i])), k) for i in range(p.shape[0])]
    return _weighted_mean(hits, _sample_weights(sample_weight, p.shape[0]))


def sparse_top_k_categorical_accuracy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    labels, p = _f(y_true).reshape(-1), _f(y_pred)
    k = self.fn_kwargs["k"]
    if self.fn_kwargs["from_sorted_ids"]:
        hits = [1.0 if labels[i] in list(p[i, :k]) else 0.0 for i in range(p.shape[0])]
    else:
        hits = [_in_top_k(p[i], int(labels[i]), k) for i in range(p.shape[0])]
    return _weighted_mean(hits, _sample_weights(sample_weight, p.shape[0]))


# -- means of per-sample values (regression and loss-named metrics) ---------------------------------

def _row_mean_metric(per_row: Any) -> Any:
    """A reference that averages ``per_row(t_row, p_row, self)`` over samples by their weights."""
    def reference(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
        t, p = _two_d(y_true, y_pred)
        values = [per_row(t[i], p[i], self) for i in range(p.shape[0])]
        return _weighted_mean(values, _sample_weights(sample_weight, p.shape[0]))
    return reference


def _mean(values: Any) -> float:
    values = list(values)
    return sum(values) / len(values)


mean_squared_error = _row_mean_metric(lambda t, p, _: _mean((b - a) ** 2 for a, b in zip(t, p)))
mean_absolute_error = _row_mean_metric(lambda t, p, _: _mean(abs(b - a) for a, b in zip(t, p)))
mean_absolute_percentage_error = _row_mean_metric(
    lambda t, p, _: 100.0 * _mean(abs(a - b) / max(abs(a), EPSILON) for a, b in zip(t, p)))
mean_squared_logarithmic_error = _row_mean_metric(
    lambda t, p, _: _mean((math.log(max(b, EPSILON) + 1.0) - math.log(max(a, EPSILON) + 1.0)) ** 2
                          for a, b in zip(t, p)))
log_cosh_error = _row_mean_metric(lambda t, p, _: _mean(math.log(math.cosh(b - a)) for a, b in zip(t, p)))
poisson = _row_mean_metric(lambda t, p, _: _mean(b - a * math.log(b + EPSILON) for a, b in zip(t, p)))


def root_mean_squared_error(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    return math.sqrt(mean_squared_error(self, y_true, y_pred, sample_weight))


def _cosine(t: np.ndarray, p: np.ndarray, _: Any) -> float:
    """Keras 3's ``ops.normalize`` of each vector (its norm floored at ε), then the dot product."""
    norm_t, norm_p = math.sqrt(sum(a * a for a in t)), math.sqrt(sum(b * b for b in p))
    return sum(a * b for a, b in zip(t, p)) / (max(norm_t, EPSILON) * max(norm_p, EPSILON))


cosine_similarity = _row_mean_metric(_cosine)


def _hinge_labels(t_all: np.ndarray) -> np.ndarray:
    """Keras's convert_binary_labels_to_hinge: a batch of 0/1 labels becomes -1/1, others stay."""
    binary = all(v in (0.0, 1.0) for v in t_all.reshape(-1))
    return 2.0 * t_all - 1.0 if binary else t_all


def _hinge_metric(power: int) -> Any:
    def reference(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
        t, p = _two_d(y_true, y_pred)
        t = _hinge_labels(t)
        values = [_mean(max(1.0 - a * b, 0.0) ** power for a, b in zip(t[i], p[i])) for i in range(p.shape[0])]
        return _weighted_mean(values, _sample_weights(sample_weight, p.shape[0]))
    return reference


hinge = _hinge_metric(1)
squared_hinge = _hinge_metric(2)


def _categorical_hinge(t: np.ndarray, p: np.ndarray, _: Any) -> float:
    """max(0, 1 + max over classes of (1 - t)·p - Σ t·p) (Keras's formula)."""
    positive = sum(a * b for a, b in zip(t, p))
    negative = max((1.0 - a) * b for a, b in zip(t, p))
    return max(0.0, negative - positive + 1.0)


categorical_hinge = _row_mean_metric(_categorical_hinge)


def _binary_crossentropy(t: np.ndarray, p: np.ndarray, self: Any) -> float:
    s = self.fn_kwargs["label_smoothing"]
    values = []
    for a, z in zip(t, p):
        a = a * (1.0 - s) + 0.5 * s
        if self.fn_kwargs["from_logits"]:  # -a log σ(z) - (1 - a) log(1 - σ(z)), exactly
            values.append(a * math.log1p(math.exp(-z)) + (1.0 - a) * math.log1p(math.exp(z)))
        else:
            q = min(max(z, EPSILON), 1.0 - EPSILON)
            values.append(-(a * math.log(q) + (1.0 - a) * math.log(1.0 - q)))
    return _mean(values)


binary_crossentropy = _row_mean_metric(_binary_crossentropy)


def _log_distribution(p: np.ndarray, from_logits: bool) -> list[float]:
    """log of the predicted distribution: log-softmax of logits, or Keras's renormalised and clipped
    probabilities."""
    if from_logits:
        peak = max(p)
        log_total = math.log(sum(math.exp(z - peak) for z in p))
        return [z - peak - log_total for z in p]
    total = sum(p)
    return [math.log(min(max(q / total, EPSILON), 1.0 - EPSILON)) for q in p]


def _categorical_crossentropy(t: np.ndarray, p: np.ndarray, self: Any) -> float:
    s = self.fn_kwargs["label_smoothing"]
    targets = [a * (1.0 - s) + s / len(t) for a in t]
    return -sum(a * lq for a, lq in zip(targets, _log_distribution(p, self.fn_kwargs["from_logits"])))


categorical_crossentropy = _row_mean_metric(_categorical_crossentropy)


def sparse_categorical_crossentropy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """-log p[label] per sample; positions labelled ``ignore_class`` carry no weight at all."""
    labels, p = _f(y_true).reshape(-1), _f(y_pred)
    if p.ndim == 1:
        p = p.reshape(1, -1)
    p = np.moveaxis(p, self.fn_kwargs["axis"], -1)
    w = _sample_weights(sample_weight, p.shape[0])
    ignore = self.fn_kwargs["ignore_class"]
    values, weights = [], []
    for i in range(p.shape[0]):
        if ignore is not None and labels[i] == ignore:
            continue
        values.append(-_log_distribution(p[i], self.fn_kwargs["from_logits"])[int(labels[i])])
        weights.append(w[i])
    return _weighted_mean(values, np.array(weights))


def _kl(t: np.ndarray, p: np.ndarray, _: Any) -> float:
    total = 0.0
    for a, b in zip(t, p):
        a, b = min(max(a, EPSILON), 1.0), min(max(b, EPSILON), 1.0)
        total += a * math.log(a / b)
    return total


kl_divergence = _row_mean_metric(_kl)


# -- R² -----------------------------------------------------------------------------------------------

def r2_score(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float | np.ndarray:
    """Per output: 1 - Σw(t - p)² / Σw(t - t̄_w)², a constant column 1.0 if predicted exactly else 0.0
    (neuropil's documented rule, scikit-learn's force_finite); aggregated; adjusted with
    n = rows and p = num_regressors when p < n - 1 (Keras)."""
    t, p = _two_d(y_true, y_pred)
    n, d = p.shape
    w = _sample_weights(sample_weight, n)
    scores, totals, residuals = [], [], []
    for c in range(d):
        mean = sum(w[i] * t[i, c] for i in range(n)) / sum(w)
        ss_res = sum(w[i] * (t[i, c] - p[i, c]) ** 2 for i in range(n))
        ss_tot = sum(w[i] * (t[i, c] - mean) ** 2 for i in range(n))
        # no variance: equal targets, or differences so small (1e-200) that their squares underflow
        constant = ss_tot == 0 or all(t[i, c] == t[0, c] for i in range(n))
        ss_tot = 0.0 if constant else ss_tot
        scores.append((1.0 if ss_res == 0 else 0.0) if constant else 1.0 - ss_res / ss_tot)
        totals.append(ss_tot)
        residuals.append(ss_res)
    if self.class_aggregation is None:
        result: Any = np.array(scores)
    elif self.class_aggregation == "uniform_average":
        result = sum(scores) / d
    elif sum(totals) == 0:
        result = 1.0 if all(r == 0 for r in residuals) else 0.0
    else:
        result = sum(s * v for s, v in zip(scores, totals)) / sum(totals)
    regressors = self.num_regressors
    if 0 < regressors < n - 1:
        result = 1.0 - (1.0 - result) * (n - 1) / (n - regressors - 1)
    return result


# -- agreement: confusion matrix, Matthews correlation, Cohen's kappa --------------------------------

def _label_pairs(self: Any, y_true: Any, y_pred: Any) -> tuple[list[tuple[int, int]], int]:
    """(true class, predicted class) per sample and the number of classes, by neuropil's documented
    reading: arg-max of several columns; one column thresholded (prediction > threshold, target
    non-zero) when there are two classes, else the value is the class."""
    t, p = _matched(y_true, y_pred)
    columns = p.shape[-1] if p.ndim >= 2 else 1
    classes = self.num_classes if self.num_classes is not None else (columns if columns > 1 else 2)

    def read(y: np.ndarray, is_prediction: bool) -> list[int]:
        if columns > 1:
            return [int(np.argmax(row)) for row in y.reshape(-1, columns)]
        flat = y.reshape(-1)
        if classes == 2:
            return [int(v > self.threshold) if is_prediction else int(v != 0) for v in flat]
        return [int(v) for v in flat]

    return list(zip(read(t, False), read(p, True))), classes


def _confusion(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> np.ndarray:
    pairs, classes = _label_pairs(self, y_true, y_pred)
    w = _sample_weights(sample_weight, len(pairs))
    matrix = np.zeros((classes, classes))
    for (a, b), weight in zip(pairs, w):
        matrix[a, b] += weight
    return matrix


def confusion_matrix(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> np.ndarray:
    return _confusion(self, y_true, y_pred, sample_weight)


def matthews_correlation(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """The weighted Pearson correlation of the one-hot true and predicted indicator matrices
    (Gorodkin's R_K): Σ_k cov(X_k, Y_k) / sqrt(Σ_k var(X_k) · Σ_k var(Y_k)); 0 when undefined."""
    pairs, classes = _label_pairs(self, y_true, y_pred)
    w = _sample_weights(sample_weight, len(pairs))
    total = float(sum(w))
    x = np.zeros((len(pairs), classes))
    y = np.zeros((len(pairs), classes))
    for i, (a, b) in enumerate(pairs):
        x[i, a], y[i, b] = 1.0, 1.0
    mx = [sum(w[i] * x[i, k] for i in range(len(pairs))) / total for k in range(classes)]
    my = [sum(w[i] * y[i, k] for i in range(len(pairs))) / total for k in range(classes)]
    cov = var_x = var_y = 0.0
    for i in range(len(pairs)):
        for k in range(classes):
            cov += w[i] * (x[i, k] - mx[k]) * (y[i, k] - my[k])
            var_x += w[i] * (x[i, k] - mx[k]) ** 2
            var_y += w[i] * (y[i, k] - my[k]) ** 2
    return _safe_ratio(cov, math.sqrt(var_x * var_y))


def cohen_kappa(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """Unweighted: (p_o - p_e) / (1 - p_e); linear / quadratic: 1 - Σ d·observed / Σ d·expected with
    disagreement d = |i - j| or (i - j)². 0.0 when chance disagreement is zero (documented)."""
    m = _confusion(self, y_true, y_pred, sample_weight)
    total = m.sum()
    k = m.shape[0]
    rows, cols = m.sum(axis=1) / total, m.sum(axis=0) / total
    if self.weightage is None:
        observed = sum(m[i, i] for i in range(k)) / total
        chance = sum(rows[i] * cols[i] for i in range(k))
        return 0.0 if chance == 1.0 else (observed - chance) / (1.0 - chance)
    power = 1 if self.weightage == "linear" else 2
    seen = sum(abs(i - j) ** power * m[i, j] / total for i in range(k) for j in range(k))
    expected = sum(abs(i - j) ** power * rows[i] * cols[j] for i in range(k) for j in range(k))
    return 0.0 if expected == 0 else 1.0 - seen / expected
