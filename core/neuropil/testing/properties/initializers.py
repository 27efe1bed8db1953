"""Initializers: what a layer relies on when it calls ``initializer(shape, dtype, rng)``.

The hook contract is only that call, ``factory(**config)(shape, dtype, rng) -> numpy array`` with
``rng`` a ``numpy.random.Generator``; no core base class exists. ``Layer.add_weight`` keeps the result,
moved to its backend, as a parameter that optimizers then update in place, and a seeded model must get
the same weights on every run and every backend. Hence:

- ``shape_and_dtype``: a NumPy array of exactly the requested shape and dtype, all finite, for
  float32 and float64 and for weights of 1 to 4 axes (a bias, a Dense kernel, convolution kernels;
  sides 1-8, so fan-in and fan-out differ), or of the numbers of axes the initializer declares in
  ``ndims`` (Keras's Identity and Orthogonal need at least 2).
- ``fresh_arrays``: each call returns a new, writeable array. An array kept between calls (a cache)
  would tie together the weights of every layer built with it; a read-only one (``np.broadcast_to``)
  could not be trained.
- ``reproducible``: the values depend only on the config and the state of ``rng``: the same instance
  called again, or a new instance from the same config, with a generator in the same state gives
  identical values. Drawing from NumPy's global generator, or from a generator kept (and advanced)
  between calls, breaks seeded models. Different generators may give equal values (zeros do), so
  nothing is asserted about them.
- ``config_roundtrip``: saved as a model file saves it (registered name and ``get_config()``, as JSON)
  and loaded back, the initializer draws the same values.

A config with a ``seed`` key (Keras's convention: an initializer with its own integer seed) is also
checked with a drawn seed in it.

- ``statistics``: where the initializer declares ``reference_moments(shape) -> (mean, variance)``
  (the distribution it promises, with its fans computed from ``shape`` by the declaration itself),
  the values drawn for a bias, a Dense kernel and 3-D and 4-D convolution kernels have that mean and
  variance, within six standard errors. A wrong fan on 4-D kernels (the receptive field left out of
  fan-out) changes Glorot's variance 2.4-fold there. Without a declaration: a visible skip.
  Where the initializer also declares ``reference_support(shape) -> (low, high)`` (the smallest
  interval its distribution fills: a uniform's bounds, a truncated normal's two standard deviations;
  None for an unbounded one), every value lies in it and some lie within :data:`SUPPORT_REACH` of its
  width from each end. Moments cannot tell a uniform from values of the same variance placed
  elsewhere (a limit 10% too wide with a variance formula to match, draws of only +-sqrt(v)).

Not checked: ``backends``: initial values are made on the host, never on a backend.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import example_configs, make
from ._common import assert_same, check_weight_array, run_hypothesis, saved_and_loaded, weight_ndims


@dataclass(frozen=True)
class Request:
    """One call as a layer makes it: the weight's shape, the compute dtype, the generator's seed."""

    shape: tuple[int, ...]
    dtype: str
    rng_seed: int

    def __call__(self, initializer: Any) -> Any:
        return initializer(self.shape, self.dtype, np.random.default_rng(self.rng_seed))


def _has_seed(initializer: Any) -> bool:
    get_config = getattr(initializer, "get_config", None)
    return callable(get_config) and "seed" in get_config()


def _draw(data: Any, entry: Entry) -> tuple[dict[str, Any], Any, Request]:
    """A config (with a drawn seed when the initializer takes one), its instance, and a call."""
    config = data.draw(s.st.sampled_from(example_configs(entry)), label="config")
    if _has_seed(make(entry, config)):
        seed = data.draw(s.st.none() | s.seeds, label="seed in config")
        if seed is not None:
            config = {**config, "seed": seed}
    initializer = make(entry, config)
    shape = data.draw(s.weight_shapes(weight_ndims(initializer)), label="shape")
    request = Request(shape, data.draw(s.weight_dtypes, label="dtype"), data.draw(s.seeds, label="rng seed"))
    return config, initializer, request


def shape_and_dtype(entry: Entry) -> None:
    def test(data: Any) -> None:
        _, initializer, request = _draw(data, entry)
        check_weight_array(f"the value for shape {request.shape} and dtype {request.dtype}",
                           request(initializer), request.shape, request.dtype)

    run_hypothesis(test)


def fresh_arrays(entry: Entry) -> None:
    def test(data: Any) -> None:
        _, initializer, request = _draw(data, entry)
        first, second = np.asarray(request(initializer)), np.asarray(request(initializer))
        if not first.flags.writeable:
            raise AssertionError("returned a read-only array: optimizers update parameters in place")
        if np.may_share_memory(first, second):
            raise AssertionError("two calls returned arrays sharing memory: every layer built with this "
                                 "initializer would share (and jointly update) its weights")

    run_hypothesis(test)


def reproducible(entry: Entry) -> None:
    def test(data: Any) -> None:
        config, initializer, request = _draw(data, entry)
        first = request(initializer)
        assert_same("calling it again with a generator in the same state (it keeps state between calls, "
                    "or draws from a generator other than `rng`)", request(initializer), first)
        assert_same("a new instance from the same config, with a generator in the same state",
                    request(make(entry, config)), first)

    run_hypothesis(test)


def config_roundtrip(entry: Entry) -> None:
    def test(data: Any) -> None:
        _, initializer, request = _draw(data, entry)
        expected = request(initializer)
        saved, loaded = saved_and_loaded("initializers", initializer)
        assert_same(f"the initializer loaded from {saved!r}, with a generator in the same state",
                    request(loaded), expected)

    run_hypothesis(test)


#: Shapes the statistics are checked on: a bias, a Dense kernel, Conv1D and Conv2D kernels (fans differ
#: from the last two axes only through the receptive field), 2000 to 4608 values each.
STATISTICS_SHAPES: tuple[tuple[int, ...], ...] = ((2000,), (40, 50), (5, 16, 32), (3, 3, 16, 32))
#: Standard errors a sample moment may be off by: a false alarm is a six-sigma event.
SIGMAS = 6.0


def statistics(entry: Entry) -> None:
    from ..instances import ConformanceSkip

    for config in example_configs(entry):
        initializer = make(entry, config)
        declared = getattr(initializer, "reference_moments", None)
        if not callable(declared):
            raise ConformanceSkip("no distribution declared, so nothing checks the values' mean and variance: "
                                  "declare `reference_moments(shape) -> (mean, variance)` (docs/plugins.md, "
                                  "'Declaring a reference')")
        ndims = weight_ndims(initializer)
        for number, shape in enumerate(sh for sh in STATISTICS_SHAPES if len(sh) in ndims):
            rng = np.random.default_rng(1000 + number)
            values = np.asarray(initializer(shape, "float64", rng), dtype=np.float64)
            mean, variance = (float(v) for v in declared(shape))
            n = values.size
            got_mean, got_variance = float(values.mean()), float(values.var())
            spread = SIGMAS * np.sqrt(max(variance, 0.0) / n) + 1e-12 * (1 + abs(mean))
            if abs(got_mean - mean) > spread:
                raise AssertionError(f"the {n} values for shape {shape} (config {config}) have mean {got_mean!r}, "
                                     f"the declared distribution {mean!r} (tolerance {spread:.3g})")
            tolerance = SIGMAS * np.sqrt(2.0 / n) * variance + 1e-12 * (1 + variance)
            if abs(got_variance - variance) > tolerance:
                raise AssertionError(f"the {n} values for shape {shape} (config {config}) have variance "
                                     f"{got_variance!r}, the declared distribution {variance!r} (tolerance "
                                     f"{tolerance:.3g}, {got_variance / variance if variance else float('inf'):.3g} "
                                     f"times the declared value)")
            _check_support(initializer, config, shape, values)


#: How close to each end of a declared support some of the thousands of values must come, as a share
#: of its width: a uniform's 2000 values miss a 2.5% band with probability 1e-22, a 2-sigma truncated
#: normal's (density 0.057 per sigma at the cut) with probability 1e-5, and the generators are seeded.
SUPPORT_REACH = 0.025


def _check_support(initializer: Any, config: dict[str, Any], shape: tuple[int, ...], values: np.ndarray) -> None:
    declared = getattr(initializer, "reference_support", None)
    support = declared(shape) if callable(declared) else None
    if support is None:
        return
    low, high = (float(v) for v in support)
    slack = 1e-12 * (1.0 + abs(low) + abs(high))
    got_low, got_high = float(values.min()), float(values.max())
    where = f"the {values.size} values for shape {shape} (config {config})"
    if got_low < low - slack or got_high > high + slack:
        raise AssertionError(f"{where} range over [{got_low!r}, {got_high!r}], outside the declared support "
                             f"[{low!r}, {high!r}]")
    reach = SUPPORT_REACH * (high - low) + slack
    if got_low > low + reach or got_high < high - reach:
        raise AssertionError(f"{where} range over [{got_low!r}, {got_high!r}] only, never within {SUPPORT_REACH:.1%} "
                             f"of the width of an end of the declared support [{low!r}, {high!r}]: the "
                             f"distribution is narrower than declared")


PROPERTIES = {"shape_and_dtype": shape_and_dtype, "fresh_arrays": fresh_arrays,
              "reproducible": reproducible, "config_roundtrip": config_roundtrip, "statistics": statistics}
