"""Helpers for the hostile-file tests: a small real model, its saved file, and rewrites of that file.

A rewrite is what an attacker would do by hand: take a genuine file, change its JSON config, its
header or its tensors, and write it back as valid safetensors. The writer used is the library's own
(the tests check the loaders, not the writer), and every fixture is rebuilt from a fresh model.
"""
from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neuropil
import numpy as np
from neuropil.layers import Dense, Dropout

X = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
Y = np.stack([X.sum(axis=1), X[:, 0] - X[:, 2]], axis=1).astype("float32")


def small_model(optimizer: Any = "adam") -> neuropil.Sequential:
    """Dense -> Dropout -> Dense, compiled and trained one epoch, so it has optimizer slots and a
    dropout stream: every kind of state a file holds."""
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(4, input_shape=(3,), name="d0"), Dropout(0.5, name="drop"),
                                 Dense(2, name="d1")])
    model.compile(optimizer, "mse")
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    return model


def read(path: Path) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    from neuropil.saving.safetensors_io import SafetensorsFile

    with SafetensorsFile(path) as file:
        return dict(file.metadata), file.read_all()


def rewrite(path: Path, metadata: dict[str, str], tensors: dict[str, np.ndarray]) -> None:
    from neuropil.saving.safetensors_io import write

    with open(path, "wb") as stream:
        write(stream, tensors, metadata)


def edit_config(path: Path, mutate: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the JSON config of the model file at ``path`` through ``mutate(doc)``."""
    metadata, tensors = read(path)
    doc = json.loads(metadata["config"])
    mutate(doc)
    metadata["config"] = json.dumps(doc)
    rewrite(path, metadata, tensors)


def edit_tensors(path: Path, mutate: Callable[[dict[str, np.ndarray]], None]) -> None:
    metadata, tensors = read(path)
    mutate(tensors)
    rewrite(path, metadata, tensors)


def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """A safetensors file as (header JSON, data section)."""
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + length]), data[8 + length:]


def join(header: dict[str, Any], body: bytes) -> bytes:
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + body


def edit_header(path: Path, mutate: Callable[[dict[str, Any]], None]) -> None:
    header, body = split(path.read_bytes())
    mutate(header)
    path.write_bytes(join(header, body))


def weights_of(model: neuropil.Sequential) -> list[np.ndarray]:
    return [w.copy() for w in model.get_weights()]


def assert_unchanged(model: neuropil.Sequential, before: list[np.ndarray]) -> None:
    after = model.get_weights()
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)
