"""`neuropil new-plugin`: renders the plugin template with the chosen kinds, never overwrites a folder,
and explains what is missing (copier, a name, a template) instead of failing with a traceback."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

pytest.importorskip("copier")

from neuropil import new_plugin  # noqa: E402
from neuropil.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def render(tmp_path: Path, *args: str) -> int:
    return main(["new-plugin", *args, "--output", str(tmp_path), "--quiet"])


def test_flags_answer_every_question_and_only_chosen_kinds_are_rendered(tmp_path: Path) -> None:
    assert render(tmp_path, "neuropil-cube", "--kinds", "loss,layers", "--author", "Ada Lovelace",
                  "--description", 'Cubes, "quoted"') == 0
    project = tmp_path / "neuropil-cube"
    package = project / "neuropil_cube"
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "plugin.py", "pseudo_huber.py", "scale.py"]
    plugin = (package / "plugin.py").read_text()
    assert "neuropil_register_layers" in plugin and "neuropil_register_losses" in plugin
    assert "neuropil_register_activations" not in plugin and "neuropil_register_backends" not in plugin
    pyproject = (project / "pyproject.toml").read_text()
    assert 'cube = "neuropil_cube.plugin"' in pyproject and '"neuropil>=0.1,<0.2"' in pyproject
    assert 'description = "Cubes, \\"quoted\\""' in pyproject and '"Ada Lovelace"' in pyproject
    answers = (project / ".copier-answers.yml").read_text()
    assert "kinds:\n- layer\n- loss\n" in answers and "_src_path:" in answers
    assert [p.name for p in tmp_path.iterdir()] == ["neuropil-cube"]  # no staging folder left behind


def test_defaults_give_every_kind(tmp_path: Path) -> None:
    assert render(tmp_path, "neuropil-all", "--defaults") == 0
    package = tmp_path / "neuropil-all" / "neuropil_all"
    assert {p.name for p in package.iterdir()} >= {
        "scale.py", "isru.py", "pseudo_huber.py", "signum.py", "mean_error.py", "backend.py", "sparse_normal.py",
        "log_cosh.py", "centered.py", "warmup_linear.py"}
    assert 'name = "all-numpy"' in (package / "backend.py").read_text()


def test_existing_folder_is_refused_and_left_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "neuropil-cube"
    existing.mkdir()
    (existing / "mine.txt").write_text("keep me")
    assert render(tmp_path, "neuropil-cube", "--defaults") == 2
    assert str(existing) in capsys.readouterr().err
    assert [p.name for p in existing.iterdir()] == ["mine.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["neuropil-cube"]


def test_bad_answers_are_reported_not_traced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render(tmp_path, "neuropil-cube", "--kinds", "layer,convolution") == 2
    assert "'convolution'" in capsys.readouterr().err
    assert render(tmp_path, "Not_A_Name", "--defaults") == 2
    assert "plugin_name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_a_name_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    assert render(tmp_path) == 2
    assert "NAME is required" in capsys.readouterr().err


def test_missing_copier_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "copier", None)  # makes `import copier` raise ImportError
    assert render(tmp_path, "neuropil-cube", "--defaults") == 2
    assert "pip install 'neuropil[template]'" in capsys.readouterr().err


def test_template_is_found_in_the_checkout_or_given_explicitly(tmp_path: Path) -> None:
    assert new_plugin.find_template() == REPO / "templates" / "plugin"
    assert new_plugin.find_template(REPO / "templates" / "plugin") == REPO / "templates" / "plugin"
    with pytest.raises(new_plugin.NewPluginError, match="--template"):
        new_plugin.find_template(tmp_path)


def test_git_urls_are_left_for_copier_to_clone() -> None:
    for url in ("gh:someone/neuropil-plugin-template", "https://example.org/t.git", "git@example.org:t.git"):
        assert new_plugin.template_source(url) == url
    assert new_plugin.template_source() == str(REPO / "templates" / "plugin")


def test_parse_kinds_keeps_the_template_order() -> None:
    assert new_plugin.parse_kinds("Metric, losses,layer") == ["layer", "loss", "metric"]
    assert new_plugin.parse_kinds("schedules,Constraints, regularizer,initializers") == [
        "initializer", "regularizer", "constraint", "schedule"]
    with pytest.raises(new_plugin.NewPluginError, match="choose from"):
        new_plugin.parse_kinds(" , ")
