"""Keras's conventions for ZeroPadding's ``padding`` and Cropping's ``cropping``: how many rows to add
or remove before and after each spatial axis."""
from __future__ import annotations

from numbers import Integral
from typing import Any

from neuropil.errors import ArgumentError, ArgumentTypeError

Pairs = tuple[tuple[int, int], ...]


def _amount(owner: str, name: str, item: Any, original: Any) -> int:
    if isinstance(item, bool) or not isinstance(item, Integral):
        raise ArgumentTypeError(f"{owner} expects {name} to hold integers, received {name}={original!r}")
    if item < 0:
        raise ArgumentError(f"{owner} expects {name} to hold non-negative integers, received {name}={original!r}")
    return int(item)


def pairs(owner: str, name: str, value: Any, rank: int) -> Pairs:
    """``(before, after)`` per spatial axis from Keras's forms: one int for every side; for one axis a
    pair ``(before, after)``; for several axes a tuple of ``rank`` ints (symmetric per axis) or of
    ``rank`` pairs."""
    expected = ("an int or a tuple of 2 ints" if rank == 1 else
                f"an int, a tuple of {rank} ints or a tuple of {rank} tuples of 2 ints")
    if isinstance(value, Integral) and not isinstance(value, bool):
        amount = _amount(owner, name, value, value)
        return ((amount, amount),) * rank
    if not isinstance(value, (tuple, list)):
        raise ArgumentTypeError(f"{owner} expects {name} to be {expected}, received {name}={value!r}")
    if rank == 1:
        if len(value) != 2:
            raise ArgumentError(f"{owner} expects {name} to be {expected}, received {name}={value!r}")
        return ((_amount(owner, name, value[0], value), _amount(owner, name, value[1], value)),)
    if len(value) != rank:
        raise ArgumentError(f"{owner} expects {name} to be {expected}, received {name}={value!r}")
    out = []
    for item in value:
        if isinstance(item, (tuple, list)):
            if len(item) != 2:
                raise ArgumentError(f"{owner} expects {name} to be {expected}, received {name}={value!r}")
            out.append((_amount(owner, name, item[0], value), _amount(owner, name, item[1], value)))
        else:
            amount = _amount(owner, name, item, value)
            out.append((amount, amount))
    return tuple(out)


def as_config(value: Pairs) -> Any:
    """JSON-able, in Keras's config shape: ``[before, after]`` for one axis, a list of pairs otherwise."""
    if len(value) == 1:
        return list(value[0])
    return [list(pair) for pair in value]
