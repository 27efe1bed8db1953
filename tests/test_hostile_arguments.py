"""Bad arguments are refused at construction, as neuropil errors naming the argument, what was
expected and what was received, instead of an AttributeError at the first fit."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from hostile import X, Y
from neuropil.errors import ArgumentError, ArgumentTypeError, NeuropilError
from neuropil.layers import ELU, Activation, Dense, Dropout, Flatten, LeakyReLU, ReLU, Softmax

LAYERS = {"Dense": lambda **kw: Dense(2, **kw), "Dropout": lambda **kw: Dropout(0.2, **kw),
          "Flatten": Flatten, "Softmax": Softmax, "ReLU": ReLU, "ELU": ELU, "LeakyReLU": LeakyReLU,
          "Activation": lambda **kw: Activation("tanh", **kw)}

BASE_ARGUMENTS = [
    ("input_dim", "x"), ("input_dim", 0), ("input_dim", -3), ("input_dim", 2.5), ("input_dim", True),
    ("input_shape", 5.0), ("input_shape", (None, 1)), ("input_shape", (3, 0)), ("input_shape", "3"),
    ("input_shape", (2.0,)), ("input_shape", {"a": 1}),
    ("batch_input_shape", (None, None)), ("batch_input_shape", (4, -1)), ("batch_input_shape", ()),
    ("batch_input_shape", 7.5),
    ("dtype", "complex64"), ("dtype", "int32"), ("dtype", 5), ("dtype", "float99"), ("dtype", []),
    ("name", ""), ("name", 5), ("name", "a/b"), ("name", ["x"]),
    ("trainable", "yes"), ("trainable", None),
]


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("argument,value", BASE_ARGUMENTS, ids=[f"{a}={v!r}" for a, v in BASE_ARGUMENTS])
def test_layer_base_arguments_are_refused_naming_the_argument(layer, argument, value):
    with pytest.raises((ArgumentError, ArgumentTypeError), match=f"{argument}") as info:
        LAYERS[layer](**{argument: value})
    assert repr(value)[:20] in str(info.value) or argument == "batch_input_shape"


@pytest.mark.parametrize("kwargs,declared", [({"input_dim": 4}, (4,)), ({"input_shape": (2, 3)}, (2, 3)),
                                             ({"input_shape": [5]}, (5,)), ({"input_shape": 6}, (6,)),
                                             ({"batch_input_shape": (None, 7)}, (7,)),
                                             ({"batch_input_shape": (32, 2, 2)}, (2, 2)),
                                             ({"input_dim": np.int64(3)}, (3,))])
def test_good_input_shapes_are_accepted_in_each_spelling(kwargs, declared):
    assert Dense(2, **kwargs).declared_input_shape == declared


@pytest.mark.parametrize("dtype,name", [("float64", "float64"), (np.float32, "float32"), ("float16", "float16")])
def test_float_dtypes_are_accepted_and_normalised(dtype, name):
    assert Dense(2, dtype=dtype).dtype == name


@pytest.mark.parametrize("seed", [-4, -1, 2.5, "1", True])
def test_dropout_refuses_bad_seeds_naming_seed(seed):
    with pytest.raises(ArgumentError, match=r"Dropout expects seed .*received seed="):
        Dropout(0.2, seed=seed)


@pytest.mark.parametrize("noise_shape", [1.5, -1, 0, (None, 0), (None, -2), ("a",), (None, 2.5), "ab"])
def test_dropout_refuses_malformed_noise_shapes_at_construction(noise_shape):
    with pytest.raises(NeuropilError, match=r"Dropout expects noise_shape"):
        Dropout(0.2, noise_shape=noise_shape)


def test_dropout_noise_shape_that_cannot_broadcast_is_refused_at_construction_when_the_shape_is_known():
    with pytest.raises(ArgumentError, match=r"noise_shape.*\(None, 7\).*input shape \(3,\)"):
        Dropout(0.2, noise_shape=(None, 7), input_shape=(3,))


def test_dropout_noise_shape_that_cannot_broadcast_is_refused_at_build_not_inside_fit():
    layers = [Dense(3), Dropout(0.2, noise_shape=(None, 7)), Dense(2)]
    with pytest.raises(ArgumentError, match=r"Dropout\) expects noise_shape .*\(None, 7\)"):
        neuropil.Sequential(layers).build((3,))
    with pytest.raises(ArgumentError, match=r"Dropout\) expects noise_shape .*\(None, 7\)"):
        neuropil.Sequential([Dense(3, input_shape=(3,)), Dropout(0.2, noise_shape=(None, 7))])


@pytest.mark.parametrize("noise_shape", [(None, 1), (1, 3), (None, 3), (8, 1)])
def test_dropout_broadcastable_noise_shapes_train(noise_shape):
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(3, input_shape=(3,)), Dropout(0.5, noise_shape=noise_shape), Dense(2)])
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    # the mask is shared along the size-1 axes: dropped entries line up with noise_shape
    model.layers[1].build((3,), model.backend, np.random.default_rng(0))
    y = model.layers[1](np.ones((8, 3), "float32"), training=True)
    if noise_shape[1] == 1:
        assert all(len(set(row)) == 1 for row in np.asarray(y).tolist())
    if noise_shape[0] == 1:
        assert all(len(set(col)) == 1 for col in np.asarray(y).T.tolist())


COMPONENT_ARGUMENTS = ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                       "bias_constraint", "kernel_initializer", "bias_initializer"]


@pytest.mark.parametrize("argument", COMPONENT_ARGUMENTS)
@pytest.mark.parametrize("value", [3, [], 2.5, object(), {"config": {}}, {"class_name": 5}])
def test_dense_component_arguments_resolve_at_construction(argument, value):
    with pytest.raises(ArgumentTypeError, match=f"Dense expects {argument} to be .*received {argument}="):
        Dense(2, **{argument: value})


def test_a_regularizer_must_offer_loss_and_gradient():
    class OnlyCallable:
        def __call__(self, w):
            return 0.0
    with pytest.raises(ArgumentTypeError, match="kernel_regularizer.*loss and gradient"):
        Dense(2, kernel_regularizer=OnlyCallable())


def test_a_config_dict_with_a_bad_config_is_refused():
    with pytest.raises(ArgumentTypeError, match="'config' of regularizer 'l2' must be an object"):
        neuropil.regularizers.get({"class_name": "l2", "config": [0.1]})


@pytest.mark.parametrize("kwargs,argument", [({"optimizer": None, "loss": "mse"}, "optimizer"),
                                             ({"optimizer": "sgd", "loss": None}, "loss"),
                                             ({"optimizer": 5, "loss": "mse"}, "optimizer"),
                                             ({"optimizer": [], "loss": "mse"}, "optimizer"),
                                             ({"optimizer": "sgd", "loss": 3}, "loss")])
def test_compile_refuses_bad_optimizer_or_loss_before_changing_the_model(kwargs, argument):
    model = neuropil.Sequential([Dense(2, input_shape=(3,))])
    model.compile("adam", "mae")
    with pytest.raises(NeuropilError, match=argument):
        model.compile(**kwargs)
    assert model.compiled.optimizer.name == "adam"


def test_compile_refuses_a_loss_that_does_not_reduce():
    model = neuropil.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ArgumentError, match="reduction='none'"):
        model.compile("sgd", neuropil.losses.get("mse", reduction="none"))


@pytest.mark.parametrize("axis", [1.5, "last", None, True])
def test_softmax_axis_must_be_an_integer(axis):
    with pytest.raises(ArgumentError, match=f"Softmax expects axis to be an integer, received axis={axis!r}"):
        Softmax(axis=axis)


def test_softmax_axis_outside_the_input_rank_is_refused_when_built():
    with pytest.raises(ArgumentError, match=r"axis=3 for inputs of rank 2"):
        neuropil.Sequential([Softmax(axis=3, input_shape=(4,))])
