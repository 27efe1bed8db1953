"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md): a schedule, a
regularizer and a constraint, each wrong but self-consistent, so that only the ``reference`` property
of its kind (a comparison with the published formula it declares) can catch it; and an initializer
with the declared mean and variance but not the declared distribution, which only the support check
of ``statistics`` catches."""
import numpy as np
from neuropil.base.backend import array_module
from neuropil.base.schedule import LearningRateSchedule
from neuropil.plugin_system.hookspecs import hookimpl


class LateExponentialDecay(LearningRateSchedule):
    """Exponential decay counting one update too many: a finite, positive, pure rate, only not the
    one the definition gives."""

    example_configs = ({}, {"decay_rate": 0.9, "decay_steps": 3})

    def __init__(self, decay_rate=0.5, decay_steps=10):
        self.decay_rate, self.decay_steps = decay_rate, decay_steps

    def __call__(self, step):
        return 0.1 * self.decay_rate ** ((step + 1) / self.decay_steps)  # the bug: step + 1

    def get_config(self):
        return {"decay_rate": self.decay_rate, "decay_steps": self.decay_steps}

    def reference(self, step):
        """Keras's ExponentialDecay: the rate for the update after ``step`` completed ones."""
        return 0.1 * self.decay_rate ** (step / self.decay_steps)


class HalvedL2:
    """``l2 * sum(w**2)`` written with the factor 1/2 of textbook weight decay, in the loss and its
    gradient alike: the gradient check passes, Keras's penalty is twice this."""

    def __init__(self, l2=0.01):
        self.l2 = l2

    def loss(self, w):
        return 0.5 * self.l2 * (w * w).sum()  # the bug: Keras's L2 has no 1/2

    def gradient(self, w):
        return self.l2 * w

    def get_config(self):
        return {"l2": self.l2}

    def reference(self, w):
        return self.l2 * np.sum(np.square(w))


class RowMaxNorm:
    """MaxNorm taking each norm along the last axis instead of ``axis``: a projection (idempotent,
    pure, in w's shape and dtype), only onto the wrong set for weights of 2 axes or more."""

    example_configs = ({}, {"max_value": 0.5})

    def __init__(self, max_value=1.0, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        xp = array_module(w)
        norms = xp.sqrt((w * w).sum(axis=-1, keepdims=True))  # the bug: axis=-1, not self.axis
        return w * (xp.minimum(norms, self.max_value) / (norms + 1e-7))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}

    def reference(self, w):
        norms = np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))
        return w * np.clip(norms, 0.0, self.max_value) / (1e-7 + norms)


class CoinFlipUniform:
    """Promises a uniform of variance ``stddev**2`` (on ``+-sqrt(3) stddev``) but draws only
    ``+-stddev``: the same mean and variance, another distribution."""

    def __init__(self, stddev=0.05):
        self.stddev = stddev

    def __call__(self, shape, dtype, rng):
        return (self.stddev * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)  # the bug: two values only

    def get_config(self):
        return {"stddev": self.stddev}

    def reference_moments(self, shape):
        return 0.0, self.stddev**2

    def reference_support(self, shape):
        limit = np.sqrt(3.0) * self.stddev
        return -limit, limit


@hookimpl
def neuropil_register_initializers(register):
    register("coin_flip_uniform", CoinFlipUniform)


@hookimpl
def neuropil_register_schedules(register):
    register("late_exponential_decay", LateExponentialDecay)


@hookimpl
def neuropil_register_regularizers(register):
    register("halved_l2", HalvedL2)


@hookimpl
def neuropil_register_constraints(register):
    register("row_max_norm", RowMaxNorm)
