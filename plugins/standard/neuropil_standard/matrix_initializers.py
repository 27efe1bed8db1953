"""Keras's matrix initializers: Identity and Orthogonal, which fix the geometry of a kernel (norms
and angles of its columns) rather than only the spread of its entries.

A kernel that preserves norms lets a deep linear stack (or a recurrent matrix applied many times)
neither explode nor vanish at the start of training; that is why these two exist. Values are made on
the host, as every initializer's are.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.errors import ArgumentError

from . import reference_initializers as _moments
from .initializers import Initializer, Shape


class Identity(Initializer):
    """``gain`` times the identity matrix (``eye(rows, cols)`` for a non-square 2-D shape); only 2-D
    shapes, as in Keras."""

    ndims = (2,)
    example_configs: tuple[dict[str, Any], ...] = ({}, {"gain": 0.5})
    reference_moments = _moments.identity  # the conformance suite's `statistics` reference
    reference_support = _moments.identity_support

    def __init__(self, gain: float = 1.0) -> None:
        super().__init__()
        self.gain = checks.number("Identity", "gain", gain)

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        if len(shape) != 2:
            raise ArgumentError(f"Identity initializer can only make 2-D matrices, received shape={shape} "
                                f"of rank {len(shape)}")
        return self.gain * np.eye(*shape)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


class Orthogonal(Initializer):
    """``gain`` times a random orthogonal matrix: for a shape ``(*lead, cols)`` the matrix of
    ``rows = prod(lead)`` rows and ``cols`` columns has orthonormal columns when ``rows >= cols`` and
    orthonormal rows otherwise, reshaped to ``shape`` (Keras's flattening, so convolution kernels work).

    Drawn as Keras does: the Q of the QR decomposition of a normal matrix, with the signs of R's
    diagonal folded in so Q is uniformly (Haar) distributed rather than biased by the decomposition.
    """

    ndims = (2, 3, 4)
    example_configs: tuple[dict[str, Any], ...] = ({}, {"gain": 2.0})
    reference_moments = _moments.orthogonal

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = checks.number("Orthogonal", "gain", gain)

    def sample(self, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        if len(shape) < 2:
            raise ArgumentError(f"Orthogonal initializer needs a shape of at least 2 axes, received shape={shape} "
                                f"of rank {len(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        normal = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(normal)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}
