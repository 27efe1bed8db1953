"""Keras-style callbacks. Callbacks are part of the training loop, not plugins: they see the model."""
from .base import Callback, CallbackList
from .history import History

__all__ = ["Callback", "CallbackList", "History"]
