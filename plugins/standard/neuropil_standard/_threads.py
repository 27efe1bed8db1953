"""Per-sample elementwise work spread over the CPU's cores, for the NumPy backend's ``map_batch``.

NumPy runs each elementwise operation on one core while BLAS already uses them all, so on a 2-core
machine a convolutional network's pooling and im2col copies run at half the speed the products do.
NumPy releases the interpreter lock inside its loops, so threads that each take a slice of the batch
do run at once; the results are the same numbers, element by element (each element is computed by
exactly the operations it was before).

How many threads: ``NEUROPIL_NUM_THREADS`` if set, else ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS``
(a program pinned to one BLAS thread gets one here too), else the cores this process may run on.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

#: Below this many rows per thread the hand-off costs more than the work saves.
MIN_ROWS_PER_THREAD = 8
#: Nor is work touching fewer elements than this worth a hand-off (~50 us against ~0.1 ms of loops).
MIN_ELEMENTS = 1 << 18

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


def map_batch(work: Callable[[slice], None], batch: int, size: int = 0) -> None:
    """``work`` on ``thread_count()`` contiguous slices of the batch at once (the calling thread takes
    the first); one call with every row when the batch, or the ``size`` of the work when known, is too
    small to share. Errors propagate."""
    if 0 < size < MIN_ELEMENTS:
        work(slice(0, batch))
        return
    count = min(thread_count(), batch // MIN_ROWS_PER_THREAD)
    if count < 2:
        work(slice(0, batch))
        return
    bounds = [batch * i // count for i in range(count + 1)]
    pool = _workers(count)
    futures: list[Future[None]] = [pool.submit(work, slice(bounds[i], bounds[i + 1])) for i in range(1, count)]
    try:
        work(slice(bounds[0], bounds[1]))
    finally:
        for future in futures:
            future.result()
