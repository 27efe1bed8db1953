"""The two front ends of the conformance suite, run as a plugin author runs them (in a subprocess,
against installed distributions): ``pytest --neuropil-conformance`` and ``neuropil check``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "conformance_fixtures"
BROKEN = {
    "broken_scale": "activations:sloppy_tanh:input_gradient",
    "broken_dropgrad": "layers:DropGradDense:param_gradients",
    "broken_mutate": "activations:inplace_relu:pure_backward",
    "broken_softmax": "activations:diagonal_softmax:input_gradient",
    "broken_init": "initializers:global_normal:reproducible",
    "broken_constraint": "constraints:inplace_non_neg:pure",
    "broken_layer_state": "layers:InferenceUpdatingCenter:state",
    "broken_schedule": "schedules:counting_decay:pure",
    "broken_reference": "activations:mistyped_gelu:reference",
    "broken_perturbed": "layers:GammaBlindScale:perturbed_gradients",
}


def run(args: list[str], cwd: Path, profile: str | None = "dev",
        ci_environment: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HYPOTHESIS_PROFILE", "CI")}
    if ci_environment:  # Hypothesis switches to its own built-in "ci" profile when it sees this
        env["CI"] = "true"
    if profile:
        env["HYPOTHESIS_PROFILE"] = profile
    paths = [str(d) for d in sorted(FIXTURES.iterdir()) if d.is_dir()]
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def pytest_args(*extra: str) -> list[str]:
    return ["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rf", "--neuropil-conformance", *extra]


def test_pytest_reports_each_broken_plugin_by_name_and_property(tmp_path: Path) -> None:
    selection = [a for plugin in BROKEN for a in ("--neuropil-plugin", plugin)]
    result = run(pytest_args(*selection), tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    for plugin, case_id in BROKEN.items():
        kind, name, prop = case_id.split(":")
        assert f"FAILED neuropil-conformance::conformance[{case_id}]" in out, out
        assert f"{name!r} from {plugin} 0.1 (plugin {plugin!r}) fails {prop!r}" in out, out
    assert out.count("Smallest failing example") >= len(BROKEN)
    assert "sloppy_tanh" in out and "good_tanh" not in out  # --neuropil-plugin filters


def test_pytest_passes_a_correct_plugin(tmp_path: Path) -> None:
    result = run(pytest_args("--neuropil-plugin", "conformance_good", "-vv"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conformance[layers:ReluDense:param_gradients] PASSED" in result.stdout


def test_unknown_plugin_is_a_usage_error(tmp_path: Path) -> None:
    result = run(pytest_args("--neuropil-plugin", "no_such_plugin"), tmp_path)
    assert result.returncode == 4 and "no_such_plugin" in result.stderr


def test_neuropil_check_reports_and_fails(tmp_path: Path) -> None:
    result = run(["-m", "neuropil.cli", "check", "broken_mutate", "conformance_good"], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED   conformance[activations:inplace_relu:pure_backward]" in result.stdout
    assert "PASSED   conformance[activations:good_relu:input_gradient]" in result.stdout
    assert "'inplace_relu' from broken_mutate 0.1 (plugin 'broken_mutate') fails 'pure_backward'" in result.stdout
    assert "Smallest failing example" in result.stdout
    ok = run(["-m", "neuropil.cli", "check", "conformance_good", "-k", "good_tanh"], tmp_path)
    assert ok.returncode == 0 and "0 failed" in ok.stdout, ok.stdout + ok.stderr
    # Every fixture is on the path, broken_layer_state's second backend too: good_tanh's ``backends``
    # case runs (and passes) rather than being skipped.
    ran = [line for line in ok.stdout.splitlines() if "conformance[" in line]
    # input_gradient, pure_backward, reference, finite, backends: the semantic properties run in the CLI
    assert len(ran) == 5 and all(":good_tanh:" in line and line.startswith("PASSED") for line in ran), ok.stdout
    assert any(":good_tanh:reference]" in line for line in ran) and any(":good_tanh:finite]" in line for line in ran)
    missing = run(["-m", "neuropil.cli", "check", "no_such_plugin"], tmp_path)
    assert missing.returncode == 2 and "no_such_plugin" in missing.stderr


@pytest.mark.parametrize("args, profile, expected", [
    (["--neuropil-hypothesis-profile", "ci"], None, (30, True)),
    ([], "dev", (10, False)),
    ([], "ci", (30, True)),
])
@pytest.mark.parametrize("ci_environment", [False, True], ids=["local", "CI=true"])
def test_hypothesis_profiles_load_from_option_or_environment(tmp_path: Path, args, profile, expected,
                                                             ci_environment: bool) -> None:
    (tmp_path / "test_profile.py").write_text(
        "from hypothesis import settings\n"
        "def test_profile():\n"
        f"    assert (settings.default.max_examples, settings.default.derandomize) == {expected!r}\n"
        "    assert settings.default.deadline is None\n")
    result = run(["-m", "pytest", "-p", "no:cacheprovider", "-q", *args], tmp_path, profile,
                 ci_environment)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pytest_plugin_is_cheap_to_import(tmp_path: Path) -> None:
    code = ("import sys, neuropil.testing.pytest_plugin\n"
            "heavy = [m for m in ('hypothesis', 'numpy', 'neuropil_standard') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "from neuropil.plugin_system.manager import manager\n"
            "assert manager()._loaded is False\n")
    result = run(["-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
