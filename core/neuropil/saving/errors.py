"""Errors raised while saving or loading, so callers can tell a bad file from a missing plugin."""
from __future__ import annotations

from ..errors import NeuropilError, UnknownComponentError


class SavedFileError(NeuropilError, ValueError):
    """A file is not a valid neuropil/safetensors file, or does not fit the model it is loaded into."""


class MissingPluginError(UnknownComponentError):
    """A saved model names a component whose providing plugin is not installed here."""


__all__ = ["SavedFileError", "MissingPluginError"]
