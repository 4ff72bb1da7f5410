"""The `kam-xl` command: one subcommand per module in kam_xl.commands."""

from __future__ import annotations

import argparse
import importlib
import sys

from kam_xl import __version__
from kam_xl.core.settings import SettingsError
from kam_xl.errors import InputError

# Modules in kam_xl.commands, each exposing `add_parser(subparsers)` (which names its subcommand and sets
# `run`) and `run(args) -> int`.
COMMANDS = ("analyze", "demo", "build_workbook", "recalc", "refresh", "import_", "dossier", "install")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kam-xl", description="Key-account analysis for the KeyAccounts workbook.")
    parser.add_argument("--version", action="version", version=f"kam-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        importlib.import_module(f"kam_xl.commands.{module}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InputError, SettingsError) as exc:
        print(f"kam-xl {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kam-xl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
