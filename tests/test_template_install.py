"""A rendered plugin is a working distribution: pip installs it, neuropil discovers it through its entry
point, and its own generated tests pass, the conformance suite over its example components included.
A plugin whose example backward is wrong fails that suite, naming the component and the property.

Renders: every kind together (one environment), and each kind alone (six distributions installed side
by side in a second environment: their names do not clash, so they coexist as separate plugins).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("copier")

from template_env import Venv, render_plugin  # noqa: E402

KINDS = ("layer", "activation", "loss", "optimizer", "metric", "backend")
SCALE_GRADIENT = 'self.grads["scale"] = (dy * x).sum(axis=0)'


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, Path]:
    """The all-kinds plugin (the --defaults render), installed in its own environment."""
    root = tmp_path_factory.mktemp("everything")
    project = render_plugin(root, "neuropil-everything")
    venv = Venv(root / "venv")
    venv.install_editable(project)
    return venv, project


@pytest.fixture(scope="module")
def singles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, dict[str, Path]]:
    """One plugin per kind, each providing only that kind, installed together."""
    root = tmp_path_factory.mktemp("singles")
    projects = {kind: render_plugin(root, f"np-only-{kind}", kind) for kind in KINDS}
    venv = Venv(root / "venv")
    venv.install_editable(*projects.values())
    return venv, projects


def run_generated_tests(venv: Venv, project: Path) -> str:
    result = venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Nothing skipped: the model test found neuropil-standard, and a second backend is installed in
    # both environments, so the cross-backend conformance property ran too.
    assert "skipped" not in output, output
    return output


def test_all_kinds_plugin_passes_its_own_tests(everything: tuple[Venv, Path]) -> None:
    venv, project = everything
    output = run_generated_tests(venv, project)
    assert "failed" not in output and "error" not in output.lower()
    listing = json.loads(venv.run("-m", "neuropil.cli", "plugins", "--json").stdout)
    (record,) = [r for r in listing if r["distribution"] == "neuropil-everything"]
    assert record["plugin"] == "everything" and record["error"] is None
    assert record["registers"] == {"layers": ["Scale"], "activations": ["isru"], "losses": ["pseudo_huber"],
                                   "optimizers": ["Signum"], "metrics": ["mean_error"],
                                   "backends": ["everything-numpy"]}


@pytest.mark.parametrize("kind", KINDS)
def test_single_kind_plugin_passes_its_own_tests(singles: tuple[Venv, dict[str, Path]], kind: str) -> None:
    venv, projects = singles
    output = run_generated_tests(venv, projects[kind])
    # The conformance cases ran for this kind only (ids read kind:Name:property).
    check = venv.run("-m", "neuropil.cli", "check", f"np-only-{kind}")
    assert check.returncode == 0, check.stdout + check.stderr
    ran = {line.split("[", 1)[1].split(":", 1)[0] for line in check.stdout.splitlines() if "conformance[" in line}
    assert ran == {f"{kind}es" if kind == "loss" else f"{kind}s"}, check.stdout
    assert " passed" in output


def test_wrong_example_backward_fails_conformance_naming_component_and_property(
        everything: tuple[Venv, Path]) -> None:
    venv, project = everything
    scale = project / "neuropil_everything" / "scale.py"
    original = scale.read_text()
    assert original.count(SCALE_GRADIENT) == 1
    scale.write_text(original.replace(SCALE_GRADIENT, SCALE_GRADIENT + " * 1.01"))
    try:
        result = venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_conformance.py", cwd=project)
    finally:
        scale.write_text(original)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "FAILED tests/test_conformance.py::test_conformance[layers:Scale:param_gradients]" in output
    assert "layer 'Scale' from neuropil-everything 0.1.0" in output and "fails 'param_gradients'" in output
    assert "1 failed" in output, output
