"""Hypothesis profiles for the conformance suite: ``ci`` (thorough, reproducible) and ``dev`` (quick).

Why profiles rather than settings baked into each check: the same checks serve a plugin author
iterating locally (seconds matter, randomness finds new bugs over repeated runs) and CI (a failure must
reproduce exactly, so the run is derandomized and prints the blob to replay it).
"""
from __future__ import annotations

import os
from typing import Any

PROFILES = ("ci", "dev")
ENV_VAR = "HYPOTHESIS_PROFILE"

_chosen: str | None = None


def register_profiles() -> None:
    """Register ``ci`` and ``dev`` with Hypothesis (idempotent; imports Hypothesis)."""
    from hypothesis import HealthCheck, Phase, settings

    # Conformance examples build components and run finite differences: each takes milliseconds, so
    # a per-example deadline would only produce flaky failures on slow CI machines.
    # The explain phase would list the checker's own lines ("always and only run by failing test
    # cases"), which says nothing about the component under test.
    # Both profiles derive from Hypothesis's own "default" profile, not from whatever is current:
    # Hypothesis loads its built-in "ci" profile by itself when it sees a CI environment (CI=true),
    # and ``dev`` would otherwise inherit that profile's derandomize=True there.
    base = settings.get_profile("default")
    common: dict[str, Any] = dict(parent=base, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                                  phases=[p for p in Phase if p.name != "explain"])
    # 30 examples per property: with the shrinking towards small shapes and the kink handling, the
    # suite's deliberately broken plugins are caught in the first few examples; 30 leaves margin for
    # bugs that show only for some shapes (batch of 1, one feature) while keeping a full run of the
    # standard plugin well under a minute.
    settings.register_profile("ci", derandomize=True, max_examples=30, print_blob=True, database=None,
                              **common)
    # No example database: checks are generated per component, so stored examples would be replayed
    # against the wrong component; a failure is reproduced from its printed blob instead.
    settings.register_profile("dev", derandomize=False, max_examples=10, database=None, print_blob=True, **common)


def load_profile(name: str) -> None:
    """Make ``name`` the active Hypothesis profile (for every test) and for the conformance checks."""
    global _chosen
    from hypothesis import settings

    register_profiles()
    settings.load_profile(name)
    _chosen = name


def check_settings() -> Any:
    """The settings the conformance checks run under.

    The profile chosen through :func:`load_profile` (``--neuropil-hypothesis-profile``), else the one
    named by ``HYPOTHESIS_PROFILE``, else ``dev``; Hypothesis's own default profile (100 examples, a
    200 ms deadline) is never used, since it is both slow and flaky for these checks.
    """
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    register_profiles()
    name = _chosen or os.environ.get(ENV_VAR) or "dev"
    try:
        base = settings.get_profile(name)
    except InvalidArgument:
        base = settings.get_profile("dev")
    return settings(base, deadline=None)
