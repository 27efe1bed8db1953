"""The standard activations, with Keras's names, arguments and defaults.

Every activation is ``forward(x) -> (y, backward)``. The math goes through the array module that owns
``x`` (:func:`neuropil.base.backend.array_module`), so the same code runs on NumPy and CuPy. Results are
allocated in ``x``'s dtype; ``x`` and ``dy`` are never written to (in-place operations only touch fresh
temporaries). Per-step overhead dominates small models, so each forward/backward is written with as
few array operations as the math allows; the comments count them where a cheaper-looking form was
rejected for stability.

All activations are finite and warning-free for any finite input, including +-1e4 in float32, where
the textbook forms of sigmoid (``1 / (1 + exp(-x))``) and softplus (``log(1 + exp(x))``) overflow.
"""
from __future__ import annotations

import math
from typing import Any

from neuropil import checks
from neuropil.base.activation import Activation, Backward
from neuropil.base.backend import array_module, fused_for
from neuropil.errors import ArgumentError
from neuropil.plugin_system.hookspecs import Register

from . import reference_activations as _reference


def _identity_backward(dy: Any) -> Any:
    return dy


_EXP_LIMITS: dict[Any, float] = {}


def _exp_limit(xp: Any, dtype: Any) -> float:
    """The largest whole ``t`` with ``exp(t)`` finite in ``dtype`` (88 in float32, 709 in float64)."""
    limit = _EXP_LIMITS.get(dtype)
    if limit is None:
        limit = _EXP_LIMITS[dtype] = float(math.floor(math.log(float(xp.finfo(dtype).max))))
    return limit


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))`` in five fast ufunc calls, finite and warning-free for every input.

    ``-x`` is capped at the largest exponent the dtype can take (88 in float32), so ``exp`` never
    overflows; below that cap the formula is the exact one, with about two ulps of relative error in
    both tails. Inputs beyond the cap give the cap's value (~6e-39 in float32, ~1e-308 in float64)
    instead of a denormal or zero: the same to any absolute tolerance. ``logaddexp``-based or
    ``where``-based forms are as accurate but three to eight times slower on small arrays, and
    ``(1 + tanh(x / 2)) / 2`` is fast but loses all relative accuracy below about -17.
    """
    xp = array_module(x)
    s = xp.negative(x)
    xp.minimum(s, _exp_limit(xp, x.dtype), out=s)
    xp.exp(s, out=s)
    s += 1
    xp.reciprocal(s, out=s)
    return s


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``: exact, and ``exp`` only ever sees
    arguments <= 0. (``logaddexp(0, x)`` computes the same but is several times slower in NumPy.)"""
    xp = array_module(x)
    y = xp.abs(x)
    xp.negative(y, out=y)
    xp.exp(y, out=y)
    xp.log1p(y, out=y)
    y += xp.maximum(x, 0)
    return y


class Sigmoid(Activation):
    """``1 / (1 + exp(-x))``; see :func:`sigmoid` for why it is computed as it is."""

    name = "sigmoid"
    reference = _reference.sigmoid  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        fused = fused_for(x, "sigmoid")  # one kernel each way on backends that offer them
        y = sigmoid(x) if fused is None else fused(x)
        fused_backward = fused_for(x, "sigmoid_backward")
        if fused_backward is not None:
            return y, lambda dy: fused_backward(dy, y)

        def backward(dy: Any) -> Any:
            dx = 1 - y
            dx *= y
            dx *= dy
            return dx

        return y, backward


class Tanh(Activation):
    """Hyperbolic tangent; ``d tanh = 1 - tanh**2``."""

    name = "tanh"
    reference = _reference.tanh  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        y = xp.tanh(x)
        fused_backward = fused_for(x, "tanh_backward")  # one kernel on backends that offer it
        if fused_backward is not None:
            return y, lambda dy: fused_backward(dy, y)

        def backward(dy: Any) -> Any:
            dx = y * y
            xp.subtract(1, dx, out=dx)
            dx *= dy
            return dx

        return y, backward


