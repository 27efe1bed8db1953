"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md)."""
import math

from neuropil.base.backend import array_module
from neuropil.base.metric import Metric
from neuropil.plugin_system.hookspecs import hookimpl


def keras_fans(shape):
    """Keras's rule: the receptive field (all axes but the last two) multiplies both fans."""
    if len(shape) < 2:
        return (shape[0], shape[0]) if shape else (1, 1)
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class FanBlindGlorot:
    """Glorot uniform whose fan-out leaves out the receptive field: right for biases and Dense
    kernels, 2.4 times too wide on a 3x3 convolution kernel."""

    def __call__(self, shape, dtype=None, rng=None):
        fan_in, _ = keras_fans(shape)
        fan_out = shape[-1]  # the bug: Keras multiplies by the receptive field here too
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(dtype)

    def get_config(self):
        return {}

    def reference_moments(self, shape):
        """What Glorot promises: mean 0, variance 2 / (fan_in + fan_out)."""
        fan_in, fan_out = keras_fans(shape)
        return 0.0, 2.0 / (fan_in + fan_out)


class ElementCountAccuracy(Metric):
    """Binary accuracy that counts correct *elements* but divides by *samples*: right for one output,
    above 1 for several. Streams, resets and round-trips like a correct metric."""

    name = "element_count_accuracy"
    target_kind, prediction_kind = "binary", "probability"
    result_range = (0.0, 1.0)

    def reset_state(self):
        self.hits, self.count = 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        correct = ((y_pred > 0.5) == (y_true > 0.5)).reshape(len(y_true), -1).sum(axis=-1)
        weights = array_module(correct).ones(len(correct)) if sample_weight is None else sample_weight
        self.hits = self.hits + (correct * weights).sum()  # stays on the device until result()
        self.count = self.count + weights.sum()  # the bug: should count elements, not samples

    def result(self):
        count = float(self.count)
        return float(self.hits) / count if count else 0.0


@hookimpl
def neuropil_register_initializers(register):
    register("fan_blind_glorot", FanBlindGlorot)


@hookimpl
def neuropil_register_metrics(register):
    register("element_count_accuracy", ElementCountAccuracy)
