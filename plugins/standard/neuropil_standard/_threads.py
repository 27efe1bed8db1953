"""Per-sample work spread over the CPU's cores, for the NumPy backend's ``map_batch``.

NumPy runs each elementwise operation on one core, so on a 2-core machine a convolutional network's
pooling and im2col copies would run at half the speed its products do. NumPy releases the
interpreter lock inside its loops and BLAS calls, so threads that each take part of the batch do run
at once; each element is computed by exactly the operations it was before.

Pieces: work of known ``size`` is cut into pieces of about ``MIN_ELEMENTS`` elements (whole rows),
and each thread runs a run of consecutive pieces. A piece is small enough that what it writes stays
in the core's cache for the next operation on it, and the cut depends only on ``batch`` and
``size``, never on the number of threads: a layer that sums per-piece partial results (a kernel
gradient) gets the same bits on one thread as on many. Work of unknown size gets one slice per thread.

While work is spread, BLAS is held to one thread (:mod:`._blas` says why): a layer that spreads
its products gets every core from its own slices.

How many threads: ``NEUROPIL_NUM_THREADS`` if set, else ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS``
(a program pinned to one BLAS thread gets one here too), else the cores this process may run on.
"""
from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from . import _blas

#: Below this many rows per thread the hand-off costs more than the work saves.
MIN_ROWS_PER_THREAD = 8
#: Nor is work touching fewer elements than this worth a hand-off (~50 us against ~0.1 ms of loops);
#: it is also the size of a piece (2 MiB of float32, a core's L2 cache). Measured on the MNIST
#: convnet's step (bench/convnet.py, whole processes paired): pieces of 2^18 elements took 1.05x the
#: time of 2^19, 2^17 1.16x, 2^20 about the same (fewer, larger products against more cache misses).
MIN_ELEMENTS = 1 << 19
#: Work touching at least this many elements is cut in two pieces or more, whatever its size.
MIN_SHARED = 1 << 16

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def thread_count() -> int:
    for variable in ("NEUROPIL_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), 64)
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 64))
    except AttributeError:  # not Linux
        return max(1, min(os.cpu_count() or 1, 64))


def _workers(count: int) -> ThreadPoolExecutor:
    """A pool of ``count - 1`` threads (the caller is the last), made again if more are asked for."""
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers < count - 1:
            old, _pool = _pool, ThreadPoolExecutor(max_workers=count - 1, thread_name_prefix="neuropil-batch")
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _forget_pool() -> None:
    """A forked child has none of its parent's threads: it starts its own pool when it needs one."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def pieces(batch: int, size: int) -> list[slice]:
    """The cut of ``range(batch)`` into pieces of about ``MIN_ELEMENTS`` of the ``size`` elements the
    work touches (``size > 0``), balanced to within a row: at least two from ``MIN_SHARED`` elements
    up (a product that size is worth both halves of a hand-off, and while BLAS is held to one thread
    nothing else would put the second core to it), one below."""
    count = -(-size // MIN_ELEMENTS)
    if size >= MIN_SHARED:
        count = max(count, 2)
    count = max(1, min(count, batch))
    return [slice(batch * i // count, batch * (i + 1) // count) for i in range(count)]


def map_batch(work: Callable[[slice], None], batch: int, size: int = 0) -> None:
    """``work`` over the batch on ``thread_count()`` threads at once, the calling thread among them:
    the :func:`pieces` of it when ``size`` is known, each thread taking the next piece not yet taken
    (so a thread slowed by a busy core does fewer), else one slice per thread of at least
    ``MIN_ROWS_PER_THREAD`` rows; one call with every row when there is too little to share. Errors
    propagate."""
    threads = thread_count()
    if size > 0:
        cut = pieces(batch, size)
    else:
        count = min(threads, batch // MIN_ROWS_PER_THREAD)
        cut = [slice(batch * i // count, batch * (i + 1) // count) for i in range(count)] if count > 1 else []
    count = min(threads, len(cut))
    if count < 2:
        for rows in cut or [slice(0, batch)]:
            work(rows)
        return
    claim = itertools.count()  # next() on it is atomic under the interpreter lock
    failed: list[BaseException] = []

    def run() -> None:
        index = next(claim)
        while index < len(cut) and not failed:
            try:
                work(cut[index])
            except BaseException as error:
                failed.append(error)  # the other threads stop taking pieces
                raise
            index = next(claim)

    with _blas.single_threaded():
        pool = _workers(count)
        futures: list[Future[None]] = [pool.submit(run) for _ in range(count - 1)]
        try:
            run()
        finally:
            for future in futures:
                future.result()
