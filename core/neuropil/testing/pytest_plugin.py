"""pytest plugin (entry point ``pytest11: neuropil``): the conformance suite as generated test items.

``pytest --neuropil-conformance`` adds one item per installed component and property, named
``conformance[kind:Name:property]``, to whatever else the run collects; ``--neuropil-plugin NAME``
(repeatable) keeps the components of that plugin or distribution only.

pytest imports this module in every run of every project where neuropil is installed, so it imports
nothing heavy and loads no neuropil plugin until the suite is actually requested.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

PROFILE_ENV = "HYPOTHESIS_PROFILE"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("neuropil", "neuropil conformance suite")
    group.addoption("--neuropil-conformance", action="store_true", default=False,
                    help="add conformance tests for every installed neuropil component")
    group.addoption("--neuropil-plugin", action="append", default=[], metavar="NAME",
                    help="with --neuropil-conformance: only the components of this plugin or "
                         "distribution (repeatable)")
    group.addoption("--neuropil-hypothesis-profile", default=None, metavar="NAME",
                    help="Hypothesis profile to load: 'ci' (derandomized, thorough) or 'dev' (quick); "
                         f"default: ${PROFILE_ENV}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Load the requested profile; register ours before Hypothesis's own plugin loads a profile named
    by ``--hypothesis-profile``, so that ``--hypothesis-profile=ci`` works too."""
    name = config.getoption("neuropil_hypothesis_profile") or os.environ.get(PROFILE_ENV)
    hypothesis_option = config.getoption("hypothesis_profile", None)
    if not name and not hypothesis_option:
        return
    from neuropil.testing.profiles import PROFILES, load_profile, register_profiles

    if name in PROFILES:
        load_profile(name)
    else:
        register_profiles()


@pytest.fixture
def emulated_device() -> Iterator[Any]:
    """An :class:`~neuropil.testing.emulated_device.EmulatedDevice` registered as backend ``"emulated"``
    for one test, its sync counter reset: ``model.compile(..., backend="emulated")`` trains on it."""
    from neuropil.testing.emulated_device import emulated_backend

    with emulated_backend() as device:
        yield device


class ConformanceCollector(pytest.Collector):
    """The parent of the generated items (their node ids read ``neuropil-conformance::...``)."""

    def collect(self) -> list[pytest.Item]:
        return []


class ConformanceItem(pytest.Item):
    """One property of one component."""

    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from neuropil.testing.instances import ConformanceSkip

        try:
            self.case.run()
        except ConformanceSkip as exc:
            pytest.skip(str(exc))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from neuropil.testing.suite import ConformanceFailure

        if isinstance(excinfo.value, ConformanceFailure):
            return excinfo.value.report()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    if not config.getoption("neuropil_conformance"):
        return
    from neuropil.testing.suite import cases

    plugins = config.getoption("neuropil_plugin") or None
    selected = cases(plugins)
    if plugins and not selected:
        from neuropil.plugins import plugins as records

        known = ", ".join(f"{r.name} ({r.distribution or 'in-process'})" for r in records()) or "none"
        raise pytest.UsageError(f"--neuropil-plugin {', '.join(plugins)}: no installed plugin or "
                                f"distribution of that name registers components (installed: {known})")
    parent = ConformanceCollector.from_parent(session, name="neuropil-conformance",
                                              nodeid="neuropil-conformance")
    items.extend(ConformanceItem.from_parent(parent, name=f"conformance[{c.id}]", case=c) for c in selected)
