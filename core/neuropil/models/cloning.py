"""Rebuilding a model from its architecture: ``model_from_json`` and ``clone_model``.

Both go through the saved-architecture builders (:mod:`neuropil.saving.architectures`), so layer
classes resolve through the registries only and nothing named in the JSON is imported or executed.
"""
from __future__ import annotations

import json
from typing import Any

from ..errors import ArgumentTypeError
from ..saving import architectures
from ..saving.errors import SavedFileError


def model_from_json(json_string: str) -> Any:
    """A new model (freshly initialized weights) from ``model.to_json()``'s output."""
    try:
        document = json.loads(json_string)
    except (TypeError, ValueError) as exc:
        raise SavedFileError(f"model_from_json expects the JSON text of model.to_json(), which could not be "
                             f"parsed: {exc}") from None
    kinds = architectures.known()
    if not isinstance(document, dict) or document.get("class_name") not in kinds \
            or not isinstance(document.get("config"), dict):
        raise SavedFileError(f"model_from_json expects {{\"class_name\": one of {kinds}, \"config\": {{...}}}}, "
                             f"received {str(document)[:200]}")
    if document["class_name"] == "Sequential":
        from .sequential import Sequential

        return Sequential.from_config(document["config"])
    return architectures.build(document, {"plugins": {}}, "the JSON architecture")


def clone_model(model: Any) -> Any:
    """A model with the same architecture and freshly initialized weights, as Keras's ``clone_model``:
    the copy shares no state with ``model`` and is not compiled."""
    kind = getattr(model, "saved_class_name", None)
    if kind not in architectures.known():
        raise ArgumentTypeError(f"clone_model expects a neuropil model (Sequential or functional Model), received "
                                f"{type(model).__name__}")
    return type(model).from_config(model.get_config())


__all__ = ["model_from_json", "clone_model"]
