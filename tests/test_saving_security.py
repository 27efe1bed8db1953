"""Hostile and broken files are refused with a clear error; nothing in them runs, nothing huge is allocated."""
from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import neuropil
import numpy as np
import pytest
from neuropil.errors import UnknownComponentError
from neuropil.layers import Dense
from neuropil.models import load_model
from neuropil.saving import MissingPluginError, SavedFileError


def small_model() -> neuropil.Sequential:
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(3, input_shape=(2,), name="d0"), Dense(1, name="d1")])
    model.compile("sgd", "mse")
    return model


def write_raw(path: Path, header: dict, body: bytes = b"") -> None:
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + body)


def model_file_with_config(path: Path, mutate) -> None:
    """A real model file whose JSON config ``mutate`` edits (what an attacker would hand-craft)."""
    small_model().save(path)
    from neuropil.saving.safetensors_io import SafetensorsFile, write

    with SafetensorsFile(path) as f:
        metadata, tensors = dict(f.metadata), f.read_all()
    doc = json.loads(metadata["config"])
    mutate(doc)
    metadata["config"] = json.dumps(doc)
    with open(path, "wb") as stream:
        write(stream, tensors, metadata)


class Payload:
    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self):
        return (os.system, (f"touch {self.sentinel}",))


def test_pickle_payload_is_refused_and_never_run(tmp_path):
    sentinel = tmp_path / "PWNED"
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps({"weights": Payload(sentinel)}))
    with pytest.raises(SavedFileError, match="not a valid safetensors file.*header declares"):
        load_model(path)
    with pytest.raises(SavedFileError):
        small_model().load_weights(path)
    assert not sentinel.exists()


@pytest.mark.parametrize("class_name", ["os.system", "builtins.eval", "subprocess.Popen", "builtins:eval",
                                        "__import__"])
def test_config_naming_arbitrary_callables_resolves_only_through_registries(tmp_path, class_name):
    sentinel = tmp_path / "PWNED"
    path = tmp_path / "m.safetensors"

    def mutate(doc):
        doc["model"]["config"]["layers"][0] = {"class_name": class_name,
                                               "config": {"command": f"touch {sentinel}", "source": "1"}}
    model_file_with_config(path, mutate)
    with pytest.raises(UnknownComponentError, match="no installed plugin provides"):
        load_model(path)
    assert not sentinel.exists()


def test_config_naming_arbitrary_optimizer_or_loss_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    model_file_with_config(path, lambda doc: doc["compile"]["loss"].update(class_name="posix.system"))
    with pytest.raises(UnknownComponentError, match="'posix.system'"):
        load_model(path)


def test_config_with_wrong_structure_says_what_was_expected(tmp_path):
    path = tmp_path / "m.safetensors"
    model_file_with_config(path, lambda doc: doc["model"].update(class_name="Subclassed"))
    with pytest.raises(SavedFileError, match="'model' must be .*Sequential"):
        load_model(path)
    model_file_with_config(path, lambda doc: doc["model"].update(class_name="Functional"))
    with pytest.raises(SavedFileError, match="layer #0 must be an object with 'name' and an 'inbound_nodes'"):
        load_model(path)
    model_file_with_config(path, lambda doc: doc.update(format_version=99))
    with pytest.raises(SavedFileError, match="format version 99 is not supported"):
        load_model(path)


def test_layer_config_with_unexpected_arguments_is_a_clear_error(tmp_path):
    path = tmp_path / "m.safetensors"
    model_file_with_config(path, lambda doc: doc["model"]["config"]["layers"][0]["config"].update(evil=1))
    with pytest.raises(SavedFileError, match="could not rebuild layer #0 .*'Dense'.*evil"):
        load_model(path)


def test_enormous_declared_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "w.safetensors"
    huge = [2**20, 2**20, 2**20]  # 4 EiB of float32
    write_raw(path, {"d0/kernel": {"dtype": "F32", "shape": huge, "data_offsets": [0, 4 * 2**60]}}, b"\0" * 16)
    with pytest.raises(SavedFileError, match="spans bytes 0..4611686018427387904 of a 16-byte data section"):
        small_model().load_weights(path)
    write_raw(path, {"d0/kernel": {"dtype": "F32", "shape": huge, "data_offsets": [0, 16]}}, b"\0" * 16)
    with pytest.raises(SavedFileError, match=r"declares shape \(1048576, 1048576, 1048576\)"):
        small_model().load_weights(path)


