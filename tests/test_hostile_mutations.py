"""Hypothesis mutates genuine model, weights and backup files; every result loads into a model that
trains, or fails as a NeuropilError, and a failed load into an existing model changes nothing.

Mutations come at three depths: raw bytes (flips, truncation, insertion), the safetensors header's
JSON (any value replaced, deleted or added), and the model config or backup state inside it. Values
are the ones that broke loaders before: huge and negative integers, infinities, NaN, wrong JSON
types, names of callables, and component configs naming ``os.system`` & co. with a command that
would create a sentinel file (which must never appear). The ``ci`` profile runs 100 examples per
test (derandomized), ``dev`` 1000 (4,000 in all), ``HYPOTHESIS_PROFILE=stress`` 5000.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neuropil
import numpy as np
import pytest
from hostile import X, Y, join, small_model, split
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neuropil.callbacks import BackupAndRestore
from neuropil.errors import NeuropilError
from neuropil.models import load_model

EXAMPLES = {"ci": 100, "dev": 1000, "stress": 5000}.get(os.environ.get("HYPOTHESIS_PROFILE", "dev"), 1000)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

#: Written by any payload below that ran: no example may ever create it.
SENTINEL = Path(tempfile.gettempdir()) / f"neuropil-hostile-PWNED-{os.getpid()}"
PAYLOADS = [{"class_name": name, "config": {"command": f"touch {SENTINEL}", "args": [f"touch {SENTINEL}"]}}
            for name in ("os.system", "subprocess.call", "builtins.exec", "posix:system")]

HOSTILE_VALUES = st.one_of(
    st.sampled_from(PAYLOADS),
    st.none(), st.booleans(),
    st.sampled_from([0, 1, -1, -2000, 2**31, 2**63, 2**64, 2**70, -(2**200), 10**400]),
    st.integers(min_value=-10, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.sampled_from(["os.system", "builtins.eval", "Dense", "adam", "F64", "weights/d0",
                                          "optimizer/iterations", "PCG64", "__metadata__"]),
    st.lists(st.integers(min_value=-3, max_value=2**70), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def paths(tree: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every position in a JSON tree, as the tuple of keys and indices leading to it."""
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from paths(value, (*prefix, index))


def mutate_tree(tree: Any, path: tuple, operation: str, value: Any) -> Any:
    """``tree`` with the value at ``path`` replaced, deleted, or given a new sibling key."""
    if not path:
        return value
    tree = json.loads(json.dumps(tree))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if operation == "delete":
        del parent[last]
    elif operation == "add" and isinstance(parent, dict):
        parent[f"{last}_extra"] = value
    else:
        parent[last] = value
    return tree


def json_edit(tree: Any) -> st.SearchStrategy[Any]:
    return st.builds(mutate_tree, st.just(tree), st.sampled_from(list(paths(tree))),
                     st.sampled_from(["replace", "replace", "delete", "add"]), HOSTILE_VALUES)


