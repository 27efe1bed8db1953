"""The conformance suite catches real bugs: deliberately broken plugins, installed as real
distributions (tests/conformance_fixtures), are each reported with their name and the property they
break, and a correct plugin passes every property."""
from __future__ import annotations

import neuropil.plugins
import numpy as np
import pytest
from neuropil.plugin_system.namespace import lookup
from neuropil.testing.instances import ConformanceSkip, build_layer
from neuropil.testing.properties._layer_runs import deterministic_modes
from neuropil.testing.suite import Case, ConformanceFailure, cases

#: Properties that check a declaration (a reference, a distribution, a range): a fixture that declares
#: none skips them, visibly.
DECLARED = (":reference", ":statistics", ":range")


def outcome(case: Case) -> str:
    try:
        case.run()
    except ConformanceSkip:
        return "skipped"
    except ConformanceFailure:
        return "failed"
    return "passed"


def failure_of(plugin: str, case_id: str) -> ConformanceFailure:
    (case,) = [c for c in cases([plugin]) if c.id == case_id]
    with pytest.raises(ConformanceFailure) as info:
        case.run()
    return info.value


def test_correct_plugin_passes_every_property(installed) -> None:
    installed("conformance_good")
    selected = cases(["conformance_good"])
    kinds = {c.kind for c in selected}
    assert {"layers", "activations", "losses", "optimizers", "metrics", "regularizers", "initializers",
            "constraints", "schedules"} <= kinds
    results = {c.id: outcome(c) for c in selected}
    assert "failed" not in results.values(), results
    # Only the cross-backend comparison may skip here (one backend); everything else really ran.
    assert all(r == "passed" for cid, r in results.items() if not cid.endswith(":backends")), results


@pytest.mark.parametrize("plugin, case_id, words", [
    ("broken_scale", "activations:sloppy_tanh:input_gradient", ["central differences"]),
    ("broken_softmax", "activations:diagonal_softmax:input_gradient", ["full Jacobian"]),
    ("broken_dropgrad", "layers:DropGradDense:param_gradients", ["grads['bias']"]),
    ("broken_mutate", "activations:inplace_relu:pure_backward", ["modified"]),
    ("broken_state", "optimizers:forgetful_momentum:state_roundtrip", ["restoring the state"]),
    ("broken_state", "metrics:mean_of_batch_means:streaming", ["batches"]),
    ("broken_init", "initializers:transposed_uniform:shape_and_dtype", ["has shape", "expected"]),
    ("broken_init", "initializers:global_normal:reproducible", ["generator in the same state"]),
    ("broken_constraint", "constraints:inplace_non_neg:pure", ["modified its input in place"]),
    ("broken_constraint", "constraints:soft_max_norm:idempotent", ["constraint(constraint(w))"]),
    ("broken_layer_state", "layers:InferenceUpdatingCenter:state",
     ["an inference forward (training=False) changed the non-trainable parameter 'moving_mean'"]),
    ("broken_layer_state", "layers:TrainingBackwardCenter:input_gradient", ["[inference mode]"]),
    ("broken_layer_state", "layers:FusedCenter:backends", ["in training mode on backend 'fused_numpy'"]),
    ("broken_schedule", "schedules:overshooting_decay:rates", ["must be finite and >= 0"]),
    ("broken_schedule", "schedules:counting_decay:pure", ["depend on the step alone"]),
    ("broken_schedule", "schedules:forgetful_decay:config_roundtrip", ["loaded from"]),
])
def test_broken_plugin_is_reported_with_name_property_and_example(installed, plugin, case_id, words) -> None:
    installed(plugin)
    report = failure_of(plugin, case_id).report()
    kind, name, prop = case_id.split(":")
    assert f"{name!r} from {plugin} 0.1" in report and f"fails {prop!r}" in report
    assert "Smallest failing example" in report and "Draw" in report
    for word in words:
        assert word in report


def test_broken_components_fail_only_the_property_they_break(installed) -> None:
    installed("broken_scale", "broken_dropgrad")
    results = {c.id: outcome(c) for c in cases(["broken_scale", "broken_dropgrad"])}
    assert results["activations:sloppy_tanh:input_gradient"] == "failed"
    assert results["activations:sloppy_tanh:pure_backward"] == "passed"
    assert results["layers:DropGradDense:param_gradients"] == "failed"
    assert results["layers:DropGradDense:input_gradient"] == "passed"


