"""Metric paths the conformance cases and the scikit-learn comparisons do not reach.

``AUC(from_logits=True)`` with Keras's default 200 thresholds: Keras applies a sigmoid and then
buckets the probabilities, so on logits it must agree with the same AUC given ``1 / (1 + e^-z)``
(computed here in float64) -- exact mode alone cannot tell, since any increasing map keeps the ranks.
"""
from __future__ import annotations

import numpy as np
import pytest
from neuropil_metrics.auc import AUC


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("num_thresholds", [200, 7])
def test_thresholded_auc_on_logits_is_the_auc_of_their_sigmoid(curve: str, num_thresholds: int) -> None:
    rng = np.random.default_rng(11)
    logits = rng.normal(scale=3.0, size=400)  # both signs, and probabilities near 0 and 1
    labels = (rng.uniform(size=400) < 1.0 / (1.0 + np.exp(-logits))).astype(float)
    probabilities = 1.0 / (1.0 + np.exp(-logits))
    on_logits = AUC(curve=curve, num_thresholds=num_thresholds, from_logits=True)(labels, logits)
    on_probabilities = AUC(curve=curve, num_thresholds=num_thresholds)(labels, probabilities)
    assert float(on_logits) == pytest.approx(float(on_probabilities), rel=1e-12)
    assert 0.6 < float(on_logits) < 1.0  # a real curve, not a degenerate 0.5 or 1.0
