"""BLAS's own threads, held to one while the batch threads (:mod:`._threads`) share out a step.

Why: OpenBLAS's idle workers busy-wait, for about 2^28 cycles after every product (its
``OPENBLAS_THREAD_TIMEOUT``, read once when NumPy loads it, so not ours to change). A training step
that spreads its per-sample work over the cores would share each core with a spinning BLAS worker
and gain nothing: on the 2-core MNIST convnet one batch thread and two measured the same step. So
once a layer spreads work, BLAS runs on one thread and the layers spread their products over the
batch threads themselves (each slice's product single-threaded, all slices at once).

How long: inside a trainer's session (``Backend.session``, held around fit, evaluate and predict
loops) the hold lasts until the outermost session ends, so no product in the loop wakes BLAS's
workers; outside any session it ends with the ``map_batch`` call that took it. Either way the user's
own BLAS setting is back afterwards. ``threadpoolctl`` finds and sets the BLAS library (OpenBLAS,
MKL, BLIS) whichever NumPy was built with; where it finds none, nothing is changed.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_sessions = 0
_holders = 0  # map_batch calls running now that asked for the hold
_limiter: Any = None  # threadpoolctl's record of the limits it replaced, while BLAS is held to one thread
_controller: Any = None


def _hold() -> None:
    global _limiter, _controller
    if _limiter is None:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        _limiter = _controller.limit(limits=1, user_api="blas")


def _release_if_idle() -> None:
    global _limiter
    if _limiter is not None and _sessions == 0 and _holders == 0:
        limiter, _limiter = _limiter, None
        limiter.restore_original_limits()


@contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS on one thread for the duration (and, inside a session, until the session ends)."""
    global _holders
    with _lock:
        _holders += 1
        _hold()
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            _release_if_idle()


@contextmanager
def session() -> Iterator[None]:
    """A loop of steps: a hold taken inside it is kept until the outermost session ends."""
    global _sessions
    with _lock:
        _sessions += 1
    try:
        yield
    finally:
        with _lock:
            _sessions -= 1
            _release_if_idle()


def _forget_after_fork() -> None:
    """A forked child keeps its parent's BLAS setting but none of its sessions or running calls."""
    global _lock, _sessions, _holders
    _lock = threading.Lock()
    _sessions = _holders = 0
    _release_if_idle()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
