"""The one central-difference helper these tests check every backward against (float64)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Relative step: small against float64's O(h^2) truncation error, far above its rounding error.
STEP = 1e-6


def central_difference(objective: Callable[[], float], array: np.ndarray) -> np.ndarray:
    """d objective() / d array, perturbing ``array`` in place one entry at a time (each entry is
    restored exactly), so ``objective`` may read the array directly or through a layer's params."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        step = STEP * max(1.0, abs(float(saved)))
        array[index] = saved + step
        up = float(objective())
        array[index] = saved - step
        down = float(objective())
        array[index] = saved
        grad[index] = (up - down) / (2 * step)
    return grad
