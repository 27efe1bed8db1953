"""The layer contract every layer plugin implements.

A layer keeps its parameters in ``params`` (name -> array on its backend) and the gradients of the last
backward pass in ``grads`` (same names). ``forward(x, training)`` returns the output and a ``backward``
closure: keeping the backward next to the forward it inverts means each layer is one readable unit, and
the closure holds exactly what the backward needs, nothing on ``self``.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ClassVar

import numpy as np

from .. import checks, config
from ..errors import ArgumentError, LayerError

Backward = Callable[[Any], Any]
Shape = tuple  # per-sample shape, without the batch axis

_NAME_COUNTS: defaultdict[str, int] = defaultdict(int)

#: Set while a saved file builds its model: ``plan(layer, weight_name, shape)`` raises unless the file
#: holds that weight with that shape. A config's sizes (``units=20000``) thus never allocate more
#: than the file's own tensors justify: each weight is checked before its memory is taken, and is
#: then zeros rather than an initializer's draw, as the saved value overwrites it.
WEIGHT_PLAN: ContextVar[Callable[[Any, str, tuple[int, ...]], None] | None] = ContextVar(
    "neuropil_weight_plan", default=None)


def unique_name(prefix: str) -> str:
    """Keras-style automatic names: dense, dense_1, dense_2, ..."""
    count = _NAME_COUNTS[prefix]
    _NAME_COUNTS[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def snake_case(name: str) -> str:
    """A class name as Keras names layers: ``BatchNormalization`` -> ``batch_normalization``, and an
    acronym stays whole: ``ReLU`` -> ``re_lu``, ``LeakyReLU`` -> ``leaky_re_lu``."""
    words = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))  # a capitalised word
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()  # a lower-to-upper step


def per_sample_shape(input_shape: Any) -> Any:
    """One input's per-sample shape as a tuple of ints, or several inputs' (a sequence of shapes, as
    a multi-input layer receives them) as a list of such tuples."""
    items = list(input_shape)
    if items and all(isinstance(item, (tuple, list)) for item in items):
        return [tuple(int(d) for d in item) for item in items]
    return tuple(input_shape)
#: The float types a layer may compute in (``dtype=``); neuropil has no integer or mixed policies.
LAYER_DTYPES = ("float16", "float32", "float64")


def _declared_shape(owner: str, input_shape: Any, input_dim: Any, batch_input_shape: Any) -> tuple[int, ...] | None:
    """The per-sample shape a layer was declared with, from whichever of Keras's three spellings was
    given. Every entry must be a positive integer: neuropil builds weights for fixed shapes, so a
    ``None`` (variable) dimension is refused here rather than at the first ``fit``."""
    # Each spelling given is checked; when several are, Keras's precedence picks one.
    dim = (checks.count(owner, "input_dim", input_dim),) if input_dim is not None else None
    shape = checks.shape(owner, "input_shape", input_shape) if input_shape is not None else None
    if batch_input_shape is not None:
        full = checks.shape(owner, "batch_input_shape", batch_input_shape, allow_none=True)
        if not full or any(d is None for d in full[1:]):
            raise ArgumentError(f"{owner} expects batch_input_shape to be (batch or None, positive integers...), "
                                f"received batch_input_shape={batch_input_shape!r}")
        return tuple(full[1:])
    return shape if shape is not None else dim


def _layer_dtype(owner: str, dtype: Any) -> str | None:
    if dtype is None:
        return None
    try:
        name = np.dtype(dtype).name if isinstance(dtype, (str, type, np.dtype)) else None
    except TypeError:
        name = None
    if name not in LAYER_DTYPES:
        raise ArgumentError(f"{owner} expects dtype to be one of {', '.join(LAYER_DTYPES)} or None, "
                            f"received dtype={dtype!r}")
    return name


class Layer:
    """Base class of layers.

    Subclasses implement :meth:`forward` and, if they have weights, :meth:`build` (creating them with
    :meth:`add_weight`); :meth:`compute_output_shape` when the output shape differs from the input's;
    and :meth:`get_config` returning the constructor's keyword arguments (JSON-able) so saved models
    can be rebuilt through the registries.

    **Multi-input layers** (the merge layers: Add, Concatenate, Dot, ...) keep the same methods with
    lists in place of single values, and a caller (a model's graph, a test) calls them exactly so
    whenever a layer is called on a list of tensors:

    * ``build(input_shape, ...)`` and ``compute_output_shape(input_shape)`` receive a list of
      per-sample shapes, one per input (:func:`per_sample_shape` normalises what a caller passes);
    * ``forward(inputs, training)`` receives a list of arrays of one batch size and returns
      ``(y, backward)``;
    * ``backward(dy)`` returns a list with one ``dx`` per input, in the inputs' order (``None`` is
      allowed for an input whose gradient is not needed while ``input_gradient`` is False), no two
      sharing memory (one may be a view of ``dy``, as a single-input layer's may), and assigns
      parameter gradients to ``grads`` as any layer does.

    Such a layer declares in ``example_input_shapes`` lists of shapes it accepts, so that generic
    checks (the conformance suite) can feed it several inputs.
    """

    #: Constructor arguments generic checks (the conformance suite) build this layer with; a layer
    #: whose constructor needs arguments (Dense needs ``units``) must list at least one.
    example_configs: tuple[dict[str, Any], ...] = ({},)
    #: Whether ``backward`` must return ``dx``. A model sets it False on the first layer it trains,
    #: whose input gradient nobody reads; a layer may honour it to skip work (Dense skips a matmul).
    input_gradient: bool = True
    #: Protocol: True for a layer that only declares the model's input (Keras's ``Input`` /
    #: ``InputLayer``). It may only stand first in a Sequential model, and ``model.layers`` leaves it
    #: out, as Keras does. The core asks this attribute, never a class name.
    is_input: ClassVar[bool] = False
    #: Per-sample input shapes generic checks (the conformance suite) may build this layer for, tried
    #: with every example config; each one that builds and runs is used. A multi-input layer must list
    #: some, each a list of per-sample shapes (one per input); a single-input layer may, to be checked
    #: on shapes of its choosing rather than the suite's probes.
    example_input_shapes: ClassVar[tuple[Any, ...]] = ()
    #: Protocol: the Python operator ("+", "-" or "*") this two-input layer computes,
    #: so that ``a + b`` on symbolic tensors (as Keras's ``x += residual``) records a call of it. The
    #: core finds the layer by this attribute among the registered ones, never by its name.
    symbolic_operator: ClassVar[str | None] = None

    def __init__(self, *, name: str | None = None, trainable: bool = True,
                 input_shape: tuple[int, ...] | None = None, input_dim: int | None = None,
                 batch_input_shape: tuple[int | None, ...] | None = None, dtype: str | None = None) -> None:
        owner = type(self).__name__
        if name is not None and (not isinstance(name, str) or not name):
            raise ArgumentError(f"{owner} expects name to be a non-empty string or None, received name={name!r}")
        if name is not None and "/" in name:
            raise ArgumentError(f"{owner} expects name without '/' (weights are saved as '<layer>/<weight>'), "
                                f"received name={name!r}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = checks.boolean(owner, "trainable", trainable)
        self.declared_input_shape: tuple[int, ...] | None = _declared_shape(
            owner, input_shape, input_dim, batch_input_shape)
        self.dtype = _layer_dtype(owner, dtype)
        self.params: dict[str, Any] = {}
        self.grads: dict[str, Any] = {}
        self.trainable_params: set[str] = set()
        self.regularizers: dict[str, Any] = {}
        self.constraints: dict[str, Any] = {}
        self.activity_loss: Any = 0.0
        self.backend: Any = None
        self.built = False
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        #: The graph nodes recording each call of this layer on symbolic tensors (Keras's inbound nodes).
        self.inbound_nodes: list[Any] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Let every layer's ``build`` be called as Keras calls it, ``layer.build(input_shape)``: the
        backend and the random generator default to the default backend and neuropil's global
        generator, and the layer counts as built afterwards, however ``build`` was reached."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("build")
        if own is not None and not getattr(own, "_keras_signature", False):
            cls.build = _keras_build(own)  # type: ignore[method-assign]

    # -- building --------------------------------------------------------------------------------
    def build(self, input_shape: Shape, backend: Any, rng: np.random.Generator) -> None:
        """Create parameters for per-sample ``input_shape`` on ``backend``, drawing from ``rng``.

        Every layer's ``build`` may also be called as Keras calls it, ``layer.build(input_shape)``:
        ``backend`` and ``rng`` then default to the default backend and neuropil's global generator
        (see :meth:`__init_subclass__`); a model that adopts a layer built elsewhere moves its weights.
        """

    def backend_changed(self) -> None:
        """Called after ``compile(backend=...)`` moved this built layer's parameters to ``self.backend``.

        A layer holding other backend-owned state (Dropout's random generator) re-creates it here;
        otherwise it would keep producing the old backend's arrays next to the new backend's.
        """

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape for a per-sample input shape (the identity by default)."""
        return tuple(input_shape)

    def ensure_built(self, input_shape: Any, backend: Any, rng: np.random.Generator) -> None:
        """Build once; later calls only check that the input shape still fits."""
        input_shape = per_sample_shape(input_shape)
        if self.built:
            if self.input_shape is not None and per_sample_shape(self.input_shape) != input_shape:
                raise LayerError(
                    f"layer {self.name!r} expects inputs of per-sample shape {self.input_shape}, "
                    f"received {input_shape}")
            return
        self.backend = backend
        self.build(input_shape, backend, rng)
        self._mark_built(input_shape)

    def _mark_built(self, input_shape: Any) -> None:
        input_shape = _as_shape(input_shape)
        self.input_shape = input_shape
        self.output_shape = _as_shape(self.compute_output_shape(input_shape))
        self.built = True

    @property
    def compute_dtype(self) -> str:
        return self.dtype or config.floatx()

    def add_weight(self, name: str, shape: tuple[int, ...], initializer: Any, rng: np.random.Generator,
                   regularizer: Any = None, constraint: Any = None, trainable: bool = True) -> Any:
        """Create a parameter: initialised on the host from ``rng`` (same seed, same weights on every
        backend), then moved to the backend in the compute dtype."""
        plan = WEIGHT_PLAN.get()
        if plan is not None:  # loading a file: its tensor must fit before anything is allocated
            plan(self, name, tuple(shape))
            host = np.zeros(tuple(shape), dtype=self.compute_dtype)  # the saved value replaces it
        else:
            host = np.asarray(initializer(tuple(shape), self.compute_dtype, rng), dtype=self.compute_dtype)
        value = self.backend.asarray(host)
        self.params[name] = value
        if trainable:
            self.trainable_params.add(name)
        if regularizer is not None:
            self.regularizers[name] = regularizer
        if constraint is not None:
            self.constraints[name] = constraint
        return value

    # -- computing -------------------------------------------------------------------------------
    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        """Return ``(y, backward)``; ``backward(dy)`` returns ``dx`` and assigns ``self.grads``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def kink_distance(self, x: Any) -> Any | None:
        """An array broadcasting against ``x`` that is zero where the layer is not differentiable in
        ``x`` (UnitNormalization: the norm of each slice), or None for a layer smooth in its input.
        Gradient checks move inputs away from those points, as they do for losses."""
        return None

    def __call__(self, x: Any, training: bool = False) -> Any:
        """On symbolic tensors (from ``Input``), record a graph node and return symbolic outputs;
        on arrays, run eagerly. Either way the layer is built first if it is not yet."""
        from ..graph import calls

        if calls.is_symbolic(x):
            return calls.call_symbolic(self, x)
        if not self.built:
            calls.build_for_arrays(self, x)
        return self.forward(x, training)[0]

    # -- the graph (Keras's layer.input / layer.output) ------------------------------------------
    def _only_node(self, what: str) -> Any:
        nodes = getattr(self, "inbound_nodes", [])
        if not nodes:
            raise LayerError(f"layer {self.name!r} has never been called on a symbolic tensor, so it has no "
                             f"{what}; call it on an Input first")
        if len(nodes) > 1:
            raise LayerError(f"layer {self.name!r} has {len(nodes)} inbound nodes (it is called several "
                             f"times), so its {what} is ambiguous; use the tensors each call returned")
        return nodes[0]

    @property
    def output(self) -> Any:
        """The symbolic output of the layer's one call (a list for several outputs)."""
        node = self._only_node("output")
        return node.outbound[0] if len(node.outbound) == 1 else list(node.outbound)

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's one call (a list when it was called on a list)."""
        node = self._only_node("input")
        if not node.inbound:  # an input layer: its input is its output, as in Keras
            return node.outbound[0]
        return list(node.inbound) if node.called_with_list else node.inbound[0]

    # -- optional protocols the core uses (see docs/plugins.md, "Optional layer protocols") ------
    def logits_activation(self) -> Any:
        """The activation this layer applies last, when :meth:`forward_logits` can return the output
        before it; ``None`` (the default) when it cannot.

        A model whose output layer offers one, compiled with a loss that has a logits variant for it
        (``Loss.logits_variant``: sigmoid or softmax with cross-entropy), trains on the logits: exact
        and finite where the activation saturates, and one backward cheaper.
        """
        return None

    def forward_logits(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        """Like :meth:`forward`, but stopping before :meth:`logits_activation`'s activation; required
        only of layers whose ``logits_activation()`` is not ``None``."""
        raise NotImplementedError(f"{type(self).__name__} offers no logits output (logits_activation() is None)")

    def deferrable_activation(self) -> Any:
        """An elementwise activation this layer applies last and a model may apply after the next
        layer instead, when that layer :meth:`commutes_with` it: :meth:`forward_logits` must return
        the output before it, and nothing else the layer computes (an activity loss) may depend on
        the activated values. ``None`` (the default): the activation stays where it is."""
        return None

    def commutes_with(self, activation: Any) -> bool:
        """Whether this layer on ``activation(x)`` gives exactly ``activation`` of this layer on
        ``x``, gradients included, so that training may apply the previous layer's activation after
        this layer, where there are fewer values (max pooling commutes with any non-decreasing
        activation: the relu of a Conv2D runs on the pooled quarter). False by default."""
        return False

    def input_arrangement(self) -> Any:
        """An arrangement of this (built) layer's input that it reads faster than the plain array,
        and that the layer feeding it may hand over instead in training, when that layer
        :meth:`arranges` it: any value the two layers agree on (the core only passes it between
        them). A max pooling with disjoint windows asks for its input window by window. ``None``
        (the default): the plain array."""
        return None

    def arranges(self, arrangement: Any) -> bool:
        """Whether this (built) layer can hand its output to its one reader in ``arrangement`` (the
        reader's :meth:`input_arrangement`) through :meth:`forward_arranged`. False by default."""
        return False

    def forward_arranged(self, x: Any, training: bool, arrangement: Any,
                         activation: bool = True) -> tuple[Any, Backward]:
        """Like :meth:`forward` (or, with ``activation`` False, :meth:`forward_logits` before the
        :meth:`deferrable_activation`), the output given in ``arrangement``; the backward takes the
        output's gradient in the same arrangement and returns the input's plain gradient. Required
        only of layers whose :meth:`arranges` can be true."""
        raise NotImplementedError(f"{type(self).__name__} arranges no output")

    def forward_from_arranged(self, x: Any, training: bool, arrangement: Any) -> tuple[Any, Backward]:
        """Like :meth:`forward`, on an input given in :meth:`input_arrangement`'s ``arrangement``;
        the output is plain, and the backward returns the input's gradient in the arrangement.
        Required only of layers whose :meth:`input_arrangement` is not None."""
        raise NotImplementedError(f"{type(self).__name__} reads no arranged input")

    @property
    def has_loss_terms(self) -> bool:
        """Whether :meth:`regularization_loss` can be non-zero, so the training step asks for it.

        True when a weight has a regularizer; a layer that adds a term of its own from its forward
        pass (an activity regularizer, an auxiliary loss) sets ``activity_loss`` there and overrides
        this to say so.
        """
        return bool(self.regularizers)

    def random_generators(self) -> dict[str, np.random.Generator]:
        """The random streams this layer draws from, by attribute name, so that saving and
        ``BackupAndRestore`` capture and restore them for bit-exact resumption.

        The default finds every NumPy ``Generator`` among the layer's attributes. A layer that keeps
        random state another way implements ``get_rng_state() -> JSON-able`` and
        ``set_rng_state(state)`` instead, which take precedence.
        """
        return {attr: value for attr, value in sorted(vars(self).items()) if isinstance(value, np.random.Generator)}

    def regularization_loss(self) -> Any:
        """Weight penalties plus the activity penalty of the last forward pass."""
        total: Any = self.activity_loss
        for name, regularizer in self.regularizers.items():
            total = total + regularizer.loss(self.params[name])
        return total

    def add_regularization_gradients(self) -> None:
        """Add the weight penalties' gradients to ``grads`` (after ``backward``)."""
        for name, regularizer in self.regularizers.items():
            if name in self.grads:
                self.grads[name] = self.grads[name] + regularizer.gradient(self.params[name])

    def apply_constraints(self) -> None:
        """Project constrained parameters back into their sets, in place (after each update)."""
        for name, constraint in self.constraints.items():
            value = self.params[name]
            value[...] = constraint(value)

    # -- weights and config ----------------------------------------------------------------------
    def weight_names(self) -> list[str]:
        """Parameter names in Keras order (the order ``build`` created them)."""
        return list(self.params)

    def get_weights(self) -> list[np.ndarray]:
        return [self.backend.to_numpy(self.params[n]).copy() for n in self.weight_names()]

    @property
    def weights(self) -> list[Any]:
        """The parameter arrays themselves, in Keras order: the backend's live arrays, not copies
        (``get_weights`` gives NumPy copies)."""
        return [self.params[n] for n in self.weight_names()]

    @property
    def trainable_weights(self) -> list[Any]:
        """The arrays training updates: none while ``trainable`` is False (frozen)."""
        return [self.params[n] for n in self.weight_names() if self.trainable and n in self.trainable_params]

    @property
    def non_trainable_weights(self) -> list[Any]:
        return [self.params[n] for n in self.weight_names() if not (self.trainable and n in self.trainable_params)]

    def set_weights(self, weights: list[Any]) -> None:
        names = self.weight_names()
        if len(weights) != len(names):
            raise ValueError(f"layer {self.name!r} has {len(names)} weights ({', '.join(names) or 'none'}), "
                             f"received {len(weights)}")
        converted = []
        for n, w in zip(names, weights):
            w = np.asarray(w)
            expected = tuple(self.params[n].shape)
            if tuple(w.shape) != expected:
                raise ValueError(f"layer {self.name!r} weight {n!r} has shape {expected}, received {tuple(w.shape)}")
            converted.append(w)
        for n, w in zip(names, converted):  # all checked first: no half-set layer
            self.params[n][...] = self.backend.asarray(w.astype(self.params[n].dtype, copy=False))

    def count_params(self) -> int:
        return int(sum(int(np.prod(p.shape)) for p in self.params.values()))

    def count_trainable_params(self) -> int:
        if not self.trainable:
            return 0
        return int(sum(int(np.prod(self.params[n].shape)) for n in self.trainable_params))

    def get_config(self) -> dict[str, Any]:
        """Constructor keyword arguments, JSON-able; subclasses extend it."""
        config_: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.declared_input_shape is not None:
            config_["input_shape"] = list(self.declared_input_shape)
        if self.dtype is not None:
            config_["dtype"] = self.dtype
        return config_

    @classmethod
    def from_config(cls, config_: dict[str, Any]) -> Layer:
        return cls(**config_)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"




def _as_shape(shape: Any) -> Any:
    """A per-sample shape as a tuple of ints, or a list of them for a layer taking several inputs."""
    return per_sample_shape(shape)


def _keras_build(build: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(build)
    def keras_build(self: Layer, input_shape: Any, backend: Any = None, rng: Any = None) -> None:
        if self.__dict__.get("_building"):  # a subclass's build calling super().build(...)
            build(self, _as_shape(input_shape), backend, rng)
            return
        if backend is None:
            from .backend import get_backend

            backend = self.backend or get_backend()
        if rng is None:
            from ..utils import global_rng

            rng = global_rng()
        self.backend = backend
        self.__dict__["_building"] = True
        try:
            build(self, _as_shape(input_shape), backend, rng)
        finally:
            self.__dict__["_building"] = False
        if not self.built:
            self._mark_built(input_shape)

    keras_build._keras_signature = True  # type: ignore[attr-defined]
    return keras_build


Layer.build = _keras_build(Layer.build)  # type: ignore[method-assign]
