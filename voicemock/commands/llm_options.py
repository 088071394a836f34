"""``--llm-url`` and ``--llm-model``: the user's own language model for a command (off by default).

The endpoint comes from the command line or from Settings. One on this machine is used as it
is. One elsewhere receives the transcript, so: given on the command line, it is used with a
warning printed first; saved in Settings, it is used only once the user has confirmed it in the
app (``Settings.llm_confirmed_url``), otherwise the command says so and stays offline.

What the model writes is shown apart and labelled: the coaching paragraph
(:func:`render_coaching`, :func:`coaching_markdown`, ``"coaching"`` in JSON) and the follow-ups
it words (``source: "model"``). Scores and levels are always the rubric's.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from voicemock.config import Settings
    from voicemock.core.models import DeliveryMetrics, ScoreReport
    from voicemock.core.rubric_schema import Question
    from voicemock.speech.llm import Coaching, LanguageModelCoach

OFF = "off"


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--llm-url`` and ``--llm-model`` to a subcommand."""
    parser.add_argument(
        "--llm-url",
        default=None,
        metavar="URL",
        help=(
            "your own OpenAI-compatible model (e.g. http://localhost:11434/v1) words the "
            "follow-ups and writes a coaching paragraph; 'off' ignores the one in settings"
        ),
    )
    parser.add_argument(
        "--llm-model", default=None, metavar="NAME", help="the model name the endpoint serves"
    )


def command_coach(
    args: argparse.Namespace, settings: Settings, console: Console
) -> LanguageModelCoach | None:
    """The language model for this run, or None (no endpoint: nothing is ever sent).

    A bad ``--llm-url`` (or a missing ``llm`` extra) is an error; a bad or unconfirmed endpoint
    saved in Settings only gives a one-line notice on ``console`` and the run stays offline.
    """
    from rich.text import Text

    from voicemock.errors import EngineNotAvailableError
    from voicemock.speech.llm import EndpointError, make_coach

    flag = getattr(args, "llm_url", None)
    url = flag if flag is not None else settings.llm_url
    if url is None or not url.strip() or url.strip().lower() == OFF:
        return None
    model = getattr(args, "llm_model", None) or settings.llm_model
    try:
        coach = make_coach(url, model)
    except (EndpointError, EngineNotAvailableError) as error:
        if flag is not None:
            raise
        console.print(Text(f"Language model from settings not used: {error}.", style="yellow"))
        return None
    if coach is None:
        return None
    warning = coach.endpoint.remote_warning()
    if warning is not None:
        if flag is None and settings.llm_confirmed_url != url:
            console.print(
                Text(
                    f"{warning} Not used until you confirm it in the app's Settings "
                    "(or pass --llm-url).",
                    style="yellow",
                )
            )
            return None
        console.print(Text(f"⚠ {warning}", style="bold yellow"))
    return coach


def coaching_for(
    coach: LanguageModelCoach | None,
    question: Question,
    transcript_text: str,
    score: ScoreReport | None,
    metrics: DeliveryMetrics | None,
) -> Coaching | None:
    """The model's coaching paragraph for an answer, built on the rubric's next steps."""
    if coach is None:
        return None
    return coach.coach_answer(question, transcript_text, score, metrics)


def coaching_json(coach: LanguageModelCoach | None, coaching: Coaching | None) -> dict[str, object]:
    """``{"coaching", "model_notices"}`` for a JSON report ({} when no model is configured)."""
    if coach is None:
        return {}
    return {
        "coaching": None if coaching is None else coaching.to_dict(),
        "model_notices": list(coach.notices),
    }


def render_coaching(
    console: Console, coaching: Coaching | None, notices: Sequence[str] = ()
) -> None:
    """Print the model's paragraph under its own heading (quotes in italics), then notices."""
    from rich.text import Text

    if coaching is not None:
        console.print()
        console.print(Text("Coaching from your language model", style="bold underline"))
        paragraph = Text(coaching.text)
        for quote in coaching.quotes:
            start = coaching.text.find(quote)
            if start >= 0:
                paragraph.stylize("italic", start, start + len(quote))
        console.print(paragraph)
        console.print(
            Text(
                f"Written by {coaching.model} at {coaching.host}; every score above is the "
                "rubric's.",
                style="dim",
            )
        )
    for notice in notices:
        console.print(Text(notice, style="yellow"))


def coaching_markdown(coaching: Coaching | None, notices: Sequence[str] = ()) -> str:
    """The paragraph (and notices) as a Markdown section, or '' when there is neither."""
    if coaching is None and not notices:
        return ""
    lines = ["", "## Coaching from your language model", ""]
    if coaching is not None:
        lines += [
            coaching.text,
            "",
            f"*Written by {coaching.model} at {coaching.host}; every score above is the rubric's.*",
        ]
    lines += [f"> {notice}" for notice in notices]
    return "\n".join(lines) + "\n"
