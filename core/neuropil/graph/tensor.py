"""Symbolic tensors and the nodes that produce them: the graph a functional model is made of.

A :class:`SymbolicTensor` carries only what is known before any data arrive: the shape (with a
leading ``None`` batch axis, as Keras shows it), the dtype, and the :class:`Node` (one call of one
layer) that produced it. Nothing here does array math.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Node:
    """One call of ``layer``: the tensors it was called on and the tensors it returned.

    ``called_with_list`` remembers whether the layer received a list (a merge layer) or one tensor,
    so the executor hands it the same structure when it runs on arrays.
    """

    def __init__(self, layer: Any, inbound: list[SymbolicTensor], called_with_list: bool) -> None:
        self.layer = layer
        self.inbound = list(inbound)
        self.called_with_list = called_with_list
        self.outbound: list[SymbolicTensor] = []

    @property
    def parents(self) -> list[Node]:
        """The nodes that produced this node's inputs (each once, in input order)."""
        seen: list[Node] = []
        for tensor in self.inbound:
            if tensor.node not in seen:
                seen.append(tensor.node)
        return seen

    def __repr__(self) -> str:
        return f"<Node {self.layer.name!r} <- {[t.name for t in self.inbound]}>"


class SymbolicTensor:
    """A placeholder for the arrays that will flow along one edge of the graph."""

    def __init__(self, shape: tuple[int | None, ...], dtype: str, node: Node, index: int = 0) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.node = node
        self.index = index

    @property
    def name(self) -> str:
        """The producing layer's name, with the output index when the layer has several outputs."""
        layer = self.node.layer
        return layer.name if len(self.node.outbound) <= 1 else f"{layer.name}_{self.index}"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """The shape without the batch axis: what ``Layer.build`` receives."""
        return tuple(int(d) for d in self.shape[1:])  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<SymbolicTensor name={self.name!r} shape={self.shape} dtype={self.dtype}>"

    # -- Keras's tensor arithmetic in a graph: ``x + residual`` records a merge layer's call --------
    def __add__(self, other: Any) -> Any:
        return _operate("+", self, other)

    def __radd__(self, other: Any) -> Any:
        return _operate("+", other, self)

    def __sub__(self, other: Any) -> Any:
        return _operate("-", self, other)

    def __rsub__(self, other: Any) -> Any:
        return _operate("-", other, self)

    def __mul__(self, other: Any) -> Any:
        return _operate("*", self, other)

    def __rmul__(self, other: Any) -> Any:
        return _operate("*", other, self)


def _operate(operator: str, left: Any, right: Any) -> Any:
    """Call the registered layer that declares ``symbolic_operator == operator`` on ``[left, right]``."""
    from ..errors import LayerError
    from ..plugin_system.namespace import registry

    if not (isinstance(left, SymbolicTensor) and isinstance(right, SymbolicTensor)):
        raise LayerError(f"symbolic tensors combine with '{operator}' only with other symbolic tensors, received "
                         f"{type(left).__name__} and {type(right).__name__}; wrap constants in a layer")
    for entry in registry("layers").entries():
        if getattr(entry.factory, "symbolic_operator", None) == operator:
            return entry.factory()([left, right])
    raise LayerError(f"no installed layer computes '{operator}' for symbolic tensors (a layer class declaring "
                     f"symbolic_operator = {operator!r}); install neuropil-standard")


def flatten(structure: Any) -> list[Any]:
    """The leaves of a tensor, a list/tuple of them, or a dict of them (in the dict's order)."""
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten(value)]
    if isinstance(structure, (list, tuple)):
        return [leaf for value in structure for leaf in flatten(value)]
    return [structure]


def is_symbolic(structure: Any) -> bool:
    """Whether ``structure`` is, or holds, a symbolic tensor."""
    return any(isinstance(leaf, SymbolicTensor) for leaf in flatten(structure))


def walk_back(outputs: list[SymbolicTensor]) -> Iterator[Node]:
    """Every node the ``outputs`` depend on, each once, parents before children (topological)."""
    done: set[int] = set()
    order: list[Node] = []
    for tensor in outputs:
        stack: list[tuple[Node, bool]] = [(tensor.node, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for parent in reversed(node.parents):
                if id(parent) not in done:
                    stack.append((parent, False))
    return iter(order)
