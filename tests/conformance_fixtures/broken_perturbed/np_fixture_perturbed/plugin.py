"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md)."""
from neuropil.base.layer import Layer
from neuropil.plugin_system.hookspecs import hookimpl


def ones(shape, dtype, rng):
    import numpy as np

    return np.ones(shape, dtype)


def zeros(shape, dtype, rng):
    import numpy as np

    return np.zeros(shape, dtype)


class GammaBlindScale(Layer):
    """``gamma * x + beta`` per feature, built with gamma = 1 and beta = 0 as normalization layers are.
    The backward returns ``dy`` as dx, forgetting the factor gamma: exact at the initial weights, so
    only a gradient check at other weights catches it."""

    def build(self, input_shape, backend, rng):
        self.add_weight("gamma", (input_shape[-1],), ones, rng)
        self.add_weight("beta", (input_shape[-1],), zeros, rng)

    def forward(self, x, training=False):
        gamma, beta = self.params["gamma"], self.params["beta"]
        axes = tuple(range(x.ndim - 1))

        def backward(dy):
            self.grads["gamma"] = (dy * x).sum(axis=axes)
            self.grads["beta"] = dy.sum(axis=axes)
            return dy  # the bug: dx is gamma * dy

        return gamma * x + beta, backward


@hookimpl
def neuropil_register_layers(register):
    register("GammaBlindScale", GammaBlindScale)
