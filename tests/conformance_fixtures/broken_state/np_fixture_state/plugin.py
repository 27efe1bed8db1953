import numpy as np
from neuropil.base.metric import Metric
from neuropil.base.optimizer import Optimizer
from neuropil.plugin_system.hookspecs import hookimpl


class ForgetfulMomentum(Optimizer):
    """Keeps its velocity in a private dict that get_state does not see."""

    name = "forgetful_momentum"

    def __init__(self, learning_rate=0.01, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._velocity = {}

    def update_step(self, param, grad, slots, lr, step):
        v = self._velocity.setdefault(id(param), np.zeros_like(param))  # the bug: invisible state
        v *= 0.9
        v -= lr * grad
        param += v


class MeanOfBatchMeans(Metric):
    """Averages per-batch averages: wrong whenever batches differ in size."""

    name = "mean_of_batch_means"

    def reset_state(self):
        self.means = []

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.means.append(float(np.mean(np.abs(y_pred - y_true))))

    def result(self):
        return float(np.mean(self.means)) if self.means else 0.0


@hookimpl
def neuropil_register_optimizers(register):
    register("forgetful_momentum", ForgetfulMomentum)


@hookimpl
def neuropil_register_metrics(register):
    register("mean_of_batch_means", MeanOfBatchMeans)
