"""The NumPy backend's ``map_batch`` (neuropil_standard/_threads.py): slices of the batch run on
several threads at once, cover every row exactly once, pass errors on, and give the same numbers as
one thread, down to the last bit, in the layers that use it (max pooling, the convolutions' pieces);
while they run, BLAS is held to one thread (neuropil_standard/_blas.py), for the whole loop inside
a trainer's session, and the user's setting is back afterwards."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from neuropil_standard import _threads
from neuropil_standard.backend import NumpyBackend


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch):
    def use(count: int) -> None:
        monkeypatch.setenv("NEUROPIL_NUM_THREADS", str(count))
    return use


def test_the_slices_cover_every_row_once_and_run_at_the_same_time(threads):
    threads(3)
    seen = np.zeros(100, int)
    together = threading.Barrier(3, timeout=20)  # passes only if three slices run at once

    def work(rows: slice) -> None:
        together.wait()
        seen[rows] += 1

    NumpyBackend().map_batch(work, 100)
    assert (seen == 1).all()


def test_a_small_batch_is_one_call_and_one_thread_is_one_call(threads):
    calls: list[slice] = []
    threads(4)
    NumpyBackend().map_batch(calls.append, 12)  # fewer than 8 rows per thread: not worth sharing
    NumpyBackend().map_batch(calls.append, 1000, size=1000 * 16)  # too little work to hand off
    threads(1)
    NumpyBackend().map_batch(calls.append, 1000)
    assert calls == [slice(0, 12), slice(0, 1000), slice(0, 1000)]


def test_an_error_in_any_slice_reaches_the_caller(threads):
    threads(2)

    def work(rows: slice) -> None:
        if rows.start > 0:
            raise ValueError(f"bad rows {rows}")

    with pytest.raises(ValueError, match="bad rows"):
        NumpyBackend().map_batch(work, 64)


@pytest.mark.parametrize("variable", ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"])
def test_a_program_pinned_to_one_blas_thread_gets_one_here(monkeypatch: pytest.MonkeyPatch, variable):
    monkeypatch.delenv("NEUROPIL_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv(variable, "1")
    assert _threads.thread_count() == 1


def _convnet_step(seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    from neuropil.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from neuropil.models import Sequential
    from neuropil.utils import set_random_seed

    set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.random((50, 12, 12, 1), dtype=np.float32)
    x[:, :4] = 0.0  # ties in the pooling windows
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 50)]
    # the second convolution hands its output to the pooling window by window (the arranged pair)
    model = Sequential([Input((12, 12, 1)), Conv2D(6, 3, activation="relu"), MaxPooling2D(2),
                        Conv2D(8, 2, activation="relu"), MaxPooling2D(2), MaxPooling2D(2, strides=1, padding="same"),
                        Conv2D(5, 2, padding="same"), Flatten(), Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, batch_size=50, epochs=3, shuffle=False, verbose=0)
    return model.get_weights(), model.predict(x, batch_size=50, verbose=0)


def test_training_on_three_threads_gives_the_bits_of_one(threads, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_threads, "MIN_ELEMENTS", 1)  # share even these small arrays
    threads(1)
    alone, predicted_alone = _convnet_step()
    threads(3)  # 50 rows: uneven slices of 16, 17, 17
    shared, predicted_shared = _convnet_step()
    for a, b in zip(alone, shared):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(predicted_alone, predicted_shared)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_starts_its_own_threads(tmp_path):
    script = (
        "import os, numpy as np\n"
        "from neuropil_standard.backend import NumpyBackend\n"
        "os.environ['NEUROPIL_NUM_THREADS'] = '2'\n"
        "seen = np.zeros(64, int)\n"
        "def work(rows):\n    seen[rows] += 1\n"
        "NumpyBackend().map_batch(work, 64)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    seen[:] = 0; NumpyBackend().map_batch(work, 64); os._exit(0 if (seen == 1).all() else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "raise SystemExit(os.waitstatus_to_exitcode(status))\n")
    done = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_pieces_are_the_same_on_any_number_of_threads(threads):
    cuts = []
    for count in (1, 2, 3):
        threads(count)
        seen: list[slice] = []
        NumpyBackend().map_batch(seen.append, 100, size=100 * (_threads.MIN_ELEMENTS // 30))  # 30 rows a piece
        cuts.append(sorted(seen, key=lambda rows: rows.start))
    assert cuts[0] == cuts[1] == cuts[2]
    assert len(cuts[0]) == 4 and cuts[0][0].start == 0 and cuts[0][-1].stop == 100
    assert all(a.stop == b.start for a, b in zip(cuts[0], cuts[0][1:]))
    assert {rows.stop - rows.start for rows in cuts[0]} == {25}  # balanced: 4 pieces of 25, not 30+30+30+10


def test_a_thread_slowed_down_takes_fewer_pieces(threads):
    import time

    threads(2)
    done: dict[str, int] = {}

    def work(rows: slice) -> None:
        caller = threading.current_thread() is threading.main_thread()
        if caller:
            time.sleep(0.05)  # a core busy with something else
        name = "caller" if caller else "worker"
        done[name] = done.get(name, 0) + 1

    NumpyBackend().map_batch(work, 100, size=100 * _threads.MIN_ELEMENTS // 10)  # 10 pieces
    assert sum(done.values()) == 10
    assert done.get("worker", 0) > done.get("caller", 0)


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


@pytest.fixture
def two_blas_threads():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads() == 2
        yield


def test_blas_runs_on_one_thread_while_work_is_shared_and_gets_its_threads_back(threads, two_blas_threads):
    threads(2)
    inside: list[int] = []
    NumpyBackend().map_batch(lambda rows: inside.append(_blas_threads()), 64)
    assert inside == [1, 1]
    assert _blas_threads() == 2  # no session: the call gave the hold back


def test_inside_a_session_blas_stays_on_one_thread_until_it_ends(threads, two_blas_threads):
    threads(2)
    backend = NumpyBackend()
    with backend.session():
        with backend.session():  # nested: the outer one decides
            backend.map_batch(lambda rows: None, 64)
        assert _blas_threads() == 1
        backend.map_batch(lambda rows: None, 64)
        assert _blas_threads() == 1
    assert _blas_threads() == 2


def test_work_on_one_thread_leaves_blas_alone(threads, two_blas_threads):
    threads(1)
    inside: list[int] = []
    with NumpyBackend().session():
        NumpyBackend().map_batch(lambda rows: inside.append(_blas_threads()), 64, size=64 * _threads.MIN_ELEMENTS)
    assert set(inside) == {2}


def test_fit_holds_blas_to_one_thread_through_the_loop_and_restores_it(threads, two_blas_threads, monkeypatch):
    from neuropil.callbacks import LambdaCallback

    monkeypatch.setattr(_threads, "MIN_ELEMENTS", 1)  # share even these small arrays
    threads(2)
    during: list[int] = []
    from neuropil.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from neuropil.models import Sequential

    model = Sequential([Input((8, 8, 1)), Conv2D(3, 3), MaxPooling2D(2), Flatten(), Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((32, 8, 8, 1), dtype=np.float32)
    model.fit(x, np.zeros((32, 2), np.float32), batch_size=8, epochs=1, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_end=lambda batch, logs: during.append(_blas_threads()))])
    assert during == [1, 1, 1, 1]
    assert _blas_threads() == 2
    model.predict(x, verbose=0)
    assert _blas_threads() == 2


def test_mid_sized_work_is_still_shared_in_two(threads):
    """Below one piece but above MIN_SHARED elements the work still goes to two threads (a small
    convolution's products would otherwise run on one core while BLAS is held to one thread)."""
    threads(4)
    seen: list[slice] = []
    NumpyBackend().map_batch(seen.append, 64, size=_threads.MIN_SHARED)
    assert sorted((rows.start, rows.stop) for rows in seen) == [(0, 32), (32, 64)]
    seen.clear()
    NumpyBackend().map_batch(seen.append, 64, size=_threads.MIN_SHARED - 1)
    assert seen == [slice(0, 64)]
