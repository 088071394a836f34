"""The ``voicemock`` command: opens the TUI with no arguments, or runs a subcommand.

Each subcommand lives in ``voicemock/commands/<name>.py`` with ``register(subparsers)``;
heavy libraries are imported only inside the command that needs them, so ``--help`` is fast.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from voicemock import __version__
from voicemock.core.safe_text import one_line
from voicemock.errors import VoicemockError

if TYPE_CHECKING:
    import argparse

# What the process exits with after Ctrl+C (128 + SIGINT), as shells expect.
INTERRUPTED_EXIT_CODE = 130

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
Everything stays on this machine: recordings, transcripts and scores (unless you set
a language model server of your own, off by default)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    import argparse

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
    arguments = sys.argv[1:] if argv is None else list(argv)
    # No arguments opens the app: building the parser (importing argparse and every command
    # module) would only delay its first screen.
    args = build_parser().parse_args(arguments) if arguments else None
    try:
        if args is None or args.command is None:
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
        return INTERRUPTED_EXIT_CODE
    except BrokenPipeError:
        return 0


def entry() -> NoReturn:
    """The console script: run voicemock, then end the process with its exit code.

    Native libraries run threads of their own (a Whisper model loading in the background,
    Praat's pitch analysis); an interpreter that tears them down while they work can abort the
    process ("terminate called without an active exception"), most often after Ctrl+C. So
    when voicemock was interrupted, or background threads are still at work, its output is
    flushed and the process ends at once; otherwise it exits as usual.
    """
    from voicemock.memory import configure_malloc

    configure_malloc()  # before any thread allocates: see voicemock.memory
    code = main()
    busy = any(t is not threading.main_thread() and t.is_alive() for t in threading.enumerate())
    if code == INTERRUPTED_EXIT_CODE or busy:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say
                stream.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
