"""GaussianNoise, GaussianDropout, AlphaDropout: random perturbations applied in training only.

Keras's semantics; each is the identity at inference (predict, evaluate, validation):

* ``GaussianNoise(stddev)`` adds zero-mean normal noise of standard deviation ``stddev`` (Keras
  accepts ``stddev`` in [0, 1]); its backward is the identity.
* ``GaussianDropout(rate)`` multiplies by normal noise of mean 1 and standard deviation
  ``sqrt(rate / (1 - rate))`` (the variance of inverted dropout at that rate, without zeros); its
  backward multiplies by the same noise.
* ``AlphaDropout(rate, noise_shape)`` sets dropped values to SELU's negative saturation value and
  then applies the affine map that restores the inputs' mean and variance, so that self-normalizing
  (SELU) networks stay normalized: ``a * (x * kept + alpha_p * (1 - kept)) + b`` with ``alpha_p =
  -1.6733 * 1.0507``, ``a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5``, ``b = -a * alpha_p *
  rate``. Its backward is ``a * kept * dy``.

Noise comes from the layer's own generator on the backend (``backend.rng``), seeded from ``seed`` or
neuropil's seeded stream, so ``neuropil.utils.set_random_seed`` makes training repeatable.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer
from neuropil.utils import child_seed

from .. import reference_regularization as _reference
from ..dropout import Dropout

#: SELU's constants, as Keras's AlphaDropout uses them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _identity_backward(dy: Any) -> Any:
    return dy


def _seed(owner: str, seed: Any) -> int | None:
    return None if seed is None else checks.integer(owner, "seed", seed)


class _NoiseLayer(Layer):
    """A training-only random layer with its own generator."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        self.seed = _seed(type(self).__name__, seed)
        super().__init__(**kwargs)
        self._rng: Any = None

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        self._rng = backend.rng(self.seed if self.seed is not None else child_seed())

    def backend_changed(self) -> None:
        """A generator on the new backend (as Dropout's): noise drawn by the old backend's generator
        would be a NumPy operand next to CuPy inputs."""
        self._rng = self.backend.rng(self.seed if self.seed is not None else child_seed())

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["seed"] = self.seed
        return config


class GaussianNoise(_NoiseLayer):
    """Adds ``N(0, stddev**2)`` noise when training."""

    reference = _reference.gaussian_noise  # the conformance suite's float64 formula
    reference_moments = _reference.gaussian_noise_moments  # of the random training forward, per element
    example_configs: tuple[dict[str, Any], ...] = ({"stddev": 0.5, "seed": 0}, {"stddev": 0.0})

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        self.stddev = checks.number("GaussianNoise", "stddev", stddev, minimum=0, maximum=1)
        super().__init__(seed, **kwargs)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training or self.stddev == 0.0:
            return x, _identity_backward
        noise = self._rng.standard_normal(x.shape, dtype=x.dtype)
        noise *= self.stddev
        noise += x
        return noise, _identity_backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["stddev"] = self.stddev
        return config


class GaussianDropout(_NoiseLayer):
    """Multiplies by ``N(1, rate / (1 - rate))`` noise when training."""

    reference = _reference.dropout  # the conformance suite's float64 formula
    reference_moments = _reference.gaussian_dropout_moments  # of the random training forward, per element
    example_configs: tuple[dict[str, Any], ...] = ({"rate": 0.5, "seed": 0}, {"rate": 0.0})

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        self.rate = checks.number("GaussianDropout", "rate", rate, minimum=0, maximum=1, max_inclusive=False)
        super().__init__(seed, **kwargs)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training or self.rate == 0.0:
            return x, _identity_backward
        noise = self._rng.standard_normal(x.shape, dtype=x.dtype)
        noise *= math.sqrt(self.rate / (1.0 - self.rate))
        noise += 1.0
        y = x * noise

        def backward(dy: Any) -> Any:
            return dy * noise

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["rate"] = self.rate
        return config


class AlphaDropout(Dropout):
    """Dropout that keeps SELU activations' mean and variance: dropped values go to ``-alpha * scale``
    and an affine correction follows (see the module docstring). ``noise_shape`` as in Dropout."""

    rate: float
    reference_moments = _reference.alpha_dropout_moments  # of the random training forward, per element

    example_configs: tuple[dict[str, Any], ...] = (
        {"rate": 0.5, "seed": 0}, {"rate": 0.0}, {"rate": 0.2, "noise_shape": [None, 1], "seed": 1})

    def __init__(self, rate: float, noise_shape: tuple[int | None, ...] | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        rate = checks.number("AlphaDropout", "rate", rate, minimum=0, maximum=1, max_inclusive=False)
        super().__init__(rate, noise_shape=noise_shape, seed=seed, **kwargs)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        rate = self.rate
        if not training or rate == 0.0:
            return x, _identity_backward
        xp = self.backend.xp
        alpha_p = -SELU_ALPHA * SELU_SCALE
        a = ((1.0 - rate) * (1.0 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        kept = self._rng.random(self._mask_shape(x.shape), dtype=x.dtype)
        xp.greater_equal(kept, rate, out=kept)  # 1.0 where kept, 0.0 where dropped
        # a * (x * kept + alpha_p * (1 - kept)) + b  ==  (a * kept) * x + (a * alpha_p + b - a * alpha_p * kept)
        shift = kept * (-a * alpha_p)
        shift += a * alpha_p + b
        kept *= a
        y = x * kept
        y += shift

        def backward(dy: Any) -> Any:
            return dy * kept

        return y, backward
