"""The ``reference`` property of schedules, regularizers and constraints, and the support check of
initializers' ``statistics``, catch a component that is wrong but passes every other property
(tests/conformance_fixtures/broken_formula), and a component declaring no formula is a visible skip
naming what to declare."""
from __future__ import annotations

import pytest
from neuropil.testing.instances import ConformanceSkip
from neuropil.testing.suite import ConformanceFailure, cases
from test_conformance import outcome

FAILING = {"schedules:late_exponential_decay:reference", "regularizers:halved_l2:reference",
           "constraints:row_max_norm:reference", "initializers:coin_flip_uniform:statistics"}


def test_each_formula_bug_fails_reference_and_nothing_else(installed) -> None:
    installed("broken_formula")
    results = {c.id: outcome(c) for c in cases(["broken_formula"])}
    assert {cid for cid, r in results.items() if r == "failed"} == FAILING, results
    others = {cid: r for cid, r in results.items() if cid not in FAILING and not cid.endswith(":backends")}
    assert set(others.values()) == {"passed"}, others


@pytest.mark.parametrize("case_id, words", [
    ("schedules:late_exponential_decay:reference", ["schedule(0) = ", "the declared reference gives 0.1"]),
    ("regularizers:halved_l2:reference", ["loss(w) against the declared reference"]),
    ("constraints:row_max_norm:reference", ["constraint(w)", "against the declared reference"]),
    ("initializers:coin_flip_uniform:statistics", ["never within 2.5%", "declared support"]),
])
def test_formula_bug_is_reported_with_name_property_and_example(installed, case_id, words) -> None:
    installed("broken_formula")
    (case,) = [c for c in cases(["broken_formula"]) if c.id == case_id]
    with pytest.raises(ConformanceFailure) as info:
        case.run()
    report = info.value.report()
    name, prop = case_id.split(":")[1:]
    assert f"{name!r} from broken_formula 0.1" in report and f"fails {prop!r}" in report
    for word in words:
        assert word in report


@pytest.mark.parametrize("plugin, case_id, declaration", [
    ("broken_schedule", "schedules:overshooting_decay:reference", "reference(step) -> rate"),
    ("broken_constraint", "constraints:inplace_non_neg:reference", "reference(w) -> w'"),
])
def test_a_kind_without_a_declared_formula_is_skipped_naming_what_to_declare(installed, plugin, case_id,
                                                                            declaration) -> None:
    installed(plugin)
    (case,) = [c for c in cases([plugin]) if c.id == case_id]
    with pytest.raises(ConformanceSkip, match="no reference declared") as info:
        case.run()
    assert declaration in str(info.value)


def test_a_regularizer_without_a_formula_is_skipped(installed, monkeypatch) -> None:
    installed("broken_formula")
    from np_fixture_formula.plugin import HalvedL2

    monkeypatch.delattr(HalvedL2, "reference")
    (case,) = [c for c in cases(["broken_formula"]) if c.id == "regularizers:halved_l2:reference"]
    with pytest.raises(ConformanceSkip, match=r"reference\(w\) -> penalty"):
        case.run()

