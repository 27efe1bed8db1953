"""Atomic file replacement: a crash at any moment leaves either the old file or the new one.

The new content goes to a temporary file in the same directory (so ``os.replace`` is a rename on one
file system), is flushed and fsynced, then renamed over the target; the directory is fsynced so the
rename itself survives a power cut. A failed write removes its temporary file and leaves the target
untouched.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_write(path: str | os.PathLike[str], overwrite: bool = True) -> Iterator[IO[bytes]]:
    """Yield a binary stream; on a clean exit its bytes replace ``path`` in one step."""
    target = Path(path)
    if not overwrite and target.exists():
        raise FileExistsError(f"'{target}' already exists; pass overwrite=True to replace it")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot save to '{target}': directory '{directory}' does not exist")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Persist the rename; not every platform can open a directory (Windows cannot), which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
