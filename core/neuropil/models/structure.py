"""What the trainer needs from a model's structure, declared once.

:class:`~neuropil.graph.functional.Model` (any graph) and :class:`~neuropil.models.Sequential` (a
chain it builds as layers are added) implement these; the trainer (``trainer.py``), feature extraction
and persistence use nothing else, so one trainer serves both.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..base.layer import Layer
    from ..graph.executor import Executor


class ModelStructure:
    name: str
    #: The model's Backend once it is built or compiled (None before).
    backend: Any
    #: Every layer whose parameters the model holds, once each, in graph order (input layers and the
    #: layers of nested models included): what saving, the optimizer and the rng capture walk.
    _layers: list[Layer]

    if TYPE_CHECKING:
        @property
        def built(self) -> bool: ...
        @property
        def input_names(self) -> list[str]: ...
        @property
        def output_names(self) -> list[str]: ...
        def _executor(self) -> Executor: ...
        def _forget_executor(self) -> None: ...
        def _output_shapes(self) -> list[tuple[int, ...]]: ...
        def _output_layers(self) -> list[Layer]: ...
        def _check_input_shapes(self, xs: list[np.ndarray], call: str, what: str) -> None: ...
        def _structured_outputs(self, results: list[Any], executor: Executor) -> Any: ...
        def get_layer(self, name: str | None = None, index: int | None = None) -> Layer: ...
        @property
        def layers(self) -> list[Layer]: ...
