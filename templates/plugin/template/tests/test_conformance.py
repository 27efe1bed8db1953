"""neuropil's conformance suite over this plugin's own components: backwards against central finite
differences (layers, activations, losses, regularizers), pure backwards, the optimizer against its
reference formula and its saved state, streaming metrics, backend round trips, initializers' fresh and
reproducible arrays, idempotent constraints, schedules' rates, configs that survive saving, and
agreement across backends.

Each case is one test, ``kind:Name:property``. A failure names the component, the property and the
smallest failing input Hypothesis found. Set ``HYPOTHESIS_PROFILE=ci`` for the thorough,
derandomized run; the default ``dev`` profile is quick.

The same cases run with ``pytest --neuropil-conformance --neuropil-plugin DISTRIBUTION`` or
``neuropil check DISTRIBUTION``.
"""
from __future__ import annotations

import pytest

from neuropil.testing import ConformanceSkip, cases

from _expected import DISTRIBUTION

CASES = cases([DISTRIBUTION])


def test_every_component_is_checked() -> None:
    assert CASES, f"no conformance cases for {DISTRIBUTION}: is it installed (pip install -e .)?"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_conformance(case) -> None:
    try:
        case.run()
    except ConformanceSkip as exc:
        pytest.skip(str(exc))
