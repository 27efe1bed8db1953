"""Saving, loading and configs of a Sequential model (the mixin; the file format is in neuropil.saving)."""
from __future__ import annotations

import json
import os
from typing import Any, cast

from .structure import ModelStructure


class Persistence(ModelStructure):
    """``save`` / ``save_weights`` / ``load_weights`` / ``get_config`` / ``from_config``."""

    def save(self, filepath: str | os.PathLike[str], overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Write the whole model (architecture, compile settings, weights, optimizer state) to one
        safetensors file, atomically; :func:`neuropil.models.load_model` reads it back."""
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
        """Write the weights alone as safetensors, one tensor per ``"<layer>/<param>"``."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str | os.PathLike[str]) -> None:
        """Load weights by layer name; a missing name or a shape mismatch is reported (layer, expected,
        received) before any weight changes."""
        from ..saving import load_weights

        load_weights(self, filepath)

    def get_config(self) -> dict[str, Any]:
        """Keras's Sequential config: ``{"name", "layers": [{"class_name", "config"}...], "build_input_shape"}``."""
        from ..saving.config import architecture

        return architecture(self)

    def to_json(self, **dumps_arguments: Any) -> str:
        """The architecture (no weights) as JSON, for :func:`neuropil.models.model_from_json`."""
        kind = getattr(self, "saved_class_name", "Sequential")
        return json.dumps({"class_name": kind, "config": self.get_config()}, **dumps_arguments)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A new, unbuilt-or-built (fresh weights) model from :meth:`get_config`'s output; layer classes
        resolve through the registries only."""
        from .. import layers
        from ..saving.config import build, check_document

        doc = {"format": "neuropil.model", "format_version": 1,
               "model": {"class_name": "Sequential", "config": config}}
        check_document(doc, "the config")
        model = cast(Any, cls)(name=config.get("name") or None)  # the concrete model class (Sequential)
        for i, spec in enumerate(config["layers"]):
            model.add(build("layers", layers, spec, doc, f"layer #{i}"))
        shape = config.get("build_input_shape")
        if shape and not model.built:
            model.build(tuple(shape))
        return model
