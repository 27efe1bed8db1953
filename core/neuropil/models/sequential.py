"""Sequential: a stack of layers, each feeding the next (the structure; training is in training.py)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import utils
from ..base.backend import get_backend
from ..base.layer import Layer, unique_name
from ..errors import ArgumentError, ArgumentTypeError, EmptyModelError, InputValidationError, LayerError, ModelError
from ..plugin_system.attribution import names_plugin_on_error
from . import summary as _summary
from .evaluation import Evaluation
from .features import Features
from .persistence import Persistence
from .training import Training


class Sequential(Persistence, Features, Evaluation, Training):
    """A linear stack of layers with Keras's API: ``add``, ``compile``, ``fit``, ``evaluate``, ``predict``.

    The model builds itself as soon as the input shape is known: from the first layer's
    ``input_shape``/``input_dim`` or an ``Input`` layer, or else from the data of the first ``fit``.
    """

    def __init__(self, layers: Iterable[Layer] | None = None, name: str | None = None) -> None:
        self.name = name or unique_name("sequential")
        self._layers: list[Layer] = []
        self.backend = None
        self.input_shape: tuple[int, ...] | None = None
        super().__init__()
        for layer in layers or []:
            self.add(layer)

    # -- structure -------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, excluding a leading ``Input`` (which only declares the shape), as Keras shows."""
        return [layer for layer in self._layers if not layer.is_input]

    def add(self, layer: Layer) -> None:
        """Append a layer; builds it at once when the model's input shape is known."""
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
        if (name is None) == (index is None):
            raise ArgumentError("get_layer needs exactly one of name= or index=")
        if index is not None:
            try:
                return self.layers[index]
            except IndexError:
                raise ModelError(f"index {index} is out of range: the model has {len(self.layers)} layers") from None
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ModelError(f"no layer named {name!r}; layers: {', '.join(each.name for each in self._layers)}")

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

    @property
    def output_shape(self) -> tuple[int, ...]:
        if not self.built:
            raise ModelError("the model is not built yet, so its output shape is unknown")
        return tuple(self._layers[-1].output_shape or ())

    # -- weights ---------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """All weights as NumPy arrays, in Keras order (layer by layer; per Dense: kernel, then bias)."""
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights: list[Any]) -> None:
        """Set all weights from ``get_weights``-ordered arrays; checks everything before changing anything."""
        if not self.built:
            raise ModelError("the model must be built (input shape known) before set_weights")
        expected = sum(len(layer.weight_names()) for layer in self._layers)
        weights = list(weights)
        if len(weights) != expected:
            raise ArgumentError(f"model {self.name!r} has {expected} weight arrays, received {len(weights)}")
        chunks, start = [], 0
        for layer in self._layers:
            count = len(layer.weight_names())
            chunk = weights[start:start + count]
            for n, w in zip(layer.weight_names(), chunk):
                if tuple(np.shape(w)) != tuple(layer.params[n].shape):
                    raise ArgumentError(f"layer {layer.name!r} weight {n!r} has shape {tuple(layer.params[n].shape)}, "
                                     f"received {tuple(np.shape(w))}")
            chunks.append(chunk)
            start += count
        for layer, chunk in zip(self._layers, chunks):
            layer.set_weights(chunk)

    @property
    def weights(self) -> list[Any]:
        """Every layer's live parameter arrays, in ``get_weights`` order (see :attr:`Layer.weights`)."""
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[Any]:
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Any]:
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self._layers)

    @names_plugin_on_error
    def __call__(self, x: Any, training: bool = False) -> Any:
        """The model's output for one batch ``x`` as a backend array (Keras's ``model(x)``); with
        ``training=True``, dropout and other training-only behaviour are on."""
        xs, _ = self._prepare(x, None, "__call__")
        h = self.backend.asarray(xs)
        for layer in self._layers:
            h = layer.forward(h, training)[0]
        return h

    def summary(self, print_fn: Callable[[str], Any] = print) -> None:
        """Print the Keras-style table of layers, output shapes and parameter counts."""
        _summary.render(self, print_fn)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name!r} layers={[layer.name for layer in self.layers]}>"

