"""The conformance suite on multi-input layers: a third-party layer declaring lists of input shapes is
fed several inputs, and a backward that drops one input's gradient is caught by the gradient property
and by no other."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil.plugin_system.namespace import lookup
from neuropil.testing.gradients import GradientMismatch
from neuropil.testing.instances import build_layer, host_backend, layer_configs
from neuropil.testing.properties._layer_runs import input_gradients
from neuropil.testing.properties.layers import problem
from neuropil.testing.suite import cases
from test_conformance import failure_of, outcome

MERGE_LAYERS = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot")


@pytest.fixture
def merge_plugin(request: pytest.FixtureRequest) -> None:
    """tests/conformance_fixtures/broken_merge installed: a correct multi-input layer with a weight
    per input, and a subclass whose backward zeroes every input's gradient but the first."""
    request.getfixturevalue("installed")("broken_merge")


def test_a_correct_multi_input_layer_passes_every_property_and_a_half_blind_one_fails_only_gradients(
        merge_plugin: None) -> None:
    results = {c.id: outcome(c) for c in cases(["broken_merge"])}
    failing = {cid for cid, r in results.items() if r == "failed"}
    assert failing == {"layers:HalfBlindWeightedSum:input_gradient"}, results
    # backends needs a second backend; reference runs only where a reference is declared (none here)
    ran = {cid: r for cid, r in results.items()
           if cid not in failing and not cid.endswith((":backends", ":reference"))}
    assert set(ran.values()) == {"passed"}, ran  # parameter gradients, purity and state all ran
    assert {"layers:WeightedSum:param_gradients", "layers:HalfBlindWeightedSum:param_gradients"} <= set(ran)


def test_the_report_names_the_input_whose_gradient_is_wrong(merge_plugin: None) -> None:
    report = failure_of("broken_merge", "layers:HalfBlindWeightedSum:input_gradient").report()
    assert "d(output)/d(x[1])" in report and "central differences give" in report
    assert "Smallest failing example" in report


def test_every_declared_list_of_shapes_that_builds_is_checked(merge_plugin: None) -> None:
    shapes = [shape for _, shape, _ in layer_configs(lookup("layers", "WeightedSum"))]
    assert shapes == [[(3,), (3,)], [(2, 2), (2, 2), (2, 2)]]


def test_every_merge_layer_is_a_case_of_every_layer_property() -> None:
    ids = {c.id for c in cases(["neuropil-standard"], kinds=["layers"])}
    for name in MERGE_LAYERS:
        for prop in ("input_gradient", "param_gradients", "pure_backward", "state", "backends"):
            assert f"layers:{name}:{prop}" in ids


def test_concatenate_and_dot_configs_each_find_shapes_that_fit_them() -> None:
    by_config: dict[str, list] = {}
    for config, shape, _ in layer_configs(lookup("layers", "Dot")):
        by_config.setdefault(repr(config), []).append(shape)
    assert by_config["{'axes': 1}"] == [[(3,), (3,)], [(3, 2), (3, 4)]]
    assert by_config["{'axes': (1, 2)}"] == [[(2, 3), (3, 2)], [(3, 2), (4, 3)], [(3,), (2, 3)]]
    assert [(3,), (2, 3)] in by_config["{'axes': -1, 'normalize': True}"]
    concatenate = {repr(c): s for c, s, _ in layer_configs(lookup("layers", "Concatenate"))}
    assert set(concatenate) == {"{}", "{'axis': 1}", "{'axis': -2}"}


def test_a_backward_returning_too_few_gradients_or_a_none_is_refused() -> None:
    x = [np.zeros((1, 2)), np.zeros((1, 2))]
    with pytest.raises(GradientMismatch, match="returned 1 gradients, expected a list of 2"):
        input_gradients(x, [np.zeros((1, 2))])
    with pytest.raises(GradientMismatch, match="None for x\\[1\\]"):
        input_gradients(x, [np.zeros((1, 2)), None])
    with pytest.raises(GradientMismatch, match="a ndarray"):
        input_gradients(x, np.zeros((1, 2)))


def test_each_input_is_a_variable_of_the_gradient_problem() -> None:
    layer = build_layer(lookup("layers", "Multiply"), {}, [(2,), (2,)], 0)
    x = [np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]])]
    fn = problem(layer, x, training=False)
    assert list(fn.variables) == ["x[0]", "x[1]"]
    y, backward = fn.forward()
    grads = backward(np.ones((1, 2)))
    np.testing.assert_array_equal(grads["x[0]"], x[1])
    np.testing.assert_array_equal(grads["x[1]"], x[0])


def test_pure_backward_names_the_input_a_multi_input_layer_modifies() -> None:
    from neuropil.layers import Add
    from neuropil.testing.gradients import check_pure_backward

    class ClampsSecondInput(Add):
        def forward(self, inputs, training=False):
            inputs[1][...] = inputs[1].clip(-1.0, 1.0)  # the bug: writes into the caller's array
            return super().forward(inputs, training)

    layer = ClampsSecondInput()
    layer.ensure_built([(3,), (3,)], host_backend(), np.random.default_rng(0))
    x = [np.array([[0.5, -0.5, 0.0]]), np.array([[3.0, -3.0, 0.5]])]
    fn = problem(layer, x, training=False, missing_ok=True)
    with pytest.raises(GradientMismatch, match=r"modified its input 'x\[1\]' in place"):
        check_pure_backward(fn, {"x": x}, np.random.default_rng(0))


def test_backends_compares_every_input_of_multi_input_layers(installed) -> None:  # noqa: F811
    """With a second backend (broken_layer_state's fused_numpy), ``backends`` really runs on the
    fixture's and the standard merge layers, comparing the output and each input's gradient."""
    installed("broken_merge", "broken_layer_state")
    selected = [c for c in cases(["broken_merge", "neuropil-standard"], kinds=["layers"]) if c.prop == "backends"
                and c.name in {"WeightedSum", "Add", "Maximum", "Concatenate", "Dot"}]
    assert len(selected) == 5
    assert {c.id: outcome(c) for c in selected} == {c.id: "passed" for c in selected}
