"""The options every optimizer shares (Keras 3's base optimizer): weight-decay exclusions, the moving
average of the weights (EMA) and its use by ``fit``, gradient accumulation, clipping, 0-d parameters,
and state that survives saving. References are written out in float64 below."""
from __future__ import annotations

import neuropil
import neuropil.optimizers
import numpy as np
import pytest
from neuropil.errors import ArgumentError
from neuropil.layers import Dense
from neuropil.models import load_model

ALL = ["SGD", "Adagrad", "Adadelta", "Adam", "AdamW", "RMSprop", "Nadam", "Adamax", "Ftrl", "Lion", "Adafactor",
       "Lamb"]


def grads(t: int, shape: tuple[int, ...] = (3, 2)) -> np.ndarray:
    return np.random.default_rng(10 + t).normal(size=shape)


# -- weight decay ---------------------------------------------------------------------------------

def test_excluded_parameters_are_not_decayed_and_the_others_are() -> None:
    optimizer = neuropil.optimizers.get("SGD", learning_rate=0.1, weight_decay=0.5)
    kernel, bias, other = np.ones(3), np.ones(3), np.ones(3)
    optimizer.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = np.zeros(3)
    optimizer.apply_gradients([("dense/kernel", kernel, zero), ("dense/bias", bias, zero), ("d2/k", other, zero)])
    np.testing.assert_allclose(kernel, 1 - 0.5 * 0.1)  # p - p·wd·lr
    np.testing.assert_array_equal(bias, 1.0)
    np.testing.assert_array_equal(other, 1.0)


def test_exclusions_must_come_before_the_first_update() -> None:
    optimizer = neuropil.optimizers.get("Adam", weight_decay=0.1)
    optimizer.apply_gradients([("w", np.ones(2), np.ones(2))])
    with pytest.raises(ArgumentError, match="exclude_from_weight_decay.*before"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])


def test_exclusions_given_as_one_string_or_one_array_are_refused() -> None:
    """Iterating "bias" would exclude every key containing a 'b', 'i', 'a' or 's'."""
    optimizer = neuropil.optimizers.get("AdamW")
    with pytest.raises(TypeError, match="exclude_from_weight_decay.*lists.*var_names='bias'"):
        optimizer.exclude_from_weight_decay(var_names="bias")
    with pytest.raises(TypeError, match="exclude_from_weight_decay.*lists"):
        optimizer.exclude_from_weight_decay(var_list=np.ones(3))


def test_adamw_without_weight_decay_is_refused() -> None:
    with pytest.raises(ArgumentError, match=r"AdamW expects weight_decay .*received weight_decay=None"):
        neuropil.optimizers.get("AdamW", weight_decay=None)


# -- EMA ------------------------------------------------------------------------------------------

def sgd_with_ema(lr: float, momentum: float, steps: int, overwrite: int | None = None) -> tuple[list, list]:
    """Float64 replay of Keras: SGD step, then ``avg = m·avg + (1-m)·p`` (avg = p at the first step),
    then every ``overwrite`` steps p = avg. Returns the parameter and the average after each step."""
    p = np.ones((3, 2))
    average = None
    ps, averages = [], []
    for t in range(1, steps + 1):
        p = p - lr * grads(t)
        average = p.copy() if average is None else momentum * average + (1 - momentum) * p
        if overwrite and t % overwrite == 0:
            p = average.copy()
        ps.append(p)
        averages.append(average)
    return ps, averages


@pytest.mark.parametrize("overwrite", [None, 2])
def test_ema_tracks_the_moving_average_and_overwrites_on_schedule(overwrite: int | None) -> None:
    optimizer = neuropil.optimizers.get("SGD", learning_rate=0.1, use_ema=True, ema_momentum=0.7,
                                        ema_overwrite_frequency=overwrite)
    w = np.ones((3, 2))
    expected_p, expected_average = sgd_with_ema(0.1, 0.7, 5, overwrite)
    for t in range(1, 6):
        optimizer.apply_gradients([("w", w, grads(t))])
        np.testing.assert_allclose(w, expected_p[t - 1], rtol=1e-12, err_msg=f"step {t}")
        np.testing.assert_allclose(optimizer.averages["w"], expected_average[t - 1], rtol=1e-12)
    optimizer.finalize_variable_values({"w": w})
    np.testing.assert_allclose(w, expected_average[-1], rtol=1e-12)


