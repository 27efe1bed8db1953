"""The graph's source: ``InputLayer`` and Keras's ``Input`` function.

An input layer has no math (its forward is the identity), so the core can define it without
knowing any concrete component; neuropil-standard registers it under Keras's names.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .. import checks
from ..base.layer import Backward, Layer
from ..errors import LayerError
from .tensor import Node, SymbolicTensor


def _identity_backward(dy: Any) -> Any:
    return dy


class InputLayer(Layer):
    """Declares the per-sample shape of a model input (Keras's ``InputLayer``). ``shape`` excludes
    the batch axis, ``batch_shape`` includes it; ``tensor`` is the symbolic tensor it produces."""

    example_configs: ClassVar[tuple[dict[str, Any], ...]] = ({"shape": (3,)}, {"shape": (2, 3)})  # type: ignore[misc]
    is_input = True

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: str | None = None,
                 batch_shape: Any = None, name: str | None = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        if shape is not None and batch_shape is not None:
            raise LayerError(f"{owner} takes shape or batch_shape, not both: received shape={shape}, "
                             f"batch_shape={batch_shape}")
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
            if not batch_shape:
                raise LayerError(f"{owner} expects batch_shape to include the batch axis, received ()")
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if shape is not None:
            shape = checks.shape(owner, "shape", shape)
            kwargs["input_shape"] = tuple(shape)
        if batch_size is not None:
            batch_size = checks.count(owner, "batch_size", batch_size)
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.batch_size = batch_size
        self.tensor: SymbolicTensor | None = None
        if self.declared_input_shape is not None:
            node = Node(self, [], called_with_list=False)
            self.tensor = SymbolicTensor((None, *self.declared_input_shape), self.compute_dtype, node)
            node.outbound.append(self.tensor)
            self.inbound_nodes.append(node)

    def build(self, input_shape: Any, backend: Any = None, rng: Any = None) -> None:
        declared = self.declared_input_shape
        if declared is not None and tuple(input_shape) != tuple(declared):
            raise LayerError(f"layer {self.name!r} expects inputs of per-sample shape {tuple(declared)}, "
                             f"received {tuple(input_shape)}")

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return x, _identity_backward

    def reference(self, params: dict[str, Any], x: Any, training: bool) -> Any:
        """The conformance suite's float64 formula: Keras's InputLayer passes its input through."""
        return np.array(x, dtype=np.float64)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["shape"] = config.pop("input_shape", None)
        config["batch_size"] = self.batch_size
        return config


def Input(shape: Any = None, batch_size: int | None = None, dtype: str | None = None,  # noqa: N802 - Keras's name
          name: str | None = None, batch_shape: Any = None, **kwargs: Any) -> SymbolicTensor:
    """Keras's ``Input``: a symbolic tensor to call layers on, made by a new :class:`InputLayer`."""
    if shape is None and batch_shape is None:
        raise LayerError("Input needs shape= (per sample, without the batch axis) or batch_shape=, "
                         "received neither")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name,
                       **kwargs)
    assert layer.tensor is not None
    return layer.tensor


#: Tells the conformance suite and Sequential.add that this factory returns a tensor, not a layer.
Input.makes_symbolic_tensor = True  # type: ignore[attr-defined]

__all__ = ["Input", "InputLayer"]