class ReLU(Activation):
    """Keras's ``relu(x, negative_slope=0.0, max_value=None, threshold=0.0)``.

    ``x`` where ``threshold < x`` (clipped to ``[0, max_value]`` when ``max_value`` is set), else
    ``negative_slope * (x - threshold)``. The default form is one ``maximum`` forward and one
    comparison-and-multiply backward.
    """

    name = "relu"
    reference = _reference.relu  # the conformance suite's float64 formula
    example_configs = ({}, {"negative_slope": 0.1}, {"max_value": 1.5}, {"negative_slope": 0.2, "max_value": 2.0})
    kinks: tuple[float, ...] = (0.0,)

    def __init__(self, negative_slope: float = 0.0, max_value: float | None = None,
                 threshold: float = 0.0) -> None:
        if negative_slope < 0:
            raise ValueError(f"relu needs negative_slope >= 0, received {negative_slope}")
        if max_value is not None and max_value < 0:
            raise ValueError(f"relu needs max_value >= 0 (or None), received {max_value}")
        self.negative_slope = float(negative_slope)
        self.max_value = None if max_value is None else float(max_value)
        self.threshold = float(threshold)
        kinks = {self.threshold}
        if self.max_value is not None:
            kinks.add(self.max_value)
            if self.threshold < 0:
                kinks.add(0.0)  # the positive part is clipped at 0 from below too
        self.kinks = tuple(sorted(kinks))
        self._plain = self.negative_slope == 0 and self.max_value is None and self.threshold == 0
        # Flat wherever two inputs tie (below the threshold, above max_value): max pooling commutes with it.
        self.non_decreasing = self.negative_slope == 0 and self.threshold >= 0

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        if self._plain:
            fused, fused_backward = fused_for(x, "relu"), fused_for(x, "relu_backward")
            if fused is not None and fused_backward is not None:  # one kernel each way
                y = fused(x)
                return y, lambda dy: fused_backward(dy, y)
            y = xp.maximum(x, 0)
            return y, lambda dy: dy * (y > 0)
        above = x > self.threshold
        slope = above.astype(x.dtype)
        y = x * slope
        if self.max_value is not None:
            xp.clip(y, 0, self.max_value, out=y)
            slope *= (x > 0) & (x < self.max_value)
        if self.negative_slope:
            below = xp.minimum(x - self.threshold, 0)
            below *= self.negative_slope
            y += below
            slope += (~above) * x.dtype.type(self.negative_slope)

        return y, lambda dy: dy * slope

    def forward_in_place(self, x: Any) -> tuple[Any, Backward]:
        """:meth:`forward` for a caller that owns ``x`` and no longer needs it (a layer's freshly
        computed pre-activation): the default form writes ``max(x, 0)`` over ``x``, saving the
        allocation and first-touch of an output as large as the layer's biggest array; the other
        forms fall back to :meth:`forward`."""
        if not self._plain:
            return self.forward(x)
        y = array_module(x).maximum(x, 0, out=x)
        return y, lambda dy: dy * (y > 0)

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope, "max_value": self.max_value,
                "threshold": self.threshold}


class LeakyReLU(Activation):
    """Keras 3's ``leaky_relu(x, negative_slope=0.2)``: ``x`` for ``x >= 0``, else ``negative_slope * x``."""

    name = "leaky_relu"
    reference = _reference.leaky_relu  # the conformance suite's float64 formula
    example_configs = ({}, {"negative_slope": 0.05}, {"negative_slope": 1.5})
    kinks = (0.0,)

    def __init__(self, negative_slope: float = 0.2) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        slope = self.negative_slope
        scaled = x * slope
        # For 0 <= slope <= 1 the larger of x and slope*x is the leaky branch; otherwise the smaller.
        y = xp.maximum(x, scaled, out=scaled) if slope <= 1 else xp.minimum(x, scaled, out=scaled)

        def backward(dy: Any) -> Any:
            return xp.where(x > 0, dy, dy * slope)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}


class Softmax(Activation):
    """``exp(x) / sum(exp(x))`` along ``axis`` (default -1), shifted by the row maximum so no
    ``exp`` overflows; backward is ``y * (dy - sum(dy * y))``. (A row holding both -3e38 and 3e38 in
    float32 would overflow in the shift itself; guarding that costs an operation per call for inputs
    no network produces, so it is not done.)"""

    name = "softmax"
    reference = _reference.softmax  # the conformance suite's float64 formula
    example_configs = ({}, {"axis": 0}, {"axis": [0, -1]})

    def __init__(self, axis: int | tuple[int, ...] = -1) -> None:
        self.axis = softmax_axis("Softmax", axis)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        axis = axes_of(self.axis, x.ndim)
        y = x - x.max(axis=axis, keepdims=True)
        xp.exp(y, out=y)
        y /= y.sum(axis=axis, keepdims=True)

        def backward(dy: Any) -> Any:
            dx = dy * y
            dx -= y * dx.sum(axis=axis, keepdims=True)
            return dx

        return y, backward

    def get_config(self) -> dict[str, Any]:
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


