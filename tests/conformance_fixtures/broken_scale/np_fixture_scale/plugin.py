import numpy as np
from neuropil.base.activation import Activation
from neuropil.plugin_system.hookspecs import hookimpl


class SloppyTanh(Activation):
    name = "sloppy_tanh"

    def forward(self, x):
        y = np.tanh(x)
        return y, lambda dy: 1.01 * dy * (1 - y * y)  # the bug: 1% too large


@hookimpl
def neuropil_register_activations(register):
    register("sloppy_tanh", SloppyTanh)
