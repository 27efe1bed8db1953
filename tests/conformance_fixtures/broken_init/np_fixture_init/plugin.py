"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md): four
initializers, each breaking one property (the unseeded one, by the same fault, a second)."""
import numpy as np
from neuropil.plugin_system.hookspecs import hookimpl


class TransposedUniform:
    """Glorot-uniform values laid out as PyTorch does, (fan_out, fan_in): a transposed kernel."""

    def __call__(self, shape, dtype, rng):
        limit = np.sqrt(6.0 / sum(shape[-2:]))
        return rng.uniform(-limit, limit, size=tuple(reversed(shape))).astype(dtype)  # the bug

    def get_config(self):
        return {}


class CachedZeros:
    """Keeps the zeros it made and hands the same array out again."""

    def __init__(self):
        self._cache = {}

    def __call__(self, shape, dtype, rng):
        key = (tuple(shape), np.dtype(dtype))
        if key not in self._cache:  # the bug: every layer gets (and updates) the same array
            self._cache[key] = np.zeros(shape, dtype=dtype)
        return self._cache[key]

    def get_config(self):
        return {}


class GlobalNormal:
    """Draws from NumPy's global generator instead of the ``rng`` it is given."""

    def __call__(self, shape, dtype, rng):
        return np.random.normal(0.0, 0.05, size=shape).astype(dtype)  # the bug

    def get_config(self):
        return {}


class ForgetfulNormal:
    """Its get_config, copied from a seed-only preset, leaves out ``stddev``."""

    example_configs = ({"stddev": 0.5},)

    def __init__(self, stddev=0.05, seed=None):
        self.stddev, self.seed = stddev, seed

    def __call__(self, shape, dtype, rng):
        if self.seed is not None:
            rng = np.random.default_rng(self.seed)
        return (self.stddev * rng.standard_normal(shape)).astype(dtype)

    def get_config(self):
        return {"seed": self.seed}  # the bug: a loaded model draws with the default stddev


@hookimpl
def neuropil_register_initializers(register):
    register("transposed_uniform", TransposedUniform)
    register("cached_zeros", CachedZeros)
    register("global_normal", GlobalNormal)
    register("forgetful_normal", ForgetfulNormal)
