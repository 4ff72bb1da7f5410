"""The `kam-xl` command: one subcommand per module in kam_xl.commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from kam_xl import __version__
from kam_xl.core.settings import SettingsError
from kam_xl.errors import InputError

# Subcommand -> module in kam_xl.commands, each exposing `add_parser(subparsers)` (which names its subcommand
# and sets `run`) and `run(args) -> int`.
COMMANDS = {"analyze": "analyze", "demo": "demo", "build-workbook": "build_workbook", "recalc": "recalc",
            "refresh": "refresh", "import": "import_", "dossier": "dossier", "install": "install"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of subcommand ``only`` alone: a server job running one command
    does not pay for importing the others (a second of a short recalc)."""
    parser = argparse.ArgumentParser(prog="kam-xl", description="Key-account analysis for the KeyAccounts workbook.")
    parser.add_argument("--version", action="version", version=f"kam-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"kam_xl.commands.{module}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InputError, SettingsError) as exc:
        print(f"kam-xl {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kam-xl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went into a pipe that closed early (| head): nothing more to say
        sys.stdout = open(os.devnull, "w")
        return 141


def run() -> None:
    """The console script: :func:`main`, then the process ends without tearing down its objects one by one
    (a recalculated workbook's tables are millions of them: half a second), once the output is flushed.
    Every file was written, synced and closed before main returned. An unexpected error still ends in its
    traceback."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
