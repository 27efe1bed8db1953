"""The adjoint check the shape layers' backward passes are held to: a shape layer is linear, so its
backward must be the transpose of the matrix its reference forward applies. (The reference loops
themselves are ``neuropil_standard.layers.reference_shape``, which the conformance suite uses too.)"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def adjoint(reference: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """``J^T dy`` for the linear map ``reference``, its matrix ``J`` built column by column from unit
    inputs (one sample: the maps act per sample)."""
    sample = x.shape[1:]
    columns = []
    for k in range(math.prod(sample)):
        unit = np.zeros((1, *sample))
        unit.reshape(-1)[k] = 1.0
        columns.append(reference(unit).reshape(-1))
    matrix = np.stack(columns, axis=1)
    return np.stack([(matrix.T @ g.reshape(-1)).reshape(sample) for g in dy])
