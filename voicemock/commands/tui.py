"""``voicemock app`` (and ``voicemock`` with no command): open the full-screen app."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from voicemock.config import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``app`` subcommand."""
    parser = subparsers.add_parser(
        "app",
        help="open the app (the default)",
        description="Open the full-screen app: question banks, practice, results, history.",
    )
    parser.set_defaults(func=run_app)


def run_app(args: argparse.Namespace | None = None, settings: Settings | None = None) -> int:
    """Run the Textual app until the user quits; returns the exit code.

    ``args``: the ``app`` or ``practice`` command's options (None: ``voicemock`` alone);
    ``settings``: this run's settings (``practice``'s options on the saved ones), else the saved.
    """
    from voicemock.errors import VoicemockError

    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise VoicemockError(
            "the app needs an interactive terminal; use a subcommand instead (voicemock --help)"
        )
    settings = _llm_settings(args, settings)
    from voicemock.ui.startup import pause_collection

    # Until the first screen is drawn (the app resumes it then): see voicemock.ui.startup.
    pause_collection()
    from voicemock.ui.app import make_app

    app = make_app(settings=settings, start_question_id=getattr(args, "question", None))
    app.run()
    return int(app.return_code or 0)


def _llm_settings(args: argparse.Namespace | None, settings: Settings | None) -> Settings | None:
    """``settings`` (or the saved ones) with ``practice --llm-url/--llm-model`` on top.

    None when there are neither ``settings`` nor such options: the app loads the saved ones.

    A bad URL fails here, before the app starts. An endpoint on another machine still needs
    the app's confirm step before any transcript goes there.
    """
    url = getattr(args, "llm_url", None)
    given_model = getattr(args, "llm_model", None)
    if url is None and given_model is None:
        return settings
    from voicemock.config import load_settings
    from voicemock.speech.llm import parse_endpoint

    settings = settings or load_settings()
    if url is None:  # --llm-model alone: the saved server (if any), this model
        url = settings.llm_url or "off"
    off = url.strip().lower() in ("", "off")
    model = given_model or settings.llm_model
    if not off:
        parse_endpoint(url, model)
    return settings.model_copy(update={"llm_url": None if off else url, "llm_model": model})
