"""Public plugin API: register plugins in-process, inspect what is loaded, choose between providers.

Environment variables (read when plugins are first loaded):

- ``NEUROPIL_DISABLE_PLUGIN_AUTOLOAD=1``: load no third-party entry-point plugin (neuropil's own
  distributions still load).
- ``NEUROPIL_PLUGINS=a,b``: load only these plugins (entry-point or distribution names); empty loads none.
- ``NEUROPIL_STRICT_PLUGINS=1``: a plugin that fails to import or register is an error, not a warning.
- ``NEUROPIL_PREFER=dist-a,dist-b``: when several distributions provide one name, take the first listed.
"""
from __future__ import annotations

from typing import Any

from .plugin_system.hookspecs import hookimpl
from .plugin_system.manager import PluginRecord, manager

__all__ = ["hookimpl", "register", "unregister", "plugins", "prefer", "reload", "PluginRecord"]


def register(plugin: Any, name: str | None = None) -> str:
    """Register a module or object carrying ``@neuropil.hookimpl`` functions; returns its name.

    Its components become available at once, exactly as if it had been installed with an entry point.
    A plugin that fails to register raises :class:`neuropil.errors.PluginLoadError` and leaves nothing
    behind.
    """
    return manager().register(plugin, name)


def unregister(name: str) -> None:
    """Remove a registered plugin and every component it registered."""
    manager().unregister(name)


def plugins() -> list[PluginRecord]:
    """Every plugin seen (loaded or failed), with what it registered."""
    return manager().plugin_records()


def prefer(distribution_or_plugin: str, kind: str | None = None, name: str | None = None) -> None:
    """Resolve name conflicts in favour of ``distribution_or_plugin``.

    With ``kind`` and ``name`` the choice applies to that one name; without, to every name it provides.
    The latest call wins.
    """
    manager().prefer(distribution_or_plugin, kind, name)


def reload() -> None:
    """Forget loaded plugins; the next lookup scans entry points and environment variables again."""
    manager().reset()
