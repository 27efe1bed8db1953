"""neuropil.checks: one wording for every bad argument, naming the component, the argument, what was
expected and what was received; used by the core and the plugins alike."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from neuropil import checks
from neuropil.errors import ArgumentError, ArgumentTypeError, NeuropilError


@pytest.mark.parametrize(("call", "message"), [
    (lambda: checks.number("Dropout", "rate", 1.0, minimum=0, maximum=1, max_inclusive=False),
     "Dropout expects rate to be a finite number in [0, 1), received rate=1.0"),
    (lambda: checks.number("Owner", "x", float("nan")), "Owner expects x to be a finite number, received x=nan"),
    (lambda: checks.number("Owner", "x", 0.0, minimum=0, min_inclusive=False),
     "Owner expects x to be a finite number > 0, received x=0.0"),
    (lambda: checks.integer("Dense", "units", 0, minimum=1),
     "Dense expects units to be a positive integer, received units=0"),
    (lambda: checks.integer("Owner", "n", 7, minimum=1, maximum=5),
     "Owner expects n to be an integer in [1, 5], received n=7"),
    (lambda: checks.one_of("Conv2D", "padding", "full", ("valid", "same")),
     "Conv2D expects padding to be one of 'valid', 'same', received padding='full'"),
    (lambda: checks.shape("Reshape", "target_shape", (2, 0)),
     "Reshape expects target_shape to hold integers >= 1, received target_shape=(2, 0)"),
    (lambda: checks.int_tuple("Conv2D", "strides", (1, 2, 3), 2),
     "Conv2D expects strides to have 2 entries, received strides=(1, 2, 3)"),
])
def test_a_bad_value_is_an_argument_error_naming_owner_argument_expected_and_received(call, message):
    with pytest.raises(ArgumentError) as caught:
        call()
    assert str(caught.value) == message
    assert isinstance(caught.value, NeuropilError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: checks.number("ELU", "alpha", "1"), "ELU expects alpha to be a finite number, received alpha='1'"),
    (lambda: checks.number("Owner", "x", True), "Owner expects x to be a finite number, received x=True"),
    (lambda: checks.integer("fit", "epochs", 2.0, minimum=0),
     "fit expects epochs to be a non-negative integer, received epochs=2.0"),
    (lambda: checks.boolean("Dense", "use_bias", "False"),
     "Dense expects use_bias to be True or False, received use_bias='False'"),
    (lambda: checks.instance("compile", "metrics", "acc", list, what="a list"),
     "compile expects metrics to be a list, received metrics='acc' (str)"),
])
def test_a_value_of_the_wrong_kind_is_both_a_type_error_and_a_value_error(call, message):
    with pytest.raises(ArgumentTypeError) as caught:
        call()
    assert str(caught.value) == message
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)


def test_checks_return_the_normalised_value():
    assert checks.number("O", "x", np.float32(0.5)) == 0.5 and type(checks.number("O", "x", 1)) is float
    assert checks.integer("O", "n", np.int64(3)) == 3 and type(checks.integer("O", "n", np.int64(3))) is int
    assert checks.int_tuple("Conv2D", "kernel_size", 3, 2) == (3, 3)
    assert checks.shape("Input", "shape", [None, 4], allow_none=True) == (None, 4)
    assert checks.one_of("O", "mode", "MAX", ("min", "max"), normalise=True) == "max"


@pytest.mark.parametrize(("make", "message"), [
    (lambda: neuropil.optimizers.get("adam", beta_1=1.5),
     "Adam expects beta_1 to be a finite number in [0, 1)"),
    (lambda: neuropil.optimizers.get("adamw", beta_2=-0.1),
     "AdamW expects beta_2 to be a finite number in [0, 1)"),
    (lambda: neuropil.optimizers.get("sgd", momentum=2),
     "SGD expects momentum to be a finite number in [0, 1]"),
    (lambda: neuropil.regularizers.get("l1_l2", l1=-1),
     "L1L2 expects l1 to be a finite number >= 0"),
    (lambda: neuropil.layers.ReLU(negative_slope=-1),
     "ReLU expects negative_slope to be a finite number >= 0"),
])
def test_standard_components_check_through_the_shared_module(make, message):
    with pytest.raises(ArgumentError) as caught:
        make()
    assert str(caught.value).startswith(message)
