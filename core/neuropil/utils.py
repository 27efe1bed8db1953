"""Seeding, the one source of randomness for weight initialisation, dropout and shuffling."""
from __future__ import annotations

import random
from typing import Any

import numpy as np

from .errors import ArgumentError

_SEED_SEQUENCE: np.random.SeedSequence | None = None
_GENERATOR: np.random.Generator | None = None


def set_random_seed(seed: int) -> None:
    """Make everything random in neuropil repeatable, as ``keras.utils.set_random_seed`` does.

    Seeds Python's ``random``, NumPy's legacy global state and neuropil's own generator, from which
    layers draw initial weights, dropout draws masks and ``fit`` draws its shuffling order.
    """
    global _SEED_SEQUENCE, _GENERATOR
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _SEED_SEQUENCE = np.random.SeedSequence(int(seed))
    _GENERATOR = np.random.default_rng(_SEED_SEQUENCE)


def to_categorical(y: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot rows (float32) for integer class ids, as ``keras.utils.to_categorical``: shape
    ``y.shape + (num_classes,)``, a trailing axis of size 1 in ``y`` dropped first; ``num_classes``
    defaults to ``max(y) + 1``."""
    labels = np.asarray(y)
    if labels.dtype.kind not in "biuf" or (labels.dtype.kind == "f" and not np.all(labels == np.round(labels))):
        raise ArgumentError(f"to_categorical expects integer class ids, received dtype {labels.dtype}"
                         + (" with non-integer values" if labels.dtype.kind == "f" else ""))
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ArgumentError(f"to_categorical expects class ids >= 0, received {int(labels.min())}")
    needed = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = needed
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < needed:
        raise ArgumentError(f"to_categorical: num_classes={num_classes!r} does not cover the class ids "
                         f"(largest {needed - 1}, so at least {needed} classes)")
    return np.eye(int(num_classes), dtype=np.float32)[labels]


def global_rng() -> np.random.Generator:
    """neuropil's shared host generator (unseeded until ``set_random_seed`` is called)."""
    global _GENERATOR
    if _GENERATOR is None:
        _GENERATOR = np.random.default_rng()
    return _GENERATOR


def child_seed() -> int:
    """A fresh seed drawn from the shared generator, for components that keep their own stream."""
    return int(global_rng().integers(0, 2**63 - 1))
