"""The hand-written NumPy floor for the convnet benchmark: the keras-io MNIST convnet as a bare loop.

    python bench/convnet_floor.py

Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten, Dropout 0.5, Dense 10 softmax,
cross-entropy, batch 128, Adam, float32, on the same random data as ../shared/anchors/ref_torch_seq.py.
No framework: im2col through a strided view and one matmul per convolution, its adjoint as nine
strided adds, 2x2 pooling as a reshape and max, the pooling backward as an equality mask (ties only
happen at relu's zeros, whose gradient relu's backward drops anyway). What a careful person writes
by hand in NumPy; neuropil should not be far from it. Prints microseconds per step after 5 warm-up
steps, in the comparators' format.
"""
from __future__ import annotations

import time

import numpy as np
from numpy.lib.stride_tricks import as_strided

N, BATCH, WARM = 128 * 60, 128, 5


def im2col(x: np.ndarray, k: int) -> np.ndarray:
    n, h, w, c = x.shape
    s = x.strides
    view = as_strided(x, (n, h - k + 1, w - k + 1, k, k, c), (s[0], s[1], s[2], s[1], s[2], s[3]))
    return view.reshape(n * (h - k + 1) * (w - k + 1), k * k * c)


def col2im(dcols: np.ndarray, shape: tuple[int, ...], k: int) -> np.ndarray:
    n, h, w, c = shape
    oh, ow = h - k + 1, w - k + 1
    d = dcols.reshape(n, oh, ow, k, k, c)
    out = np.zeros(shape, dtype=dcols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i:i + oh, j:j + ow] += d[:, :, :, i, j]
    return out


def pool(x: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def unpool(dp: np.ndarray, x: np.ndarray, p: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    ph, pw = h // 2, w // 2
    windows = x[:, :ph * 2, :pw * 2].reshape(n, ph, 2, pw, 2, c)
    mask = windows == p[:, :, None, :, None]
    dx = np.zeros_like(x)
    dx[:, :ph * 2, :pw * 2] = (mask * dp[:, :, None, :, None]).reshape(n, ph * 2, pw * 2, c)
    return dx


def glorot(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def main() -> None:
    rng = np.random.default_rng(1000)
    x_all = rng.random((N, 28, 28, 1), dtype=np.float32)
    y_all = np.eye(10, dtype=np.float32)[rng.integers(0, 10, N)]
    params = {"w1": glorot(rng, (9, 32), 9, 288), "b1": np.zeros(32, np.float32),
              "w2": glorot(rng, (288, 64), 288, 576), "b2": np.zeros(64, np.float32),
              "w3": glorot(rng, (1600, 10), 1600, 10), "b3": np.zeros(10, np.float32)}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7
    steps, start = 0, time.perf_counter()
    for s in range(0, N, BATCH):
        x, y = x_all[s:s + BATCH], y_all[s:s + BATCH]
        n = x.shape[0]
        cols1 = im2col(x, 3)
        z1 = cols1 @ params["w1"]
        z1 += params["b1"]
        h1 = np.maximum(z1, 0).reshape(n, 26, 26, 32)
        p1 = pool(h1)
        cols2 = im2col(p1, 3)
        z2 = cols2 @ params["w2"]
        z2 += params["b2"]
        h2 = np.maximum(z2, 0).reshape(n, 11, 11, 64)
        p2 = pool(h2)
        flat = p2.reshape(n, -1)
        keep = (rng.random(flat.shape, dtype=np.float32) >= 0.5).astype(np.float32) * 2
        dropped = flat * keep
        logits = dropped @ params["w3"] + params["b3"]
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        dlogits = (prob - y) / n
        grads = {"w3": dropped.T @ dlogits, "b3": dlogits.sum(0)}
        dflat = (dlogits @ params["w3"].T) * keep
        dh2 = unpool(dflat.reshape(p2.shape), h2, p2).reshape(-1, 64)
        dh2 *= z2 > 0
        grads["w2"], grads["b2"] = cols2.T @ dh2, dh2.sum(0)
        dp1 = col2im(dh2 @ params["w2"].T, p1.shape, 3)
        dh1 = unpool(dp1, h1, p1).reshape(-1, 32)
        dh1 *= z1 > 0
        grads["w1"], grads["b1"] = cols1.T @ dh1, dh1.sum(0)
        steps += 1
        correction = np.sqrt(1 - b2 ** steps) / (1 - b1 ** steps)
        for k, g in grads.items():
            m[k] *= b1
            m[k] += (1 - b1) * g
            v[k] *= b2
            v[k] += (1 - b2) * g * g
            params[k] -= lr * correction * m[k] / (np.sqrt(v[k]) + eps)
        if steps == WARM:
            start = time.perf_counter()
    elapsed = time.perf_counter() - start
    print(f"numpy-floor convnet: {steps - WARM} timed steps, {elapsed:.3f}s, {elapsed / (steps - WARM) * 1e6:.1f} "
          f"us/step")


if __name__ == "__main__":
    main()
