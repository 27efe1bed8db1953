"""``compile``'s per-output arguments: one loss or one per output (list or dict by output name),
``loss_weights`` and metrics per output, matched to the model's outputs as Keras matches them.

Everything resolves here before the model changes, so a wrong name or count fails ``compile`` with
the model as it was.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .compiled import Objective, resolve_loss


def _per_output(argument: str, value: Any, names: list[str], default: Any, *, scalar: bool) -> list[Any]:
    """``value`` as one entry per output: a dict by output name, a list in output order, or (when
    ``scalar``) one value every output shares."""
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ArgumentError(f"compile(): {argument} names {', '.join(map(repr, unknown))}, which is not an "
                                f"output of the model; its outputs are {', '.join(map(repr, names))}")
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)) and not scalar:
        if len(value) != len(names):
            raise ArgumentError(f"compile(): {argument} has {len(value)} entries but the model has {len(names)} "
                                f"outputs ({', '.join(map(repr, names))}); give one per output or a dict by name")
        return list(value)
    return [value for _ in names]


def _metric_lists(argument: str, value: Any, names: list[str]) -> list[list[Any]]:
    if value is None:
        return [[] for _ in names]
    if isinstance(value, str) or not isinstance(value, (Iterable, dict)):
        raise ArgumentTypeError(f"{argument} must be a list, received {type(value).__name__} ({value!r}); "
                                f"write {argument}=[{value!r}]")
    if isinstance(value, dict):
        lists = _per_output(argument, value, names, [], scalar=False)
        return [[entry] if isinstance(entry, (str, dict)) or not isinstance(entry, Iterable) else list(entry)
                for entry in lists]
    entries = list(value)
    nested = bool(entries) and all(isinstance(e, (list, tuple)) for e in entries)
    if len(names) > 1 and nested:
        return [list(e) for e in _per_output(argument, entries, names, [], scalar=False)]
    if nested:
        raise ArgumentError(f"compile(): {argument} is a list of lists, but the model has one output; pass a "
                            f"flat list")
    return [list(entries) for _ in names]  # a flat list: every output gets these metrics, as in Keras


def objectives(loss: Any, metrics: Any, weighted_metrics: Any, loss_weights: Any,
               output_names: list[str]) -> tuple[list[Objective], str]:
    """One :class:`Objective` per output, and how the loss was structured ("single", "list", "dict")."""
    if loss is None:
        raise ArgumentError("compile() needs a loss: a name such as 'mse', a Loss instance, or fn(y_true, y_pred)")
    structure = "dict" if isinstance(loss, dict) else "list" if isinstance(loss, (list, tuple)) else "single"
    losses = _per_output("loss", loss, output_names, None, scalar=False)
    missing = [name for name, each in zip(output_names, losses) if each is None]
    if missing:
        raise ArgumentError(f"compile(): no loss for output(s) {', '.join(map(repr, missing))}; give every output "
                            f"a loss (neuropil does not train outputs without one)")
    resolved = [resolve_loss(each) for each in losses]
    weights: list[Any] = [None] * len(output_names)
    if loss_weights is not None:
        if not isinstance(loss_weights, (dict, list, tuple)):
            raise ArgumentTypeError(f"compile(): loss_weights must be a list or a dict by output name, received "
                                    f"{type(loss_weights).__name__} ({loss_weights!r})")
        weights = _per_output("loss_weights", loss_weights, output_names, None, scalar=False)
        for name, weight in zip(output_names, weights):
            if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float))):
                raise ArgumentTypeError(f"compile(): loss_weights[{name!r}] must be a number, received {weight!r}")
        weights = [None if w is None or float(w) == 1.0 else float(w) for w in weights]
    metric_lists = _metric_lists("metrics", metrics, output_names)
    weighted_lists = _metric_lists("weighted_metrics", weighted_metrics, output_names)
    made = [Objective(name, each, m, wm, weight) for name, each, m, wm, weight in
            zip(output_names, resolved, metric_lists, weighted_lists, weights)]
    return made, structure


__all__ = ["objectives"]
