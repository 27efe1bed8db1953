"""The one thing saving needs from the model classes, behind an interface: how to rebuild a model
from its saved architecture.

Model classes register a builder per saved ``class_name`` ("Sequential", "Functional") when they are
defined; the saving package never imports them. The names are the core's own model kinds, never a
name a file can add: an unknown ``class_name`` is an error, whatever it looks like.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .errors import SavedFileError

#: ``class_name`` -> ``builder(config, doc, what) -> model``; ``doc`` is the whole saved document
#: (its plugin list explains missing components), ``what`` names the part being rebuilt.
Builder = Callable[[dict[str, Any], dict[str, Any], str], Any]
_BUILDERS: dict[str, Builder] = {}
#: Where the core's model classes live, imported on the first rebuild that needs them (saving cannot
#: import it statically: the models import saving).
_MODEL_PACKAGE = __name__.rpartition(".")[0].rpartition(".")[0] + ".models.sequential"


def register(class_name: str, builder: Builder) -> None:
    _BUILDERS[class_name] = builder


def known() -> list[str]:
    _load_model_classes()
    return sorted(_BUILDERS)


def _load_model_classes() -> None:
    if not _BUILDERS:
        importlib.import_module(_MODEL_PACKAGE)


def build(spec: Any, doc: dict[str, Any], what: str = "the model") -> Any:
    """A model from ``{"class_name": <a model kind>, "config": {...}}``."""
    _load_model_classes()
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict) \
            or spec.get("class_name") not in _BUILDERS:
        kind = spec.get("class_name") if isinstance(spec, dict) else None
        raise SavedFileError(f"{what} must be {{'class_name': one of {', '.join(map(repr, sorted(_BUILDERS)))}, "
                             f"'config': {{...}}}}, received class_name {str(kind)[:80]!r}")
    return _BUILDERS[spec["class_name"]](spec["config"], doc, what)


__all__ = ["register", "build", "known"]
