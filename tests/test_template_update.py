"""`copier update` brings a newer template version into a generated plugin, keeping the author's
answers and the author's own edits: the reason the template records .copier-answers.yml.

copier updates only from a git-tracked template with tags, so the test publishes a copy of
templates/plugin as its own repository (tag v1), renders a plugin from it with `neuropil new-plugin`,
commits the plugin and edits it, changes the template (tag v2), and updates.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

copier = pytest.importorskip("copier")

from template_env import render_plugin  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "plugin"
V2_LINE = "A line that only version 2 of the template has."


@pytest.fixture
def git(monkeypatch: pytest.MonkeyPatch):
    """``git(*args, cwd=...)`` with a fixed identity (copier commits internally during updates)."""
    for var, value in {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
                       "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}.items():
        monkeypatch.setenv(var, value)

    def run(*args: str, cwd: Path) -> str:
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout

    return run


def test_update_brings_template_changes_and_keeps_answers_and_edits(tmp_path: Path, git) -> None:
    template = tmp_path / "template-repo"
    shutil.copytree(TEMPLATE, template, ignore=shutil.ignore_patterns("__pycache__"))
    git("init", "-q", cwd=template)
    git("add", "-A", cwd=template)
    git("commit", "-qm", "template v1", cwd=template)
    git("tag", "v1", cwd=template)

    project = render_plugin(tmp_path / "work", "neuropil-cube", "layer,metric", "--author", "Ada",
                            "--template", str(template))
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "generated", cwd=project)
    scale = project / "neuropil_cube" / "scale.py"
    scale.write_text(scale.read_text() + "\n# The author's own change.\n")
    git("commit", "-qam", "author's change", cwd=project)
    assert "_commit: v1" in (project / ".copier-answers.yml").read_text()

    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + f"\n{V2_LINE}\n")
    git("commit", "-qam", "template v2", cwd=template)
    git("tag", "v2", cwd=template)

    copier.run_update(project, defaults=True, overwrite=True, skip_answered=True, quiet=True)

    assert V2_LINE in (project / "README.md").read_text()
    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: v2" in answers
    assert "author: Ada" in answers and "kinds:\n- layer\n- metric\n" in answers
    assert "plugin_name: neuropil-cube" in answers
    assert scale.read_text().endswith("# The author's own change.\n")
    assert not (project / "neuropil_cube" / "isru.py").exists()  # kinds not chosen stay absent
    changed = {line[3:] for line in git("status", "--porcelain", cwd=project).splitlines()}
    assert changed == {".copier-answers.yml", "README.md"}
