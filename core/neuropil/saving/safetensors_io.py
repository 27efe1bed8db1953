"""Reading and writing the safetensors file format, validated before anything is allocated.

The format: an 8-byte little-endian header length ``N``, ``N`` bytes of JSON mapping tensor names to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (plus an optional ``"__metadata__"`` of strings),
then the tensors' bytes. It holds data only, so loading it can never run code.

neuropil implements the few lines of the format itself rather than depending on the ``safetensors``
package at run time: the header has to be checked against the file size anyway before trusting it
(a hostile header may declare terabytes), and after that check reading the bytes is one ``readinto``
per tensor. Files written here are read by ``safetensors.numpy`` and vice versa (tests check both).
"""
from __future__ import annotations

import json
import math
import os
import stat
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from .errors import SavedFileError, SavedFileNotFoundError, brief

#: safetensors' own limit on the header size; a larger declared header is refused unread.
MAX_HEADER_BYTES = 100 * 1024 * 1024
#: The most JSON values (counted as the ``,`` ``:`` ``{`` ``[`` in the text, an over-estimate) one
#: header or config may hold. Parsed JSON costs 50-250 bytes of Python objects per value whatever the
#: text's size, so this, not the byte count, is what bounds the memory a hostile header can claim
#: (a 10 MB header of tiny objects would otherwise parse into ~300 MB). 200,000 values is
#: room for ~25,000 tensors or a config of ~10,000 layers.
MAX_JSON_VALUES = 200_000
#: The largest tensor dimension, and element count, accepted: what NumPy can index (2**63 - 1).
MAX_DIMENSION = 2**63 - 1

DTYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype("bool"), "U8": np.dtype("<u1"), "I8": np.dtype("<i1"), "U16": np.dtype("<u2"),
    "I16": np.dtype("<i2"), "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "U64": np.dtype("<u8"),
    "I64": np.dtype("<i8"), "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
}
_CODES = {dtype: code for code, dtype in DTYPES.items()}


def _code_of(name: str, array: np.ndarray) -> str:
    code = _CODES.get(array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype)
    if code is None:
        raise TypeError(f"tensor {name!r} has dtype {array.dtype}, which safetensors cannot hold; "
                        f"expected one of {', '.join(str(d) for d in DTYPES.values())}")
    return code


