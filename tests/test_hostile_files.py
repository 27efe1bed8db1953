"""Hostile model, weights and backup files: each class of attack fails as a neuropil error that names
what was wrong, and a failed load changes nothing. (Mutation-driven tests: test_hostile_mutations.py;
memory and time: test_hostile_resources.py.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import neuropil
import numpy as np
import pytest
from hostile import (
    X,
    Y,
    assert_unchanged,
    edit_config,
    edit_header,
    edit_tensors,
    read,
    rewrite,
    small_model,
    weights_of,
)
from neuropil.callbacks import BackupAndRestore
from neuropil.errors import NeuropilError
from neuropil.models import load_model
from neuropil.saving import SavedFileError


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.safetensors"
    small_model().save(path)
    return path


def first_dense(doc: dict) -> dict:
    return doc["model"]["config"]["layers"][0]["config"]


# -- 1. the config drives allocation ------------------------------------------------------------
def test_config_declaring_a_huge_layer_is_refused_at_its_first_weight_before_allocating(saved):
    def mutate(doc):
        first_dense(doc).update(units=20000, input_shape=[20000])
        doc["model"]["config"]["build_input_shape"] = [20000]
    edit_config(saved, mutate)
    assert saved.stat().st_size < 10_000
    with pytest.raises(SavedFileError, match=r"weight 'kernel' has shape \(20000, 20000\) by its saved config, "
                                             r"but .* holds shape \(3, 4\)"):
        load_model(saved)


def test_config_asking_for_a_weight_the_file_lacks_is_refused(saved):
    edit_config(saved, lambda doc: doc["model"]["config"]["layers"][1].update(
        class_name="Dense", config={"name": "drop", "units": 50000}))
    with pytest.raises(SavedFileError, match=r"no weight 'drop/kernel' for layer 'drop'.*shape \(4, 50000\)"):
        load_model(saved)


# -- 2. Python and NumPy exceptions never escape ------------------------------------------------
def _set_rng(value):
    def mutate(doc):
        doc["rng"]["drop"]["_rng"] = value
    return mutate


def _set_pcg_state(key, value):
    def mutate(doc):
        doc["rng"]["drop"]["_rng"]["state"][key] = value
    return mutate


CONFIG_ATTACKS = {
    "infinite build shape": (lambda d: d["model"]["config"].update(build_input_shape=[float("inf")]),
                             "build_input_shape"),
    "infinite input_shape": (lambda d: first_dense(d).update(input_shape=[float("inf")]), "input_shape"),
    "infinite units": (lambda d: first_dense(d).update(units=float("inf")), "units"),
    "oversized PCG64 state": (_set_pcg_state("state", 2**200), "drop._rng"),
    "oversized PCG64 increment": (_set_pcg_state("inc", -(2**300)), "drop._rng"),
    "random state of the wrong type": (_set_rng([1, 2, 3]), "drop._rng"),
    "random state a string": (_set_rng("PCG64"), "drop._rng"),
    "random state of another generator": (_set_rng({"bit_generator": "MT19937", "state": {}}), "PCG64"),
    "layer random states not an object": (lambda d: d["rng"].update(drop=[]), "rng"),
    "initializer []": (lambda d: first_dense(d).update(kernel_initializer=[]), "kernel_initializer"),
    "initializer 7": (lambda d: first_dense(d).update(bias_initializer=7), "bias_initializer"),
    "config a list": (lambda d: d["model"]["config"]["layers"][0].update(config=[1]), "layer #0"),
    "name a number": (lambda d: first_dense(d).update(name=5), "name"),
    "dtype nonsense": (lambda d: first_dense(d).update(dtype="complex1024"), "dtype"),
    "model name a list": (lambda d: d["model"]["config"].update(name=[]), "model name"),
    "optimizer config a string": (lambda d: d["compile"]["optimizer"].update(config="adam"), "optimizer"),
    "learning rate infinite": (lambda d: d["compile"]["optimizer"]["config"].update(learning_rate=float("inf")),
                               "learning_rate"),
}


@pytest.mark.parametrize("attack", sorted(CONFIG_ATTACKS))
def test_hostile_config_values_fail_as_saved_file_errors_naming_them(saved, attack):
    mutate, named = CONFIG_ATTACKS[attack]
    edit_config(saved, mutate)
    with pytest.raises(SavedFileError, match=named):
        load_model(saved)


def test_zero_sized_tensor_with_a_2_to_70_dimension_is_refused(saved):
    def mutate(header):
        header["weights/d0/extra"] = {"dtype": "F32", "shape": [0, 2**70], "data_offsets": [0, 0]}
    edit_header(saved, mutate)
    with pytest.raises(SavedFileError, match=r"weights/d0/extra.*shape"):
        load_model(saved)
    with pytest.raises(SavedFileError, match=r"weights/d0/extra.*shape"):
        small_model().load_weights(saved)


def test_infinity_in_a_header_shape_is_refused(saved):
    def mutate(header):
        header["weights/d0/bias"]["shape"] = [float("inf")]
    edit_header(saved, mutate)
    with pytest.raises(SavedFileError, match=r"weights/d0/bias.*shape \[inf\]"):
        load_model(saved)


@pytest.mark.parametrize("value", [np.float64("inf"), np.float64("nan"), np.int64(-2000), np.float64(2.5),
                                   np.int64(2**60), np.zeros(3, "int64")])
def test_saved_iteration_counts_must_be_whole_numbers_in_range(saved, value):
    edit_tensors(saved, lambda t: t.update({"optimizer/iterations": np.asarray(value)}))
    with pytest.raises(SavedFileError, match="optimizer iterations"):
        load_model(saved)


def test_deeply_nested_weights_file_metadata_is_a_saved_file_error(tmp_path):
    model = small_model()
    path = tmp_path / "w.safetensors"
    model.save_weights(path)
    metadata, tensors = read(path)
    metadata["layers"] = "[" * 100_000 + "]" * 100_000
    rewrite(path, metadata, tensors)
    before = weights_of(model)
    with pytest.raises(SavedFileError, match="layer order"):
        model.load_weights(path)
    assert_unchanged(model, before)


@pytest.mark.parametrize("order", ['{"a": 1}', '"d0"', "[1, 2]"])
def test_weights_file_layer_order_of_the_wrong_type_is_refused(tmp_path, order):
    model = small_model()
    path = tmp_path / "w.safetensors"
    model.save_weights(path)
    metadata, tensors = read(path)
    metadata["layers"] = order
    rewrite(path, metadata, tensors)
    with pytest.raises(SavedFileError, match="layer order .* list of layer names"):
        model.load_weights(path)


def test_too_many_json_values_are_refused_before_parsing(saved):
    edit_config(saved, lambda doc: doc.update(padding=[0] * 250_000))
    with pytest.raises(SavedFileError, match="JSON values, more than the limit"):
        load_model(saved)


def test_a_missing_file_is_both_a_saved_file_error_and_a_file_not_found_error(tmp_path):
    with pytest.raises(SavedFileError) as info:
        load_model(tmp_path / "nothing.safetensors")
    assert isinstance(info.value, FileNotFoundError)


# -- 3. files that load must train --------------------------------------------------------------
@pytest.mark.parametrize("argument,value", [("kernel_regularizer", []), ("bias_regularizer", 5),
                                            ("kernel_constraint", 5), ("bias_constraint", [1]),
                                            ("activity_regularizer", "no_such_regularizer")])
def test_config_with_unusable_regularizer_or_constraint_is_refused_on_load(saved, argument, value):
    edit_config(saved, lambda doc: first_dense(doc).update({argument: value}))
    with pytest.raises(NeuropilError, match=argument if argument != "activity_regularizer" else "regularizer"):
        load_model(saved)


def test_amsgrad_config_over_state_saved_without_it_is_refused(saved):
    edit_config(saved, lambda doc: doc["compile"]["optimizer"]["config"].update(amsgrad=True))
    with pytest.raises(SavedFileError, match=r"lacks slot 'velocity_hat'.*does not match the state saved"):
        load_model(saved)
    assert load_model(saved, compile=False).built  # the architecture alone is fine


def test_state_saved_with_amsgrad_under_a_config_without_it_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    small_model(neuropil.optimizers.get("adam", amsgrad=True)).save(path)
    edit_config(path, lambda doc: doc["compile"]["optimizer"]["config"].update(amsgrad=False))
    with pytest.raises(SavedFileError, match="velocity_hat"):
        load_model(path)


@pytest.mark.parametrize("old,new", [("optimizer/", "optymizer/"), ("weights/", "weightz/"),
                                     ("optimizer/iterations", "iterations")])
def test_tensor_with_a_corrupted_prefix_is_refused_not_dropped(saved, old, new):
    edit_tensors(saved, lambda t: t.update({k.replace(old, new, 1): t.pop(k) for k in
                                            [k for k in list(t) if k.startswith(old)][:1]}))
    with pytest.raises(SavedFileError, match=f"tensors outside.*{new}"):
        load_model(saved)


def test_a_loss_config_that_cannot_train_is_refused_on_load(saved):
    edit_config(saved, lambda doc: doc["compile"]["loss"]["config"].update(reduction=None))
    with pytest.raises(SavedFileError, match="compile settings in .* reduction='none'"):
        load_model(saved)


def test_optimizer_state_without_compile_settings_is_refused(saved):
    edit_config(saved, lambda doc: doc.update(compile=None))
    with pytest.raises(SavedFileError, match="optimizer state but no compile settings"):
        load_model(saved)


def test_a_loaded_model_trains(saved):
    model = load_model(saved)
    before = model.evaluate(X, Y, verbose=0)
    model.fit(X, Y, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(X, Y, verbose=0) < before


# -- backups ------------------------------------------------------------------------------------
def backup_after(tmp_path: Path, epochs: int) -> tuple[neuropil.Sequential, Path]:
    model = small_model()
    callback = BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)
    model.fit(X, Y, epochs=epochs, batch_size=4, verbose=0, callbacks=[callback])
    return model, callback.path


def edit_backup_state(path: Path, mutate) -> None:
    metadata, tensors = read(path)
    info = json.loads(metadata["state"])
    mutate(info)
    metadata["state"] = json.dumps(info)
    rewrite(path, metadata, tensors)


@pytest.mark.parametrize("field,value,message", [
    ("epoch", -5, "epoch -5"), ("epoch", 1.5, "epoch 1.5"), ("epoch", 2**70, "epoch"),
    ("learning_rate", -1.0, "learning_rate -1.0"), ("learning_rate", "fast", "learning_rate 'fast'"),
    ("layers", [1, 2, 3], "layer names"), ("rng", [], "random streams"),
])
def test_hostile_backup_state_is_refused_and_changes_nothing(tmp_path, field, value, message):
    _, path = backup_after(tmp_path, 2)
    edit_backup_state(path, lambda info: info.update({field: value}))
    model = small_model()
    before, iterations = weights_of(model), model.compiled.optimizer.iterations
    epochs_run = []
    callback = neuropil.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch))
    with pytest.raises(SavedFileError, match=message):
        model.fit(X, Y, epochs=3, verbose=0, callbacks=[BackupAndRestore(path.parent), callback])
    assert epochs_run == []
    assert_unchanged(model, before)
    assert model.compiled.optimizer.iterations == iterations


def test_backup_with_a_bad_random_state_rolls_back_weights_and_optimizer(tmp_path):
    _, path = backup_after(tmp_path, 2)
    edit_backup_state(path, lambda info: info["rng"]["layers"]["drop"]["_rng"]["state"].update(state=-1))
    model = small_model()
    before = weights_of(model)
    slots = {k: np.array(v) for k, v in model.compiled.optimizer.get_state().items()}
    with pytest.raises(SavedFileError, match="random"):
        model.fit(X, Y, epochs=3, verbose=0, callbacks=[BackupAndRestore(path.parent)])
    assert_unchanged(model, before)
    for key, value in model.compiled.optimizer.get_state().items():
        np.testing.assert_array_equal(np.asarray(value), slots[key])


def test_backup_with_a_corrupted_tensor_prefix_is_refused(tmp_path):
    _, path = backup_after(tmp_path, 1)
    edit_tensors(path, lambda t: t.update({"optymizer/iterations": t.pop("optimizer/iterations")}))
    with pytest.raises(SavedFileError, match="optymizer"):
        small_model().fit(X, Y, epochs=2, verbose=0, callbacks=[BackupAndRestore(path.parent)])


# -- 4. resources -------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_model_is_refused_at_once(tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    script = textwrap.dedent(f"""
        import neuropil
        from neuropil.saving import SavedFileError
        model = neuropil.Sequential([neuropil.layers.Dense(1, input_shape=(2,))])
        for load in (neuropil.models.load_model, model.load_weights):
            try:
                load({str(fifo)!r})
            except SavedFileError as exc:
                print("refused:", exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("is a FIFO (named pipe), not a regular file") == 2


def test_a_directory_named_like_a_model_is_refused(tmp_path):
    folder = tmp_path / "model.safetensors"
    folder.mkdir()
    with pytest.raises(SavedFileError, match="directory"):
        load_model(folder)


def test_save_removes_temporaries_left_by_dead_writers_and_keeps_live_ones(tmp_path):
    target = tmp_path / "model.safetensors"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".model.safetensors.{dead.pid}.abc123.tmp"
        kept = tmp_path / f".model.safetensors.{live.pid}.def456.tmp"
        other = tmp_path / f".other.safetensors.{dead.pid}.abc123.tmp"
        legacy_old, legacy_new = tmp_path / ".model.safetensors.x1y2z3.tmp", tmp_path / ".model.safetensors.q9.tmp"
        for path in (stale, kept, other, legacy_old, legacy_new):
            path.write_bytes(b"partial")
        os.utime(legacy_old, (0, 0))
        small_model().save(target)
        assert not stale.exists() and not legacy_old.exists()
        assert kept.exists() and other.exists() and legacy_new.exists()
        assert load_model(target).built
    finally:
        live.kill()
        live.wait()


def test_a_save_killed_midway_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    target = tmp_path / "model.safetensors"
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from hostile import small_model
        os.replace = lambda *a: (print("writing", flush=True), time.sleep(60))
        small_model().save({str(target)!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.kill()
        child.wait()
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and not target.exists()
    small_model().save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_a_failed_load_leaves_the_global_random_stream_where_it_was(saved):
    edit_config(saved, lambda doc: doc["model"]["config"]["layers"][2]["config"].update(units=3))
    state = neuropil.utils.global_rng().bit_generator.state
    with pytest.raises(SavedFileError, match=r"'d1'.*\(4, 3\) by its saved config"):
        load_model(saved)
    assert neuropil.utils.global_rng().bit_generator.state == state