@pytest.mark.parametrize("plugin, failing", [
    ("broken_init", {"initializers:transposed_uniform:shape_and_dtype",
                     "initializers:cached_zeros:fresh_arrays",
                     "initializers:global_normal:reproducible",
                     "initializers:global_normal:config_roundtrip",  # unreproducible, so not after loading
                     "initializers:forgetful_normal:config_roundtrip"}),
    ("broken_constraint", {"constraints:upcasting_clip:shape_and_dtype",
                           "constraints:inplace_non_neg:pure",
                           "constraints:soft_max_norm:idempotent",
                           "constraints:float32_max_norm:config_roundtrip"}),
    ("broken_schedule", {"schedules:overshooting_decay:rates",
                         "schedules:counting_decay:pure",
                         "schedules:forgetful_decay:config_roundtrip"}),
])
def test_each_initializer_constraint_and_schedule_property_catches_its_bug_and_only_it(installed, plugin,
                                                                                      failing) -> None:
    """Every initializer, constraint and schedule property has a broken component only it catches."""
    installed(plugin)
    results = {c.id: outcome(c) for c in cases([plugin])}
    assert {cid for cid, r in results.items() if r == "failed"} == failing
    others = {cid: r for cid, r in results.items() if cid not in failing and not cid.endswith(":backends")
              and not (cid.endswith(DECLARED) and r == "skipped")}
    assert set(others.values()) == {"passed"}, others


def test_a_constraint_declaring_a_partial_step_is_not_held_to_idempotence(installed, monkeypatch) -> None:
    installed("broken_constraint")
    (case,) = [c for c in cases(["broken_constraint"]) if c.id == "constraints:soft_max_norm:idempotent"]
    monkeypatch.setattr(case.entry.factory, "idempotent", False, raising=False)
    assert outcome(case) == "skipped"


def test_plugin_filter_selects_by_plugin_or_distribution(installed) -> None:
    installed("conformance_good", "broken_scale")
    assert {c.entry.source.plugin for c in cases(["broken_scale"])} == {"broken_scale"}
    assert {c.name for c in cases(["broken-scale"])} == {"sloppy_tanh"}
    assert cases(["no_such_plugin"]) == []


def test_each_layer_mode_and_state_property_catches_its_bug_and_only_it(installed) -> None:
    """A forward that changes state it must not, an inference-mode backward that is wrong while the
    training one is right, and a bug of one backend's training path: each fails its property alone.
    broken_layer_state also registers a second backend, so every ``backends`` case really runs."""
    installed("broken_layer_state")
    results = {c.id: outcome(c) for c in cases(["broken_layer_state"])}
    failing = {"layers:InferenceUpdatingCenter:state", "layers:TrainingBackwardCenter:input_gradient",
               "layers:FusedCenter:backends"}
    assert {cid for cid, r in results.items() if r == "failed"} == failing
    others = {cid: r for cid, r in results.items() if cid not in failing}
    assert set(others.values()) == {"passed"}, others


def test_correct_layers_agree_across_backends_in_both_modes(installed) -> None:
    """With a second backend, correct layers pass ``backends``: BatchNormalization's batch statistics
    and moving-statistics update are compared in training mode, Dropout's random training forward is
    left out rather than failed."""
    installed("conformance_good", "broken_layer_state")  # the latter brings the fused_numpy backend
    selected = [c for c in cases(["conformance_good", "neuropil-standard"], kinds=["layers"])
                if c.prop == "backends"]
    assert {"BatchNormalization", "Dropout", "RunningCenter"} <= {c.name for c in selected}
    results = {c.id: outcome(c) for c in selected}
    assert set(results.values()) == {"passed"}, results


def test_training_mode_is_checked_wherever_the_training_forward_is_deterministic(installed) -> None:
    """Judged from one saved state: RunningCenter's training forward moves the statistics it centers
    with, so two calls in a row differ, yet it is deterministic; Dropout's is random at any rate."""
    installed("conformance_good")
    modes = {}
    for name, config in [("RunningCenter", {}), ("BatchNormalization", {}), ("Dropout", {"rate": 0.5}),
                         ("Dropout", {"rate": 0.01}), ("Dropout", {"rate": 0.0})]:
        layer = build_layer(lookup("layers", name), config, (3,), 0)
        before = {n: v.copy() for n, v in layer.params.items()}
        modes[name, config.get("rate")] = deterministic_modes(layer, np.zeros((1, 3)))
        assert all(np.array_equal(layer.params[n], v) for n, v in before.items())  # the probe restores
    assert modes == {("RunningCenter", None): (True, False), ("BatchNormalization", None): (True, False),
                     ("Dropout", 0.5): (False,), ("Dropout", 0.01): (False,), ("Dropout", 0.0): (True, False)}


