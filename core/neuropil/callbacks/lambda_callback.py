"""LambdaCallback: plain functions as hooks, for a one-off log line or plot without writing a class."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .base import Callback

#: Keras 2's names for the training-batch hooks, still accepted by Keras 3's LambdaCallback.
_LEGACY = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class LambdaCallback(Callback):
    """Each keyword names a hook and gives the function to run there, as in Keras: epoch hooks are
    called with ``(epoch, logs)``, batch hooks with ``(batch, logs)``, the begin/end hooks of training,
    testing and predicting with ``(logs)``. Any hook of :class:`Callback` may be given
    (``on_test_end=...``); ``on_batch_begin``/``on_batch_end`` mean the training batches.
    """

    def __init__(self, on_epoch_begin: Callable[..., Any] | None = None,
                 on_epoch_end: Callable[..., Any] | None = None,
                 on_train_begin: Callable[..., Any] | None = None,
                 on_train_end: Callable[..., Any] | None = None,
                 on_train_batch_begin: Callable[..., Any] | None = None,
                 on_train_batch_end: Callable[..., Any] | None = None,
                 **hooks: Callable[..., Any] | None) -> None:
        super().__init__()
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        known = sorted(name for name in vars(Callback) if name.startswith("on_"))
        for name, function in hooks.items():
            hook = _LEGACY.get(name, name)
            if hook not in known:
                raise ArgumentError(f"LambdaCallback got {name}=..., which is not a callback hook; hooks: "
                                 f"{', '.join(known)}")
            given[hook] = function
        for hook, function in given.items():
            if function is None:
                continue
            if not callable(function):
                raise ArgumentTypeError(f"LambdaCallback expects {hook} to be a function, received "
                                f"{type(function).__name__}")
            setattr(self, hook, function)  # an instance attribute: fit sees the hook as overridden
