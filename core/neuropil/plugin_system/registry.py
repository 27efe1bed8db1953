"""Name -> factory tables, one per component kind, filled by plugins.

Names are matched case- and underscore-insensitively ("Adam" == "adam", "MeanSquaredError" ==
"mean_squared_error"), so class-style and function-style Keras spellings resolve alike. Every entry
remembers the plugin, distribution and version it came from, which is what lets an error say who
provided what, and lets two distributions claiming one name be reported instead of silently shadowed.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ..errors import ArgumentTypeError, PluginConflictError, UnknownComponentError

#: While a saved component is rebuilt: the distributions its file records as providers, consulted
#: after the user's own preferences, so the nested names it resolves (a Dense's ``"relu"``) come
#: from the same distribution as the component itself when several provide them.
RECORDED_PROVIDERS: ContextVar[tuple[str, ...]] = ContextVar("neuropil_recorded_providers", default=())


def singular(kind: str) -> str:
    """One component of a kind, for messages: "layers" -> "layer", "losses" -> "loss"."""
    return kind[:-2] if kind.endswith("sses") else kind[:-1]


def normalize(name: str) -> str:
    """The lookup key of a name: lower case, without underscores, hyphens or spaces."""
    return "".join(ch for ch in name.lower() if ch not in "_- ")


@dataclass(frozen=True)
class Source:
    """Where a registration came from."""

    plugin: str
    distribution: str | None = None
    version: str | None = None
    entry_point: str | None = None

    def describe(self) -> str:
        dist = self.distribution or "(registered in-process)"
        version = f" {self.version}" if self.version else ""
        return f"{dist}{version} (plugin {self.plugin!r})"


@dataclass(frozen=True)
class Entry:
    """One registered component: its canonical name, factory, aliases and source."""

    kind: str
    name: str
    factory: Callable[..., Any]
    aliases: tuple[str, ...]
    source: Source

    def keys(self) -> set[str]:
        return {normalize(self.name), *(normalize(a) for a in self.aliases)}


@dataclass
class Registry:
    """The entries of one component kind.

    ``preferences`` maps a lookup key (or ``"*"`` for every key) to the distribution or plugin the user
    chose when several provide it; see :func:`neuropil.plugins.prefer`.
    """

    kind: str
    loader: Callable[[], None] = lambda: None
    _by_key: dict[str, list[Entry]] = field(default_factory=dict)
    preferences: dict[str, list[str]] = field(default_factory=dict)

    # -- filling ---------------------------------------------------------------------------------
    def add(self, entry: Entry) -> None:
        for key in entry.keys():
            bucket = self._by_key.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)

    def remove_plugin(self, plugin: str) -> None:
        for key in list(self._by_key):
            kept = [e for e in self._by_key[key] if e.source.plugin != plugin]
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]

    def clear(self) -> None:
        self._by_key.clear()

    # -- reading ---------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Every distinct entry, sorted by canonical name."""
        self.loader()
        seen: dict[int, Entry] = {}
        for bucket in self._by_key.values():
            for entry in bucket:
                seen[id(entry)] = entry
        return sorted(seen.values(), key=lambda e: (e.name.lower(), e.source.plugin))

    def names(self) -> list[str]:
        """Canonical names of every entry (a name several plugins provide appears once)."""
        return sorted({e.name for e in self.entries()}, key=str.lower)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        self.loader()
        _, _, bare = name.rpartition(":")
        return normalize(bare) in self._by_key

    def lookup(self, name: str) -> Entry:
        """The entry for ``name``; ``"distribution:name"`` picks one provider explicitly."""
        if not isinstance(name, str):
            raise ArgumentTypeError(f"{singular(self.kind)} name must be a string, got {type(name).__name__}")
        self.loader()
        qualifier, _, bare = name.rpartition(":")
        candidates = self._by_key.get(normalize(bare), [])
        if qualifier:
            candidates = [e for e in candidates if _provided_by(e, qualifier)]
        if not candidates:
            raise UnknownComponentError(self._unknown_message(name, bare, qualifier))
        providers = {(e.source.distribution, e.source.plugin) for e in candidates}
        if len(providers) == 1:
            return candidates[0]
        chosen = self._preferred(normalize(bare), candidates)
        if chosen is not None:
            return chosen
        listing = "; ".join(f"{e.name!r} from {e.source.describe()}" for e in candidates)
        first = candidates[0].source.distribution or candidates[0].source.plugin
        raise PluginConflictError(
            f"{singular(self.kind)} name {bare!r} is provided by several plugins: {listing}. Choose one "
            f"with a qualified name ('{first}:{bare}'), neuropil.plugins.prefer('{first}', "
            f"kind='{self.kind}', name='{bare}'), or NEUROPIL_PREFER={first}."
        )

    def _preferred(self, key: str, candidates: list[Entry]) -> Entry | None:
        for choice in self.preferences.get(key, []) + self.preferences.get("*", []) + list(RECORDED_PROVIDERS.get()):
            matching = [e for e in candidates if _provided_by(e, choice)]
            if matching:
                return matching[0]
        return None

    def _unknown_message(self, name: str, bare: str, qualifier: str) -> str:
        spellings = {normalize(s): s for e in self.entries() for s in (e.name, *e.aliases)}
        close = difflib.get_close_matches(normalize(bare), list(spellings), n=3, cutoff=0.6)
        message = f"Unknown {singular(self.kind)} {name!r}"
        if qualifier:
            message += f" (no plugin or distribution {qualifier!r} provides {bare!r})"
        message += "."
        if close:
            message += " Did you mean: " + ", ".join(repr(spellings[c]) for c in close) + "?"
        installed = self.names()
        message += (
            f" Installed {self.kind}: {', '.join(installed)}."
            if installed
            else f" No {self.kind} are installed: is a plugin such as neuropil-standard installed?"
        )
        allow = os.environ.get("NEUROPIL_PLUGINS")
        if allow is not None:
            message += f" (NEUROPIL_PLUGINS={allow!r} limits which plugins load.)"
        return message


def _provided_by(entry: Entry, who: str) -> bool:
    wanted = normalize(who)
    return wanted in {normalize(entry.source.plugin), normalize(entry.source.distribution or "")}


def entries_by_source(registries: Iterable[Registry], plugin: str) -> dict[str, list[str]]:
    """What one plugin registered, kind -> canonical names."""
    out: dict[str, list[str]] = {}
    for registry in registries:
        names = sorted({e.name for e in registry.entries() if e.source.plugin == plugin}, key=str.lower)
        if names:
            out[registry.kind] = names
    return out
