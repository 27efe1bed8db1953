"""Naming the plugin behind an exception: a failure inside a component says who provided it.

A plugin layer whose forward raises would otherwise reach the user as a bare ``IndexError`` from a
file they never wrote. The model's step functions are wrapped by :func:`names_plugin_on_error`; when
an exception passes through, the traceback is walked from the innermost frame outwards, and the first
frame that belongs to a registered component (its ``self`` is an instance of a registered class, or
its module is a plugin's package) earns the exception a note (PEP 678 ``add_note``) naming the
component, the plugin, its distribution and version. The exception itself is unchanged: its type
and message stay what the plugin raised, so nothing that catches it breaks. Nothing runs unless an
exception is raised, so a training step pays only one function call.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, TypeVar

from .registry import Entry, singular

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "neuropil: raised inside"


def names_plugin_on_error(function: F) -> F:
    """Wrap a model step so an exception escaping it names the plugin component it came from."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            add_plugin_note(exc)
            raise

    return wrapper  # type: ignore[return-value]


def add_plugin_note(exc: BaseException) -> None:
    """Add one note naming the innermost registered component in ``exc``'s traceback (if any)."""
    if any(str(note).startswith(_MARK) for note in getattr(exc, "__notes__", ())):
        return
    try:
        found = _culprit(exc.__traceback__)
    except Exception:  # noqa: BLE001 - attribution must never replace the real error
        return
    if found is None:
        return
    entry, instance, precise = found
    source = entry.source
    named = getattr(instance, "name", None)
    if not precise:
        who = f"code of plugin {source.plugin!r}"
    else:
        who = f"{singular(entry.kind)} {entry.name!r}" + (f" (named {named!r})" if isinstance(named, str) else "")
    dist = f"distribution {source.distribution} {source.version or ''}".rstrip() if source.distribution \
        else "registered in-process"
    exc.add_note(f"{_MARK} {who}, provided by plugin {source.plugin!r} ({dist}); if the error is not in "
                 f"your data or arguments, report it to that plugin's authors.")


def _culprit(tb: TracebackType | None) -> tuple[Entry, Any, bool] | None:
    """The innermost frame running a method of a registered component; failing that, the innermost
    frame in a plugin's package (then the note names the plugin, not one of its components)."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    by_class, by_package = _registered()
    by_qualname = {(cls.__module__, cls.__qualname__): entry for cls, entry in by_class.items()}
    for frame in reversed(frames):  # innermost first
        instance = frame.f_locals.get("self")
        if instance is not None:
            for cls in type(instance).__mro__:
                if cls in by_class:
                    return by_class[cls], instance, True
        # a closure such as a backward that does not use ``self``: its qualified name says whose it is
        qualname = getattr(frame.f_code, "co_qualname", "")
        owner = qualname.split(".<locals>", 1)[0].rpartition(".")[0]
        entry = by_qualname.get((str(frame.f_globals.get("__name__", "")), owner))
        if entry is not None:
            return entry, _instance_in_caller(frame), True
    for frame in reversed(frames):
        package = str(frame.f_globals.get("__name__", "")).partition(".")[0]
        if package in by_package:
            return by_package[package], None, False
    return None


def _instance_in_caller(frame: FrameType) -> Any:
    """The component instance of a closure's frame, when one of its variables holds it (for its name)."""
    for value in frame.f_locals.values():
        if hasattr(value, "name") and hasattr(value, "forward"):
            return value
    return None


def _registered() -> tuple[dict[type, Entry], dict[str, Entry]]:
    """Registered classes, and the top-level packages of plugins (the core's own is not a plugin)."""
    from .manager import manager

    by_class: dict[type, Entry] = {}
    by_package: dict[str, Entry] = {}
    for registry in manager().registries.values():
        for entry in registry.entries():
            factory = entry.factory
            if isinstance(factory, type):
                by_class.setdefault(factory, entry)
            package = str(getattr(factory, "__module__", "") or "").partition(".")[0]
            if package and package != "neuropil":
                by_package.setdefault(package, entry)
    return by_class, by_package


__all__ = ["names_plugin_on_error", "add_plugin_note"]