def test_enormous_header_length_is_refused_unread(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    with pytest.raises(SavedFileError, match="header declares 4611686018427387904 bytes"):
        load_model(path)


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    small_model().save(path)
    data = path.read_bytes()
    path.write_bytes(data[:-5])
    with pytest.raises(SavedFileError, match="truncated"):
        load_model(path)
    path.write_bytes(data[:6])
    with pytest.raises(SavedFileError, match="fewer than the 8-byte header length"):
        load_model(path)


@pytest.mark.parametrize("header, message", [
    ({"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, "dtype 'BF16'"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, "non-negative integers"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, "overlaps"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": 1}}, "exactly dtype, shape"),
    ([1, 2], "JSON object"),
])
def test_malformed_headers_are_refused(tmp_path, header, message):
    path = tmp_path / "w.safetensors"
    write_raw(path, header, b"\0" * 8)
    with pytest.raises(SavedFileError, match=message):
        small_model().load_weights(path)


def test_duplicate_keys_in_header_are_refused(tmp_path):
    path = tmp_path / "w.safetensors"
    raw = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 4)
    with pytest.raises(SavedFileError, match="duplicate key 'a'"):
        small_model().load_weights(path)


# -- crash in the middle of a save --------------------------------------------------------------
CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import neuropil
    from neuropil.layers import Dense
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(3, input_shape=(2,), name="d0"), Dense(1, name="d1")])
    model.compile("sgd", "mse")
    model.set_weights([np.full(w.shape, 7.0, "float32") for w in model.get_weights()])
    import neuropil.saving.atomic as atomic
    def stalled_replace(src, dst):
        open(sys.argv[2], "w").close()  # tell the parent the new bytes are written, not yet renamed
        time.sleep(60)
    atomic.os.replace = stalled_replace
    model.save(sys.argv[1])
""")


def test_process_killed_mid_save_leaves_the_previous_file_loadable(tmp_path):
    path, ready = tmp_path / "m.safetensors", tmp_path / "ready"
    original = small_model()
    original.save(path)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, "the saving process ended before reaching os.replace"
            assert time.monotonic() < deadline, "the saving process never reached os.replace"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "the new bytes went to a temporary file"
    loaded = load_model(path)
    for a, b in zip(loaded.get_weights(), original.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_failed_write_removes_temporary_file_and_keeps_old(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    small_model().save(path)
    old = path.read_bytes()
    import neuropil.saving.model_file as model_file

    def broken_write(stream, tensors, metadata):
        stream.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(model_file, "write", broken_write)
    with pytest.raises(OSError, match="disk full"):
        small_model().save(path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


# -- third-party plugins ------------------------------------------------------------------------
SCALE_PLUGIN = """
    import neuropil
    from neuropil.base.layer import Layer

    class Scale(Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor
        def forward(self, x, training=False):
            return x * self.factor, lambda dy: dy * self.factor
        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @neuropil.hookimpl
    def neuropil_register_layers(register):
        register("Scale", Scale)
"""


def test_model_with_third_party_layer_loads_where_installed_and_names_it_where_not(
        install_distribution, monkeypatch, tmp_path):
    install_distribution("acme-scale", "1.4", {"acme": "acme_scale"}, {"acme_scale.py": SCALE_PLUGIN})
    from neuropil.layers import Scale

    model = small_model()
    model.add(Scale(3.0, name="scale"))
    path = tmp_path / "m.safetensors"
    model.save(path)
    x = np.ones((2, 2), "float32")
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))

    monkeypatch.setenv("NEUROPIL_PLUGINS", "neuropil-standard")  # as if acme-scale were not installed
    neuropil.plugins.reload()
    with pytest.raises(MissingPluginError, match=r"layer #2 is layer 'Scale', provided by acme-scale 1\.4, "
                                                 r"which is not installed here.*pip install acme-scale"):
        load_model(path)
