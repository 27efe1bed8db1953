from neuropil.base.layer import Layer
from neuropil.plugin_system.hookspecs import hookimpl


class DropGradDense(Layer):
    example_configs = ({"units": 2},)

    def __init__(self, units=1, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape, backend, rng):
        normal = lambda shape, dtype, rng: rng.standard_normal(shape).astype(dtype)  # noqa: E731
        self.add_weight("kernel", (input_shape[-1], self.units), normal, rng)
        self.add_weight("bias", (self.units,), normal, rng)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False):
        kernel = self.params["kernel"]

        def backward(dy):
            self.grads["kernel"] = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, self.units)
            return dy @ kernel.T  # the bug: grads["bias"] is never assigned

        return x @ kernel + self.params["bias"], backward


@hookimpl
def neuropil_register_layers(register):
    register("DropGradDense", DropGradDense)
