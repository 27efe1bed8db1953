"""Rebuilding a model from its architecture: ``model_from_json`` and ``clone_model``.

Both go through :meth:`Sequential.from_config`, so layer classes resolve through the registries only
and nothing named in the JSON is imported or executed.
"""
from __future__ import annotations

import json

from ..errors import ArgumentTypeError
from ..saving.errors import SavedFileError
from .sequential import Sequential


def model_from_json(json_string: str) -> Sequential:
    """A new model (freshly initialized weights) from :meth:`Sequential.to_json`'s output."""
    try:
        document = json.loads(json_string)
    except (TypeError, ValueError) as exc:
        raise SavedFileError(f"model_from_json expects the JSON text of model.to_json(), which could not be "
                             f"parsed: {exc}") from None
    if not isinstance(document, dict) or document.get("class_name") != "Sequential" \
            or not isinstance(document.get("config"), dict):
        raise SavedFileError("model_from_json expects {\"class_name\": \"Sequential\", \"config\": {...}}, "
                             f"received {str(document)[:200]}")
    return Sequential.from_config(document["config"])


def clone_model(model: Sequential) -> Sequential:
    """A model with the same architecture and freshly initialized weights, as Keras's ``clone_model``:
    the copy shares no state with ``model`` and is not compiled."""
    if not isinstance(model, Sequential):
        raise ArgumentTypeError(f"clone_model expects a Sequential model, received {type(model).__name__}")
    return Sequential.from_config(model.get_config())


__all__ = ["model_from_json", "clone_model"]
