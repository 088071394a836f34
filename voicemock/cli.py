"""The ``voicemock`` command: opens the TUI with no arguments, or runs a subcommand.

Each subcommand lives in ``voicemock/commands/<name>.py`` with ``register(subparsers)``;
heavy libraries are imported only inside the command that needs them, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from voicemock import __version__
from voicemock.core.safe_text import one_line
from voicemock.errors import VoicemockError

# Module names under voicemock.commands, in the order --help lists them.
COMMAND_MODULES = (
    "tui",
    "practice",
    "analyze",
    "score",
    "questions",
    "import_page",
    "sessions",
    "replay",
    "say",
    "record",
    "devices",
    "doctor",
    "demo",
)

DESCRIPTION = """\
Practise interview answers out loud, offline. With no command, opens the app.
Everything stays on this machine: recordings, transcripts and scores."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="voicemock",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"voicemock {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"voicemock.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run voicemock; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from voicemock.commands.tui import run_app

            return run_app(args)
        code: int = args.func(args)
        return code
    except VoicemockError as error:
        # Messages quote paths, ids and titles: no control character reaches the terminal.
        print(f"voicemock: {one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("voicemock: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
