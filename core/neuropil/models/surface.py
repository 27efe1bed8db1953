"""What the parts of a model share, declared once.

``Sequential`` is put together from parts with one job each (structure in ``sequential.py``,
``training.py``, ``evaluation.py``, ``features.py``, ``persistence.py``). Each part calls into the
others (evaluation runs training's forward pass, persistence rebuilds the structure), so this base
class declares that shared state and those methods for the type checker: every part is checked
against one contract instead of discovering its siblings' attributes at run time. The declarations
under ``TYPE_CHECKING`` have no run-time body; the parts define them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import numpy as np

    from ..base.layer import Layer
    from ..callbacks import CallbackList
    from .compiled import Compiled
    from .training import StepPlan


class ModelSurface:
    name: str
    #: The model's Backend once it is built or compiled (None before).
    backend: Any
    input_shape: tuple[int, ...] | None
    _layers: list[Layer]
    compiled: Compiled | None
    progress_stream: TextIO | None
    #: The logits loss and the output activation, when the output layer's activation folds into the
    #: loss; None until first derived (see ``compiled.fused_output``).
    _fused: tuple[Any, Any] | None

    if TYPE_CHECKING:
        # structure (sequential.py)
        @property
        def layers(self) -> list[Layer]: ...
        @property
        def built(self) -> bool: ...
        @property
        def output_shape(self) -> tuple[int, ...]: ...
        def build(self, input_shape: tuple[int, ...] | None = None) -> None: ...
        def add(self, layer: Layer) -> None: ...
        def get_layer(self, name: str | None = None, index: int | None = None) -> Layer: ...

        # training (training.py)
        def _require_compiled(self, call: str) -> Compiled: ...
        # y comes back None when no targets were given
        def _prepare(self, x: Any, y: Any, call: str, what: str = "") -> tuple[np.ndarray, Any]: ...
        def _ready(self) -> Compiled: ...
        def _plan(self) -> StepPlan: ...
        def _forward(self, x: Any, training: bool, with_backward: bool) -> tuple[Any, list[Any]]: ...
        def _loss_of(self, compiled: Compiled) -> Any: ...
        def _update_metrics(self, compiled: Compiled, y: Any, out: Any, weights: Any) -> None: ...
        def _to_backend(self, *arrays: np.ndarray | None) -> list[Any]: ...
        @staticmethod
        def _logs(compiled: Compiled, loss_sum: Any, seen: int) -> dict[str, Any]: ...

        # evaluation (evaluation.py)
        def _evaluate_arrays(self, compiled: Compiled, x: Any, y: Any, weights: Any, batch_size: int, verbose: int,
                             callback_list: CallbackList) -> dict[str, Any]: ...
