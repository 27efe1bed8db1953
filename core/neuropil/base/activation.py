"""The activation contract: a stateless function with its own backward."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

    def forward(self, x: Any) -> tuple[Any, Backward]:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)[0]

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


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
        self.name = name or getattr(fn, "__name__", "custom_activation")

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
