"""Errors raised while saving or loading, so callers can tell a bad file from a missing plugin."""
from __future__ import annotations

import reprlib
from typing import Any

from ..errors import NeuropilError, UnknownComponentError


class SavedFileError(NeuropilError, ValueError):
    """A file is not a valid neuropil/safetensors file, or does not fit the model it is loaded into."""


class SavedFileNotFoundError(SavedFileError, FileNotFoundError):
    """The file to load does not exist (a ``FileNotFoundError`` too, as Python's ``open`` raises)."""


class MissingPluginError(UnknownComponentError):
    """A saved model names a component whose providing plugin is not installed here."""


_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 120
_BRIEF.maxlist = _BRIEF.maxdict = _BRIEF.maxtuple = 8
_BRIEF.maxlevel = 3
_BRIEF.maxlong = 60


def brief(value: Any) -> str:
    """A repr short enough for a message, whatever a hostile file put there: built piece by piece and
    cut at a few levels and items, so a huge or deeply nested value never costs its full repr."""
    return _BRIEF.repr(value)


__all__ = ["SavedFileError", "SavedFileNotFoundError", "MissingPluginError", "brief"]
