"""A functional model's graph as data, in Keras's functional config layout.

``{"name", "layers": [{"class_name", "config", "name", "inbound_nodes", "provider"}...],
"input_layers": [[layer, node, tensor]...], "output_layers": [...], "input_names", "output_names",
"output_structure"}``: each layer once, with one inbound-node entry per call (``{"inbound":
[[layer, node, tensor]...], "list": called with a list}``). Layers resolve through the registries
only; a nested model is a layer whose ``class_name`` is a model kind and whose config is its own graph.
"""
from __future__ import annotations

from typing import Any

from ..saving import architectures
from ..saving.errors import SavedFileError


def _local_nodes(model: Any) -> dict[int, tuple[str, int]]:
    """Each node of the model's graph -> (its layer's name, its index among that layer's calls here)."""
    executor = model._executor()
    index: dict[int, tuple[str, int]] = {}
    counts: dict[str, int] = {}
    for node in [t.node for t in executor.inputs] + list(executor.nodes):
        if id(node) in index:
            continue
        name = node.layer.name
        index[id(node)] = (name, counts.get(name, 0))
        counts[name] = counts.get(name, 0) + 1
    return index


def _ref(tensor: Any, nodes: dict[int, tuple[str, int]]) -> list[Any]:
    name, node_index = nodes[id(tensor.node)]
    return [name, node_index, tensor.index]


def graph_config(model: Any, serialize_layer: Any) -> dict[str, Any]:
    """The graph of ``model``; ``serialize_layer(layer)`` gives a layer's ``{"class_name", "config",
    "provider"}`` (a nested model's comes from its own ``get_config``)."""
    executor = model._executor()
    nodes = _local_nodes(model)
    calls: dict[str, list[dict[str, Any]]] = {}
    for node in executor.nodes:
        calls.setdefault(node.layer.name, []).append(
            {"inbound": [_ref(t, nodes) for t in node.inbound], "list": bool(node.called_with_list)})
    layers = []
    for layer in model.layers:
        if getattr(layer, "graph_layers", None) is not None:
            spec = {"class_name": layer.saved_class_name, "config": layer.get_config()}
        else:
            spec = serialize_layer(layer)
        spec["name"] = layer.name
        spec["inbound_nodes"] = calls.get(layer.name, [])
        layers.append(spec)
    return {
        "name": model.name,
        "layers": layers,
        "input_layers": [_ref(t, nodes) for t in executor.inputs],
        "output_layers": [_ref(t, nodes) for t in executor.outputs],
        "input_names": list(model.input_names),
        "output_names": list(model.output_names),
        "input_structure": model._input_kind,
        "output_structure": model._output_kind,
    }


def _fail(what: str, why: str) -> SavedFileError:
    return SavedFileError(f"{what}: {why}")


def _check_ref(ref: Any, what: str) -> tuple[str, int, int]:
    if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str)
            and all(type(i) is int and i >= 0 for i in ref[1:])):
        raise _fail(what, f"a tensor reference must be [layer name, node index, tensor index], received "
                          f"{str(ref)[:120]}")
    return ref[0], ref[1], ref[2]


def rebuild(config: dict[str, Any], doc: dict[str, Any], what: str, build_layer: Any, make_model: Any) -> Any:
    """A new model from :func:`graph_config`'s output. ``build_layer(spec, what)`` makes one layer
    through the registries; ``make_model(inputs, outputs, name)`` the model. Every edge is checked and
    a graph whose edges cannot all be resolved is an error naming the layer."""
    specs = config.get("layers")
    if not isinstance(specs, list) or not specs:
        raise _fail(what, "the functional config needs a non-empty 'layers' list")
    created: dict[str, Any] = {}
    pending: list[tuple[str, list[dict[str, Any]]]] = []
    outputs: dict[str, list[list[Any]]] = {}
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or \
                not isinstance(spec.get("inbound_nodes", []), list):
            raise _fail(what, f"layer #{i} must be an object with 'name' and an 'inbound_nodes' list")
        name = spec["name"]
        if name in created:
            raise _fail(what, f"layer name {name!r} appears twice")
        if spec.get("class_name") in architectures.known():
            layer = architectures.build(spec, doc, f"{what}, nested model {name!r}")
        else:
            layer = build_layer(spec, f"{what}, layer #{i} ({name!r})")
        if getattr(layer, "name", None) != name:
            raise _fail(what, f"layer #{i} is saved as {name!r} but its config names it "
                              f"{getattr(layer, 'name', None)!r}")
        created[name] = layer
        outputs[name] = []
        if getattr(layer, "is_input", False):
            tensor = getattr(layer, "tensor", None)
            if tensor is None:
                raise _fail(what, f"input layer {name!r} has no shape")
            outputs[name].append([tensor])
        pending.append((name, list(spec.get("inbound_nodes", []))))
    progress = True
    while progress and any(calls for _, calls in pending):
        progress = False
        for name, calls in pending:
            while calls:
                call = calls[0]
                if not isinstance(call, dict) or not isinstance(call.get("inbound"), list) or not call["inbound"]:
                    raise _fail(what, f"an inbound node of layer {name!r} must be {{'inbound': [refs...], 'list': "
                                      f"bool}}, received {str(call)[:120]}")
                refs = [_check_ref(ref, f"{what}, layer {name!r}") for ref in call["inbound"]]
                if not all(r[0] in outputs and r[1] < len(outputs[r[0]]) for r in refs):
                    break  # an input of this call is made by a call not rebuilt yet
                tensors = []
                for layer_name, node_index, tensor_index in refs:
                    produced = outputs[layer_name][node_index]
                    if tensor_index >= len(produced):
                        raise _fail(what, f"layer {name!r} reads output {tensor_index} of {layer_name!r}, which has "
                                          f"{len(produced)}")
                    tensors.append(produced[tensor_index])
                result = created[name](tensors if call.get("list") else tensors[0])
                outputs[name].append(list(result) if isinstance(result, list) else [result])
                calls.pop(0)
                progress = True
    stuck = [name for name, calls in pending if calls]
    if stuck:
        raise _fail(what, f"the inbound nodes of {', '.join(map(repr, stuck))} refer to calls that do not exist "
                          f"(or form a cycle)")

    def tensors_of(key: str) -> list[Any]:
        refs = config.get(key)
        if not isinstance(refs, list) or not refs:
            raise _fail(what, f"the functional config needs a non-empty {key!r} list")
        found = []
        for ref in refs:
            layer_name, node_index, tensor_index = _check_ref(ref, f"{what}, {key}")
            if layer_name not in outputs or node_index >= len(outputs[layer_name]) or \
                    tensor_index >= len(outputs[layer_name][node_index]):
                raise _fail(what, f"{key} names {ref!r}, which the graph does not produce")
            found.append(outputs[layer_name][node_index][tensor_index])
        return found

    def structured(tensors: list[Any], names_key: str, kind_key: str) -> Any:
        kind = config.get(kind_key, "list")
        names = config.get(names_key)
        if kind == "dict" and isinstance(names, list) and len(names) == len(tensors):
            return dict(zip(names, tensors))
        if kind == "single" and len(tensors) == 1:
            return tensors[0]
        return tensors

    name = config.get("name") if isinstance(config.get("name"), str) and config.get("name") else None
    return make_model(structured(tensors_of("input_layers"), "input_names", "input_structure"),
                      structured(tensors_of("output_layers"), "output_names", "output_structure"), name)


__all__ = ["graph_config", "rebuild"]
