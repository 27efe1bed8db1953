"""The emulated device array: NumPy data behind the manners of ``cupy.ndarray``.

What it refuses is what breaks on a GPU: implicit conversion to NumPy (``np.asarray(x)`` raises, as
``cupy.ndarray.__array__`` does), a NumPy array as an operand, and methods CuPy's arrays lack. What it
counts is what stalls a GPU: every conversion to a host value (``float``, ``int``, ``bool``,
``.item()``, ``.tolist()``, printing) and every copy back (``.get()``), in :data:`.sync.COUNTER`.

Where NumPy hands out a host scalar (a full reduction, ``x[0]`` of a vector), CuPy gives a 0-d device
array; so does this type. Code that happens to work on NumPy because ``np.float64`` is a ``float``
therefore fails here as it would on a GPU.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import cupy_names
from .errors import ImplicitTransferError, MissingFunctionError, MixedArrayError
from .sync import COUNTER

#: Python and NumPy scalars: CuPy accepts them as operands.
SCALARS = (bool, int, float, complex, np.generic)

_NDARRAY_NAMES = frozenset(cupy_names.NDARRAY)

#: Methods that return arrays, delegated to NumPy's and wrapped (when CuPy's ndarray has them).
_ARRAY_METHODS = ("all", "any", "argmax", "argmin", "argpartition", "argsort", "astype", "choose", "clip",
                  "compress", "conj", "conjugate", "copy", "cumprod", "cumsum", "diagonal", "dot", "flatten",
                  "max", "mean", "min", "nonzero", "partition", "prod", "ptp", "put", "ravel", "repeat", "reshape",
                  "round", "searchsorted", "sort", "squeeze", "std", "sum", "swapaxes", "take", "trace",
                  "transpose", "var", "view")


def unwrap(value: Any, what: str = "an operand") -> Any:
    """The NumPy data behind ``value``; refuses NumPy arrays (CuPy would), recursing into sequences."""
    if isinstance(value, DeviceArray):
        return value._data
    if isinstance(value, np.ndarray):
        raise MixedArrayError(
            f"a NumPy array (shape {value.shape}, dtype {value.dtype}) was given as {what} of a device "
            f"operation; CuPy refuses this (Unsupported type numpy.ndarray): move it with backend.asarray "
            f"or xp.asarray first")
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v, what) for v in value)
    return value


def wrap(value: Any) -> Any:
    """Device arrays for NumPy results (host scalars become 0-d arrays, as CuPy returns them)."""
    if isinstance(value, np.ndarray):
        return DeviceArray(value)
    if isinstance(value, np.generic):
        return DeviceArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def _index(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    return unwrap(key, "an index")


def _binary(op: Callable[[Any, Any], Any]) -> Callable[[DeviceArray, Any], Any]:
    def method(self: DeviceArray, other: Any) -> Any:
        if not isinstance(other, (DeviceArray, np.ndarray, *SCALARS)):
            return NotImplemented
        result = wrap(op(self._data, unwrap(other)))
        COUNTER.launch(op.__name__, (self, other), result)
        return result

    return method


def _reflected(op: Callable[[Any, Any], Any]) -> Callable[[DeviceArray, Any], Any]:
    def method(self: DeviceArray, other: Any) -> Any:
        if not isinstance(other, (DeviceArray, np.ndarray, *SCALARS)):
            return NotImplemented
        result = wrap(op(unwrap(other), self._data))
        COUNTER.launch(op.__name__, (other, self), result)
        return result

    return method


def _inplace(op: Callable[[Any, Any], Any]) -> Callable[[DeviceArray, Any], Any]:
    def method(self: DeviceArray, other: Any) -> Any:
        if not isinstance(other, (DeviceArray, np.ndarray, *SCALARS)):
            return NotImplemented
        op(self._data, unwrap(other))
        COUNTER.launch(op.__name__, (self, other), self)
        return self

    return method


def _unary(op: Callable[[Any], Any]) -> Callable[[DeviceArray], Any]:
    def method(self: DeviceArray) -> Any:
        result = wrap(op(self._data))
        COUNTER.launch(op.__name__, (self,), result)
        return result

    return method


def _syncing(kind: str, convert: Callable[[Any], Any]) -> Callable[..., Any]:
    def method(self: DeviceArray, *args: Any) -> Any:
        COUNTER.record(kind)
        return convert(self._data, *args)

    return method


class DeviceArray:
    """An array "on the device"; see the module docstring. Build one with the emulated backend's
    ``asarray`` (or its ``xp``), read it back with :meth:`get`."""

    __slots__ = ("_data",)
    # NumPy defers binary operators with a device array to it, and then hears a refusal.
    __array_priority__ = 1000.0
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, data: np.ndarray) -> None:
        if data.base is None:  # a buffer of its own (a view reuses its base's memory)
            if COUNTER.arena is not None:  # a captured step: the buffer comes from its static arena
                data = COUNTER.arena.serve(data)
            else:
                COUNTER.record_allocation(data.nbytes)
        self._data = data

    # -- what CuPy refuses -----------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        where = COUNTER.record_refused("implicit conversion")
        raise ImplicitTransferError(
            f"implicit conversion of a device array (shape {self.shape}, dtype {self.dtype}) to a NumPy "
            f"array at {where}: CuPy refuses this. Use xp for the math, or backend.to_numpy(x) / x.get() "
            f"where the host really needs the values")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``numpy.exp(x)`` on a device array: CuPy runs its own ufunc of that name on the device,
        and refuses NumPy operands; so does this."""
        from .namespace import XP

        if ufunc.__name__ not in XP.names:
            raise MissingFunctionError(f"numpy.{ufunc.__name__} on a device array: CuPy has no such ufunc")
        device_ufunc = getattr(XP, ufunc.__name__)
        return (device_ufunc if method == "__call__" else getattr(device_ufunc, method))(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """``numpy.f(x)`` on a device array: CuPy dispatches to ``cupy.f`` where it has one (NEP 18)
        and fails otherwise; so does this."""
        from .namespace import XP

        name = func.__name__
        module = getattr(func, "__module__", "") or ""
        if not module.startswith("numpy") or name not in XP.names:
            raise MissingFunctionError(f"{module}.{name} was called on a device array, and CuPy has no "
                                       f"cupy.{name}: write it with functions CuPy has")
        return getattr(XP, name)(*args, **kwargs)

    def __array_namespace__(self, api_version: str | None = None) -> Any:
        from .namespace import XP

        return XP

    def __getattr__(self, name: str) -> Any:
        raise MissingFunctionError(
            f"'ndarray' object has no attribute {name!r} on the emulated device"
            + ("" if name in _NDARRAY_NAMES else " (cupy.ndarray has none either)"))

    # -- metadata (host-side, no synchronisation) ------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    @property
    def strides(self) -> tuple[int, ...]:
        return self._data.strides

    @property
    def flags(self) -> Any:
        return self._data.flags

    @property
    def T(self) -> DeviceArray:  # noqa: N802 - NumPy's name
        return DeviceArray(self._data.T)

    @property
    def mT(self) -> DeviceArray:  # noqa: N802 - NumPy's name
        return DeviceArray(self._data.mT)

    def __copy__(self) -> DeviceArray:
        return DeviceArray(self._data.copy())

    def __deepcopy__(self, memo: Any) -> DeviceArray:
        return DeviceArray(self._data.copy())

    @property
    def real(self) -> DeviceArray:
        return DeviceArray(self._data.real)

    @property
    def imag(self) -> DeviceArray:
        return DeviceArray(self._data.imag)

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        return (wrap(row) for row in self._data)

    # -- reading back (each one waits for the device) --------------------------------------------
    def get(self, stream: Any = None, order: Any = "C", out: Any = None, blocking: bool = True) -> np.ndarray:
        """A NumPy copy on the host (counted)."""
        COUNTER.record("get")
        return np.array(self._data, order=order)

    __float__ = _syncing("float", float)
    __int__ = _syncing("int", int)
    __bool__ = _syncing("bool", bool)
    __index__ = _syncing("index", operator.index)
    __complex__ = _syncing("complex", complex)
    item = _syncing("item", lambda data, *args: data.item(*args))
    tolist = _syncing("tolist", lambda data: data.tolist())
    tobytes = _syncing("tobytes", lambda data, *args: data.tobytes(*args))
    __format__ = _syncing("format", format)

    def __repr__(self) -> str:
        COUNTER.record("repr")
        return repr(self._data).replace("array(", "device_array(", 1)

    def __str__(self) -> str:
        COUNTER.record("str")
        return str(self._data)

    # -- indexing --------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        index = _index(key)
        result = self._data[index]
        if isinstance(result, np.generic):  # CuPy gives a 0-d view of the element, not a new buffer
            result = self._data[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
        result = wrap(result)
        COUNTER.launch("getitem", (self, key), result)
        return result

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, np.ndarray):  # CuPy copies NumPy values over (a host-to-device transfer)
            COUNTER.record_upload()
            self._data[_index(key)] = value
            return
        self._data[_index(key)] = unwrap(value)
        COUNTER.launch("setitem", (self, key, value), self)

    def fill(self, value: Any) -> None:
        self._data.fill(unwrap(value))
        COUNTER.launch("fill", (self, value), self)

    # -- operators -------------------------------------------------------------------------------
    __add__, __radd__, __iadd__ = _binary(operator.add), _reflected(operator.add), _inplace(operator.iadd)
    __sub__, __rsub__, __isub__ = _binary(operator.sub), _reflected(operator.sub), _inplace(operator.isub)
    __mul__, __rmul__, __imul__ = _binary(operator.mul), _reflected(operator.mul), _inplace(operator.imul)
    __truediv__, __rtruediv__, __itruediv__ = (_binary(operator.truediv), _reflected(operator.truediv),
                                               _inplace(operator.itruediv))
    __floordiv__, __rfloordiv__, __ifloordiv__ = (_binary(operator.floordiv), _reflected(operator.floordiv),
                                                  _inplace(operator.ifloordiv))
    __mod__, __rmod__, __imod__ = _binary(operator.mod), _reflected(operator.mod), _inplace(operator.imod)
    __pow__, __rpow__, __ipow__ = _binary(operator.pow), _reflected(operator.pow), _inplace(operator.ipow)
    __matmul__, __rmatmul__, __imatmul__ = (_binary(operator.matmul), _reflected(operator.matmul),
                                            _inplace(operator.imatmul))
    __divmod__, __rdivmod__ = _binary(divmod), _reflected(divmod)
    __and__, __rand__, __iand__ = _binary(operator.and_), _reflected(operator.and_), _inplace(operator.iand)
    __or__, __ror__, __ior__ = _binary(operator.or_), _reflected(operator.or_), _inplace(operator.ior)
    __xor__, __rxor__, __ixor__ = _binary(operator.xor), _reflected(operator.xor), _inplace(operator.ixor)
    __lshift__, __rlshift__, __ilshift__ = (_binary(operator.lshift), _reflected(operator.lshift),
                                            _inplace(operator.ilshift))
    __rshift__, __rrshift__, __irshift__ = (_binary(operator.rshift), _reflected(operator.rshift),
                                            _inplace(operator.irshift))
    __lt__, __le__, __gt__, __ge__ = (_binary(operator.lt), _binary(operator.le), _binary(operator.gt),
                                      _binary(operator.ge))
    __eq__ = _binary(operator.eq)
    __ne__ = _binary(operator.ne)
    __neg__, __pos__, __abs__, __invert__ = (_unary(operator.neg), _unary(operator.pos), _unary(operator.abs),
                                             _unary(operator.invert))


def _array_method(name: str) -> Callable[..., Any]:
    def method(self: DeviceArray, *args: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        result = getattr(self._data, name)(*unwrap(args), **{k: unwrap(v, f"argument {k!r}")
                                                              for k, v in kwargs.items()})
        result = out if isinstance(out, DeviceArray) and result is out._data else wrap(result)
        COUNTER.launch(name, (self, args, kwargs), result)
        return result

    method.__name__ = name
    method.__doc__ = f"``ndarray.{name}``, on the device."
    return method


for _name in _ARRAY_METHODS:
    if _name in _NDARRAY_NAMES:
        setattr(DeviceArray, _name, _array_method(_name))
