"""Real data: scikit-learn's bundled digits, trained by the example MLP, reach >= 0.95 test accuracy."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))


def test_digits_mlp_reaches_95_percent():
    import digits

    _, accuracy = digits.train(epochs=30, verbose=0)
    assert accuracy >= 0.95
