"""RepeatVector: a ``(batch, features)`` input repeated ``n`` times into ``(batch, n, features)``,
e.g. to feed one encoding to every step of a sequence decoder."""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer
from neuropil.errors import LayerError

from .. import reference_shape as _reference


class RepeatVector(Layer):
    """Keras ``RepeatVector(n)``; backward sums the ``n`` copies' gradients."""

    reference = _reference.repeat_vector  # the conformance suite's float64 loop

    example_configs = ({"n": 3}, {"n": 1})

    def __init__(self, n: int, **kwargs: Any) -> None:
        count = checks.count("RepeatVector", "n", n)
        super().__init__(**kwargs)
        self.n = count

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        if len(input_shape) != 1:
            raise LayerError(f"layer {self.name!r} (RepeatVector) expects inputs of rank 2 (batch, features), "
                             f"received per-sample shape {tuple(input_shape)}")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.n,) + tuple(input_shape)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        y = xp.repeat(x[:, None, :], self.n, axis=1)

        def backward(dy: Any) -> Any:
            return dy.sum(axis=1)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["n"] = self.n
        return config
