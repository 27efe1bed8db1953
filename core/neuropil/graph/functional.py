"""The functional ``Model(inputs, outputs)``: any directed acyclic graph of layer calls.

The graph is planned once, when the model is made (:class:`~neuropil.graph.executor.Executor`), so
every mistake in it (an output that does not depend on the inputs, an input listed twice, two layers
with one name) fails here, before anything is trained. Training is the one trainer's
(:mod:`neuropil.models.trainer`); a model is also callable, on symbolic tensors (it becomes a layer
of a bigger model) and on arrays.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..base.backend import get_backend
from ..base.layer import unique_name
from ..errors import ArgumentError, ModelError
from ..models.features import Features
from ..models.persistence import Persistence
from ..models.trainer import Trainer
from ..plugin_system.attribution import names_plugin_on_error
from ..saving import architectures
from . import calls
from . import config as graph_config
from .executor import Executor, leaf_layers
from .tensor import SymbolicTensor


def _structure(value: Any, what: str) -> tuple[list[SymbolicTensor], list[str] | None, str]:
    """The tensors of ``inputs``/``outputs`` and their dict keys, and how they were given."""
    if isinstance(value, dict):
        kind, keys, tensors = "dict", [str(k) for k in value], list(value.values())
    elif isinstance(value, (list, tuple)):
        kind, keys, tensors = "list", None, list(value)
    else:
        kind, keys, tensors = "single", None, [value]
    if not tensors:
        raise ModelError(f"Model needs at least one tensor in {what}, received an empty {type(value).__name__}")
    for tensor in tensors:
        if not isinstance(tensor, SymbolicTensor):
            raise ModelError(f"Model {what} must be symbolic tensors (from Input and layer calls), received "
                             f"{type(tensor).__name__} ({str(tensor)[:80]})")
    return tensors, keys, kind


class Model(Persistence, Features, Trainer):
    """Keras's functional model: ``Model(inputs=..., outputs=..., name=None)``.

    ``inputs`` and ``outputs`` are a symbolic tensor, a list of them, or a dict by name; a dict's keys
    name the inputs (for ``fit(x={...})``) and the outputs (for ``compile(loss={...})``), otherwise
    the Input's name and the output layer's name do.
    """

    #: The model kind saved files name (Keras's "Functional"); rebuilt by :func:`_rebuild`.
    saved_class_name = "Functional"

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ArgumentError(f"Model name must be a non-empty string, received {name!r}")
        self.name = name or unique_name("functional")
        input_tensors, input_keys, self._input_kind = _structure(inputs, "inputs")
        output_tensors, output_keys, self._output_kind = _structure(outputs, "outputs")
        for tensor in input_tensors:
            if not tensor.node.layer.is_input or tensor.node.inbound:
                raise ModelError(f"Model inputs must come from Input(...); {tensor.name!r} is the output of layer "
                                 f"{tensor.node.layer.name!r}")
        seen: set[int] = set()
        for tensor in input_tensors:
            if id(tensor) in seen:
                raise ModelError(f"input {tensor.name!r} is used twice in the model's inputs; list each input once")
            seen.add(id(tensor))
        self._executor_plan = Executor(input_tensors, output_tensors, f"model {self.name!r}")
        self._input_names = input_keys or [t.node.layer.name for t in input_tensors]
        self._output_names = output_keys or [t.node.layer.name for t in output_tensors]
        if len(set(self._output_names)) != len(self._output_names):
            raise ModelError(f"model {self.name!r} has outputs with the same name ({', '.join(self._output_names)}); "
                             f"give them a dict of outputs, or distinct layers")
        ordered = [t.node.layer for t in input_tensors] + self._executor_plan.layers()
        names: dict[str, Any] = {}
        for layer in ordered:
            if layer.name in names and names[layer.name] is not layer:
                raise ModelError(f"model {self.name!r} has two layers named {layer.name!r}; layer names must be "
                                 f"unique (pass name=...)")
            names[layer.name] = layer
        self._graph_layers = ordered
        self._layers = _unique([leaf for layer in ordered for leaf in leaf_layers(layer)])
        leaves: dict[str, Any] = {}
        for leaf in self._layers:  # weights are saved as "<layer>/<weight>": one name, one layer
            if leaf.name in leaves and leaves[leaf.name] is not leaf:
                raise ModelError(f"model {self.name!r} holds two layers named {leaf.name!r} (one inside a nested "
                                 f"model); layer names must be unique across nested models (pass name=...)")
            leaves[leaf.name] = leaf
        self.inbound_nodes: list[Any] = []
        self.trainable_flag = True
        self.input_gradient = True
        self._nested_planned = False
        self._init_trainer()
        backends = [layer.backend for layer in self._layers if layer.backend is not None]
        self.backend = backends[0] if backends else get_backend()
        self._move_to(self.backend)

    # -- structure -------------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return True

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return list(self._executor().inputs)

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return list(self._executor().outputs)

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    @property
    def output_names(self) -> list[str]:
        return list(self._output_names)

    @property
    def layers(self) -> list[Any]:
        """Every layer of the graph once, in Keras's order: the inputs' layers first, then each layer
        as the graph calls it (a nested model is one entry)."""
        return list(self._graph_layers)

    def graph_layers(self) -> list[Any]:
        """The layers this model runs, for a model that uses it as a layer (its parameters' owners)."""
        return self.layers

    def _executor(self) -> Executor:
        return self._executor_plan

    def _forget_executor(self) -> None:
        """The graph of a functional model is fixed: only what was derived from compile is dropped."""
        self._executor_plan._fused_for = None  # type: ignore[attr-defined]

    def _output_shapes(self) -> list[tuple[int, ...]]:
        return [t.sample_shape for t in self._executor().outputs]

    def _output_layers(self) -> list[Any]:
        return [t.node.layer for t in self._executor().outputs]

    def _check_input_shapes(self, xs: list[np.ndarray], call: str, what: str) -> None:
        for tensor, array, name in zip(self._executor().inputs, xs, self._input_names):
            if tuple(array.shape[1:]) != tensor.sample_shape:
                raise ModelError(f"input {name!r} of model {self.name!r} expects per-sample shape "
                                 f"{tensor.sample_shape}, received {tuple(array.shape[1:])} (x{what} array of "
                                 f"shape {array.shape})")

    def _structured_outputs(self, results: list[Any], executor: Executor) -> Any:
        if executor is not self._executor():
            return results
        if self._output_kind == "single":
            return results[0]
        if self._output_kind == "dict":
            return dict(zip(self._output_names, results))
        return results

    def get_layer(self, name: str | None = None, index: int | None = None) -> Any:
        """A layer by name or by index into ``layers``."""
        if (name is None) == (index is None):
            raise ArgumentError("get_layer needs exactly one of name= or index=")
        layers = self.layers
        if index is not None:
            try:
                return layers[index]
            except IndexError:
                raise ModelError(f"index {index} is out of range: the model has {len(layers)} layers") from None
        for layer in layers:
            if layer.name == name:
                return layer
        raise ModelError(f"no layer named {name!r}; layers: {', '.join(each.name for each in layers)}")

    # -- a model as a layer ----------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self.trainable_flag

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freezing a model freezes every layer in it, as Keras's ``base_model.trainable = False``."""
        self.trainable_flag = bool(value)
        for layer in self._layers:
            layer.trainable = bool(value)

    @property
    def input_shape(self) -> Any:
        shapes = [t.sample_shape for t in self._executor().inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = self._output_shapes()
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def declared_input_shape(self) -> None:
        return None

    @property
    def compute_dtype(self) -> str:
        return self._executor().outputs[0].dtype

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.output_shape if len(self._output_shapes()) == 1 else list(self._output_shapes())

    def ensure_built(self, input_shape: Any, backend: Any, rng: Any) -> None:
        """Already built: its layers were built when the graph was made."""

    @property
    def params(self) -> dict[str, Any]:
        return {}

    @property
    def constraints(self) -> dict[str, Any]:
        return {}

    @property
    def has_loss_terms(self) -> bool:
        return False

    def logits_activation(self) -> Any:
        return None

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Any]:
        """Run the model as one layer of a bigger model: ``(y, backward)``, as a layer's forward."""
        executor = self._executor()
        if not self._nested_planned:
            executor.plan_all()
            self._nested_planned = True
        several_in = len(executor.inputs) > 1
        outs, backs = executor.forward(list(x) if several_in else [x], training, True, logits=False)
        several_out = len(outs) > 1

        def backward(dy: Any) -> Any:
            dxs = executor.backward(backs, list(dy) if several_out else [dy])
            return dxs if several_in else dxs[0]

        return (outs if several_out else outs[0]), backward

    @names_plugin_on_error
    def __call__(self, x: Any, training: bool = False) -> Any:
        """On symbolic tensors: use this model as a layer of a new graph. On arrays: the outputs for
        one batch as backend arrays (Keras's ``model(x)``), with training-only behaviour when asked."""
        if calls.is_symbolic(x):
            return calls.call_symbolic(self, x)
        xs, _ = self._prepare(x, None, "__call__")
        executor = self._executor()
        outs, _ = executor.forward([self.backend.asarray(a) for a in xs], training, False, logits=False)
        return self._structured_outputs(outs, executor)

    # -- weights ---------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """All weights as NumPy arrays, layer by layer in ``_layers`` order (per Dense: kernel, then bias)."""
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

    def count_trainable_params(self) -> int:
        return sum(layer.count_trainable_params() for layer in self._layers)

    # -- the architecture as data ---------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Keras's functional config: each layer once with its inbound nodes, the input and output
        tensors (see :mod:`neuropil.graph.config`)."""
        from ..saving.config import layer_spec

        return graph_config.graph_config(self, layer_spec)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A new model (fresh weights) from :meth:`get_config`'s output; layers resolve through the
        registries only."""
        doc: dict[str, Any] = {"plugins": {}}
        return architectures.build({"class_name": cls.saved_class_name, "config": config}, doc, "the config")

    def summary(self, print_fn: Callable[[str], Any] = print) -> None:
        """Print Keras's functional table: layers, output shapes, parameter counts, inbound connections."""
        from . import summary

        summary.render(self, print_fn)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} layers={[layer.name for layer in self.layers]}>"


def _unique(layers: list[Any]) -> list[Any]:
    seen: dict[int, Any] = {}
    for layer in layers:
        seen.setdefault(id(layer), layer)
    return list(seen.values())


def _rebuild(config: dict[str, Any], doc: dict[str, Any], what: str) -> Model:
    from .. import layers
    from ..errors import LayerError
    from ..saving.config import build
    from ..saving.errors import SavedFileError

    try:
        return graph_config.rebuild(config, doc, what, lambda spec, part: build("layers", layers, spec, doc, part),
                                    lambda inputs, outputs, name: Model(inputs, outputs, name=name))
    except (LayerError, ModelError) as exc:
        raise SavedFileError(f"{what}: the saved graph does not rebuild: {exc}") from None


architectures.register(Model.saved_class_name, _rebuild)

__all__ = ["Model"]
