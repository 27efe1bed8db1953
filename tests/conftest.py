"""Shared fixtures: installed-distribution factories and a clean plugin state per test."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from distributions import forget_modules, write_distribution  # noqa: E402


@pytest.fixture
def install_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """Install tiny distributions onto sys.path for one test; plugins are reloaded around it."""
    import neuropil.plugins

    written: list[str] = []

    def install(dist: str, version: str, entry_points: dict[str, str], modules: dict[str, str]) -> Path:
        root = write_distribution(tmp_path / dist, dist, version, entry_points, modules)
        monkeypatch.syspath_prepend(str(root))
        written.extend(Path(m).parts[0].removesuffix(".py") for m in modules)
        neuropil.plugins.reload()
        return root

    neuropil.plugins.reload()
    yield install
    forget_modules(written)
    monkeypatch.undo()
    neuropil.plugins.reload()


@pytest.fixture(autouse=True)
def _restore_global_settings() -> Iterator[None]:
    """Tests that change floatx or the backend choice must not leak into the next test."""
    import neuropil.base.backend
    import neuropil.config

    floatx = neuropil.config.floatx()
    yield
    neuropil.config.set_floatx(floatx)
    neuropil.base.backend._CHOSEN = None


#: The deliberately broken (and one good) plugin distributions the conformance tests install.
FIXTURES = Path(__file__).parent / "conformance_fixtures"


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """``installed(dist)`` puts a fixture distribution (and those it requires) on sys.path and
    reloads the plugins; afterwards the fixture modules are forgotten and the plugins reloaded."""
    import neuropil.plugins

    def install(*dists: str) -> None:
        for dist in dists + tuple(r for d in dists for r in requirements(d)):
            monkeypatch.syspath_prepend(str(FIXTURES / dist))
        neuropil.plugins.reload()

    yield install
    monkeypatch.undo()
    forget_modules([p.name for d in FIXTURES.iterdir() if d.is_dir() for p in d.iterdir()
                    if p.name.startswith("np_fixture_")])
    neuropil.plugins.reload()


def requirements(dist: str) -> list[str]:
    """The fixture distributions ``dist`` requires (its METADATA's ``Requires-Dist``), which pip would
    install along with it."""
    (metadata,) = (FIXTURES / dist).glob("*.dist-info/METADATA")
    return [line.partition(":")[2].strip() for line in metadata.read_text().splitlines()
            if line.startswith("Requires-Dist:")]
