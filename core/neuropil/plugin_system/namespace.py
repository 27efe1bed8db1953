"""Keras-style public namespaces (``neuropil.layers``, ``neuropil.losses`` ...) backed by the registries.

Attribute access resolves through the registry of that kind, so a third-party plugin's components
appear in ``from neuropil.layers import TheirLayer`` exactly as the standard ones do.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .registry import Entry, normalize, singular


def registry(kind: str) -> Any:
    from .manager import manager

    return manager().registries[kind]


def lookup(kind: str, name: str) -> Entry:
    return registry(kind).lookup(name)


#: What an instance of a kind without a base class must offer to be used as one: a regularizer is
#: asked for ``loss`` and ``gradient``, an initializer and a constraint are called.
_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "regularizers": ("loss", "gradient"),
    "initializers": ("__call__",),
    "constraints": ("__call__",),
}


def resolve(kind: str, identifier: Any, base: type | None, wrap: Callable[[Any], Any] | None = None,
            **kwargs: Any) -> Any:
    """A component instance from a name, a ``{"class_name", "config"}`` dict, an instance, or a callable.

    ``kwargs`` go to the factory when a name is given. A callable that is not already an instance of
    ``base`` is passed to ``wrap`` (e.g. a plain loss function becomes a ``FunctionLoss``). Anything
    else (``[]``, ``5``, a dict without ``class_name``) is refused here, at the line that passed it,
    rather than at the first training step that would have used it.
    """
    what = singular(kind)
    if isinstance(identifier, str):
        return lookup(kind, identifier).factory(**kwargs)
    if isinstance(identifier, dict):
        if not isinstance(identifier.get("class_name"), str):
            raise ArgumentTypeError(f"a {what} config needs a string 'class_name', received {identifier!r:.200}")
        config = identifier.get("config")
        if config is None:
            config = {}
        if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
            raise ArgumentTypeError(f"the 'config' of {what} {identifier['class_name']!r} must be an object of "
                                    f"keyword arguments, received {config!r:.200}")
        return lookup(kind, identifier["class_name"]).factory(**config, **kwargs)
    if base is None:  # initializers, regularizers, constraints: any object with the right methods
        candidate = identifier(**kwargs) if isinstance(identifier, type) else identifier
        needed = _PROTOCOLS.get(kind, ())
        if all(callable(getattr(candidate, attr, None)) for attr in needed):
            return candidate
        expected = f"a {what} name, a {{'class_name', 'config'}} dict, or an object"
        expected += f" with {' and '.join(needed)}" if needed != ("__call__",) else " that can be called"
        raise ArgumentTypeError(f"could not interpret {identifier!r:.200} as a {what}: expected {expected}, "
                                f"received {type(identifier).__name__}")
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier(**kwargs)
    if callable(identifier) and wrap is not None:
        return wrap(identifier)
    expected = f"a {what} name, config dict or {base.__name__} instance"
    raise ArgumentTypeError(f"could not interpret {identifier!r:.200} as a {what}: expected {expected}, "
                            f"received {type(identifier).__name__}")


def registered_name(kind: str, component: Any) -> str:
    """The registry name under which ``component``'s class is registered (for saving configs)."""
    cls = component if isinstance(component, type) else type(component)
    for entry in registry(kind).entries():
        if entry.factory is cls:
            providers = {e.source.distribution for e in registry(kind).entries()
                         if normalize(e.name) == normalize(entry.name)}
            qualified = len(providers) > 1
            return f"{entry.source.distribution}:{entry.name}" if qualified else entry.name
    raise ArgumentError(f"{cls.__name__} is not registered as a {singular(kind)} by any plugin, so it cannot be "
                     f"saved by name; register it through a plugin's neuropil_register_{kind} hook")


def serialize(kind: str, component: Any) -> dict[str, Any]:
    return {"class_name": registered_name(kind, component), "config": component.get_config()}


def module_getattr(kind: str) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return lookup(kind, name).factory
        except ValueError as exc:
            raise AttributeError(str(exc)) from None

    return __getattr__


def module_dir(kind: str, own: list[str]) -> Callable[[], list[str]]:
    def __dir__() -> list[str]:
        return sorted(set(own) | set(registry(kind).names()))

    return __dir__


def public_api(kind: str, base: type | None, wrap: Callable[[Any], Any] | None,
               own: list[str]) -> tuple[Callable[..., Any], ...]:
    """``get``, ``serialize``, ``deserialize``, ``__getattr__`` and ``__dir__`` for the namespace module
    of ``kind``: every namespace behaves alike, so each module is just this call."""

    def get(identifier: Any, **kwargs: Any) -> Any:
        """The component for ``identifier``: a registered name, a ``{"class_name", "config"}`` dict,
        or an instance (None stays None); ``kwargs`` go to the factory with a name."""
        if identifier is None:
            return None
        return resolve(kind, identifier, base, wrap, **kwargs)

    def serialize_(component: Any) -> dict[str, Any]:
        """``{"class_name": registered name, "config": component.get_config()}``."""
        return serialize(kind, component)

    def deserialize(config: dict[str, Any]) -> Any:
        return get(config)

    names = ["get", "serialize", "deserialize", *own]
    return get, serialize_, deserialize, module_getattr(kind), module_dir(kind, names)
