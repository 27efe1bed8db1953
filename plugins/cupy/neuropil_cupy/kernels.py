"""Fused CUDA kernels for the elementwise chains that dominate small models on a GPU.

On a GPU every array operation is a kernel launch costing microseconds, whatever its size: the
standard Adam update is about a dozen launches per parameter, an activation's backward two or three.
Each kernel here does one such chain in a single launch, reading every input once.

The math is that of the standard components (Keras 3's update rules, neuropil's activations), so a
component can switch to a kernel without changing results beyond float32 rounding; the GPU parity tests
(tests/test_cupy_gpu_parity.py) hold the kernels to that. Scalars are cast to the parameter's dtype on
the host (``T`` is one type per call), and anything that depends only on the step count (Adam's bias
correction) is computed there once, not per element.

CuPy is passed in rather than imported, so this module can be read and its wiring checked on machines
without CuPy.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> (input parameters, output parameters, CUDA C body). Outputs listed as parameters are updated
# in place (optimizers); activations allocate their output.
SPECS: dict[str, tuple[str, str, str]] = {
    # Adam (Keras 3): m += (g - m)(1 - b1); v += (g² - v)(1 - b2); p -= alpha · m / (sqrt(v) + eps),
    # alpha = lr · sqrt(1 - b2^t) / (1 - b1^t) computed on the host.
    "adam": ("T g, T one_minus_beta_1, T one_minus_beta_2, T alpha, T epsilon", "T p, T m, T v",
             "m += (g - m) * one_minus_beta_1;"
             "v += (g * g - v) * one_minus_beta_2;"
             "p -= alpha * (m / (sqrt(v) + epsilon));"),
    # SGD (Keras 3): the momentum slot holds the last step.
    "sgd": ("T g, T lr", "T p",
            "p -= g * lr;"),
    "sgd_momentum": ("T g, T lr, T momentum", "T p, T m",
                     "m = m * momentum - g * lr;"
                     "p += m;"),
    "sgd_nesterov": ("T g, T lr, T momentum", "T p, T m",
                     "m = m * momentum - g * lr;"
                     "p += m * momentum - g * lr;"),
    # RMSprop (Keras 3, not centered): v = rho·v + (1 - rho)·g²; step = lr·g / sqrt(v + eps).
    "rmsprop": ("T g, T lr, T rho, T one_minus_rho, T epsilon", "T p, T v",
                "v = v * rho + g * g * one_minus_rho;"
                "p -= g / sqrt(v + epsilon) * lr;"),
    "rmsprop_momentum": ("T g, T lr, T rho, T one_minus_rho, T momentum, T epsilon", "T p, T v, T mom",
                         "v = v * rho + g * g * one_minus_rho;"
                         "mom = mom * momentum + g / sqrt(v + epsilon) * lr;"
                         "p -= mom;"),
    # Activations. relu keeps NaN (as numpy.maximum does): NaN < 0 is false.
    "relu": ("T x", "T y", "y = x < (T)0 ? (T)0 : x;"),
    "relu_backward": ("T dy, T y", "T dx", "dx = y > (T)0 ? dy : (T)0;"),
    # Stable in both tails: exp(-|x|) never overflows.
    "sigmoid": ("T x", "T y",
                "T e = exp(-fabs(x));"
                "y = x >= (T)0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e);"),
    "sigmoid_backward": ("T dy, T y", "T dx", "dx = dy * (y * ((T)1 - y));"),
    "tanh_backward": ("T dy, T y", "T dx", "dx = dy * ((T)1 - y * y);"),
}

#: The names :meth:`CupyBackend.fused` answers (``sgd_momentum`` covers Nesterov through an argument).
NAMES: tuple[str, ...] = ("adam", "sgd", "sgd_momentum", "rmsprop", "rmsprop_momentum",
                          "relu", "relu_backward", "sigmoid", "sigmoid_backward", "tanh_backward")


def _scalar(t: Any, value: Any) -> Any:
    """A scalar argument in the kernel's type ``T``: a host number cast on the host; a 0-d device
    array (a per-step scalar a captured training step computes on the device) cast on the device and
    passed as an array, which the kernel broadcasts, so capture records a pointer, not a value."""
    return value.astype(t) if type(value).__module__.partition(".")[0] == "cupy" else t(value)


def compile_kernels(cupy: Any) -> dict[str, Any]:
    """One ``cupy.ElementwiseKernel`` per spec (CuPy compiles each on its first call, per dtype)."""
    return {name: cupy.ElementwiseKernel(inputs, outputs, body, f"neuropil_{name}")
            for name, (inputs, outputs, body) in SPECS.items()}


def fused_ops(cupy: Any) -> dict[str, Callable[..., Any]]:
    """The kernels behind keyword-argument signatures, so callers cannot swap two scalars silently.

    Optimizer ops update ``param`` and the slot arrays in place and return None; activation ops return
    a new array in the input's dtype.
    """
    k = compile_kernels(cupy)

    def adam(param: Any, grad: Any, m: Any, v: Any, *, alpha: float, beta_1: float, beta_2: float,
             epsilon: float) -> None:
        t = param.dtype.type
        k["adam"](grad, t(1.0 - beta_1), t(1.0 - beta_2), _scalar(t, alpha), t(epsilon), param, m, v)

    def sgd(param: Any, grad: Any, *, lr: float) -> None:
        k["sgd"](grad, _scalar(param.dtype.type, lr), param)

    def sgd_momentum(param: Any, grad: Any, m: Any, *, lr: float, momentum: float,
                     nesterov: bool = False) -> None:
        t = param.dtype.type
        k["sgd_nesterov" if nesterov else "sgd_momentum"](grad, _scalar(t, lr), t(momentum), param, m)

    def rmsprop(param: Any, grad: Any, v: Any, *, lr: float, rho: float, epsilon: float) -> None:
        t = param.dtype.type
        k["rmsprop"](grad, _scalar(t, lr), t(rho), t(1.0 - rho), t(epsilon), param, v)

    def rmsprop_momentum(param: Any, grad: Any, v: Any, mom: Any, *, lr: float, rho: float, momentum: float,
                         epsilon: float) -> None:
        t = param.dtype.type
        k["rmsprop_momentum"](grad, _scalar(t, lr), t(rho), t(1.0 - rho), t(momentum), t(epsilon), param, v, mom)

    return {
        "adam": adam,
        "sgd": sgd,
        "sgd_momentum": sgd_momentum,
        "rmsprop": rmsprop,
        "rmsprop_momentum": rmsprop_momentum,
        "relu": k["relu"],                          # relu(x) -> y
        "relu_backward": k["relu_backward"],        # relu_backward(dy, y) -> dx
        "sigmoid": k["sigmoid"],                    # sigmoid(x) -> y
        "sigmoid_backward": k["sigmoid_backward"],  # sigmoid_backward(dy, y) -> dx
        "tanh_backward": k["tanh_backward"],        # tanh_backward(dy, y) -> dx
    }
