"""Real (if tiny) installed distributions for plugin-discovery tests.

A folder on ``sys.path`` holding a package and a ``NAME-VERSION.dist-info`` with ``METADATA`` and
``entry_points.txt`` is an installed distribution as far as ``importlib.metadata`` is concerned: the
same files pip writes. Tests therefore exercise the real entry-point discovery, not a mock of it.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path


def write_distribution(root: Path, dist: str, version: str, entry_points: dict[str, str],
                       modules: dict[str, str]) -> Path:
    """Write modules and a dist-info for distribution ``dist`` under ``root``; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for filename, source in modules.items():
        path = root / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[neuropil]"] + [f"{name} = {target}" for name, target in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return root


def forget_modules(names: list[str]) -> None:
    for name in list(sys.modules):
        if any(name == n or name.startswith(n + ".") for n in names):
            del sys.modules[name]
