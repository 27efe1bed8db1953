"""Memory and time a hostile file can cost, measured in a fresh subprocess.

Each case loads a genuine small model first (so imports and plugins are paid for), records the
process's peak resident memory, then loads the hostile file and records the peak again: the growth
is what the file cost. The bound is a small multiple of the file's size (or a few MB for tiny
files), and every load must finish, refused, within seconds.
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile import edit_config, small_model

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import neuropil
    from neuropil.errors import NeuropilError
    from neuropil.models import load_model

    def peak():
        # VmHWM is this address space's own peak: ru_maxrss is inherited from the parent on Linux
        try:
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    good, bad, how = sys.argv[1:4]
    model = load_model(good)
    model.load_weights(good)
    before = peak()
    start = time.perf_counter()
    outcome = "loaded"
    try:
        load_model(bad) if how == "load_model" else model.load_weights(bad)
    except NeuropilError as exc:
        outcome = type(exc).__name__ + ": " + str(exc)[:300]
    print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome,
                      "peak_growth_bytes": peak() - before}))
""")


def measure(good: Path, bad: Path, how: str = "load_model") -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(good), str(bad), how], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.safetensors"
    small_model().save(path)
    return path


def assert_bounded(result: dict, file_size: int, message: str) -> None:
    assert message in result["outcome"], result
    assert result["seconds"] < 5, result
    assert result["peak_growth_bytes"] <= max(16 * 2**20, 4 * file_size), (result, file_size)


def test_a_3kb_config_declaring_a_20000_wide_layer_costs_no_allocation(good, tmp_path):
    bad = tmp_path / "bad.safetensors"
    small_model().save(bad)

    def mutate(doc):
        dense = doc["model"]["config"]["layers"][0]["config"]
        dense.update(units=20000, input_shape=[20000])
        doc["model"]["config"]["build_input_shape"] = [20000]
    edit_config(bad, mutate)
    assert bad.stat().st_size < 4096
    assert_bounded(measure(good, bad), bad.stat().st_size, "(20000, 20000) by its saved config")


def metadata_file(path: Path, config_text: str) -> int:
    header = {"__metadata__": {"format": "neuropil.model", "format_version": "1", "config": config_text}}
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded)
    return path.stat().st_size


@pytest.mark.parametrize("how", ["load_model", "load_weights"])
def test_a_10mb_header_of_tiny_objects_is_refused_before_parsing(good, tmp_path, how):
    bad = tmp_path / "bad.safetensors"
    size = metadata_file(bad, "[" + "{}," * 3_500_000 + "{}]")
    assert size > 10 * 2**20
    assert_bounded(measure(good, bad, how), size, "JSON values, more than the limit")


def test_a_header_of_many_tiny_tensors_stays_within_a_small_multiple_of_its_size(good, tmp_path):
    bad = tmp_path / "bad.safetensors"
    header = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(30_000)}
    header["__metadata__"] = {"format": "neuropil.model", "format_version": "1", "config": "{}"}
    encoded = json.dumps(header).encode()
    bad.write_bytes(struct.pack("<Q", len(encoded)) + encoded)
    result = measure(good, bad)
    assert_bounded(result, max(bad.stat().st_size, 8 * 2**20), "SavedFileError")


def test_a_10mb_config_string_is_parsed_within_a_small_multiple_of_its_size(good, tmp_path):
    bad = tmp_path / "bad.safetensors"
    size = metadata_file(bad, json.dumps({"format": "neuropil.model", "padding": "x" * 10 * 2**20}))
    assert_bounded(measure(good, bad), size, "SavedFileError")


@pytest.mark.slow
def test_a_header_at_the_100mb_cap_is_read_within_a_small_multiple_of_its_size(good, tmp_path):
    bad = tmp_path / "bad.safetensors"
    size = metadata_file(bad, json.dumps({"format": "neuropil.model", "padding": "x" * 99 * 2**20}))
    result = measure(good, bad)
    assert "SavedFileError" in result["outcome"] and result["seconds"] < 20
    assert result["peak_growth_bytes"] <= 4 * size, result


def test_a_declared_terabyte_header_is_refused_unread(good, tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    assert_bounded(measure(good, bad), 10, "header declares")
