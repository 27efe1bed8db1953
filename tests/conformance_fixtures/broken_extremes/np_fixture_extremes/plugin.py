"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md)."""
import numpy as np
from neuropil.base.activation import Activation
from neuropil.plugin_system.hookspecs import hookimpl


class OverflowingSwish(Activation):
    """``x * sigmoid(x)`` with the sigmoid written as ``1 - e / (1 + e)``, ``e = exp(-x)``: exact in
    [-3, 3] (so its gradient checks pass), but ``inf / inf`` is NaN once ``exp(-x)`` overflows, at
    x = -89 in float32 and -710 in float64."""

    name = "overflowing_swish"

    def forward(self, x):
        e = np.exp(-x)
        s = 1 - e / (1 + e)  # the bug: NaN for large negative x
        y = x * s
        return y, lambda dy: dy * (s + x * s * (1 - s))


@hookimpl
def neuropil_register_activations(register):
    register("overflowing_swish", OverflowingSwish)
