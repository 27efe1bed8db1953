"""``neuropil new-plugin``: start a plugin distribution from neuropil's copier template.

The template's source of truth is ``templates/plugin/`` at the top of the neuropil repository. An
editable install finds it there, next to the package; a wheel carries a copy as package data
(``neuropil/_templates/plugin``, a link to templates/plugin that the build packages), so the command works from any
install. ``--template`` (a folder or a git URL) overrides both.

copier is imported only when the command runs: it is a heavy dependency that nothing else in neuropil
needs (``pip install 'neuropil[template]'`` brings it).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import NeuropilError

#: The component kinds the template has an example for, as its ``kinds`` question names them.
KINDS: tuple[str, ...] = ("layer", "activation", "loss", "optimizer", "metric", "backend", "initializer",
                          "regularizer", "constraint", "schedule")
#: Where a wheel carries the template (relative to this package) and where a checkout keeps it.
PACKAGED_TEMPLATE = Path(__file__).parent / "_templates" / "plugin"
SOURCE_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "plugin"
#: Template locations copier clones rather than reads from disk (besides ``scheme://`` URLs).
REMOTE_PREFIXES = ("gh:", "gl:", "git@", "git+")
#: The file copier writes the answers to (the template's ``_answers_file``).
ANSWERS_FILE = ".copier-answers.yml"


class NewPluginError(NeuropilError, ValueError):
    """Something the user can fix (a name, a folder, a missing dependency): printed, not traced."""


@dataclass
class PluginRequest:
    """The answers given up front; copier asks for the rest at a terminal, or takes the defaults."""

    name: str | None = None
    kinds: list[str] | None = None
    author: str | None = None
    description: str | None = None

    def data(self) -> dict[str, Any]:
        """The answers as copier's ``data`` (questions not answered here are left to copier)."""
        given = {"plugin_name": self.name, "kinds": self.kinds, "author": self.author,
                 "description": self.description}
        return {k: v for k, v in given.items() if v is not None}


def parse_kinds(text: str) -> list[str]:
    """``"layer,loss"`` -> ``["layer", "loss"]``, in the template's order; unknown kinds are an error
    naming the known ones (plural spellings such as ``layers`` are accepted)."""
    plurals = {f"{k}es" if k.endswith("s") else f"{k}s": k for k in KINDS}
    wanted = [k.strip().lower() for k in text.split(",") if k.strip()]
    wanted = [plurals.get(k, k) for k in wanted]
    unknown = [k for k in wanted if k not in KINDS]
    if unknown or not wanted:
        raise NewPluginError(f"--kinds: unknown kind {', '.join(map(repr, unknown)) or '(none given)'}; "
                             f"choose from {', '.join(KINDS)} (comma-separated)")
    return [k for k in KINDS if k in wanted]


def find_template(override: str | Path | None = None) -> Path:
    """The template folder: ``override``, else the copy packaged with neuropil, else the checkout's
    ``templates/plugin``. A folder counts when it holds a ``copier.yml``."""
    candidates = [Path(override).expanduser()] if override is not None else [PACKAGED_TEMPLATE, SOURCE_TEMPLATE]
    for candidate in candidates:
        if (candidate / "copier.yml").is_file():
            return candidate.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise NewPluginError(f"no plugin template (a folder with copier.yml) at {tried}; "
                         f"pass --template PATH to neuropil's templates/plugin")


def template_source(override: str | Path | None = None) -> str:
    """What copier renders from: a git URL given as ``override`` as it is (copier clones it), else
    the local folder :func:`find_template` finds."""
    if isinstance(override, str) and ("://" in override or override.startswith(REMOTE_PREFIXES)):
        return override
    return str(find_template(override))


def import_copier() -> Any:
    """copier, or a :class:`NewPluginError` saying how to install it."""
    try:
        import copier
    except ImportError:
        raise NewPluginError("`neuropil new-plugin` needs copier, which is not installed: "
                             "pip install 'neuropil[template]'  (or: pip install copier)") from None
    return copier


def _vacant(target: Path) -> Path:
    if target.exists() or target.is_symlink():
        raise NewPluginError(f"{target} already exists; neuropil new-plugin never overwrites a folder "
                             f"(choose another name or --output, or remove it)")
    return target


def _rendered_name(project: Path) -> str:
    """The plugin name the author gave, read back from the answers file copier wrote."""
    import yaml  # a dependency of copier's, so present whenever copier is

    answers = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    if not answers.get("plugin_name"):
        raise NewPluginError(f"the template wrote no plugin_name to {ANSWERS_FILE}")
    return str(answers["plugin_name"])


def new_plugin(request: PluginRequest, output: str | Path = ".", *, interactive: bool = False,
               template: str | Path | None = None, quiet: bool = False) -> Path:
    """Render the template into ``output/<plugin name>`` and return that folder.

    ``interactive``: copier asks (at the terminal) every question not answered by ``request``;
    otherwise the template's defaults answer them, and a plugin name is required. The project is
    rendered into a temporary folder beside the target and moved into place only when complete, so a
    failed or interrupted run leaves nothing half-written, and an existing folder is never touched.
    """
    copier = import_copier()
    source = template_source(template)
    if request.name is None and not interactive:
        raise NewPluginError("a plugin NAME is required when not asking at a terminal "
                             "(e.g. neuropil new-plugin neuropil-cube --defaults)")
    output = Path(output).expanduser()
    if request.name is not None:
        _vacant(output / request.name)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output, prefix=".neuropil-new-plugin-") as staging_root:
        staging = Path(staging_root) / "project"
        try:
            copier.run_copy(source, staging, data=request.data(), defaults=not interactive,
                            quiet=quiet, unsafe=False)
        except KeyboardInterrupt:  # includes copier's CopierAnswersInterrupt (Ctrl-C at a question)
            raise NewPluginError("aborted; nothing was written") from None
        except Exception as exc:  # noqa: BLE001 - copier reports rejected answers, a bad template or a
            # failed clone as ValueError, TypeError, CopierError or a git error: each is the user's to read
            raise NewPluginError(f"copier could not render {source}: {exc}") from exc
        target = _vacant(output / _rendered_name(staging))
        shutil.move(str(staging), str(target))
    return target


def next_steps(project: Path) -> str:
    """What to run next, printed after the project is created."""
    return (f"Created {project}.\nNext:\n  cd {project}\n"
            f"  git init && git add -A && git commit -m 'Start from the neuropil plugin template'\n"
            f"  pip install -e '.[test]'\n  pytest")


def main(args: Any) -> int:
    """The ``new-plugin`` subcommand (``args`` from :func:`neuropil.cli.build_parser`)."""
    try:
        request = PluginRequest(args.name, parse_kinds(args.kinds) if args.kinds else None,
                                args.author, args.description)
        interactive = not args.defaults and sys.stdin.isatty()
        project = new_plugin(request, args.output, interactive=interactive, template=args.template,
                             quiet=args.quiet)
    except NewPluginError as exc:
        print(f"neuropil new-plugin: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(next_steps(project))
    return 0
