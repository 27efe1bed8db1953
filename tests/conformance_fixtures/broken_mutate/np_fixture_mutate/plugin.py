import numpy as np
from neuropil.base.activation import Activation
from neuropil.plugin_system.hookspecs import hookimpl


class InplaceRelu(Activation):
    name = "inplace_relu"
    kinks = (0.0,)

    def forward(self, x):
        mask = x > 0
        np.maximum(x, 0, out=x)  # the bug: clips the caller's array

        def backward(dy):
            dy *= mask  # and masks the caller's upstream gradient
            return dy

        return x, backward


@hookimpl
def neuropil_register_activations(register):
    register("inplace_relu", InplaceRelu)
