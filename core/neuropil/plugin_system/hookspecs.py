"""The plugin contract: one pluggy hook per component kind.

These specs are the only API a plugin is bound to. Each hook is called once per process, when the first
registry lookup loads plugins, with a ``register`` callback::

    register(name: str, factory: Callable[..., Any], *, aliases: Iterable[str] = ()) -> None

``name`` is the canonical spelling shown to users (Keras's where Keras has the component). Lookups ignore
case and underscores, so ``"MeanSquaredError"`` and ``"mean_squared_error"`` are the same name; list the
genuinely different spellings (``"mse"``) as ``aliases``. ``factory`` is called with the user's keyword
arguments and must return a fresh component instance (a class is the usual factory).

The core stamps every registration with the plugin, distribution and version that made it. A hook that
raises makes its whole plugin fail: nothing it registered (in any hook) is kept, and the failure is
reported as a warning naming the distribution and entry point (an error under
``NEUROPIL_STRICT_PLUGINS=1``). Registering the same name twice from one plugin is such a failure.

Specs only ever gain optional arguments; no argument is ever removed, so a plugin written today keeps
working.
"""
from __future__ import annotations

from collections.abc import Callable

import pluggy

PROJECT_NAME = "neuropil"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

Register = Callable[..., None]


@hookspec
def neuropil_register_layers(register: Register) -> None:
    """Register layer factories (subclasses of :class:`neuropil.base.layer.Layer`).

    A layer owns ``params`` (name -> array), builds them in ``build(input_shape, backend, rng)``, and
    implements ``forward(x, training) -> (y, backward)`` where ``backward(dy) -> dx`` *assigns* (not
    adds) the gradient of every trainable parameter into ``grads``. It must not modify ``x`` or ``dy``.

    Optional protocols, declared on ``Layer`` with defaults, are all the core asks of a layer beyond
    that: ``is_input`` (the layer only declares the model's input), ``logits_activation()`` with
    ``forward_logits(x, training)`` (an output layer offering its pre-activation output, so sigmoid
    or softmax trains fused with cross-entropy), ``has_loss_terms`` with ``activity_loss`` (a loss
    term of the layer's own), and ``random_generators()`` or ``get_rng_state``/``set_rng_state``
    (random streams saved for bit-exact resumption). See docs/plugins.md, "Optional protocols".

    Multi-input layers (merge layers such as Add or Concatenate) receive a *list* wherever a
    single-input layer receives one thing: ``build``/``compute_output_shape`` a list of per-sample
    shapes, ``forward`` a list of arrays (one batch size); ``backward(dy)`` returns a list with one
    ``dx`` per input (``None`` allowed for an input whose gradient is not needed, when
    ``input_gradient`` is False). Such a layer declares ``example_input_shapes`` (lists of shapes) so
    the conformance suite can feed it; see docs/plugins.md, "Multi-input layers".
    """


@hookspec
def neuropil_register_activations(register: Register) -> None:
    """Register activation factories (subclasses of :class:`neuropil.base.activation.Activation`).

    ``forward(x) -> (y, backward)``; ``backward(dy) -> dx``. Elementwise or row-wise, stateless, and
    finite for finite inputs of any magnitude the dtype holds.
    """


@hookspec
def neuropil_register_losses(register: Register) -> None:
    """Register loss factories (subclasses of :class:`neuropil.base.loss.Loss`).

    ``forward(y_true, y_pred) -> (value, backward)``, ``value`` reduced as ``reduction`` says and
    ``backward(dvalue=1.0) -> dy_pred``. Never differentiated with respect to ``y_true``.
    """


@hookspec
def neuropil_register_optimizers(register: Register) -> None:
    """Register optimizer factories (subclasses of :class:`neuropil.base.optimizer.Optimizer`).

    An optimizer updates parameters in place from ``apply_gradients([(key, param, grad), ...])`` and
    exposes its slot state as arrays (``get_state``/``set_state``) so training can be saved and resumed.
    """


@hookspec
def neuropil_register_metrics(register: Register) -> None:
    """Register metric factories (subclasses of :class:`neuropil.base.metric.Metric`).

    Streaming: ``update_state(y_true, y_pred, sample_weight=None)`` per batch, ``result()`` at the end
    of an epoch, ``reset_state()`` between epochs. Updating in batches must equal updating once.

    Optional protocol: a classmethod ``for_compile(name, loss, output_shape)`` on the registered
    factory chooses the metric a name stands for in ``compile(metrics=[name])`` (how Keras's
    ``"accuracy"`` becomes binary, categorical or sparse accuracy by the loss's targets).
    """


@hookspec
def neuropil_register_backends(register: Register) -> None:
    """Register compute backends (subclasses of :class:`neuropil.base.backend.Backend`).

    The factory must be cheap and must not fail when its library or device is missing: the backend
    reports that through ``availability()`` instead, so ``neuropil plugins`` can explain it.
    ``owns(x)`` says whether ``x`` is one of its arrays, so the core can bring a user's device array
    to the host (``to_numpy``) without knowing the array library.
    """


@hookspec
def neuropil_register_initializers(register: Register) -> None:
    """Register weight initializers: ``factory(**config)(shape, dtype, rng) -> numpy array``.

    ``rng`` is a ``numpy.random.Generator``; initial values are made on the host so that a seed gives
    the same weights on every backend.
    """


@hookspec
def neuropil_register_regularizers(register: Register) -> None:
    """Register regularizers: objects with ``loss(w) -> scalar`` and ``gradient(w) -> array``."""


@hookspec
def neuropil_register_constraints(register: Register) -> None:
    """Register weight constraints: ``factory(**config)(w) -> w'``, applied after every update."""


@hookspec
def neuropil_register_schedules(register: Register) -> None:
    """Register learning-rate schedules (subclasses of :class:`neuropil.base.schedule.LearningRateSchedule`):
    ``schedule(step) -> float`` for the update after ``step`` completed ones, the same rate every time
    for the same step, and a ``get_config()`` that rebuilds it."""


#: The component kinds, in the order ``neuropil plugins`` lists them, and the hook registering each.
KIND_HOOKS: dict[str, str] = {
    "layers": "neuropil_register_layers",
    "activations": "neuropil_register_activations",
    "losses": "neuropil_register_losses",
    "optimizers": "neuropil_register_optimizers",
    "metrics": "neuropil_register_metrics",
    "backends": "neuropil_register_backends",
    "initializers": "neuropil_register_initializers",
    "regularizers": "neuropil_register_regularizers",
    "constraints": "neuropil_register_constraints",
    "schedules": "neuropil_register_schedules",
}