def test_state_reports_each_change_a_layer_must_not_make(installed) -> None:
    """The clauses of ``state`` the fixtures do not break, each reported with why it holds."""
    installed("conformance_good")
    from np_fixture_good.components import RunningCenter

    class TouchesGamma(RunningCenter):
        def statistics(self, x, training):
            if training:
                self.params["gamma"] *= 1.001
            return super().statistics(x, training)

    class UpdatesInBackward(RunningCenter):
        def forward(self, x, training=False):
            y, backward = super().forward(x, training)

            def moving_backward(dy):
                self.params["moving_mean"] += 1.0
                return backward(dy)

            return y, moving_backward

    class Wobbles(RunningCenter):
        def forward(self, x, training=False):
            y, backward = super().forward(x, training)
            self.calls = getattr(self, "calls", 0) + 1
            return y + self.calls * 1e-12, backward

    class Plugin:
        @neuropil.hookimpl
        def neuropil_register_layers(self, register):
            for layer in (TouchesGamma, UpdatesInBackward, Wobbles):
                register(layer.__name__, layer)

    name = neuropil.plugins.register(Plugin(), "state_clauses")
    reports = {}
    for case in cases([name]):
        if case.prop == "state":
            with pytest.raises(ConformanceFailure) as info:
                case.run()
            reports[case.name] = info.value.report()
    assert "a training forward changed the trainable parameter 'gamma' (only the optimizer" in reports["TouchesGamma"]
    assert ("the inference backward changed the non-trainable parameter 'moving_mean'"
            in reports["UpdatesInBackward"])
    assert "a second inference forward of the same input gave another output" in reports["Wobbles"]


@pytest.mark.parametrize("plugin, case_id, words", [
    ("broken_reference", "activations:mistyped_gelu:reference", ["against the declared reference"]),
    ("broken_extremes", "activations:overflowing_swish:finite", ["nan", "-10000.0", "float32"]),
    ("broken_perturbed", "layers:GammaBlindScale:perturbed_gradients", ["d(output)/d(x)", "at perturbed parameters"]),
    ("broken_statistics", "metrics:element_count_accuracy:range", ["outside the declared range [0.0, 1.0]"]),
    ("broken_statistics", "initializers:fan_blind_glorot:statistics", ["shape (5, 16, 32)", "variance"]),
])
def test_semantic_bug_is_reported_with_name_property_and_example(installed, plugin, case_id, words) -> None:
    installed(plugin)
    report = failure_of(plugin, case_id).report()
    name, prop = case_id.split(":")[1:]
    assert f"{name!r} from {plugin} 0.1" in report and f"fails {prop!r}" in report
    for word in words:
        assert word in report


@pytest.mark.parametrize("plugin, failing", [
    ("broken_reference", {"activations:mistyped_gelu:reference"}),
    ("broken_extremes", {"activations:overflowing_swish:finite"}),
    ("broken_perturbed", {"layers:GammaBlindScale:perturbed_gradients"}),
    ("broken_statistics", {"metrics:element_count_accuracy:range", "initializers:fan_blind_glorot:statistics"}),
])
def test_each_semantic_property_catches_its_bug_and_only_it(installed, plugin, failing) -> None:
    """A wrong but self-consistent forward fails ``reference`` alone; one that is right in [-3, 3] and
    NaN at -1e4 fails ``finite`` alone; a layer whose dx forgets gamma, exact at gamma = 1, fails
    ``perturbed_gradients`` alone."""
    installed(plugin)
    results = {c.id: outcome(c) for c in cases([plugin])}
    assert {cid for cid, r in results.items() if r == "failed"} == failing, results
    others = {cid: r for cid, r in results.items()
              if cid not in failing and not cid.endswith(":backends") and not cid.endswith(DECLARED)}
    assert set(others.values()) == {"passed"}, others


def test_a_component_declaring_no_reference_is_skipped_with_the_reason(installed) -> None:
    installed("broken_extremes")
    (case,) = [c for c in cases(["broken_extremes"]) if c.prop == "reference"]
    with pytest.raises(ConformanceSkip, match="no reference declared.*golden_examples"):
        case.run()
