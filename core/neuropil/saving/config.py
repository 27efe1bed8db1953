"""A model as JSON: architecture, compile settings, and which plugin provided each component.

Every class named here is resolved only through neuropil's registries on loading, never imported: a
name the registries do not know is an error, whatever it looks like (``"os.system"`` included). Each
component records the distribution that provided it, so a model using a third-party plugin that is
not installed fails with the name of what to install.
"""
from __future__ import annotations

import warnings
from typing import Any

from .. import __version__, layers, losses, metrics, optimizers
from ..base.metric import Metric
from ..errors import ArgumentError, ArgumentTypeError, NeuropilError, UnknownComponentError
from ..plugin_system.namespace import lookup, registry
from ..plugin_system.registry import RECORDED_PROVIDERS, singular
from . import architectures
from .errors import MissingPluginError, SavedFileError, brief

FORMAT = "neuropil.model"
FORMAT_VERSION = 1


def provider(kind: str, class_name: str) -> dict[str, Any]:
    """Who provides ``class_name`` here: distribution, version and plugin (for messages on load)."""
    source = lookup(kind, class_name).source
    return {"distribution": source.distribution, "version": source.version, "plugin": source.plugin}


def _component(kind: str, module: Any, component: Any) -> dict[str, Any]:
    spec = module.serialize(component)
    spec["provider"] = provider(kind, spec["class_name"])
    return spec


def layer_spec(layer: Any) -> dict[str, Any]:
    """One layer by registry name, config and provider, as every saved architecture lists it."""
    return _component("layers", layers, layer)


def architecture(model: Any) -> dict[str, Any]:
    """Keras's Sequential config: the name, each layer serialized by registry name, the input shape."""
    return {
        "name": model.name,
        "layers": [_component("layers", layers, layer) for layer in model._layers],
        "build_input_shape": list(model.input_shape) if model.built and model.input_shape else None,
    }


def compile_settings(model: Any) -> dict[str, Any] | None:
    """Optimizer, loss and metrics by registry name; None (with a warning) when one is not registered,
    as a plain function loss cannot be named in a file."""
    compiled = model.compiled
    if compiled is None:
        return None
    try:
        objectives = getattr(compiled, "objectives", None)
        # Keras's compile config keeps jit_compile too; "auto" (the default) is left out of the file.
        jit = {} if getattr(model, "jit_compile", "auto") == "auto" else {"jit_compile": model.jit_compile}
        if objectives is not None and len(objectives) > 1:  # one entry per output, by output name
            return {
                **jit,
                "optimizer": _component("optimizers", optimizers, compiled.optimizer),
                "outputs": [{"name": o.output_name, "loss": _component("losses", losses, o.loss),
                             "loss_weight": o.weight,
                             "metrics": [_metric_spec(spec) for spec in o.metric_specs],
                             "weighted_metrics": [_metric_spec(spec) for spec in o.weighted_metric_specs]}
                            for o in objectives],
            }
        settings = {
            **jit,
            "optimizer": _component("optimizers", optimizers, compiled.optimizer),
            "loss": _component("losses", losses, compiled.loss),
            "metrics": [_metric_spec(spec) for spec in compiled.metric_specs],
            "weighted_metrics": [_metric_spec(spec) for spec in compiled.weighted_metric_specs],
        }
        if objectives is not None and objectives[0].weight is not None:
            settings["loss_weight"] = objectives[0].weight
        return settings
    except (ValueError, TypeError) as exc:
        warnings.warn(f"the model is saved without its compile settings and optimizer state ({exc}); "
                      f"call compile() again after loading it", UserWarning, stacklevel=4)
        return None


def _metric_spec(spec: Any) -> Any:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        return spec
    if isinstance(spec, Metric):
        return _component("metrics", metrics, spec)
    raise TypeError(f"metric {spec!r} is a plain function, which cannot be saved by name; "
                    f"register it through a plugin to save it")


def plugin_versions() -> dict[str, str | None]:
    """Every loaded plugin distribution and its version, recorded to explain nested missing names."""
    from ..plugin_system.manager import manager

    return {(r.distribution or r.name): r.version for r in manager().plugin_records() if r.error is None}


def document(model: Any, include_optimizer: bool) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "neuropil_version": __version__,
        "model": {"class_name": getattr(model, "saved_class_name", "Sequential"), "config": model.get_config()},
        "compile": compile_settings(model) if include_optimizer else None,
        "plugins": plugin_versions(),
    }


