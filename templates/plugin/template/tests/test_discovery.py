"""neuropil finds the plugin the way a user's program does: through its entry point, once installed
(``pip install -e .``), with every name resolving to this package's components."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from _expected import DISTRIBUTION, ENTRY_POINT, PACKAGE, REGISTERS


def test_package_and_hooks_import() -> None:
    plugin = importlib.import_module(f"{PACKAGE}.plugin")
    hooks = {name for name in dir(plugin) if name.startswith("neuropil_register_")}
    assert hooks == {f"neuropil_register_{kind}" for kind in REGISTERS}


def test_listed_by_neuropil_plugins() -> None:
    listing = subprocess.run([sys.executable, "-m", "neuropil.cli", "plugins", "--json"],
                             capture_output=True, text=True, check=True)
    records = {record["distribution"]: record for record in json.loads(listing.stdout)}
    assert DISTRIBUTION in records, (
        f"{DISTRIBUTION} is not among the installed neuropil plugins ({', '.join(map(str, records))}); "
        f"install it first: pip install -e .")
    record = records[DISTRIBUTION]
    assert record["error"] is None, record["error"]
    assert record["plugin"] == ENTRY_POINT
    assert record["registers"] == REGISTERS


@pytest.mark.parametrize("kind, name", [(kind, name) for kind, names in REGISTERS.items() for name in names])
def test_names_resolve_to_this_package(kind: str, name: str) -> None:
    namespace = importlib.import_module(f"neuropil.{kind}")
    # Lookups ignore case, underscores and hyphens, and fail naming both providers on a conflict.
    for spelling in (name, name.upper()):
        factory = getattr(namespace, spelling)
        assert factory.__module__.startswith(f"{PACKAGE}."), factory
