"""Keras's weight initializers: same names, defaults and formulas, so a Keras recipe starts the same way.

An initializer is ``factory(**config)`` returning a callable ``(shape, dtype, rng) -> numpy array``.
Values are made on the host from the model's generator (so one seed gives the same weights on every
backend); an initializer given its own ``seed`` ignores that generator and draws from its own.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil import config, utils
from neuropil.errors import ArgumentError, ArgumentTypeError
from neuropil.plugin_system.hookspecs import Register

from . import reference_initializers as _moments

Shape = tuple[int, ...]

#: Standard deviation of a unit normal truncated to [-2, 2]. Variance scaling divides by it so that the
#: truncated draws keep the variance the formula asks for (Keras does the same).
TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape: Shape) -> tuple[int, int]:
    """Keras's fans: ``(in, out)`` for a 2-D kernel; convolution kernels ``(*receptive, in, out)``
    multiply both by the receptive field size; scalars and vectors use their one size for both."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = int(math.prod(shape[:-2]))
    return int(shape[-2]) * receptive, int(shape[-1]) * receptive


def truncated_normal(rng: np.random.Generator, shape: Shape, mean: float, stddev: float) -> np.ndarray:
    """Normal draws, each redrawn until within two standard deviations (as Keras truncates)."""
    out = rng.standard_normal(shape)
    outside = np.abs(out) > 2.0
    while outside.any():
        out[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(out) > 2.0
    return out * stddev + mean


class Initializer:
    """Base class: resolves the generator and dtype, subclasses say how to fill the array."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"seed must be an integer or None, received seed={seed!r}")
        self.seed = None if seed is None else int(seed)

    def __call__(self, shape: Shape, dtype: Any = None, rng: np.random.Generator | None = None) -> np.ndarray:
        shape = tuple(int(d) for d in shape)
        dtype = np.dtype(dtype or config.floatx())
        if self.seed is not None:
            rng = np.random.default_rng(self.seed)
        elif rng is None:
            rng = utils.global_rng()
        return np.asarray(self.sample(shape, rng), dtype=dtype)

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class Constant(Initializer):
    """Every entry equal to ``value``: a number, or an array broadcast to the weight's shape (Keras
    multiplies the value by ones of the shape, so any broadcastable array works)."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"value": 0.5}, {"value": [0.25]})
    reference_moments = _moments.constant  # the conformance suite's `statistics` reference

    def __init__(self, value: Any = 0.0) -> None:
        super().__init__()
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ArgumentTypeError(f"Constant expects value to be a number or an array of numbers, "
                                    f"received value={value!r}") from None
        if not np.isfinite(array).all():
            raise ArgumentError(f"Constant expects value to hold finite numbers, received value={value!r}")
        self.value: float | np.ndarray = float(array) if array.ndim == 0 else array

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        try:
            return np.array(np.broadcast_to(self.value, shape))
        except ValueError:
            raise ArgumentError(f"Constant's value of shape {np.shape(self.value)} cannot fill a weight of shape "
                                f"{shape}") from None

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value.tolist() if isinstance(self.value, np.ndarray) else self.value}


class Zeros(Constant):
    """All zeros: Dense's default bias."""

    example_configs: tuple[dict[str, Any], ...] = ({},)
    reference_moments = _moments.zeros

    def __init__(self) -> None:
        super().__init__(0.0)

    def get_config(self) -> dict[str, Any]:
        return {}


class Ones(Constant):
    """All ones."""

    example_configs: tuple[dict[str, Any], ...] = ({},)
    reference_moments = _moments.ones

    def __init__(self) -> None:
        super().__init__(1.0)

    def get_config(self) -> dict[str, Any]:
        return {}


