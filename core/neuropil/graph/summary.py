"""``summary()`` of a functional model: Keras's table with a "Connected to" column naming, for each
layer call, the tensors it reads as ``layer[node][tensor]``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

WIDTHS = (29, 26, 10, 26)


def _row(cells: tuple[str, ...]) -> str:
    return "".join(f" {cell}".ljust(width) for cell, width in zip(cells, WIDTHS)).rstrip()


def _shape(tensors: list[Any]) -> str:
    text = ", ".join(str(t.shape) for t in tensors)
    return text.replace("None,)", "None)").replace(",)", ")")


def _inbound(node: Any) -> list[str]:
    return [f"{t.node.layer.name}[{t.node.layer.inbound_nodes.index(t.node)}][{t.index}]" for t in node.inbound]


def render(model: Any, print_fn: Callable[[str], Any] = print) -> None:
    line = "_" * sum(WIDTHS)
    print_fn(f'Model: "{model.name}"')
    print_fn(line)
    print_fn(_row(("Layer (type)", "Output Shape", "Param #", "Connected to")))
    print_fn("=" * sum(WIDTHS))
    executor = model._executor()
    nodes_of: dict[int, list[Any]] = {}
    for tensor in executor.inputs:
        nodes_of.setdefault(id(tensor.node.layer), []).append(tensor.node)
    for node in executor.nodes:
        nodes_of.setdefault(id(node.layer), []).append(node)
    layers = model.layers
    for i, layer in enumerate(layers):
        nodes = nodes_of.get(id(layer), [])
        shape = _shape([t for node in nodes[:1] for t in node.outbound])
        links = [link for node in nodes for link in _inbound(node)] or ["-"]
        print_fn(_row((f"{layer.name} ({type(layer).__name__})", shape, f"{layer.count_params():,}", links[0])))
        for link in links[1:]:
            print_fn(_row(("", "", "", link)))
        print_fn(line if i == len(layers) - 1 else "")
    total = model.count_params()
    trainable = model.count_trainable_params()
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn(line)
