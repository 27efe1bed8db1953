"""The callback protocol (Keras semantics) and the list that dispatches to several callbacks.

Batch-level hooks are the expensive ones: building a batch's logs means bringing the loss to the host.
:class:`CallbackList` therefore calls them, and asks for batch logs, only when some callback actually
overrides a batch hook.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ArgumentTypeError

Logs = dict[str, Any]

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                "on_predict_batch_begin", "on_predict_batch_end")
#: Hooks whose first argument is an epoch or batch index; the others take only ``logs``.
_INDEXED_HOOKS = frozenset({"on_epoch_begin", "on_epoch_end", *_BATCH_HOOKS})


class Callback:
    """Base class: override the hooks you need. ``self.model`` and ``self.params`` are set by ``fit``."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_begin(self, logs: Logs | None = None) -> None: ...
    def on_test_end(self, logs: Logs | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_begin(self, logs: Logs | None = None) -> None: ...
    def on_predict_end(self, logs: Logs | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` does something at ``hook``: a subclass method or, as LambdaCallback sets
    them, a function on the instance."""
    return hook in vars(callback) or getattr(type(callback), hook, None) is not getattr(Callback, hook)


class CallbackList:
    """Calls a hook on every callback, in order."""

    def __init__(self, callbacks: Iterable[Callback] | None, model: Any, params: dict[str, Any]) -> None:
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise ArgumentTypeError(f"callbacks must be neuropil.callbacks.Callback instances, received "
                                f"{type(callback).__name__}")
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        self.wants_batches = {h: any(_overrides(c, h) for c in self.callbacks) for h in _BATCH_HOOKS}

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        # As Keras, every hook receives its logs, None where there are none yet, so a plain function
        # (LambdaCallback) can be written with the full signature.
        arity = 2 if hook in _INDEXED_HOOKS else 1

        def dispatch(*args: Any) -> None:
            args = args + (None,) * (arity - len(args))
            for callback in self.callbacks:
                getattr(callback, hook)(*args)

        return dispatch
