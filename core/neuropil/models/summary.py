"""``model.summary()``: the Keras table of layers, output shapes and parameter counts."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

WIDTHS = (29, 26, 10)


def _row(cells: tuple[str, str, str]) -> str:
    return "".join(f" {cell}".ljust(width) for cell, width in zip(cells, WIDTHS)).rstrip()


def render(model: Any, print_fn: Callable[[str], Any] = print) -> None:
    line = "_" * sum(WIDTHS)
    print_fn(f'Model: "{model.name}"')
    print_fn(line)
    print_fn(_row(("Layer (type)", "Output Shape", "Param #")))
    print_fn("=" * sum(WIDTHS))
    for i, layer in enumerate(model.layers):
        shape = str((None, *layer.output_shape)) if layer.built else "(unbuilt)"
        shape = shape.replace(",)", ")")
        print_fn(_row((f"{layer.name} ({type(layer).__name__})", shape, f"{layer.count_params():,}")))
        print_fn(line if i == len(model.layers) - 1 else "")
    total = sum(layer.count_params() for layer in model.layers)
    trainable = sum(layer.count_trainable_params() for layer in model.layers)
    if not model.layers:
        print_fn(line)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn(line)