def softmax_axis(owner: str, axis: Any) -> int | tuple[int, ...]:
    """One axis, or (as Keras allows) a tuple or list of axes, normalised over."""
    if isinstance(axis, (tuple, list)):
        axes = tuple(checks.integer(owner, "axis", a) for a in axis)
        if not axes:
            raise ArgumentError(f"{owner} expects axis to be an integer or a non-empty tuple of "
                                f"integers, received axis={axis!r}")
        return axes
    return checks.integer(owner, "axis", axis)


def axes_of(axis: int | tuple[int, ...], ndim: int) -> int | tuple[int, ...]:
    """A tuple of axes with negative ones resolved against ``ndim`` and repeats dropped ((0, -1)
    on a 1-D input is axis 0); a single axis as it is."""
    if isinstance(axis, int):
        return axis
    return tuple(sorted({a % ndim for a in axis})) if ndim else axis


class Linear(Activation):
    """The identity (Keras's ``linear``, what ``activation=None`` means). Returns its inputs as they
    are: components never write to arrays they were handed, so no copy is needed."""

    name = "linear"
    reference = _reference.linear  # the conformance suite's float64 formula
    is_identity = True

    def forward(self, x: Any) -> tuple[Any, Backward]:
        return x, _identity_backward


class ELU(Activation):
    """Keras's ``elu(x, alpha=1.0)``: ``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    ``expm1`` of ``min(x, 0)`` is accurate near 0 and never overflows for large positive ``x``.
    """

    name = "elu"
    reference = _reference.elu  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = ({}, {"alpha": 0.5})
    kinks: tuple[float, ...] = ()  # continuous derivative only when alpha == 1; see __init__

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)
        if self.alpha != 1.0:
            self.kinks = (0.0,)

    def _forward(self, x: Any, alpha: float, scale: float) -> tuple[Any, Backward]:
        xp = array_module(x)
        negative = xp.minimum(x, 0)
        xp.expm1(negative, out=negative)
        negative *= alpha * scale  # scale * alpha * (exp(x) - 1) on the negative side
        positive = x > 0
        y = xp.where(positive, x * scale if scale != 1.0 else x, negative)

        def backward(dy: Any) -> Any:
            # negative side: d/dx scale*alpha*(e^x - 1) = scale*alpha*e^x = y + scale*alpha
            slope = negative + alpha * scale
            return xp.where(positive, dy * scale if scale != 1.0 else dy, slope * dy)

        return y, backward

    def forward(self, x: Any) -> tuple[Any, Backward]:
        return self._forward(x, self.alpha, 1.0)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class SELU(ELU):
    """Keras's ``selu``: ``scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et
    al. (2017), alpha ~ 1.6733 and scale ~ 1.0507."""

    name = "selu"
    reference = _reference.selu  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = ()  # fixed constants: not ELU's alpha
    ALPHA = 1.6732632423543772848170429916717
    SCALE = 1.0507009873554804934193349852946
    kinks: tuple[float, ...] = (0.0,)  # the slope jumps from scale * alpha to scale at 0

    def __init__(self) -> None:
        super().__init__(alpha=self.ALPHA)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        return self._forward(x, self.ALPHA, self.SCALE)

    def get_config(self) -> dict[str, Any]:
        return {}


# --- the Gaussian CDF behind exact GELU ----------------------------------------------------------
# NumPy has no erf, and calling math.erf per element is far too slow, so Phi(x) = erfc(-x/sqrt 2)/2 is
# evaluated with rational approximations:
#   float64: W. J. Cody's (Math. Comp. 23, 1969; the SPECFUN CALERF intervals |z| <= 0.46875, <= 4,
#            > 4), good to ~1e-16 relative; together with the rounding of x / sqrt(2), Phi and GELU
#            come out within a few (1 + x**2) * 1.1e-16 relative (1e-15 near 0, 5e-14 at |x| = 20).
#   other dtypes: the single Chebyshev-fitted erfc of Numerical Recipes (2nd ed., erfcc), fractional
#            error below 1.2e-7 everywhere -- float32's own resolution -- in a third of the operations;
#            in float32 the result is within a few (1 + x**2) * 6e-8 relative.
# Both work on erfc(|z|), so the negative tail, where GELU is tiny, keeps its relative accuracy; the
# (1 + x**2) factor is the conditioning of Phi itself, which no formula on rounded inputs escapes.
# The tests check both bounds against scipy.special.ndtr.

