import numpy as np
from neuropil.base.activation import Activation
from neuropil.plugin_system.hookspecs import hookimpl


class DiagonalSoftmax(Activation):
    name = "diagonal_softmax"

    def forward(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
        return y, lambda dy: y * (1 - y) * dy  # the bug: only the Jacobian's diagonal


@hookimpl
def neuropil_register_activations(register):
    register("diagonal_softmax", DiagonalSoftmax)
