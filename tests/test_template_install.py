"""A rendered plugin is a working distribution: pip installs it, neuropil discovers it through its entry
point, and its own generated tests pass, the conformance suite over its example components included.
A plugin whose examples are wrong (a backward, a regularizer's gradient, a schedule's rates) fails that
suite, naming each component and property.

Renders: every kind together (one environment), and each kind alone (ten distributions installed side
by side in a second environment: their names do not clash, so they coexist as separate plugins).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("copier")

from template_env import Venv, render_plugin  # noqa: E402

KINDS = ("layer", "activation", "loss", "optimizer", "metric", "backend", "initializer", "regularizer",
         "constraint", "schedule")
#: Deliberate bugs, each a plausible slip, as (file, correct line, wrong line) in the all-kinds plugin:
#: a parameter gradient off by 1%, a regularizer gradient taken from log cosh's small-weight
#: approximation w²/2 (right only near 0), and a schedule whose linear decay runs on below 0 past its
#: last step. Broken together, they cost one run of the generated conformance tests.
BUGS = (("scale.py", 'self.grads["scale"] = (dy * x).sum(axis=0)',
         'self.grads["scale"] = (dy * x).sum(axis=0) * 1.01'),
        ("log_cosh.py", "return self.factor * array_module(w).tanh(w)", "return self.factor * w"),
        ("warmup_linear.py", "if step >= self.total_steps:", "if False:"))


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, Path]:
    """The all-kinds plugin (the --defaults render), installed in its own environment."""
    root = tmp_path_factory.mktemp("everything")
    project = render_plugin(root, "neuropil-everything")
    venv = Venv(root / "venv")
    venv.install_editable(project)
    return venv, project


@pytest.fixture(scope="module")
def singles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """One plugin per kind, each providing only that kind, installed together, and the result of
    running each one's generated tests (verbosely, so the conformance ids that ran are listed).

    The runs are independent processes, each in its own project folder, and the slowest part of these
    tests: they run side by side, one per CPU.
    """
    root = tmp_path_factory.mktemp("singles")
    projects = {kind: render_plugin(root, f"np-only-{kind}", kind) for kind in KINDS}
    venv = Venv(root / "venv")
    venv.install_editable(*projects.values())

    def run(project: Path) -> subprocess.CompletedProcess[str]:
        return venv.run("-m", "pytest", "-v", "-p", "no:cacheprovider", cwd=project)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip(projects, pool.map(run, projects.values())))


def passed(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a run of a plugin's generated tests that passed with nothing skipped."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Nothing skipped: the model tests found neuropil-standard, and a second backend is installed in
    # both environments, so the cross-backend conformance property ran too.
    assert "skipped" not in output.lower(), output
    return output


def conformance_kinds(output: str) -> set[str]:
    """The component kinds of the conformance cases in a listing (ids read kind:Name:property)."""
    return set(re.findall(r"conformance\[(\w+):", output))


def test_all_kinds_plugin_passes_its_own_tests(everything: tuple[Venv, Path]) -> None:
    venv, project = everything
    output = passed(venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project))
    assert "failed" not in output and "error" not in output.lower()
    listing = json.loads(venv.run("-m", "neuropil.cli", "plugins", "--json").stdout)
    (record,) = [r for r in listing if r["distribution"] == "neuropil-everything"]
    assert record["plugin"] == "everything" and record["error"] is None
    assert record["registers"] == {"layers": ["Scale"], "activations": ["isru"], "losses": ["pseudo_huber"],
                                   "optimizers": ["Signum"], "metrics": ["mean_error"],
                                   "backends": ["everything-numpy"], "initializers": ["SparseNormal"],
                                   "regularizers": ["LogCosh"], "constraints": ["Centered"],
                                   "schedules": ["WarmupLinear"]}
    # The README's example model builds and trains with every component it names.
    (example,) = re.findall(r"```python\n(.*?)```", (project / "README.md").read_text(), re.S)
    fit = "import numpy as np\nmodel.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, verbose=0)\n"
    result = venv.run("-c", example + fit)
    assert result.returncode == 0, example + result.stdout + result.stderr
    # The same cases through the command line, as the generated README promises.
    check = venv.run("-m", "neuropil.cli", "check", "neuropil-everything")
    assert check.returncode == 0, check.stdout + check.stderr
    assert conformance_kinds(check.stdout) == set(record["registers"]), check.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_single_kind_plugin_passes_its_own_tests(singles: dict[str, subprocess.CompletedProcess[str]],
                                                 kind: str) -> None:
    output = passed(singles[kind])
    # The conformance cases ran for this kind only.
    assert conformance_kinds(output) == {f"{kind}es" if kind == "loss" else f"{kind}s"}, output
    assert " passed" in output


def test_wrong_examples_fail_conformance_naming_component_and_property(everything: tuple[Venv, Path]) -> None:
    venv, project = everything
    package = project / "neuropil_everything"
    originals = {name: (package / name).read_text() for name, _, _ in BUGS}
    for name, right, wrong in BUGS:
        assert originals[name].count(right) == 1, (name, right)
        (package / name).write_text(originals[name].replace(right, wrong))
    try:
        result = venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_conformance.py", cwd=project)
    finally:
        for name, text in originals.items():
            (package / name).write_text(text)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for case, component in (("layers:Scale:param_gradients", "layer 'Scale'"),
                            ("regularizers:LogCosh:gradient", "regularizer 'LogCosh'"),
                            ("schedules:WarmupLinear:rates", "schedule 'WarmupLinear'"),
                            # the schedule declares its formula: the negative rates disagree with it too
                            ("schedules:WarmupLinear:reference", "schedule 'WarmupLinear'")):
        assert f"FAILED tests/test_conformance.py::test_conformance[{case}]" in output, output
        prop = case.rsplit(":", 1)[1]
        assert f"{component} from neuropil-everything 0.1.0 (plugin 'everything') fails '{prop}'" in output, output
    assert "a learning rate must be finite and >= 0" in output
    assert "4 failed" in output, output
