from neuropil.base.layer import Layer
from neuropil.plugin_system.hookspecs import hookimpl


class WeightedSum(Layer):
    """A correct multi-input layer with a parameter: ``y = sum_i weights[i] * inputs[i]``."""

    example_input_shapes = ([(3,), (3,)], [(2, 2), (2, 2), (2, 2)])

    def build(self, input_shape, backend, rng):
        normal = lambda shape, dtype, rng: rng.standard_normal(shape).astype(dtype)  # noqa: E731
        self.add_weight("weights", (len(input_shape),), normal, rng)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def forward(self, inputs, training=False):
        xp = self.backend.xp
        weights = self.params["weights"]
        y = sum(weights[i] * x for i, x in enumerate(inputs))

        def backward(dy):
            self.grads["weights"] = xp.stack([xp.sum(dy * x) for x in inputs])
            return self.input_gradients(dy, weights)

        return y, backward

    def input_gradients(self, dy, weights):
        return [weights[i] * dy for i in range(len(weights))]


class HalfBlindWeightedSum(WeightedSum):
    def input_gradients(self, dy, weights):
        grads = super().input_gradients(dy, weights)
        return [grads[0]] + [0 * g for g in grads[1:]]  # the bug: only the first input gets its gradient


@hookimpl
def neuropil_register_layers(register):
    register("WeightedSum", WeightedSum)
    register("HalfBlindWeightedSum", HalfBlindWeightedSum)
