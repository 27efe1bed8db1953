"""Input: declares the per-sample input shape at the head of a Sequential model."""
from __future__ import annotations

from typing import Any, cast

from neuropil.base.layer import Backward, Layer

from ._common import check_declared_shape


def _identity_backward(dy: Any) -> Any:
    return dy


class Input(Layer):
    """An identity layer whose only job is to fix the shape of the model's inputs (Keras's
    ``keras.Input(shape=...)`` / ``InputLayer``). ``shape`` excludes the batch axis; ``batch_shape``
    includes it."""

    example_configs = ({"shape": (3,)}, {"shape": (2, 3)})
    is_input = True

    def __init__(self, shape: tuple[int, ...] | None = None, batch_size: int | None = None,
                 name: str | None = None, dtype: str | None = None,
                 batch_shape: tuple[int | None, ...] | None = None, **kwargs: Any) -> None:
        if shape is not None and batch_shape is not None:
            raise ValueError(f"Input takes shape or batch_shape, not both: received shape={shape}, "
                             f"batch_shape={batch_shape}")
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], cast(tuple[int, ...], tuple(batch_shape[1:]))  # checked below
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            if any(isinstance(d, bool) or not isinstance(d, int) or d <= 0 for d in shape):
                raise ValueError(f"Input expects shape to be a tuple of positive integers, received shape={shape!r}")
            kwargs["input_shape"] = tuple(shape)
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.batch_size = batch_size

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: Any) -> None:
        check_declared_shape(self, input_shape)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return x, _identity_backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        shape = config.pop("input_shape", None)
        config["shape"] = shape
        config["batch_size"] = self.batch_size
        return config
