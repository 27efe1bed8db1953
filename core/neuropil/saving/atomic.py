"""Atomic file replacement: a crash at any moment leaves either the old file or the new one.

The new content goes to a temporary file in the same directory (so ``os.replace`` is a rename on one
file system), is flushed and fsynced, then renamed over the target; the directory is fsynced so the
rename itself survives a power cut. A failed write removes its temporary file and leaves the target
untouched.

A process killed mid-write cannot remove its temporary file, so each write first removes the stale
temporaries of the same target: their names carry the writing process's id, and one whose process is
gone (or is this process, but no longer writing it) is stale. A temporary of a live writer is kept.
"""
from __future__ import annotations

import os
import tempfile
import time
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
    remove_stale_temporaries(target)
    fd, temp_name = tempfile.mkstemp(prefix=f"{_temp_prefix(target)}{os.getpid()}.", suffix=".tmp", dir=directory)
    _WRITING.add(os.path.abspath(temp_name))
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
    finally:
        _WRITING.discard(os.path.abspath(temp_name))
    _fsync_directory(directory)


#: Temporary files this process is writing now (another thread's save of the same target).
_WRITING: set[str] = set()
#: A temporary without a process id (written before ids were recorded) is stale after this long.
_LEGACY_STALE_SECONDS = 600.0


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries an interrupted save of ``path`` left behind; returns what was removed."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    removed: list[Path] = []
    try:
        candidates = [c for c in directory.iterdir()
                      if c.name.startswith(_temp_prefix(target)) and c.name.endswith(".tmp")]
    except OSError:
        return removed
    for candidate in candidates:
        if _is_stale(candidate, target):
            try:
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                pass
    return removed


def _is_stale(candidate: Path, target: Path) -> bool:
    pid_text = candidate.name[len(_temp_prefix(target)):].split(".", 1)[0]
    if not pid_text.isdigit():
        try:
            return time.time() - candidate.lstat().st_mtime > _LEGACY_STALE_SECONDS
        except OSError:
            return False
    pid = int(pid_text)
    if pid == os.getpid():
        return os.path.abspath(candidate) not in _WRITING
    return not _process_alive(pid)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (owned by someone else) or cannot be told: keep its file
    return True


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