class RandomNormal(Initializer):
    """Normal draws with ``mean`` and ``stddev``."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"mean": 0.3, "stddev": 0.2})
    reference_moments = _moments.random_normal

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal draws redrawn until within two ``stddev`` of ``mean`` (no variance correction, as Keras)."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"mean": -0.1, "stddev": 0.5})
    reference_moments = _moments.truncated_normal

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return truncated_normal(rng, shape, self.mean, self.stddev)


class RandomUniform(Initializer):
    """Uniform draws in ``[minval, maxval)``."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"minval": 0.0, "maxval": 2.0}, {"minval": -0.3, "maxval": -0.1})
    reference_moments = _moments.random_uniform

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)
        if self.maxval < self.minval:
            raise ValueError(f"RandomUniform expects minval <= maxval, received minval={minval}, maxval={maxval}")

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws with variance ``scale / n``, ``n`` the fan ``mode`` names: the family behind Glorot, He and
    LeCun, which keep activations' variance steady from layer to layer."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")
    example_configs: tuple[dict[str, Any], ...] = (
        {}, {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"},
        {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"},
        {"scale": 1.5, "mode": "fan_in", "distribution": "uniform"},
        {"scale": 0.3, "mode": "fan_out", "distribution": "truncated_normal"},
        {"scale": 3.0, "mode": "fan_avg", "distribution": "normal"},  # Keras's older spelling of truncated
        {"mode": "fan_in", "distribution": "untruncated_normal"})
    reference_moments = _moments.variance_scaling

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None) -> None:
        super().__init__(seed)
        if not scale > 0:
            raise ValueError(f"VarianceScaling expects scale > 0, received scale={scale!r}")
        mode, distribution = str(mode).lower(), str(distribution).lower()
        if distribution == "normal":  # Keras's older spelling
            distribution = "truncated_normal"
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling expects mode in {self.MODES}, received mode={mode!r}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling expects distribution in {self.DISTRIBUTIONS}, "
                             f"received distribution={distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        return truncated_normal(rng, shape, 0.0, math.sqrt(variance) / TRUNCATED_STDDEV)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(cls_name: str, scale: float, mode: str, distribution: str, doc: str,
            moments: Any) -> type[VarianceScaling]:
    """A named VarianceScaling with fixed parameters; its config is only the seed, as in Keras.
    ``moments`` is the preset's own documented distribution (for the conformance suite), written
    from its formula rather than from ``scale`` and ``mode``, so a wrong preset parameter shows."""

    def __init__(self: VarianceScaling, seed: int | None = None) -> None:
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self: VarianceScaling) -> dict[str, Any]:
        return {"seed": self.seed}

    support = (_moments.uniform_support if distribution == "uniform" else _moments.truncated_normal_support_for)
    return type(cls_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                               "example_configs": ({},), "__doc__": doc, "__module__": __name__,
                                               "reference_moments": moments,
                                               "reference_support": support(moments)})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "Uniform in ±sqrt(6 / (fan_in + fan_out)): Dense's default kernel.", _moments.glorot_moments)
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).", _moments.glorot_moments)
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "Uniform in ±sqrt(6 / fan_in), for relu.",
                    _moments.he_moments)
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "Truncated normal with stddev sqrt(2 / fan_in), for relu.", _moments.he_moments)
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ±sqrt(3 / fan_in), for selu.",
                       _moments.lecun_moments)
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal with stddev sqrt(1 / fan_in), for selu.", _moments.lecun_moments)


def register_all(register: Register) -> None:
    register("Zeros", Zeros, aliases=("zero",))
    register("Ones", Ones, aliases=("one",))
    register("Constant", Constant)
    register("RandomNormal", RandomNormal, aliases=("normal",))
    register("RandomUniform", RandomUniform, aliases=("uniform",))
    register("TruncatedNormal", TruncatedNormal)
    register("VarianceScaling", VarianceScaling)
    register("GlorotUniform", GlorotUniform)
    register("GlorotNormal", GlorotNormal)
    register("HeUniform", HeUniform)
    register("HeNormal", HeNormal)
    register("LecunUniform", LecunUniform)
    register("LecunNormal", LecunNormal)
    from .matrix_initializers import Identity, Orthogonal  # after this module's classes exist

    register("Identity", Identity, aliases=("IdentityInitializer",))
    register("Orthogonal", Orthogonal, aliases=("OrthogonalInitializer",))