def test_finalize_leaves_weights_alone_without_ema() -> None:
    optimizer = neuropil.optimizers.get("Adam")
    w = np.ones(3)
    optimizer.apply_gradients([("w", w, np.ones(3))])
    before = w.copy()
    optimizer.finalize_variable_values([("w", w)])
    np.testing.assert_array_equal(w, before)


def small_model(optimizer: object, seed: int = 3) -> neuropil.Sequential:
    neuropil.utils.set_random_seed(seed)
    model = neuropil.Sequential([Dense(4, input_shape=(3,), name="d")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_fit_ends_with_the_moving_average_of_the_weights() -> None:
    """Keras's fit calls finalize_variable_values: the model keeps the EMA, computed here by replaying
    the same steps with plain SGD (train_on_batch) and averaging the weights in float64."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 3)).astype("float32"), rng.normal(size=(24, 4)).astype("float32")
    model = small_model(neuropil.optimizers.get("SGD", learning_rate=0.05, use_ema=True, ema_momentum=0.6))
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    replay = small_model(neuropil.optimizers.get("SGD", learning_rate=0.05))
    averages = None
    for _ in range(2):
        for start in range(0, 24, 8):
            replay.train_on_batch(x[start:start + 8], y[start:start + 8])
            now = [np.asarray(w, dtype=np.float64) for w in replay.get_weights()]
            averages = now if averages is None else [0.6 * a + 0.4 * w for a, w in zip(averages, now)]
    assert averages is not None
    for got, expected, trained in zip(model.get_weights(), averages, replay.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        assert not np.allclose(got, trained)  # the average, not the last weights


# -- gradient accumulation ---------------------------------------------------------------------------

def test_gradient_accumulation_updates_every_n_calls_with_the_mean_gradient() -> None:
    accumulating = neuropil.optimizers.get("Adam", learning_rate=0.1, gradient_accumulation_steps=3)
    plain = neuropil.optimizers.get("Adam", learning_rate=0.1)
    w, reference = np.ones((3, 2)), np.ones((3, 2))
    for block in range(2):
        before = w.copy()
        block_grads = [grads(3 * block + i) for i in range(3)]
        for i, g in enumerate(block_grads):
            accumulating.apply_gradients([("w", w, g)])
            if i < 2:
                np.testing.assert_array_equal(w, before)  # nothing moves between updates
        plain.apply_gradients([("w", reference, sum(block_grads) / 3)])
        np.testing.assert_allclose(w, reference, rtol=1e-12)
    assert accumulating.iterations == 2  # Keras counts updates, not calls


def test_schedules_see_calls_under_gradient_accumulation() -> None:
    """Keras: schedules look at the real call count, bias corrections at the update count."""
    seen: list[int] = []
    optimizer = neuropil.optimizers.get("SGD", learning_rate=lambda i: seen.append(i) or 0.1,
                                        gradient_accumulation_steps=2)
    w = np.zeros(2)
    for _ in range(4):
        optimizer.apply_gradients([("w", w, np.ones(2))])
    assert seen[-2:] == [1, 3]  # the rates of the two updates: at calls 1 and 3 (0-based)
    np.testing.assert_allclose(w, -0.2)


def test_accumulation_and_ema_state_resume_the_same_trajectory() -> None:
    config = {"learning_rate": 0.05, "gradient_accumulation_steps": 2, "use_ema": True, "ema_momentum": 0.8}
    straight = neuropil.optimizers.get("Adam", **config)
    w = np.ones((3, 2))
    for t in range(7):
        straight.apply_gradients([("w", w, grads(t))])
    first = neuropil.optimizers.get("Adam", **config)
    resumed = np.ones((3, 2))
    for t in range(3):  # stop mid-accumulation
        first.apply_gradients([("w", resumed, grads(t))])
    state = {k: np.array(v, copy=True) for k, v in first.get_state().items()}
    assert {"w/average", "w/gradient_accumulator"} <= set(state)
    second = neuropil.optimizers.get("Adam", **config)
    second.set_state(state, like={"w": resumed})
    for t in range(3, 7):
        second.apply_gradients([("w", resumed, grads(t))])
    np.testing.assert_allclose(resumed, w, rtol=1e-12)
    np.testing.assert_allclose(second.averages["w"], straight.averages["w"], rtol=1e-12)


def test_a_saved_model_keeps_the_moving_averages(tmp_path) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 4)).astype("float32")
    model = small_model(neuropil.optimizers.get("Lion", use_ema=True, ema_momentum=0.9))
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    optimizer = loaded.compiled.optimizer
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    for key, average in model.compiled.optimizer.averages.items():
        np.testing.assert_array_equal(np.asarray(optimizer.averages[key]), np.asarray(average))


# -- clipping -------------------------------------------------------------------------------------

def test_global_clipnorm_scales_all_gradients_by_one_factor() -> None:
    optimizer = neuropil.optimizers.get("SGD", learning_rate=1.0, global_clipnorm=1.0)
    a, b = np.zeros(2), np.zeros(1)
    ga, gb = np.array([3.0, 0.0]), np.array([4.0])  # global norm 5
    optimizer.apply_gradients([("a", a, ga), ("b", b, gb)])
    np.testing.assert_allclose(a, [-0.6, 0.0])
    np.testing.assert_allclose(b, [-0.8])


def test_only_one_clipping_option_is_accepted() -> None:
    with pytest.raises(ArgumentError, match="at most one of clipnorm, clipvalue and global_clipnorm"):
        neuropil.optimizers.get("Adam", clipnorm=1.0, global_clipnorm=1.0)


@pytest.mark.parametrize("argument, bad", [("gradient_accumulation_steps", 1), ("ema_momentum", 1.5),
                                           ("ema_overwrite_frequency", 0), ("use_ema", "yes")])
def test_bad_shared_options_fail_at_construction(argument: str, bad: object) -> None:
    with pytest.raises((ValueError, TypeError), match=rf"Adam expects {argument} .*received {argument}="):
        neuropil.optimizers.get("Adam", **{argument: bad})


# -- shapes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_a_0d_parameter_updates_like_a_one_element_vector(name: str) -> None:
    scalar_opt, vector_opt = neuropil.optimizers.get(name), neuropil.optimizers.get(name)
    scalar, vector = np.array(0.7), np.array([0.7])
    for t in range(4):
        g = grads(t, (1,))
        scalar_opt.apply_gradients([("w", scalar, g.reshape(()))])
        vector_opt.apply_gradients([("w", vector, g)])
    assert scalar.shape == ()
    assert float(scalar) == pytest.approx(float(vector[0]), rel=1e-12)
    assert float(scalar) != 0.7
    restored = neuropil.optimizers.get(name)
    restored.set_state(scalar_opt.get_state(), like={"w": scalar})  # 0-d slots load back


@pytest.mark.parametrize("name", ALL)
def test_float32_parameters_and_slots_stay_float32_and_gradients_are_untouched(name: str) -> None:
    optimizer = neuropil.optimizers.get(name, use_ema=True, gradient_accumulation_steps=2)
    param = np.ones((3, 2), dtype="float32")
    grad = np.full((3, 2), 0.5, dtype="float32")
    for _ in range(4):
        optimizer.apply_gradients([("w", param, grad)])
    assert param.dtype == np.float32
    state = optimizer.get_state()
    assert all(np.asarray(v).dtype == np.float32 for k, v in state.items() if k != "iterations"), state
    np.testing.assert_array_equal(grad, 0.5)


def test_fit_with_excluded_bias_decays_only_the_kernel() -> None:
    """Zero inputs and targets equal to the initial bias: no data gradient, so weight decay alone moves
    the kernel, by (1 - wd·lr) per step, and the excluded bias stays put."""
    optimizer = neuropil.optimizers.get("SGD", learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(2, input_shape=(3,), bias_initializer="ones", name="d")])
    model.compile(optimizer=optimizer, loss="mse")
    kernel_before = np.array(model.layers[0].params["kernel"], dtype=np.float64)
    model.fit(np.zeros((8, 3), "float32"), np.ones((8, 2), "float32"), batch_size=4, epochs=2, verbose=0)
    np.testing.assert_allclose(model.layers[0].params["kernel"], kernel_before * (1 - 0.5 * 0.1) ** 4, rtol=1e-5)
    np.testing.assert_array_equal(model.layers[0].params["bias"], 1.0)


def test_ema_resumed_from_a_state_without_averages_starts_at_the_weights() -> None:
    plain = neuropil.optimizers.get("Adam")
    w = np.ones(3)
    plain.apply_gradients([("w", w, np.ones(3))])
    averaging = neuropil.optimizers.get("Adam", use_ema=True, ema_momentum=0.9)
    averaging.set_state(plain.get_state(), like={"w": w})
    averaging.apply_gradients([("w", w, np.ones(3))])
    np.testing.assert_allclose(averaging.averages["w"], w, rtol=1e-15)  # a zero start would give 0.1·w
