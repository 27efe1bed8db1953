"""Calling a layer: on symbolic tensors it records a node (shapes only); on arrays it builds first.

Kept apart from the ``Layer`` base class so the contract file stays about the contract: this is
the machinery that turns ``Dense(3)(x)`` into a graph edge.
"""
from __future__ import annotations

from typing import Any

from ..errors import LayerError
from .tensor import Node, SymbolicTensor, is_symbolic

__all__ = ["call_symbolic", "build_for_arrays", "is_symbolic", "output_shapes"]


def _shape_of(tensors: list[SymbolicTensor], as_list: bool) -> Any:
    shapes = [t.sample_shape for t in tensors]
    return shapes if as_list else shapes[0]


def output_shapes(shape: Any) -> list[tuple[int, ...]]:
    """``compute_output_shape``'s answer as a list: one shape, or several for a multi-output layer."""
    if isinstance(shape, list) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [tuple(s) for s in shape]
    return [tuple(shape)]


def call_symbolic(layer: Any, x: Any) -> Any:
    """Build ``layer`` for the tensors' shapes if needed, check they fit, record a :class:`Node` and
    return the symbolic output(s). No array math happens and nothing is recorded on a failure."""
    from .. import utils
    from ..base.backend import get_backend

    as_list = isinstance(x, (list, tuple))
    tensors = list(x) if as_list else [x]
    strays = [type(t).__name__ for t in tensors if not isinstance(t, SymbolicTensor)]
    if strays:
        raise LayerError(f"layer {layer.name!r} was called on a mix of symbolic tensors and {', '.join(strays)}; "
                         f"call it on tensors from Input (or other layers) only")
    shape = _shape_of(tensors, as_list)
    declared = getattr(layer, "declared_input_shape", None)
    if declared is not None and not as_list and tuple(declared) != tuple(shape):
        raise LayerError(f"layer {layer.name!r} declares input shape {tuple(declared)}, but it is called on a "
                         f"tensor of shape {(None, *shape)}")
    if layer.built:
        expected = layer.input_shape
        if expected is not None and _normal(expected) != _normal(shape):
            raise LayerError(f"layer {layer.name!r} expects inputs of per-sample shape {expected}, received "
                             f"{shape} (from {', '.join(t.name for t in tensors)})")
    else:
        try:
            layer.ensure_built(shape, layer.backend or get_backend(), utils.global_rng())
        except LayerError:
            raise
        except (ValueError, TypeError, IndexError) as exc:
            raise LayerError(f"layer {layer.name!r} cannot be called on inputs of per-sample shape {shape} "
                             f"(from {', '.join(t.name for t in tensors)}): {exc}") from exc
    node = Node(layer, tensors, as_list)
    dtype = getattr(layer, "compute_dtype", tensors[0].dtype)
    for index, out in enumerate(output_shapes(layer.compute_output_shape(shape))):
        node.outbound.append(SymbolicTensor((None, *out), dtype, node, index))
    layer.inbound_nodes.append(node)
    return node.outbound[0] if len(node.outbound) == 1 else list(node.outbound)


def _normal(shape: Any) -> Any:
    if isinstance(shape, list) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [tuple(s) for s in shape]
    return tuple(shape)


def build_for_arrays(layer: Any, x: Any) -> None:
    """Build ``layer`` for the per-sample shape(s) of array(s) ``x`` (Keras's eager first call)."""
    from .. import utils
    from ..base.backend import get_backend

    if isinstance(x, (list, tuple)):
        shape: Any = [tuple(a.shape[1:]) for a in x]
    else:
        shape = tuple(x.shape[1:])
    layer.ensure_built(shape, layer.backend or get_backend(), utils.global_rng())
