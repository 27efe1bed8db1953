"""neuropil's safetensors reader/writer against the ``safetensors`` library: time and peak memory.

Each measurement runs in a fresh subprocess (peak resident memory is per process). Cases:
``read``: 100 tensors of 4 MB (400 MB); ``header``: a 9.5 MB header of 150,000 empty tensors (what a
hostile file can declare); ``write``: the same 400 MB written to a stream.

    python bench/safetensors_reader.py
"""
from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def peak_bytes() -> int:
    """This process's peak resident memory. ``VmHWM`` belongs to the process's own address space;
    ``ru_maxrss`` would not do on Linux, as a child inherits its parent's peak across fork and exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(case: str, who: str, path: str) -> None:
    import safetensors
    import safetensors.numpy
    from neuropil.saving import safetensors_io as own

    arrays = {f"t{i}": np.ones((1024, 1024), "float32") for i in range(100)} if case == "write" else {}
    base = peak_bytes()
    start = time.perf_counter()
    outcome = "ok"
    try:
        if case == "write" and who == "neuropil":
            with open(path, "wb") as stream:
                own.write(stream, arrays, {"a": "b"})
        elif case == "write":
            with open(path, "wb") as stream:
                stream.write(safetensors.numpy.save(arrays, {"a": "b"}))
        elif who == "neuropil":
            with own.SafetensorsFile(path) as file:
                file.read_all()
        else:
            with safetensors.safe_open(path, framework="numpy") as file:
                file.metadata()
                {k: file.get_tensor(k) for k in file.keys()}
    except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
        outcome = f"refused ({type(exc).__name__})"
    growth = (peak_bytes() - base) / 2**20
    print(json.dumps({"case": case, "who": who, "seconds": round(time.perf_counter() - start, 3),
                      "peak_growth_mb": round(growth), "outcome": outcome}))


def main() -> None:
    from neuropil.saving.safetensors_io import write

    folder = Path(tempfile.mkdtemp())
    big, header = folder / "big.safetensors", folder / "header.safetensors"
    with open(big, "wb") as stream:
        write(stream, {f"t{i}": np.ones((1024, 1024), "float32") for i in range(100)}, {"a": "b"})
    entries = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(150_000)}
    encoded = json.dumps(entries).encode()
    header.write_bytes(struct.pack("<Q", len(encoded)) + encoded)
    for case, path in (("read", big), ("header", header), ("write", folder / "out.safetensors")):
        for who in ("neuropil", "safetensors"):
            done = subprocess.run([sys.executable, __file__, case, who, str(path)], capture_output=True, text=True)
            print(done.stdout.strip() or done.stderr[-500:])
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    if len(sys.argv) == 4:
        child(*sys.argv[1:])
    else:
        main()
