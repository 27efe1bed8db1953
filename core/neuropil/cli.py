"""The ``neuropil`` command: inspect plugins, check them, and start new ones."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def _plugins(args: argparse.Namespace) -> int:
    from .plugins import plugins

    records = plugins()
    if args.json:
        print(json.dumps([r.as_dict() for r in records], indent=2))
        return 0
    if not records:
        print("No neuropil plugins are installed (try: pip install neuropil-standard).")
        return 0
    rows = [("plugin", "distribution", "version", "registers")]
    for record in records:
        what = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in record.registered.items())
        rows.append((record.name, record.distribution or "(in-process)", record.version or "-",
                     f"FAILED: {record.error}" if record.error else what or "(nothing)"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3])
    return 0


def _check(args: argparse.Namespace) -> int:
    """Run the conformance suite (the same cases ``pytest --neuropil-conformance`` runs) directly."""
    from .plugins import plugins
    from .testing.profiles import load_profile
    from .testing.suite import cases, run_cases

    if args.profile:
        load_profile(args.profile)
    selected = cases(args.plugin or None, kinds=args.kind or None)
    if args.k:
        selected = [c for c in selected if args.k.lower() in c.id.lower()]
    if not selected:
        known = ", ".join(f"{r.name} ({r.distribution or 'in-process'})" for r in plugins()) or "none"
        print(f"No conformance cases for {', '.join(args.plugin) or 'the installed plugins'} "
              f"(installed plugins: {known}).", file=sys.stderr)
        return 2
    outcomes = run_cases(selected)
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        print(f"\n--- conformance[{outcome.case.id}] ---\n{outcome.detail}")
    counts = {s: sum(o.status == s for o in outcomes) for s in ("passed", "failed", "skipped")}
    print("\n" + ", ".join(f"{n} {s}" for s, n in counts.items()) +
          f" in {sum(o.seconds for o in outcomes):.1f}s")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuropil", description="neuropil plugin tools")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("plugins", help="list installed plugins and what each registers")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(run=_plugins)
    check = commands.add_parser(
        "check", help="run the conformance suite (gradients, optimizer formulas, metrics, backends)",
        description="Run the conformance suite over the components of the named plugins or "
                    "distributions (all installed ones when none is named); exit status 1 if any fails.")
    check.add_argument("plugin", nargs="*", help="plugin (entry-point) or distribution name")
    check.add_argument("--profile", choices=("ci", "dev"), default=None,
                       help="Hypothesis profile (default: $HYPOTHESIS_PROFILE, else dev)")
    check.add_argument("--kind", action="append", help="only this component kind (repeatable)")
    check.add_argument("-k", metavar="TEXT", help="only cases whose id (kind:Name:property) contains TEXT")
    check.set_defaults(run=_check)
    _add_new_plugin(commands)
    return parser


def _new_plugin(args: argparse.Namespace) -> int:
    from .new_plugin import main as new_plugin_main  # copier is imported only by this command

    return new_plugin_main(args)


def _add_new_plugin(commands: argparse._SubParsersAction) -> None:
    create = commands.add_parser(
        "new-plugin", help="start a plugin distribution from neuropil's template (needs copier)",
        description="Render neuropil's plugin template (copier) into OUTPUT/NAME: a package with a "
                    "`neuropil` entry point, one working example per chosen component kind, and tests "
                    "that run the conformance suite. At a terminal, copier asks for whatever the "
                    "options do not say; elsewhere (or with --defaults) the template's defaults are "
                    "used. An existing folder is never overwritten.")
    create.add_argument("name", nargs="?", help="distribution name, e.g. neuropil-cube")
    create.add_argument("--kinds", metavar="KIND,...",
                        help="component kinds to provide: layer, activation, loss, optimizer, metric, "
                             "backend, initializer, regularizer, constraint, schedule (plurals work too; "
                             "default: all)")
    create.add_argument("--author", help="author name for pyproject.toml")
    create.add_argument("--description", help="one-line description of the distribution")
    create.add_argument("--defaults", action="store_true",
                        help="ask nothing: take the template's defaults for every unanswered question")
    create.add_argument("--output", default=".", metavar="DIR",
                        help="folder to create the plugin's folder in (default: the current one)")
    create.add_argument("--template", metavar="PATH",
                        help="a copier template (folder or git URL) to use instead of neuropil's own")
    create.add_argument("--quiet", action="store_true", help="print nothing but errors")
    create.set_defaults(run=_new_plugin)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
