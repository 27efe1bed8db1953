"""The first and second moment updates Adam-family optimizers share, in place on one scratch buffer."""
from __future__ import annotations

from typing import Any


def update_moments(xp: Any, grad: Any, m: Any, v: Any, beta_1: float, beta_2: float) -> Any:
    """``m += (g - m)(1 - beta_1)``; ``v += (g² - v)(1 - beta_2)``, in place (Keras 3's form).

    Returns the scratch array (free for the caller's next step) so an update allocates it once.
    """
    scratch = grad - m
    scratch *= 1.0 - beta_1
    m += scratch
    xp.multiply(grad, grad, out=scratch)
    scratch -= v
    scratch *= 1.0 - beta_2
    v += scratch
    return scratch
