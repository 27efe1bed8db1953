"""The two guards every loader runs under: allocation planned from the file, and errors as neuropil's.

``planned_weights`` makes a config's sizes answer to the file's tensors: while a saved model is built,
each weight a layer asks for must exist in the file with exactly that shape, checked before its memory
is taken. A 3 KB file declaring ``units=20000`` over a 20000-wide input is refused at its first
weight instead of allocating gigabytes and comparing afterwards.

``loading_errors`` is the net under the checks: the values a loader reads are validated by type and
range where they are read, with messages naming them, and anything a hostile file still provokes
below (a ``TypeError`` deep in a plugin's constructor, an ``OverflowError`` in NumPy) leaves as a
:class:`SavedFileError` naming the file and the original error, never as Python's own exception.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..base.layer import WEIGHT_PLAN
from ..errors import NeuropilError
from .errors import SavedFileError, brief


@contextmanager
def planned_weights(specs: dict[str, Any], source: str) -> Iterator[None]:
    """While active, ``Layer.add_weight`` first checks ``"<layer>/<weight>"`` against ``specs``
    (name -> (dtype, shape, begin, end) as :class:`~.safetensors_io.SafetensorsFile` reads them)."""

    def plan(layer: Any, weight: str, shape: tuple[int, ...]) -> None:
        key = f"{layer.name}/{weight}"
        spec = specs.get(key)
        if spec is None:
            raise SavedFileError(f"{source} has no weight {key!r} for layer {layer.name!r} "
                                 f"({type(layer).__name__}), whose config asks for shape {shape}; it holds: "
                                 f"{', '.join(brief(n) for n in sorted(specs)[:10]) or 'no weights'}")
        if tuple(spec[1]) != tuple(shape):
            raise SavedFileError(f"layer {layer.name!r} ({type(layer).__name__}) weight {weight!r} has shape "
                                 f"{shape} by its saved config, but {source} holds shape {tuple(spec[1])}")

    token = WEIGHT_PLAN.set(plan)
    try:
        yield
    finally:
        WEIGHT_PLAN.reset(token)


@contextmanager
def loading_errors(filepath: str | os.PathLike[str] | Any, what: str = "") -> Iterator[None]:
    """Re-raise anything but a :class:`NeuropilError` (and ``KeyboardInterrupt``/``SystemExit``,
    which are not the file's doing) as a :class:`SavedFileError` naming the file."""
    try:
        yield
    except NeuropilError:
        raise
    except Exception as exc:  # noqa: BLE001 - the net under the checks: whatever escaped them
        where = os.fspath(filepath) if _pathlike(filepath) else filepath
        raise SavedFileError(f"could not load {what or 'the file'} '{where}': "
                             f"{type(exc).__name__}: {brief(str(exc))}") from exc


def _pathlike(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


__all__ = ["planned_weights", "loading_errors"]
