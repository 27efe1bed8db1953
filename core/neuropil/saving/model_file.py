"""``save_model`` / ``load_model``: one safetensors file holding a whole model.

Layout: tensors ``weights/<layer>/<param>`` and ``optimizer/<layer>/<param>/<slot>`` (plus
``optimizer/iterations``); ``__metadata__`` holds ``format``, ``format_version`` and ``config``, the
JSON of :mod:`neuropil.saving.config` with the layers' random-stream states (so dropout continues
where it was). Any safetensors reader can open it; only neuropil's registries can turn it back into a
model.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .. import utils
from ..errors import ArgumentError, ArgumentTypeError
from . import architectures, rng, state
from . import config as model_config
from .atomic import atomic_write
from .errors import SavedFileError, brief
from .guard import loading_errors, planned_weights
from .safetensors_io import SafetensorsFile, parse_json, write

WEIGHTS, OPTIMIZER = "weights/", "optimizer/"


def save_model(model: Any, filepath: str | os.PathLike[str], overwrite: bool = True,
               include_optimizer: bool = True) -> None:
    """Write architecture, compile settings, weights and optimizer state to ``filepath`` atomically."""
    doc = model_config.document(model, include_optimizer)
    tensors: dict[str, np.ndarray] = {}
    if model.built:
        tensors.update({WEIGHTS + name: value for name, value in state.weights(model).items()})
        doc["rng"] = rng.capture(model._layers)["layers"]
    if doc["compile"] is not None:
        slots = state.optimizer_state(model.compiled.optimizer)
        tensors.update({OPTIMIZER + name: value for name, value in slots.items()})
    metadata = {"format": model_config.FORMAT, "format_version": str(model_config.FORMAT_VERSION),
                "config": json.dumps(doc), "layers": json.dumps([layer.name for layer in model._layers])}
    with atomic_write(filepath, overwrite) as stream:
        write(stream, tensors, metadata)


def read_document(file: SafetensorsFile) -> dict[str, Any]:
    source = f"'{file.path}'"
    if file.metadata.get("format") != model_config.FORMAT or "config" not in file.metadata:
        found = file.metadata.get("format")
        raise SavedFileError(f"{source} is not a neuropil model file (format {found!r}, expected "
                             f"{model_config.FORMAT!r}); a weights file loads with model.load_weights")
    doc = parse_json(file.metadata["config"], f"the model config in {source}")
    model_config.check_document(doc, source)
    return doc


def load_model(filepath: str | os.PathLike[str], compile: bool = True) -> Any:
    """Rebuild a model saved by :func:`save_model`. Nothing named in the file is imported: every class
    resolves through the registries, and an unknown one names the plugin to install.

    Every failure is a :class:`~neuropil.errors.NeuropilError` (a bad file a
    :class:`SavedFileError`): the values read are checked by type and range where they are read, and
    whatever a hostile file still provokes in the code below is reported as a bad file too.
    """
    with loading_errors(filepath):
        return _load_model(filepath, compile)


def _load_model(filepath: str | os.PathLike[str], compile: bool) -> Any:
    with SafetensorsFile(filepath) as file:
        doc = read_document(file)
        source = f"'{file.path}'"
        check_tensor_names(file.specs, source, (WEIGHTS, OPTIMIZER))
        has_slots = any(name.startswith(OPTIMIZER) for name in file.specs)
        if has_slots and doc.get("compile") is None:
            raise SavedFileError(f"{source} holds optimizer state but no compile settings to give it to")
        weight_specs = {k[len(WEIGHTS):]: v for k, v in file.specs.items() if k.startswith(WEIGHTS)}
        built: list[Any] = []
        with planned_weights(weight_specs, source):  # the model kind's builder (saving.architectures)
            _without_touching_global_rng(lambda: built.append(architectures.build(doc["model"], doc, source)))
        model = built[0]
        if not model.built and weight_specs:
            raise SavedFileError(f"{source} holds weights but no input shape to build the model with")
        # Every weight was checked against the file before it was allocated; only now is data read.
        weights = {name: file.read(WEIGHTS + name) for name in weight_specs}
        slots = {k[len(OPTIMIZER):]: file.read(k) for k in file.specs if k.startswith(OPTIMIZER)} \
            if compile and model.built else {}
    if model.built:
        state.set_weights(model, weights, source)
        rng.restore({"layers": doc.get("rng") or {}}, model._layers, restore_global=False)
    compile_arguments = model_config.build_compile(doc, source) if compile else None
    if compile_arguments is not None:
        optimizer = compile_arguments["optimizer"]
        try:
            model.compile(**compile_arguments)
        except (ArgumentError, ArgumentTypeError) as exc:
            raise SavedFileError(f"the compile settings in {source} are refused by compile(): {exc}") from None
        if slots:
            state.set_optimizer_state(model, optimizer, slots, source)
    return model


def check_tensor_names(specs: dict[str, Any], source: str, prefixes: tuple[str, ...]) -> None:
    """Every tensor must sit under one of ``prefixes``: a name a bit flip or an edit turned into
    ``optymizer/...`` is refused, not silently dropped (the model would train without that state)."""
    stray = sorted(name for name in specs if not name.startswith(prefixes))
    if stray:
        raise SavedFileError(f"{source} holds tensors outside {', '.join(repr(p) for p in prefixes)}: "
                             f"{', '.join(brief(n) for n in stray[:5])}{' ...' if len(stray) > 5 else ''}")


def _without_touching_global_rng(action: Any) -> None:
    """Building draws initial weights that the saved ones replace at once; loading a model must not
    move the global stream, or a run that saves and reloads would shuffle differently from one that
    does not."""
    generator = utils.global_rng()
    saved = generator.bit_generator.state
    try:
        action()
    finally:
        generator.bit_generator.state = saved


__all__ = ["save_model", "load_model", "read_document"]
