"""The ``neuropil`` command: inspect plugins (and, through subcommands, check them)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuropil", description="neuropil plugin tools")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("plugins", help="list installed plugins and what each registers")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(run=_plugins)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