_CODY_ERF_NUM = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
                 3.77485237685302021e02, 3.20937758913846947e03)
_CODY_ERF_DEN = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
                 2.84423683343917062e03)
_CODY_MID_NUM = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
                 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
                 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_CODY_MID_DEN = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
                 1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
                 3.43936767414372164e03, 1.23033935480374942e03)
_CODY_TAIL_NUM = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
                  1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_CODY_TAIL_DEN = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                  6.05183413124413191e-2, 2.33520497626869185e-3)
_NR_ERFC = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
            0.09678418, 0.37409196, 1.00002368, -1.26551223)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
#: erfc(z) and exp(-z**2) are exactly 0 in float64 beyond this, so clamping |z| here changes nothing
#: and keeps z**2 from overflowing for huge inputs.
_Z_MAX = 40.0


def _horner(coefficients: tuple[float, ...], t: Any) -> Any:
    """The polynomial with ``coefficients`` (highest degree first) at ``t``, into a fresh array."""
    result = t * coefficients[0]
    result += coefficients[1]
    for c in coefficients[2:]:
        result *= t
        result += c
    return result


def _erfc_and_gauss(z: Any) -> tuple[Any, Any]:
    """``(erfc(z), exp(-z**2))`` for ``0 <= z <= _Z_MAX``, in ``z``'s dtype."""
    xp = array_module(z)
    if z.dtype != xp.float64:
        gauss = z * z
        xp.negative(gauss, out=gauss)
        xp.exp(gauss, out=gauss)
        t = 0.5 * z
        t += 1
        xp.reciprocal(t, out=t)
        exponent = _horner(_NR_ERFC, t)
        exponent -= z * z
        xp.exp(exponent, out=exponent)
        exponent *= t
        return exponent, gauss
    # exp(-z**2) as exp(-r**2) exp(-(z - r)(z + r)) with r = z rounded down to 1/16 (Cody's split):
    # r**2 is exact, so the rounding error of z**2 does not swamp the tail's relative accuracy.
    rounded = z * 16
    xp.floor(rounded, out=rounded)
    rounded *= 0.0625
    gauss = rounded * rounded
    xp.negative(gauss, out=gauss)
    xp.exp(gauss, out=gauss)
    correction = z - rounded
    correction *= z + rounded
    xp.negative(correction, out=correction)
    gauss *= xp.exp(correction, out=correction)
    square = z * z
    small = z * _horner(_CODY_ERF_NUM, square)
    small /= _horner(_CODY_ERF_DEN, square)
    xp.subtract(1, small, out=small)  # erfc = 1 - erf near 0, where there is nothing to cancel
    middle = _horner(_CODY_MID_NUM, z)
    middle /= _horner(_CODY_MID_DEN, z)
    middle *= gauss
    far = xp.maximum(z, 4.0)  # the tail formula divides by z; keep it off the small-z entries
    inverse_square = far * far
    xp.reciprocal(inverse_square, out=inverse_square)
    tail = _horner(_CODY_TAIL_NUM, inverse_square)
    tail /= _horner(_CODY_TAIL_DEN, inverse_square)
    tail *= inverse_square
    xp.subtract(_INV_SQRT_PI, tail, out=tail)
    tail /= far
    tail *= gauss
    erfc = xp.where(z <= 0.46875, small, xp.where(z <= 4.0, middle, tail))
    return erfc, gauss


