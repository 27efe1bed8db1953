"""The conformance suite over neuropil's own first-party components: every layer, activation, loss,
optimizer, metric, backend, regularizer, initializer and constraint of neuropil-standard and
neuropil-metrics passes."""
from __future__ import annotations

import neuropil.plugins
import pytest
from neuropil.testing.instances import ConformanceSkip
from neuropil.testing.suite import cases

FIRST_PARTY = ["neuropil-standard", "neuropil-metrics"]


def _cases() -> dict:
    neuropil.plugins.reload()
    return {c.id: c for c in cases(FIRST_PARTY)}


CASES = _cases()
IDS = list(CASES)


def test_standard_components_are_all_covered() -> None:
    assert {"layers:Dense:param_gradients", "activations:softmax:input_gradient",
            "losses:categorical_crossentropy:input_gradient", "optimizers:Adam:reference_update",
            "metrics:accuracy:streaming", "initializers:GlorotUniform:reproducible",
            "initializers:Zeros:shape_and_dtype", "constraints:MaxNorm:idempotent",
            "constraints:NonNeg:pure", "layers:BatchNormalization:state",
            "layers:BatchNormalization:input_gradient", "schedules:ExponentialDecay:rates",
            "schedules:CosineDecay:pure", "schedules:PiecewiseConstantDecay:config_roundtrip"} <= set(IDS)


@pytest.mark.parametrize("case_id", IDS)
def test_first_party_component_conforms(case_id: str) -> None:
    try:
        CASES[case_id].run()
    except ConformanceSkip as exc:
        pytest.skip(str(exc))
