"""Matching user data to a model's inputs and outputs: one array, a list in order, or a dict by
name, as Keras matches them. Everything is checked and converted before the model is touched."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputValidationError
from . import data


def by_name(value: Any, names: list[str], what: str, kind: str) -> list[Any]:
    """``value`` as one entry per name: a dict keyed by the names, a list/tuple in order, or (for a
    single name) the value itself."""
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise InputValidationError(f"{what} names {', '.join(map(repr, unknown))}, which matches no {kind} of "
                                       f"the model; its {kind}s are {', '.join(map(repr, names))}")
        missing = [name for name in names if name not in value]
        if missing:
            raise InputValidationError(f"{what} has no entry for {kind}(s) {', '.join(map(repr, missing))}; "
                                       f"expected keys {', '.join(map(repr, names))}")
        return [value[name] for name in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise InputValidationError(f"{what} is a list of {len(value)} arrays but the model has {len(names)} "
                                       f"{kind}s ({', '.join(map(repr, names))})")
        return list(value)
    if isinstance(value, (list, tuple)) and len(value) == 1 and _is_array_like(value[0]):
        return [value[0]]
    if len(names) > 1:
        raise InputValidationError(f"{what} must be a list of {len(names)} arrays or a dict keyed by "
                                   f"{', '.join(map(repr, names))}, since the model has {len(names)} {kind}s; "
                                   f"received {type(value).__name__}")
    return [value]


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "shape") and getattr(value, "ndim", 0) >= 1


def features(x: Any, names: list[str], what: str = "") -> list[np.ndarray]:
    entries = by_name(x, names, "x" + what, "input")
    label = (lambda i: "x" + what) if len(names) == 1 else (lambda i: f"x{what}[{names[i]!r}]")
    return [data.features(entry, label(i)) for i, entry in enumerate(entries)]


def targets(y: Any, names: list[str], sparse: list[bool], what: str = "") -> list[np.ndarray]:
    entries = by_name(y, names, "y" + what, "output")
    label = (lambda i: "y" + what) if len(names) == 1 else (lambda i: f"y{what}[{names[i]!r}]")
    return [data.targets(entry, flag, label(i)) for i, (entry, flag) in enumerate(zip(entries, sparse))]


def check_lengths(xs: list[np.ndarray], ys: list[np.ndarray] | None, what: str = "") -> None:
    lengths = {len(a) for a in xs} | ({len(a) for a in ys} if ys else set())
    if len(lengths) > 1:
        if len(xs) == 1 and ys is not None and len(ys) == 1:
            data.check_lengths(xs[0], ys[0], what)
        raise InputValidationError(f"every input and target{what} must have the same number of samples, received "
                                   f"{[len(a) for a in xs]} (x) and {[len(a) for a in ys or []]} (y)")
    if len(xs[0]) == 0:
        raise InputValidationError(f"x{what} is empty: expected at least one sample")


__all__ = ["by_name", "features", "targets", "check_lengths"]
