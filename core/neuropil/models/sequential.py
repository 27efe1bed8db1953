"""Sequential: a stack of layers, each feeding the next — a Model whose graph is a chain.

The chain graph is recorded (an input tensor, then each layer called on the previous output) as soon
as the model is built, and the one executor and trainer of every model run it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import utils
from ..base.backend import get_backend
from ..base.layer import Layer, unique_name
from ..errors import ArgumentTypeError, EmptyModelError, InputValidationError, LayerError, ModelError
from ..graph import calls
from ..graph.executor import Executor
from ..graph.functional import Model
from ..graph.input_layer import InputLayer
from ..graph.tensor import SymbolicTensor
from ..plugin_system.attribution import names_plugin_on_error
from ..saving import architectures
from . import summary as _summary
from .persistence import Persistence


class Sequential(Model):
    """A linear stack of layers with Keras's API: ``add``, ``compile``, ``fit``, ``evaluate``, ``predict``.

    The model builds itself as soon as the input shape is known: from the first layer's
    ``input_shape``/``input_dim`` or an ``Input``, or else from the data of the first ``fit``.
    """

    saved_class_name = "Sequential"

    def __init__(self, layers: Iterable[Any] | None = None, name: str | None = None) -> None:
        self.name = name or unique_name("sequential")
        self._layers: list[Layer] = []
        self.backend = None
        self._input_shape: tuple[int, ...] | None = None
        self._chain: Executor | None = None
        self._recorded: list[tuple[Any, Any]] = []
        self.inbound_nodes: list[Any] = []
        self.trainable_flag = True
        self.input_gradient = True
        self._nested_planned = False
        self._input_kind = self._output_kind = "single"
        self._init_trainer()
        for layer in layers or []:
            self.add(layer)

    # -- structure -------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, excluding a leading ``Input`` (which only declares the shape), as Keras shows."""
        return [layer for layer in self._layers if not layer.is_input]

    def graph_layers(self) -> list[Any]:
        return list(self._layers)

    @property
    def input_names(self) -> list[str]:
        first = self._layers[0] if self._layers else None
        return [first.name if first is not None and first.is_input else f"{self.name}_input"]

    @property
    def output_names(self) -> list[str]:
        return [self._layers[-1].name] if self._layers else [f"{self.name}_output"]

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self._input_shape

    @input_shape.setter
    def input_shape(self, value: tuple[int, ...] | None) -> None:
        self._input_shape = value

    def add(self, layer: Any) -> None:
        """Append a layer (or the tensor of an ``Input``, whose layer is added, as Keras's add takes
        it); builds it at once when the model's input shape is known."""
        if isinstance(layer, SymbolicTensor) and layer.node.layer.is_input and not layer.node.inbound:
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ArgumentTypeError(f"Sequential.add expects a neuropil Layer instance, received "
                            f"{type(layer).__name__} ({layer!r})")
        if any(existing.name == layer.name for existing in self._layers):
            raise LayerError(f"the model already has a layer named {layer.name!r}; layer names must be "
                             f"unique (pass name=...)")
        if layer in self._layers:
            raise ModelError(f"layer {layer.name!r} is already in the model")
        if layer.is_input and self._layers:
            raise ModelError("an Input layer can only be the first layer of a Sequential model")
        declared = layer.declared_input_shape
        if not self._layers and declared is not None:
            self.input_shape = tuple(declared)
        elif declared is not None and self.built and layer.built is False and not layer.is_input:
            expected = self._layers[-1].output_shape or ()
            if tuple(declared) != tuple(expected):
                raise InputValidationError(
                    f"layer {layer.name!r} declares input shape {tuple(declared)} but the previous layer "
                    f"{self._layers[-1].name!r} outputs {tuple(expected)}")
        self._layers.append(layer)
        if self.input_shape is not None:
            try:
                self.build(self.input_shape)
            except Exception:
                self._layers.pop()
                if not self._layers:
                    self.input_shape = None
                raise
        self._structure_changed()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise EmptyModelError("pop from a model with no layers")
        layer = self._layers.pop()
        self._structure_changed()
        return layer

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index into ``layers``."""
        if name is not None and index is None:
            for layer in self._layers:
                if layer.name == name:
                    return layer
        return Model.get_layer(self, name=name, index=index)

    # -- the chain graph -------------------------------------------------------------------------
    def _executor(self) -> Executor:
        """The chain as a graph, recorded once per structure (after ``add``/``pop``/``build``)."""
        if self._chain is None:
            if not self.built:
                raise ModelError(f"model {self.name!r} is not built yet: give the first layer input_shape=, "
                                 f"add an Input, or call fit()/build() first")
            self._unrecord()
            declared = getattr(self._layers[0], "tensor", None) if self._layers[0].is_input else None
            source = declared if isinstance(declared, SymbolicTensor) \
                else InputLayer(shape=self.input_shape, name=f"{self.name}_input").tensor
            assert source is not None
            tensor: Any = source
            for layer in self._layers:
                if layer.is_input:
                    continue
                tensor = calls.call_symbolic(layer, tensor)
                self._recorded.append((layer, layer.inbound_nodes[-1]))
            self._chain = Executor([source], [tensor], f"model {self.name!r}")
        return self._chain

    def _unrecord(self) -> None:
        """Take the nodes of a previous chain off the layers, so ``layer.output`` names this one."""
        for layer, node in self._recorded:
            if node in layer.inbound_nodes:
                layer.inbound_nodes.remove(node)
        self._recorded = []

    def _forget_executor(self) -> None:
        self._chain = None

    def _output_shapes(self) -> list[tuple[int, ...]]:
        return [self.output_shape]

    def _output_layers(self) -> list[Any]:
        return [self._layers[-1]]

    def _check_input_shapes(self, xs: list[np.ndarray], call: str, what: str) -> None:
        if not self._layers:
            raise ModelError(f"{call}() on a model with no layers: add layers first")
        shape = tuple(xs[0].shape[1:])
        expected = self.input_shape or (self._layers[0].input_shape if self._layers[0].built else None)
        if expected is not None and shape != tuple(expected):
            first = self.layers[0] if self.layers else self._layers[0]
            raise InputValidationError(
                f"layer {first.name!r} expects inputs of per-sample shape {tuple(expected)}, received "
                f"{shape} (x{what} has shape {xs[0].shape})")
        if not self.built:
            self.build(shape)

    def _structured_outputs(self, results: list[Any], executor: Executor) -> Any:
        return results[0] if executor is self._chain else results

    # -- building --------------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return bool(self._layers) and all(layer.built for layer in self._layers)

    def build(self, input_shape: tuple[int, ...] | None = None) -> None:
        """Build every layer for per-sample ``input_shape``. All or nothing: if one layer fails, the
        layers built by this call are reset and the error names the layer."""
        shape = tuple(input_shape if input_shape is not None else (self.input_shape or ()))
        if not shape:
            raise ModelError("the model's input shape is unknown: give the first layer input_shape= or "
                             "input_dim=, add an Input layer, or call fit() with data")
        backend = self.backend or get_backend()
        rng = utils.global_rng()
        newly_built: list[Layer] = []
        try:
            for layer in self._layers:
                was_built = layer.built
                if not was_built and layer.declared_input_shape is not None and layer is not self._layers[0] \
                        and tuple(layer.declared_input_shape) != tuple(shape):
                    raise InputValidationError(
                        f"layer {layer.name!r} declares input shape {layer.declared_input_shape}, receives {shape}")
                layer.ensure_built(shape, backend, rng)
                if not was_built:
                    newly_built.append(layer)
                shape = tuple(layer.output_shape or layer.compute_output_shape(shape))
        except Exception:
            for layer in newly_built:
                layer.params.clear()
                layer.grads.clear()
                layer.built = False
                layer.input_shape = layer.output_shape = None
            raise
        self.backend = backend
        self.input_shape = tuple(input_shape) if input_shape is not None else self.input_shape
        if newly_built:
            self._forget_executor()

    @property
    def output_shape(self) -> tuple[int, ...]:
        if not self.built:
            raise ModelError("the model is not built yet, so its output shape is unknown")
        return tuple(self._layers[-1].output_shape or ())

    @names_plugin_on_error
    def __call__(self, x: Any, training: bool = False) -> Any:
        """The model's output for one batch ``x`` as a backend array (Keras's ``model(x)``); with
        ``training=True``, dropout and other training-only behaviour are on. On a symbolic tensor the
        model becomes one layer of a bigger graph."""
        if calls.is_symbolic(x):
            if not self.built:
                first = x[0] if isinstance(x, (list, tuple)) else x
                self.build(first.sample_shape)
            return calls.call_symbolic(self, x)
        return Model.__call__(self, x, training)

    def get_config(self) -> dict[str, Any]:
        """Keras's Sequential config: ``{"name", "layers": [{"class_name", "config"}...], "build_input_shape"}``."""
        return Persistence.get_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return Persistence.from_config.__func__(cls, config)  # type: ignore[attr-defined]

    def summary(self, print_fn: Callable[[str], Any] = print) -> None:
        """Print the Keras-style table of layers, output shapes and parameter counts."""
        _summary.render(self, print_fn)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name!r} layers={[layer.name for layer in self.layers]}>"



def _rebuild(config: dict[str, Any], doc: dict[str, Any], what: str) -> Sequential:
    """A Sequential model from its saved config: each layer through the registries, in order."""
    from .. import layers
    from ..saving.config import build

    specs = config["layers"]
    built = [build("layers", layers, spec, doc, f"layer #{i}") for i, spec in enumerate(specs)]
    name = config.get("name") if isinstance(config.get("name"), str) and config.get("name") else None
    model = Sequential(name=name)
    for layer in built:
        model.add(layer)
    shape = config.get("build_input_shape")
    if shape is not None and not model.built:
        model.build(tuple(shape))
    return model


architectures.register(Sequential.saved_class_name, _rebuild)
