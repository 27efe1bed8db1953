"""Helpers for the template tests: render with the real CLI, install into a throwaway virtual
environment, run commands there.

The environment is a plain ``python -m venv`` (no pip of its own) whose site-packages holds a .pth
file adding the site-packages of the interpreter running the tests: neuropil, neuropil-standard,
pytest, Hypothesis, pip and setuptools are all there already, so nothing is downloaded, and what pip
installs lands in the new environment, exactly as ``pip install -e .`` does for a plugin author.
"""
from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

from neuropil.cli import main


def render_plugin(parent: Path, name: str, kinds: str | None = None, *extra: str) -> Path:
    """``neuropil new-plugin NAME [--kinds KINDS] --defaults --output PARENT``; returns the folder."""
    args = ["new-plugin", name, "--defaults", "--quiet", "--output", str(parent), *extra]
    if kinds:
        args += ["--kinds", kinds]
    assert main(args) == 0
    return parent / name


def site_dirs() -> list[str]:
    """The running interpreter's site-packages folders (where neuropil and the test tools are)."""
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    return list(dict.fromkeys(d for d in dirs if Path(d).is_dir()))


class Venv:
    """A virtual environment layered over the running interpreter's packages."""

    def __init__(self, root: Path) -> None:
        self.root = root
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
        self.python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        purelib = subprocess.run([str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        # `import` lines of a .pth run at startup; addsitedir also processes that folder's own .pth
        # files (editable installs of neuropil and its plugins).
        lines = [f"import site; site.addsitedir({d!r})" for d in site_dirs()]
        (Path(purelib) / "_outer_site_packages.pth").write_text("\n".join(lines) + "\n")

    def env(self) -> dict[str, str]:
        """The environment for commands: no outside plugin selection, derandomized Hypothesis."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROPIL_") and k != "PYTHONPATH"}
        env["HYPOTHESIS_PROFILE"] = "ci"
        return env

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``python ARGS`` in this environment (not checked: callers assert on the result)."""
        return subprocess.run([str(self.python), *args], cwd=cwd, env=self.env(), capture_output=True, text=True)

    def install_editable(self, *projects: Path) -> None:
        """``pip install -e`` each project, offline and without resolving dependencies again."""
        args = ["-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
        for project in projects:
            args += ["-e", str(project)]
        result = self.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