@st.composite
def byte_edit(draw: Any, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "length"]))
    if kind == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if kind == "length":
        return draw(st.integers(0, 2**64 - 1)).to_bytes(8, "little") + data[8:]
    edited = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(edited) - 1))
        if kind == "flip":
            edited[at] ^= 1 << draw(st.integers(0, 7))
        else:
            edited[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(edited)


def trains(model: neuropil.Sequential) -> None:
    """A loaded model must train: one step and a prediction, without any exception."""
    if model.compiled is None:
        model.compile("sgd", "mse")
    if not model.built:
        model.build((3,))
    x = np.zeros((4, *model.input_shape), "float32") + 0.5
    y = np.zeros((4, *model.output_shape), "float32") + 0.5
    with np.errstate(all="ignore"):  # saved values may be huge: overflowing is training, not failing
        model.train_on_batch(x, y)
        model.predict(x, verbose=0)


class Files:
    """The genuine files, saved once; every example writes its mutation to a fresh temporary file."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="neuropil-hostile-"))
        model = small_model()
        model.save(self.dir / "model.safetensors")
        model.save_weights(self.dir / "weights.safetensors")
        callback = BackupAndRestore(self.dir / "backup", delete_checkpoint=False)
        small_model().fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[callback])
        self.model = (self.dir / "model.safetensors").read_bytes()
        self.weights = (self.dir / "weights.safetensors").read_bytes()
        self.backup = callback.path.read_bytes()

    def write(self, data: bytes, name: str = "candidate.safetensors") -> Path:
        path = self.dir / name
        path.write_bytes(data)
        return path


FILES = Files()
MODEL_HEADER, MODEL_BODY = split(FILES.model)
CONFIG = json.loads(MODEL_HEADER["__metadata__"]["config"])
BACKUP_HEADER, BACKUP_BODY = split(FILES.backup)
BACKUP_STATE = json.loads(BACKUP_HEADER["__metadata__"]["state"])


def with_config(doc: Any) -> bytes:
    header = json.loads(json.dumps(MODEL_HEADER))
    header["__metadata__"]["config"] = json.dumps(doc)
    return join(header, MODEL_BODY)


def with_state(info: Any) -> bytes:
    header = json.loads(json.dumps(BACKUP_HEADER))
    header["__metadata__"]["state"] = json.dumps(info)
    return join(header, BACKUP_BODY)


def load_model_or_refuse(path: Path) -> None:
    assert not SENTINEL.exists()
    try:
        model = load_model(path)
    except NeuropilError as exc:
        assert str(exc)
        assert not SENTINEL.exists()
        return
    trains(model)
    assert not SENTINEL.exists()


def load_weights_or_change_nothing(path: Path) -> None:
    model = small_model()
    before = [w.copy() for w in model.get_weights()]
    try:
        model.load_weights(path)
    except NeuropilError as exc:
        assert str(exc)
        for now, then in zip(model.get_weights(), before):
            np.testing.assert_array_equal(now, then)
        return
    trains(model)


def restore_or_change_nothing(path: Path) -> None:
    backup_dir = path.parent / "restore"
    backup_dir.mkdir(exist_ok=True)
    os.replace(path, backup_dir / "backup.safetensors")
    model = small_model()
    before = [w.copy() for w in model.get_weights()]
    iterations = model.compiled.optimizer.iterations
    epochs: list[int] = []
    counter = neuropil.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    try:
        with np.errstate(all="ignore"):
            model.fit(X, Y, epochs=3, batch_size=4, verbose=0, callbacks=[BackupAndRestore(backup_dir), counter])
    except NeuropilError as exc:
        assert str(exc)
        assert epochs == []
        for now, then in zip(model.get_weights(), before):
            np.testing.assert_array_equal(now, then)
        assert model.compiled.optimizer.iterations == iterations
        return
    assert len(epochs) <= 3 and all(0 <= e < 3 for e in epochs)  # a backup never adds epochs


@SETTINGS
@given(data=st.one_of(byte_edit(FILES.model), json_edit(MODEL_HEADER).map(lambda h: join(h, MODEL_BODY))))
def test_mutated_model_file_bytes_and_headers(data):
    path = FILES.write(data)
    load_model_or_refuse(path)
    load_weights_or_change_nothing(path)


@SETTINGS
@given(doc=json_edit(CONFIG))
def test_mutated_model_configs(doc):
    load_model_or_refuse(FILES.write(with_config(doc)))


@SETTINGS
@given(data=st.one_of(byte_edit(FILES.weights), json_edit(split(FILES.weights)[0]).map(
    lambda h: join(h, split(FILES.weights)[1]))))
def test_mutated_weights_files(data):
    load_weights_or_change_nothing(FILES.write(data))


@SETTINGS
@given(data=st.one_of(json_edit(BACKUP_STATE).map(with_state), byte_edit(FILES.backup)))
def test_mutated_backups(data):
    restore_or_change_nothing(FILES.write(data))


@pytest.fixture(autouse=True, scope="module")
def _cleanup() -> Iterator[None]:
    yield
    for path in sorted(FILES.dir.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    FILES.dir.rmdir()