# -- loading ------------------------------------------------------------------------------------
def check_document(doc: Any, source: str) -> None:
    """Structural checks with messages naming what was expected, before anything is built."""
    if not isinstance(doc, dict):
        raise SavedFileError(f"{source}: the model config must be a JSON object, received {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise SavedFileError(f"{source}: not a neuropil model (format {doc.get('format')!r}, expected {FORMAT!r})")
    version = doc.get("format_version")
    if type(version) is not int or version > FORMAT_VERSION or version < 1:
        raise SavedFileError(f"{source}: format version {version!r} is not supported by neuropil {__version__} "
                             f"(reads versions 1..{FORMAT_VERSION}); upgrade neuropil to read it")
    model = doc.get("model")
    kinds = architectures.known()
    if not isinstance(model, dict) or model.get("class_name") not in kinds or not isinstance(model.get("config"), dict):
        raise SavedFileError(f"{source}: 'model' must be {{'class_name': one of {', '.join(map(repr, kinds))}, "
                             f"'config': {{...}}}}, received {brief(model)}")
    layer_specs = model["config"].get("layers")
    if not isinstance(layer_specs, list):
        raise SavedFileError(f"{source}: the model config needs a 'layers' list")
    for i, spec in enumerate(layer_specs):
        _check_spec(spec, f"{source}: layer #{i}")
    name = model["config"].get("name")
    if name is not None and not isinstance(name, str):
        raise SavedFileError(f"{source}: the model name must be a string, received {brief(name)}")
    saved_rng = doc.get("rng")
    if saved_rng is not None and (not isinstance(saved_rng, dict)
                                  or not all(isinstance(v, dict) for v in saved_rng.values())):
        raise SavedFileError(f"{source}: 'rng' must map layer names to objects of generator states, "
                             f"received {brief(saved_rng)}")
    if model["class_name"] == "Sequential":  # a graph's edges are checked as it is rebuilt (neuropil.graph.config)
        shape = model["config"].get("build_input_shape")
        if shape is not None and (not isinstance(shape, list) or not all(type(d) is int and d > 0 for d in shape)):
            raise SavedFileError(f"{source}: build_input_shape must be a list of positive integers, "
                                 f"received {brief(shape)}")
    _check_compile(doc.get("compile"), source)


def _check_compile(settings: Any, source: str) -> None:
    jit = settings.get("jit_compile", "auto") if isinstance(settings, dict) else "auto"
    if not (jit is True or jit is False or jit == "auto"):  # JSON's 1 is no true
        raise SavedFileError(f"{source}: 'compile.jit_compile' must be true, false or \"auto\", "
                             f"received {brief(settings['jit_compile'])}")
    if settings is not None and isinstance(settings, dict) and "outputs" in settings:
        if not isinstance(settings["outputs"], list) or not all(
                isinstance(o, dict) and isinstance(o.get("name"), str) for o in settings["outputs"]):
            raise SavedFileError(f"{source}: 'compile.outputs' must be a list of objects naming each output")
        _check_spec(settings.get("optimizer"), f"{source}: optimizer")
        for entry in settings["outputs"]:
            _check_spec(entry.get("loss"), f"{source}: loss of output {entry['name']!r}")
            weight = entry.get("loss_weight")
            if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float))):
                raise SavedFileError(f"{source}: loss_weight of output {entry['name']!r} must be a number")
            if not isinstance(entry.get("metrics", []), list) \
                    or not isinstance(entry.get("weighted_metrics", []), list):
                raise SavedFileError(f"{source}: metrics of output {entry['name']!r} must be lists")
        return
    if settings is not None:
        if not isinstance(settings, dict) or not isinstance(settings.get("metrics", []), list) \
                or not isinstance(settings.get("weighted_metrics", []), list):
            raise SavedFileError(f"{source}: 'compile' must be an object with optimizer, loss and metrics lists")
        _check_spec(settings.get("optimizer"), f"{source}: optimizer")
        _check_spec(settings.get("loss"), f"{source}: loss")


def _check_spec(spec: Any, what: str) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str) or \
            not isinstance(spec.get("config", {}), dict):
        raise SavedFileError(f"{what} must be {{'class_name': str, 'config': {{...}}}}, received {brief(spec)}")


def build(kind: str, module: Any, spec: dict[str, Any], doc: dict[str, Any], what: str) -> Any:
    """Instantiate one component through its registry, turning unknown names into install advice.

    When several installed distributions provide the name, the one the file records as its provider
    is used if it is installed (a second plugin registering ``Dense`` does not make every saved model
    ambiguous), and the names its config resolves in turn (a Dense's ``"relu"``) prefer that
    distribution too; otherwise the registry's usual rules (preferences, or a conflict error) apply.
    """
    class_name = _recorded_provider_name(kind, spec)
    who = spec.get("provider")
    recorded = who.get("distribution") if isinstance(who, dict) else None
    token = RECORDED_PROVIDERS.set((recorded,) if isinstance(recorded, str) and recorded else ())
    try:
        return module.get({"class_name": class_name, "config": spec.get("config") or {}})
    except UnknownComponentError as exc:
        raise MissingPluginError(_missing_message(kind, spec, doc, what, exc)) from None
    except NeuropilError as exc:
        if isinstance(exc, (ArgumentError, ArgumentTypeError)):
            raise SavedFileError(f"could not rebuild {what} ({brief(spec['class_name'])}) from its saved config: "
                                 f"{exc}") from None
        raise
    except Exception as exc:  # noqa: BLE001 - a constructor fed hostile values may raise anything
        raise SavedFileError(f"could not rebuild {what} ({brief(spec['class_name'])}) from its saved config: "
                             f"{type(exc).__name__}: {brief(str(exc))}") from None
    finally:
        RECORDED_PROVIDERS.reset(token)


