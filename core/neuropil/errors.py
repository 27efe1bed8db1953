"""Exception types shared by the core and by plugins.

Every error a user can trigger derives from :class:`NeuropilError`, so one ``except`` catches them all,
and each also derives from the builtin a Keras user would expect (``ValueError`` for bad input,
``KeyError``-free lookups raise ``ValueError`` too, as Keras' ``get`` functions do).
"""
from __future__ import annotations


class NeuropilError(Exception):
    """Base class of every error raised by neuropil."""


class UnknownComponentError(NeuropilError, ValueError):
    """A name asked of a registry that no loaded plugin provides."""


class PluginConflictError(NeuropilError, ValueError):
    """Two distributions registered the same name and the user has not chosen between them."""


class PluginLoadError(NeuropilError, RuntimeError):
    """A plugin failed to import or to register (raised only in strict mode; otherwise a warning)."""


class PluginLoadWarning(UserWarning):
    """A plugin failed to import or to register and was skipped; every other plugin keeps working."""


class BackendUnavailableError(NeuropilError, RuntimeError):
    """A backend was asked for by name but cannot run here (no library, no device)."""


class NotCompiledError(NeuropilError, RuntimeError):
    """A training or evaluation call on a model that was never compiled."""


class InputValidationError(NeuropilError, ValueError):
    """Data handed to a model has the wrong shape, dtype, length or values."""


class ArgumentError(NeuropilError, ValueError):
    """A constructor or call argument has a bad value (out of range, not one of the choices, ...)."""


class ArgumentTypeError(ArgumentError, TypeError):
    """A constructor or call argument is of the wrong kind (a string where a number belongs, ...).

    Python's convention for a wrong kind is ``TypeError``; Keras raises ``ValueError`` for most bad
    arguments; as an :class:`ArgumentError` this is both, so code written against either catches it.
    """


class LayerError(NeuropilError, ValueError):
    """A layer cannot be built or called as asked: a duplicate name, an input shape that does not fit."""


class ModelError(NeuropilError, ValueError):
    """A model cannot do what was asked in its current state: not built yet, no layers, no such layer."""


class EmptyModelError(ModelError, IndexError):
    """``pop`` on a model with no layers (an ``IndexError``, as for an empty list)."""


class MissingKeyError(NeuropilError, KeyError):
    """A key that was asked for is not there (a log entry a checkpoint's file path names)."""
