"""Stand-ins for the CuPy plugin's fused kernels, so the fused path of every component runs in CI.

Each stand-in has the signature of its kernel in ``neuropil_cupy.kernels`` and computes the kernel's
own formula (not the component's), elementwise in NumPy on the device arrays' data, in place where the
kernel writes in place. A component that switches to ``backend.fused(name)`` is therefore checked,
on every machine, against its own plain code through the conformance suite's ``backends`` property.

Like a CUDA ``ElementwiseKernel`` with one type ``T``, a stand-in refuses host arrays and arrays of
mixed dtypes, and casts scalars to the parameter's dtype.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .device_array import DeviceArray
from .errors import MixedArrayError


def _data(kernel: str, *arrays: Any) -> list[np.ndarray]:
    dtype = None
    out = []
    for a in arrays:
        if not isinstance(a, DeviceArray):
            raise MixedArrayError(f"fused kernel {kernel!r} was given a {type(a).__name__}, not a device array")
        if dtype is not None and a.dtype != dtype:
            raise MixedArrayError(f"fused kernel {kernel!r} was given arrays of dtypes {dtype} and {a.dtype}; "
                                  f"an ElementwiseKernel has one type T")
        dtype = a.dtype
        out.append(a._data)
    return out


def _scalar(t: Any, value: Any) -> Any:
    """A kernel's scalar argument in the parameter's dtype: a host number cast on the host, a 0-d
    device array (a per-step scalar computed on the device, for a captured step) read on the device,
    as the kernel would broadcast it, without a synchronisation."""
    return value._data.astype(t) if isinstance(value, DeviceArray) else t(value)


def adam(param: Any, grad: Any, m: Any, v: Any, *, alpha: float, beta_1: float, beta_2: float,
         epsilon: float) -> None:
    p, g, m_, v_ = _data("adam", param, grad, m, v)
    t = p.dtype.type
    m_ += (g - m_) * t(1.0 - beta_1)
    v_ += (g * g - v_) * t(1.0 - beta_2)
    p -= _scalar(t, alpha) * (m_ / (np.sqrt(v_) + t(epsilon)))


def sgd(param: Any, grad: Any, *, lr: float) -> None:
    p, g = _data("sgd", param, grad)
    p -= g * _scalar(p.dtype.type, lr)


def sgd_momentum(param: Any, grad: Any, m: Any, *, lr: float, momentum: float, nesterov: bool = False) -> None:
    p, g, m_ = _data("sgd_momentum", param, grad, m)
    t = p.dtype.type
    m_[...] = m_ * t(momentum) - g * _scalar(t, lr)
    if nesterov:
        p += m_ * t(momentum) - g * _scalar(t, lr)
    else:
        p += m_


def rmsprop(param: Any, grad: Any, v: Any, *, lr: float, rho: float, epsilon: float) -> None:
    p, g, v_ = _data("rmsprop", param, grad, v)
    t = p.dtype.type
    v_[...] = v_ * t(rho) + g * g * t(1.0 - rho)
    p -= g / np.sqrt(v_ + t(epsilon)) * _scalar(t, lr)


def rmsprop_momentum(param: Any, grad: Any, v: Any, mom: Any, *, lr: float, rho: float, momentum: float,
                     epsilon: float) -> None:
    p, g, v_, mom_ = _data("rmsprop_momentum", param, grad, v, mom)
    t = p.dtype.type
    v_[...] = v_ * t(rho) + g * g * t(1.0 - rho)
    mom_[...] = mom_ * t(momentum) + g / np.sqrt(v_ + t(epsilon)) * _scalar(t, lr)
    p -= mom_


def relu(x: Any) -> DeviceArray:
    (x_,) = _data("relu", x)
    return DeviceArray(np.where(x_ < 0, x_.dtype.type(0), x_))


def relu_backward(dy: Any, y: Any) -> DeviceArray:
    dy_, y_ = _data("relu_backward", dy, y)
    return DeviceArray(np.where(y_ > 0, dy_, dy_.dtype.type(0)))


def sigmoid(x: Any) -> DeviceArray:
    (x_,) = _data("sigmoid", x)
    t = x_.dtype.type
    e = np.exp(-np.abs(x_))
    return DeviceArray(np.where(x_ >= 0, t(1) / (t(1) + e), e / (t(1) + e)))


def sigmoid_backward(dy: Any, y: Any) -> DeviceArray:
    dy_, y_ = _data("sigmoid_backward", dy, y)
    return DeviceArray(dy_ * (y_ * (y_.dtype.type(1) - y_)))


def tanh_backward(dy: Any, y: Any) -> DeviceArray:
    dy_, y_ = _data("tanh_backward", dy, y)
    return DeviceArray(dy_ * (y_.dtype.type(1) - y_ * y_))


#: The same names as ``neuropil_cupy.kernels.NAMES`` (a test holds the two lists equal).
FUSED: dict[str, Callable[..., Any]] = {
    "adam": adam, "sgd": sgd, "sgd_momentum": sgd_momentum, "rmsprop": rmsprop,
    "rmsprop_momentum": rmsprop_momentum, "relu": relu, "relu_backward": relu_backward, "sigmoid": sigmoid,
    "sigmoid_backward": sigmoid_backward, "tanh_backward": tanh_backward,
}