def _recorded_provider_name(kind: str, spec: dict[str, Any]) -> str:
    """``"distribution:name"`` when the file's recorded provider is installed and provides the name."""
    name = spec["class_name"]
    who = spec.get("provider")
    dist = who.get("distribution") if isinstance(who, dict) else None
    if ":" in name or not isinstance(dist, str) or not dist:
        return name
    try:
        lookup(kind, f"{dist}:{name}")
    except NeuropilError:
        return name
    return f"{dist}:{name}"


def _missing_message(kind: str, spec: dict[str, Any], doc: dict[str, Any], what: str, exc: Exception) -> str:
    saved: dict[str, Any] = doc["plugins"] if isinstance(doc.get("plugins"), dict) else {}
    here = set(plugin_versions())
    absent = [f"{dist} {ver or ''}".strip() for dist, ver in saved.items() if dist not in here]
    who: dict[str, Any] = spec["provider"] if isinstance(spec.get("provider"), dict) else {}
    dist = who.get("distribution") or who.get("plugin")
    if spec["class_name"] not in registry(kind) and dist:
        head = (f"{what} is {singular(kind)} {spec['class_name']!r}, provided by {dist} "
                f"{who.get('version') or ''}".rstrip() + f", which is not installed here: install it "
                f"(pip install {dist}) to load this model.")
    else:
        head = f"{what} ({spec['class_name']!r}) names a component that no installed plugin provides."
    if absent:
        head += f" The model was saved with plugin distributions not installed here: {', '.join(absent)}."
    return f"{head} ({exc})"


def build_compile(doc: dict[str, Any], source: str) -> dict[str, Any] | None:
    """The keyword arguments of ``compile`` that rebuild the saved settings, or None."""
    settings = doc.get("compile")
    if settings is None:
        return None
    jit = {"jit_compile": settings["jit_compile"]} if "jit_compile" in settings else {}
    if "outputs" in settings:
        entries = settings["outputs"]
        return {
            **jit,
            "optimizer": build("optimizers", optimizers, settings["optimizer"], doc, "the optimizer"),
            "loss": {e["name"]: build("losses", losses, e["loss"], doc, f"the loss of {e['name']!r}") for e in entries},
            "loss_weights": {e["name"]: e.get("loss_weight") if e.get("loss_weight") is not None else 1.0
                             for e in entries},
            "metrics": {e["name"]: _metric_specs(e.get("metrics", []), doc, source, "metric") for e in entries},
            "weighted_metrics": {e["name"]: _metric_specs(e.get("weighted_metrics", []), doc, source,
                                                          "weighted metric") for e in entries},
        }
    weight = settings.get("loss_weight")
    return {
        **jit,
        **({"loss_weights": [float(weight)]}
           if isinstance(weight, (int, float)) and not isinstance(weight, bool) else {}),
        "optimizer": build("optimizers", optimizers, settings["optimizer"], doc, "the optimizer"),
        "loss": build("losses", losses, settings["loss"], doc, "the loss"),
        "metrics": _metric_specs(settings.get("metrics", []), doc, source, "metric"),
        # files written before weighted metrics existed have none
        "weighted_metrics": _metric_specs(settings.get("weighted_metrics", []), doc, source, "weighted metric"),
    }


def _metric_specs(saved: list[Any], doc: dict[str, Any], source: str, what: str) -> list[Any]:
    specs: list[Any] = []
    for i, spec in enumerate(saved):
        if isinstance(spec, str):
            specs.append(spec)
        elif isinstance(spec, dict):
            _check_spec(spec, f"{source}: {what} #{i}")
            if "provider" in spec:
                specs.append(build("metrics", metrics, spec, doc, f"{what} #{i}"))
            else:
                specs.append({"class_name": spec["class_name"], "config": spec.get("config") or {}})
        else:
            raise SavedFileError(f"{source}: {what} #{i} must be a name or a config object, received {brief(spec)}")
    return specs


__all__ = ["FORMAT", "FORMAT_VERSION", "document", "check_document", "build", "build_compile"]
