"""Seeding, the one source of randomness for weight initialisation, dropout and shuffling."""
from __future__ import annotations

import random

import numpy as np

_SEED_SEQUENCE: np.random.SeedSequence | None = None
_GENERATOR: np.random.Generator | None = None


def set_random_seed(seed: int) -> None:
    """Make everything random in neuropil repeatable, as ``keras.utils.set_random_seed`` does.

    Seeds Python's ``random``, NumPy's legacy global state and neuropil's own generator, from which
    layers draw initial weights, dropout draws masks and ``fit`` draws its shuffling order.
    """
    global _SEED_SEQUENCE, _GENERATOR
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _SEED_SEQUENCE = np.random.SeedSequence(int(seed))
    _GENERATOR = np.random.default_rng(_SEED_SEQUENCE)


def global_rng() -> np.random.Generator:
    """neuropil's shared host generator (unseeded until ``set_random_seed`` is called)."""
    global _GENERATOR
    if _GENERATOR is None:
        _GENERATOR = np.random.default_rng()
    return _GENERATOR


def child_seed() -> int:
    """A fresh seed drawn from the shared generator, for components that keep their own stream."""
    return int(global_rng().integers(0, 2**63 - 1))
