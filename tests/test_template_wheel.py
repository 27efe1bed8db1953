"""The plugin template ships inside the neuropil wheel (core/neuropil/_templates/plugin links to
templates/plugin and is package data), so `neuropil new-plugin` works from a plain `pip install
neuropil`, not only from a checkout.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("copier")

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "templates" / "plugin"


def template_files() -> set[str]:
    return {p.relative_to(TEMPLATE).as_posix() for p in TEMPLATE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_wheel_carries_the_template_and_new_plugin_uses_it(tmp_path: Path) -> None:
    source = tmp_path / "neuropil-src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    # symlinks=True: the copy keeps the link, which must resolve inside the copied tree, as in a clone
    shutil.copytree(REPO / "core" / "neuropil", source / "core" / "neuropil", ignore=ignore, symlinks=True)
    shutil.copytree(TEMPLATE, source / "templates" / "plugin", ignore=ignore)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "--no-index", "-w", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = (tmp_path / "dist").glob("neuropil-*.whl")
    packaged = "neuropil/_templates/plugin/"
    with zipfile.ZipFile(wheel) as archive:
        names = {n[len(packaged):] for n in archive.namelist() if n.startswith(packaged)}
        archive.extractall(tmp_path / "installed")
    assert names == template_files()

    # The unpacked wheel first on sys.path stands in for an installed neuropil without a checkout.
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from neuropil.new_plugin import find_template; "
              "from neuropil.cli import main; print(find_template()); "
              "sys.exit(main(['new-plugin', 'neuropil-cube', '--kinds', 'activation', '--defaults', '--quiet', "
              "'--output', sys.argv[2]]))")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "installed"), str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert Path(result.stdout.strip()) == (tmp_path / "installed" / packaged).resolve()
    assert (tmp_path / "out" / "neuropil-cube" / "neuropil_cube" / "isru.py").is_file()
