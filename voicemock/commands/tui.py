"""``voicemock app`` (and ``voicemock`` with no command): open the full-screen app."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``app`` subcommand."""
    parser = subparsers.add_parser(
        "app",
        help="open the app (the default)",
        description="Open the full-screen app: question banks, practice, results, history.",
    )
    parser.set_defaults(func=run_app)


def run_app(args: argparse.Namespace) -> int:
    """Run the Textual app until the user quits; returns the exit code."""
    from voicemock.errors import VoicemockError

    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise VoicemockError(
            "the app needs an interactive terminal; use a subcommand instead (voicemock --help)"
        )
    from voicemock.ui.app import make_app

    app = make_app(start_question_id=getattr(args, "question", None))
    app.run()
    return int(app.return_code or 0)
