"""Where a training step of the keras-io MNIST convnet spends its wall time, phase by phase.

    python bench/convnet_profile.py [--steps 20]

Runs ``fit`` on the benchmark's model and data (bench/convnet.py) after a warm-up, with a wall-clock
timer around each phase of each layer: a convolution's forward (im2col and product, piece by piece
of the batch), its kernel gradient (the pieces' columns built again, and ``columns.T @ dy``) and its
input gradient (``dy @ kernel.T`` and the scatter back onto the input), the pooling's forward and
backward, every other layer's forward and backward, the activations the executor applies after a
pooling, and the optimizer's update; the rest is the loss and the loop. Wall time, not cProfile: the
layers run their pieces on several threads, which a profiler of the calling thread does not see.

The im2col copy and the product it feeds run piece by piece, interleaved, so one timer covers both;
``--split`` adds a line per convolution timing the copies alone on the same pieces (outside ``fit``).
"""
from __future__ import annotations

import argparse
import collections
import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from convnet import BATCH, model

TOTALS: collections.Counter[str] = collections.Counter()


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TOTALS[name] += time.perf_counter() - start
    return run


def instrument(net: Any) -> None:
    """Timers on every layer's forward and on the backward it returns; inside a convolution, on its
    geometry's three phases (the layer's own timers then hold only what is left: the bias, relu)."""
    for layer in net.layers:
        geometry = getattr(layer, "_geometry", None)
        if geometry is not None and hasattr(geometry, "kernel_gradient"):
            for phase in ("forward", "kernel_gradient", "input_gradient"):
                setattr(geometry, phase, timed(f"{layer.name} {phase.replace('_', ' ')}", getattr(geometry, phase)))

        # training runs whichever the executor planned: forward_logits for a deferred activation, the
        # arranged pair for a convolution handing its output to a pooling
        for method in ("forward", "forward_logits", "forward_arranged", "forward_from_arranged"):
            inner = getattr(layer, method, None)
            if inner is None:
                continue

            def forward(*args: Any, _layer: Any = layer, _inner: Any = inner) -> Any:
                y, backward = timed(f"{_layer.name} forward (rest)", _inner)(*args)
                return y, timed(f"{_layer.name} backward (rest)", backward)

            setattr(layer, method, forward)
        deferred = getattr(layer, "activation", None)
        if deferred is not None and hasattr(deferred, "forward"):
            deferred.forward = timed(f"{layer.name} activation (deferred)", deferred.forward)
    optimizer = net.compiled.optimizer
    optimizer.update_step = timed("optimizer update", optimizer.update_step)


def split_im2col(net: Any) -> dict[str, float]:
    """Milliseconds per step of the im2col copies alone, on the pieces ``fit`` uses, in the order
    training takes the rows (window by window when the pooling after asks for it); once per step
    where the forward keeps its columns for the kernel gradient (they are narrower than the output),
    twice where the kernel gradient builds them again."""
    from neuropil_standard._threads import map_batch
    from neuropil_standard.layers.conv._ops import pad

    rng = np.random.default_rng(0)
    found: dict[str, float] = {}
    shape: tuple[int, ...] = (BATCH, 28, 28, 1)
    layers = list(net.layers)
    for layer, reader in zip(layers, [*layers[1:], None]):
        geometry = getattr(layer, "_geometry", None)
        if geometry is not None and hasattr(geometry, "columns"):
            arrangement = reader.input_arrangement() if reader is not None else None
            if arrangement is None or not layer.arranges(arrangement):
                arrangement = None
            padded = pad(np, rng.random(shape, dtype=np.float32), geometry.axes)
            size = geometry.cropped(arrangement)._piece_size(BATCH, True, layer.filters)
            copy = functools.partial(geometry.columns, np, padded, ones=True, arrangement=arrangement)
            map_batch(copy, BATCH, size)
            start = time.perf_counter()
            for _ in range(10):
                map_batch(copy, BATCH, size)
            times = 1 if geometry.keeps_columns(True, layer.filters) else 2
            found[f"{layer.name} im2col copies alone (x{times} per step)"] = times * (time.perf_counter() - start) / 10
        shape = (BATCH, *layer.compute_output_shape(shape[1:]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--split", action="store_true", help="also time the im2col copies alone")
    args = parser.parse_args()
    rng = np.random.default_rng(1000)
    n = BATCH * args.steps
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    net = model()
    net.compile(optimizer="adam", loss="categorical_crossentropy")  # type: ignore[attr-defined]
    net.fit(x[:5 * BATCH], y[:5 * BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # type: ignore[attr-defined]
    instrument(net)
    start = time.perf_counter()
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # type: ignore[attr-defined]
    step = (time.perf_counter() - start) / args.steps * 1000
    per_step = {name: seconds / args.steps * 1000 for name, seconds in TOTALS.items()}
    for layer in net.layers:  # a layer's own timers include its geometry's: keep only the remainder
        if f"{layer.name} forward" in per_step:
            per_step[f"{layer.name} forward (rest)"] -= per_step[f"{layer.name} forward"]
            per_step[f"{layer.name} backward (rest)"] -= sum(per_step.get(f"{layer.name} {phase} gradient", 0.0)
                                                            for phase in ("kernel", "input"))
    print(f"{args.steps} steps of batch {BATCH}: {step:.1f} ms/step (wall)")
    for name, ms in sorted(per_step.items(), key=lambda item: -item[1]):
        print(f"  {name:48s} {ms:6.1f} ms  {ms / step:5.1%}")
    rest = step - sum(per_step.values())
    print(f"  {'the rest (loss, the loop)':48s} {rest:6.1f} ms  {rest / step:5.1%}")
    if args.split:
        for name, seconds in split_im2col(net).items():
            print(f"  {name:48s} {seconds * 1000:6.1f} ms  (part of the phases above)")


if __name__ == "__main__":
    main()