def write(stream: IO[bytes], tensors: Mapping[str, Any], metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` (name -> NumPy array) and string ``metadata`` to ``stream`` as safetensors."""
    header: dict[str, Any] = {}
    if metadata:
        bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise TypeError(f"safetensors metadata must map strings to strings; bad entries: {bad}")
        header["__metadata__"] = dict(metadata)
    arrays: list[np.ndarray] = []
    offset = 0
    for name, value in tensors.items():
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved by the safetensors format and cannot name a tensor")
        array = np.asarray(value, order="C")  # (ascontiguousarray would turn a scalar into shape (1,))
        code = _code_of(name, array)
        array = array.astype(DTYPES[code], copy=False)
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned, as safetensors writes it
    stream.write(struct.pack("<Q", len(encoded)))
    stream.write(encoded)
    for array in arrays:
        stream.write(memoryview(array).cast("B") if array.nbytes else b"")  # type: ignore[arg-type]


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_json(text: str | bytes, what: str) -> Any:
    """Strict JSON: duplicate keys, absurd nesting and absurd numbers of values are errors (the count
    of values is refused before parsing), never silently resolved or raised as Python's own errors."""
    if not isinstance(text, (str, bytes)):
        raise SavedFileError(f"{what} must be JSON text, received {type(text).__name__}")
    marks: tuple[Any, ...] = (b",", b":", b"{", b"[") if isinstance(text, bytes) else (",", ":", "{", "[")
    values = sum(text.count(mark) for mark in marks)
    if values > MAX_JSON_VALUES:
        raise SavedFileError(f"{what} holds about {values} JSON values, more than the limit of {MAX_JSON_VALUES}")
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise SavedFileError(f"{what} is not valid JSON: {exc}") from None



def open_regular_file(path: Path) -> IO[bytes]:
    """Open ``path`` for reading only if it is a regular file. A FIFO would block the reader forever
    and a device would never end, so the file is opened non-blocking (a FIFO's open returns at once)
    and its type checked on the open descriptor, where it cannot be swapped under us."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise SavedFileNotFoundError(f"no such file: '{path}'") from None
    except IsADirectoryError:
        raise SavedFileError(f"'{path}' is a directory, not a safetensors file") from None
    except OSError as exc:
        raise SavedFileError(f"cannot open '{path}': {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SavedFileError(f"'{path}' is {_file_kind(mode)}, not a regular file: neuropil reads model, "
                                 f"weights and backup files only from regular files")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


class SafetensorsFile:
    """An opened, validated safetensors file: ``metadata``, ``specs`` (name -> (dtype, shape, begin,
    end)) and :meth:`read`. Every offset has been checked against the file size on opening."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stream: IO[bytes] = open_regular_file(self.path)
        try:
            self._parse()
        except BaseException:
            self._stream.close()
            raise

    def _fail(self, why: str) -> SavedFileError:
        return SavedFileError(f"'{self.path}' is not a valid safetensors file: {why}")

    def _parse(self) -> None:
        size = os.fstat(self._stream.fileno()).st_size
        if size < 8:
            raise self._fail(f"it has {size} bytes, fewer than the 8-byte header length")
        (length,) = struct.unpack("<Q", self._stream.read(8))
        if length > min(size - 8, MAX_HEADER_BYTES):
            raise self._fail(f"its header declares {length} bytes, but the file has {size - 8} after the "
                             f"length field (limit {MAX_HEADER_BYTES}); it is truncated or not safetensors "
                             f"(a pickle, say)")
        raw = self._stream.read(length)
        try:
            header = parse_json(raw.decode("utf-8"), "the header")
        except (UnicodeDecodeError, SavedFileError) as exc:
            raise self._fail(str(exc)) from None
        if not isinstance(header, dict):
            raise self._fail(f"the header must be a JSON object, received {type(header).__name__}")
        metadata = header.pop("__metadata__", None) or {}
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise self._fail("'__metadata__' must map strings to strings")
        self.metadata: dict[str, str] = metadata
        self.data_start = 8 + length
        self.specs = {name: self._check(name, spec, size - self.data_start) for name, spec in header.items()}
        covered = 0
        for _, _, begin, end in sorted(self.specs.values(), key=lambda s: (s[2], s[3])):
            if begin != covered:
                raise self._fail(f"tensor data overlaps or leaves a gap at byte {covered}")
            covered = end
        if covered != size - self.data_start:
            raise self._fail(f"the tensors cover {covered} bytes but the data section has "
                             f"{size - self.data_start} (truncated or padded file)")

    def _check(self, name: str, spec: Any, available: int) -> tuple[np.dtype, tuple[int, ...], int, int]:
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
            raise self._fail(f"tensor {brief(name)} must have exactly dtype, shape and data_offsets, "
                             f"received {brief(spec)}")
        dtype = DTYPES.get(spec["dtype"]) if isinstance(spec["dtype"], str) else None
        if dtype is None:
            raise self._fail(f"tensor {brief(name)} has dtype {brief(spec['dtype'])}; supported: {', '.join(DTYPES)}")
        shape, offsets = spec["shape"], spec["data_offsets"]
        if not isinstance(shape, list) or len(shape) > 32 or not all(
                type(d) is int and 0 <= d <= MAX_DIMENSION for d in shape):
            raise self._fail(f"tensor {name!r} has shape {brief(shape)}; expected a list of at most 32 "
                             f"non-negative integers below 2**63")
        if math.prod(d for d in shape if d) > MAX_DIMENSION:  # NumPy refuses such a shape even when empty
            raise self._fail(f"tensor {name!r} has shape {brief(shape)}, more elements than NumPy can index")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets):
            raise self._fail(f"tensor {brief(name)} has data_offsets {brief(offsets)}; expected [begin, end]")
        begin, end = offsets
        if not 0 <= begin <= end <= available:
            raise self._fail(f"tensor {name!r} spans bytes {begin}..{end} of a {available}-byte data section "
                             f"(truncated file or corrupt header)")
        expected = math.prod(shape) * dtype.itemsize  # Python ints: enormous shapes cannot overflow
        if end - begin != expected:
            raise self._fail(f"tensor {name!r} declares shape {tuple(shape)} ({expected} bytes of {spec['dtype']}) "
                             f"but spans {end - begin} bytes")
        return dtype, tuple(shape), begin, end

    def read(self, name: str) -> np.ndarray:
        """One tensor as a fresh, writable NumPy array (its size was checked against the file)."""
        dtype, shape, begin, end = self.specs[name]
        array = np.empty(shape, dtype=dtype)
        if end > begin:
            self._stream.seek(self.data_start + begin)
            got = self._stream.readinto(memoryview(array).cast("B"))  # type: ignore[attr-defined,arg-type]
            if got != end - begin:
                raise self._fail(f"tensor {name!r} was cut short while reading (the file changed?)")
        return array

    def read_all(self) -> dict[str, np.ndarray]:
        return {name: self.read(name) for name in self.specs}

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> SafetensorsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