class GELU(Activation):
    """Keras's ``gelu(x, approximate=False)``: ``x * Phi(x)`` with the standard normal CDF ``Phi``.

    ``approximate=True`` is the tanh form ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``. The
    exact form's ``Phi`` is accurate to within a few ``(1 + x**2) * eps`` relative, in float64 and
    float32 alike (see the notes above ``_erfc_and_gauss``); its backward ``Phi(x) + x * phi(x)``
    uses the same ``Phi``, so it matches finite differences of the forward.
    """

    name = "gelu"
    reference = _reference.gelu  # the conformance suite's float64 formula
    example_configs = ({}, {"approximate": True})
    TANH_SCALE = math.sqrt(2.0 / math.pi)
    CUBIC = 0.044715
    CLIP = 100.0

    def __init__(self, approximate: bool = False) -> None:
        self.approximate = bool(approximate)

    def forward(self, x: Any) -> tuple[Any, Backward]:
        return self._tanh_form(x) if self.approximate else self._exact(x)

    def _exact(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        z = xp.abs(x)
        z *= _INV_SQRT_2
        xp.minimum(z, _Z_MAX, out=z)
        erfc, gauss = _erfc_and_gauss(z)
        erfc *= 0.5  # Phi(-|x|)
        cdf = xp.where(x >= 0, 1 - erfc, erfc)
        y = x * cdf

        def backward(dy: Any) -> Any:
            slope = x * gauss  # gauss = exp(-x**2 / 2), so x * gauss / sqrt(2 pi) = x * phi(x)
            slope *= _INV_SQRT_2PI
            slope += cdf
            slope *= dy
            return slope

        return y, backward

    def _tanh_form(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        # tanh(u) is exactly +-1 beyond |x| = 10 in float64, so clipping there changes nothing but
        # keeps x**3 and the slope's x**2 * x finite (at float32's limits they overflow, and the
        # backward's inf * 0 was NaN).
        xc = xp.clip(x, -self.CLIP, self.CLIP)
        square = xc * xc
        inner = square * self.CUBIC
        inner += 1
        inner *= xc
        inner *= self.TANH_SCALE  # u = sqrt(2/pi) (x + c x^3)
        t = xp.tanh(inner, out=inner)
        half_one_plus_t = t + 1
        half_one_plus_t *= 0.5
        y = x * half_one_plus_t

        def backward(dy: Any) -> Any:
            # d/dx [x (1 + t) / 2] = (1 + t) / 2 + x (1 - t^2) / 2 * sqrt(2/pi) (1 + 3 c x^2)
            du = square * (3 * self.CUBIC)
            du += 1
            du *= self.TANH_SCALE * 0.5
            du *= xc
            sech2 = t * t
            xp.subtract(1, sech2, out=sech2)
            du *= sech2
            du += half_one_plus_t
            du *= dy
            return du

        return y, backward

    def get_config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


class Swish(Activation):
    """Keras's ``swish`` (also ``silu``): ``x * sigmoid(x)``, with sigmoid as in :class:`Sigmoid`.

    Backward: ``s + x s (1 - s) = s (1 + x (1 - s))``.
    """

    name = "swish"
    reference = _reference.swish  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        s = sigmoid(x)
        y = x * s

        def backward(dy: Any) -> Any:
            dx = 1 - s
            dx *= x
            dx += 1
            dx *= s
            dx *= dy
            return dx

        return y, backward


class Softplus(Activation):
    """``log(1 + exp(x))``, exact and overflow-free (see :func:`softplus`); backward is
    ``sigmoid(x) = exp(x - softplus(x))``, reusing the forward's result."""

    name = "softplus"
    reference = _reference.softplus  # the conformance suite's float64 formula

    def forward(self, x: Any) -> tuple[Any, Backward]:
        xp = array_module(x)
        y = softplus(x)

        def backward(dy: Any) -> Any:
            s = x - y  # log sigmoid(x) <= 0, so its exp cannot overflow
            xp.exp(s, out=s)
            s *= dy
            return s

        return y, backward


ACTIVATIONS: tuple[tuple[type[Activation], tuple[str, ...]], ...] = (
    (Sigmoid, ()),
    (Tanh, ()),
    (ReLU, ()),
    (LeakyReLU, ()),
    (Softmax, ()),
    (Linear, ()),
    (ELU, ()),
    (SELU, ()),
    (GELU, ()),
    (Swish, ("silu",)),
    (Softplus, ()),
)


def register_all(register: Register) -> None:
    """Register every standard activation under its Keras function name (class spellings such as
    'ReLU' and 'LeakyReLU' resolve too, because lookups ignore case and underscores)."""
    for cls, aliases in ACTIVATIONS:
        register(cls.name, cls, aliases=aliases)
    from .activations_extra import register_all as register_more  # the rest of Keras 3's catalog

    register_more(register)
