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

Not checked: the distribution. Nothing in the contract declares one, so a generic check could only
guess; the standard plugin tests its Keras formulas (Glorot, He, LeCun variances) in its own tests.
Nor ``backends``: initial values are made on the host, never on a backend.
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


PROPERTIES = {"shape_and_dtype": shape_and_dtype, "fresh_arrays": fresh_arrays,
              "reproducible": reproducible, "config_roundtrip": config_roundtrip}
