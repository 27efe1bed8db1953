"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md): four
constraints, each breaking one property."""
import numpy as np
from neuropil.plugin_system.hookspecs import hookimpl


class UpcastingClip:
    """Clips to [-1, 1] but returns float64 whatever it is given."""

    def __call__(self, w):
        return np.clip(w, -1.0, 1.0).astype(float)  # the bug: a float32 model gets float64 weights

    def get_config(self):
        return {}


class InplaceNonNeg:
    """Zeroes negative entries of the caller's array."""

    def __call__(self, w):
        np.maximum(w, 0.0, out=w)  # the bug
        return w

    def get_config(self):
        return {}


class SoftMaxNorm:
    """Moves a norm above ``max_value`` only halfway to it (Keras's MinMaxNorm with rate=0.5), without
    declaring ``idempotent = False``."""

    def __init__(self, max_value=1.0):
        self.max_value = max_value

    def __call__(self, w):
        norms = np.sqrt((w * w).sum(axis=0, keepdims=True))
        desired = 0.5 * np.minimum(norms, self.max_value) + 0.5 * norms  # the bug: a partial step
        return w * (desired / (norms + 1e-7))

    def get_config(self):
        return {"max_value": self.max_value}


class Float32MaxNorm:
    """Keeps ``max_value`` as a NumPy float32, which get_config hands out and JSON cannot write."""

    def __init__(self, max_value=2.0):
        self.max_value = np.float32(max_value)

    def __call__(self, w):
        norms = np.sqrt((w * w).sum(axis=0, keepdims=True))
        return w * (np.minimum(norms, self.max_value) / (norms + 1e-7))

    def get_config(self):
        return {"max_value": self.max_value}  # the bug: saving the model fails


@hookimpl
def neuropil_register_constraints(register):
    register("upcasting_clip", UpcastingClip)
    register("inplace_non_neg", InplaceNonNeg)
    register("soft_max_norm", SoftMaxNorm)
    register("float32_max_norm", Float32MaxNorm)
