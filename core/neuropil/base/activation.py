"""The activation contract: a stateless function with its own backward.

:meth:`Activation.as_function` is the declared way to reach an activation as Keras's plain function
(``keras.activations.relu(x, negative_slope=0.0, ...)`` returning an array); the namespace serves it
for snake-case names without knowing any activation.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .backend import array_module

Backward = Callable[[Any], Any]


class Activation:
    """Base class of activations.

    ``forward(x) -> (y, backward)`` with ``backward(dy) -> dx``. Activations use
    :func:`neuropil.base.backend.array_module` on ``x`` so they run on any backend, allocate in ``x``'s
    dtype, never modify ``x`` or ``dy``, and stay finite for finite inputs of any magnitude.
    Constructor keyword arguments (e.g. ``alpha``) are returned by :meth:`get_config`.
    """

    #: The canonical registered name; models and losses use it to recognise e.g. sigmoid outputs.
    name: str = "activation"
    #: Inputs where the derivative jumps (relu: 0). Gradient checks keep inputs away from them.
    kinks: tuple[float, ...] = ()
    #: True for the identity (Keras's ``linear``): what ``activations.get(None)`` returns, and what a
    #: layer may skip computing.
    is_identity: bool = False
    #: Constructor arguments the conformance suite builds the component with (non-default ones
    #: included); empty means the defaults alone.
    example_configs: tuple[dict[str, Any], ...] = ()
    #: True when ``a <= b`` implies ``f(a) <= f(b)`` and, where ``f(a) == f(b)`` for ``a != b``, the
    #: derivative is 0 at both (relu): a max pooling after the layer may then take the activation's
    #: place, applying it to the pooled values with the same results (``Layer.commutes_with``).
    non_decreasing: bool = False

    def forward(self, x: Any) -> tuple[Any, Backward]:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)[0]

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def as_function(cls, name: str | None = None) -> Callable[..., Any]:
        """This activation as Keras's plain function: ``fn(x, *args, **config) -> y`` with the class's
        constructor arguments, in Keras's order (``relu(x, 0.1)``, ``threshold(x, 0.5, 0.0)``). ``x`` may be a backend
        array (the result stays on its device), a NumPy array, or a list or number (made a
        ``floatx`` array). The function remembers its class (``component_class``), so
        ``Dense(activation=neuropil.activations.relu)`` uses the activation's own backward."""
        function_name = name or cls.name

        def activation_function(x: Any, *args: Any, **config: Any) -> Any:
            return cls(*args, **config)(_as_float_array(x))

        activation_function.__name__ = activation_function.__qualname__ = function_name
        activation_function.__module__ = cls.__module__  # it belongs where its class does
        activation_function.__doc__ = cls.__doc__
        activation_function.component_class = cls  # type: ignore[attr-defined]
        return activation_function

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _as_float_array(x: Any) -> Any:
    xp = array_module(x)
    x = xp.asarray(x)
    if x.dtype.kind != "f":
        from ..config import floatx

        x = x.astype(floatx())
    return x


class FunctionActivation(Activation):
    """A user's plain elementwise ``fn(x) -> y`` as an activation.

    With ``grad(x, y, dy) -> dx`` given, that is the backward. Without, the derivative is taken by
    central differences in float64 (two extra calls of ``fn``), which is exact to about 1e-9 for smooth
    elementwise functions; ``fn`` must then be elementwise.
    """

    #: Relative step, near the cube root of float64's epsilon (truncation vs rounding error).
    STEP = 6e-6

    def __init__(self, fn: Callable[[Any], Any], grad: Callable[[Any, Any, Any], Any] | None = None,
                 name: str | None = None) -> None:
        self.fn, self.grad = fn, grad
        self.name = str(name or getattr(fn, "__name__", "custom_activation"))

    def forward(self, x: Any) -> tuple[Any, Backward]:
        y = self.fn(x)
        if self.grad is not None:
            return y, lambda dy: self.grad(x, y, dy)

        def backward(dy: Any) -> Any:
            wide = x.astype("float64")
            h = self.STEP * abs(wide).clip(1.0, None)
            slope = (self.fn(wide + h) - self.fn(wide - h)) / (2 * h)
            return (slope * dy).astype(x.dtype)

        return y, backward
