"""Argument checks shared by the core and every plugin.

One wording everywhere: each check names the component, the argument, what was expected and what was
received, and raises an :class:`~neuropil.errors.ArgumentError` (a ``ValueError``) for a bad value or
an :class:`~neuropil.errors.ArgumentTypeError` (a ``TypeError``) for a value of the wrong kind. Checks
run at construction, so a bad argument fails on the user's line, not at the first ``fit``.

Each function returns the normalised value (a ``float``, an ``int``, a ``tuple``), so a constructor
reads ``self.rate = checks.number("Dropout", "rate", rate, minimum=0, maximum=1, max_inclusive=False)``.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Collection, Iterable
from numbers import Integral, Real
from typing import Any, TypeVar, cast

from .errors import ArgumentError, ArgumentTypeError

T = TypeVar("T")


def _received(name: str, value: Any) -> str:
    return f"received {name}={value!r}"


def number(owner: str, name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
           min_inclusive: bool = True, max_inclusive: bool = True, finite: bool = True) -> float:
    """A real number (bools refused) within the given bounds, as a ``float``.

    ``finite`` refuses NaN and infinities; bounds are inclusive unless ``min_inclusive`` /
    ``max_inclusive`` say otherwise.
    """
    expected = ("a finite number" if finite else "a number") + _bounds(minimum, maximum, min_inclusive, max_inclusive)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ArgumentTypeError(f"{owner} expects {name} to be {expected}, {_received(name, value)}")
    result = float(value)
    low_ok = minimum is None or (result >= minimum if min_inclusive else result > minimum)
    high_ok = maximum is None or (result <= maximum if max_inclusive else result < maximum)
    if math.isnan(result) or (finite and math.isinf(result)) or not (low_ok and high_ok):
        raise ArgumentError(f"{owner} expects {name} to be {expected}, {_received(name, value)}")
    return result


def _bounds(minimum: float | None, maximum: float | None, min_inclusive: bool, max_inclusive: bool) -> str:
    if minimum is not None and maximum is not None:
        return f" in {'[' if min_inclusive else '('}{minimum:g}, {maximum:g}{']' if max_inclusive else ')'}"
    if minimum is not None:
        return f" {'>=' if min_inclusive else '>'} {minimum:g}"
    if maximum is not None:
        return f" {'<=' if max_inclusive else '<'} {maximum:g}"
    return ""


def integer(owner: str, name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (NumPy integers accepted, bools and floats refused) within inclusive bounds."""
    if maximum is None:
        expected = "a positive integer" if minimum == 1 else "a non-negative integer" if minimum == 0 \
            else "an integer" if minimum is None else f"an integer >= {minimum}"
    elif minimum is None:
        expected = f"an integer <= {maximum}"
    else:
        expected = f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ArgumentTypeError(f"{owner} expects {name} to be {expected}, {_received(name, value)}")
    result = operator.index(value)
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise ArgumentError(f"{owner} expects {name} to be {expected}, {_received(name, value)}")
    return result


def count(owner: str, name: str, value: Any, *, minimum: int = 1) -> int:
    """A count such as ``units``, ``epochs`` or ``batch_size``: an integer >= ``minimum`` (1 by default)."""
    return integer(owner, name, value, minimum=minimum)


def one_of(owner: str, name: str, value: Any, choices: Collection[T], *, normalise: bool = False) -> T:
    """One of ``choices``; with ``normalise``, a string is lower-cased before the comparison."""
    candidate = value.lower() if normalise and isinstance(value, str) else value
    try:
        if candidate in choices:
            return cast(T, candidate)
    except TypeError:  # unhashable value against a set
        pass
    expected = ", ".join(repr(c) for c in choices)
    raise ArgumentError(f"{owner} expects {name} to be one of {expected}, {_received(name, value)}")


def boolean(owner: str, name: str, value: Any) -> bool:
    """A real ``bool`` (or NumPy bool): ``"False"`` or ``0`` would be a silent surprise."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise ArgumentTypeError(f"{owner} expects {name} to be True or False, {_received(name, value)}")


def shape(owner: str, name: str, value: Any, *, rank: int | None = None, allow_none: bool = False,
          minimum: int = 1) -> tuple[Any, ...]:
    """A shape: an int or a sequence of integers >= ``minimum`` (``None`` entries only with
    ``allow_none``), of length ``rank`` when given. Returns a tuple."""
    items: Iterable[Any]
    if isinstance(value, Integral) and not isinstance(value, bool):
        items = (value,)
    elif isinstance(value, (tuple, list)):
        items = value
    else:
        raise ArgumentTypeError(f"{owner} expects {name} to be a tuple of integers, {_received(name, value)}")
    result: list[Any] = []
    for item in items:
        if item is None and allow_none:
            result.append(None)
            continue
        if isinstance(item, bool) or not isinstance(item, Integral) or item < minimum:
            nones = " or None" if allow_none else ""
            raise ArgumentError(f"{owner} expects {name} to hold integers >= {minimum}{nones}, "
                                f"{_received(name, value)}")
        result.append(int(item))
    if rank is not None and len(result) != rank:
        raise ArgumentError(f"{owner} expects {name} to have {rank} entries, {_received(name, value)}")
    return tuple(result)


def int_tuple(owner: str, name: str, value: Any, rank: int, *, minimum: int = 1) -> tuple[int, ...]:
    """Keras's ``kernel_size``/``strides``/``pool_size`` convention: one int for every axis, or a
    tuple of ``rank`` ints."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (value,) * rank
    return shape(owner, name, value, rank=rank, minimum=minimum)


def instance(owner: str, name: str, value: Any, kinds: type | tuple[type, ...], *, what: str | None = None) -> Any:
    """``value`` if it is an instance of ``kinds``; ``what`` describes the expectation in words."""
    if isinstance(value, kinds):
        return value
    if what is None:
        names = kinds if isinstance(kinds, tuple) else (kinds,)
        what = " or ".join(k.__name__ for k in names)
    raise ArgumentTypeError(f"{owner} expects {name} to be {what}, received {name}={value!r} "
                            f"({type(value).__name__})")


def callable_or_none(owner: str, name: str, value: Any) -> Any:
    """A callable or ``None``."""
    if value is None or callable(value):
        return value
    raise ArgumentTypeError(f"{owner} expects {name} to be callable or None, {_received(name, value)}")
