"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md)."""
import math

import numpy as np
from neuropil.base.activation import Activation
from neuropil.plugin_system.hookspecs import hookimpl


class MistypedGelu(Activation):
    """The tanh GELU with the cubic coefficient mistyped (0.0447 for 0.044715): forward and backward
    agree with each other, so only a check of *what* it computes can catch it."""

    name = "mistyped_gelu"
    CUBIC = 0.0447  # the bug: Keras's (and Hendrycks & Gimpel's) coefficient is 0.044715

    def forward(self, x):
        x_in = np.clip(x, -10, 10)  # tanh is +-1 beyond, and x**3 must not overflow
        u = math.sqrt(2 / math.pi) * (x_in + self.CUBIC * x_in**3)
        t = np.tanh(u)
        y = 0.5 * x * (1 + t)

        def backward(dy):
            du = math.sqrt(2 / math.pi) * (1 + 3 * self.CUBIC * x_in**2)
            return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)

        return y, backward

    def reference(self, x):
        """The published formula, with the published coefficient."""
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


@hookimpl
def neuropil_register_activations(register):
    register("mistyped_gelu", MistypedGelu)
