"""``voicemock practice``: hear a question, answer out loud, get it transcribed, scored and saved.

Without ``--no-tui`` this opens the app on the practice screen; with it, everything happens in
the terminal: the question is spoken, the answer recorded until Enter, silence or the time
limit, then transcribed and scored offline, saved in the session store and reported.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from typing import TYPE_CHECKING, Any

from voicemock.commands.options import ENGINE_CHOICES, positive_seconds

if TYPE_CHECKING:
    from rich.console import Console

    from voicemock.config import Settings
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.speech.recorder import Recording

DEFAULT_QUESTION_ID = "sac-client-resistance"
MIN_ANSWER_S = 0.3  # shorter than this is a click or an accident, not an answer
# The option that sets each overridable setting, for error messages.
_OPTION_OF_SETTING = {
    "engine": "--engine",
    "model": "--model",
    "silence_stop_s": "--silence-stop",
    "max_answer_s": "--max-seconds",
    "input_device": "--device",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``practice`` subcommand."""
    parser = subparsers.add_parser(
        "practice",
        help="answer a question out loud and get it scored (opens the app)",
        description=(
            "Hear an interview question, answer it out loud, and get a transcript, delivery "
            "figures and a rubric score; every attempt is saved. With --no-tui it runs in the "
            "terminal: recording stops on Enter, after silence (--silence-stop) or at the limit."
        ),
    )
    parser.add_argument(
        "--question",
        "-q",
        default=None,
        metavar="ID",
        help=f"question id (see `voicemock questions`; default {DEFAULT_QUESTION_ID})",
    )
    parser.add_argument(
        "--no-tui", action="store_true", help="run in the terminal instead of the full-screen app"
    )
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default=None, help="speech engine")
    parser.add_argument("--model", default=None, metavar="NAME", help="Whisper model")
    parser.add_argument("--device", default=None, help="microphone (index or name)")
    parser.add_argument(
        "--silence-stop",
        type=positive_seconds,
        default=None,
        metavar="S",
        help="stop after S s of silence",
    )
    parser.add_argument(
        "--max-seconds",
        type=positive_seconds,
        default=None,
        metavar="N",
        help="stop after N seconds",
    )
    parser.add_argument("--no-speak", action="store_true", help="show the question, don't say it")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Open the app on practice, or (``--no-tui``) run one practice turn in the terminal."""
    if not args.no_tui:
        import sys

        from voicemock.errors import VoicemockError

        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise VoicemockError(
                "the app needs an interactive terminal; use `voicemock practice --no-tui`"
            )
        try:
            from voicemock.commands.tui import run_app
        except ImportError as error:
            raise VoicemockError(
                "the full-screen app is not available; use `voicemock practice --no-tui`"
            ) from error
        code: int = run_app(args)
        return code
    return practice_in_terminal(args)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Saved settings with this run's command-line choices on top."""
    from pydantic import ValidationError

    from voicemock.config import load_settings
    from voicemock.errors import VoicemockError

    settings = load_settings()
    changes: dict[str, Any] = {
        "engine": args.engine,
        "model": args.model,
        "silence_stop_s": args.silence_stop,
        "max_answer_s": args.max_seconds,
    }
    if args.device is not None:
        changes["input_device"] = args.device  # an index or (part of) a name
    if args.no_speak:
        changes["speak_questions"] = False
    for name, value in changes.items():
        if value is None:
            continue
        try:
            setattr(settings, name, value)
        except ValidationError as error:
            option = _OPTION_OF_SETTING.get(name, name)
            problem = str(error.errors()[0]["msg"]).removeprefix("Input ").lower()
            raise VoicemockError(f"{option} {value}: {problem}") from error
    return settings


def practice_in_terminal(args: argparse.Namespace) -> int:
    """One turn: speak, record, transcribe, score, save, report."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import check_transcriber

    settings = settings_from_args(args)
    console = Console(stderr=True)
    library = load_library()
    question_id = args.question
    if not question_id:
        ids = library.ids()
        question_id = DEFAULT_QUESTION_ID if DEFAULT_QUESTION_ID in ids or not ids else ids[0]
    question = library.get(question_id)
    # Before the answer is recorded: an unknown model must not cost the user their answer.
    check_transcriber(settings)
    console.print(
        Panel(Text(question.question.text), title=f"Question · {question.id}", expand=False)
    )
    if settings.speak_questions:
        _speak(question.question.text, settings, console)
    if settings.thinking_time_s > 0:
        with console.status(f"Think for {settings.thinking_time_s:.0f} s..."):
            threading.Event().wait(settings.thinking_time_s)

    recording, interrupted = _record(question, settings, console)
    return _analyse_and_save(args, question, settings, recording, interrupted, console)


def _speak(text: str, settings: Settings, console: Console) -> None:
    """Read the question aloud; when that is impossible say so and carry on."""
    from rich.markup import escape

    from voicemock.errors import VoicemockError
    from voicemock.speech.tts import QuestionSpeaker

    speaker = QuestionSpeaker(settings.voice, settings.rate_wpm, settings.output_device)
    try:
        speaker.speak(text)
        speaker.wait()
    except VoicemockError as error:
        console.print(
            f"[yellow]The question could not be spoken ({escape(str(error))}); read it above.[/]"
        )
    except KeyboardInterrupt:
        speaker.stop()
        raise


def _record(
    question: LoadedQuestion, settings: Settings, console: Console
) -> tuple[Recording, bool]:
    """Record the answer; returns the recording and whether Ctrl+C ended it."""
    from rich.markup import escape

    from voicemock.commands.record import STOP_REASONS, record_until_stopped
    from voicemock.pipeline import pending_recording_path
    from voicemock.speech.recorder import Recorder

    recorder = Recorder(
        pending_recording_path(question.id),
        device=settings.input_device,
        max_duration_s=settings.max_answer_s,
        silence_stop_s=settings.silence_stop_s,
    )
    stops = ["Enter"]
    if settings.silence_stop_s:
        stops.append(f"{settings.silence_stop_s:g} s of silence")
    stops.append(f"{settings.max_answer_s:g} s limit")
    console.print(
        f"[bold]Answer now.[/bold] [dim]Stops on {', '.join(stops)} or Ctrl+C.[/dim]",
        highlight=False,
    )
    recording, interrupted = record_until_stopped(recorder, console)
    if interrupted:
        console.print("[yellow]Stopped (Ctrl+C): keeping what you said.[/]")
    console.print(
        f"[dim]Recorded {recording.duration_s:.1f} s ({STOP_REASONS[recording.stopped_by]}).[/]"
    )
    if recorder.error is not None:
        console.print(f"[yellow]{escape(str(recorder.error))}[/]")
    return recording, interrupted


def _analyse_and_save(
    args: argparse.Namespace,
    question: LoadedQuestion,
    settings: Settings,
    recording: Recording,
    interrupted: bool,
    console: Console,
) -> int:
    from rich.markup import escape

    from voicemock.core.store import SessionStore
    from voicemock.errors import AudioFileError, VoicemockError
    from voicemock.pipeline import analyse_audio, save_attempt

    if recording.duration_s < MIN_ANSWER_S:
        with contextlib.suppress(OSError):
            recording.path.unlink()
        raise AudioFileError("nothing was recorded: check the microphone with `voicemock devices`")
    kept = escape(f"Your recording is kept at {recording.path}")
    try:
        with console.status("Loading the speech model...") as status:

            def progress(stage: str, fraction: float) -> None:
                percent = f" {fraction:.0%}" if stage == "transcribing" else ""
                status.update(f"{stage.capitalize()}{percent}...")

            analysed = analyse_audio(recording.path, question, settings=settings, progress=progress)
        with SessionStore() as store:
            session = store.create_session(title=question.question.text, kind="single")
            try:
                attempt = save_attempt(
                    store,
                    session.id,
                    question,
                    recording.path,
                    analysed,
                    recording.duration_s,
                    move_audio=True,
                )
            except BaseException:
                with contextlib.suppress(VoicemockError):
                    store.delete_session(session.id)  # no empty session left behind
                raise
            store.finish_session(session.id)
    except VoicemockError:
        console.print(f"[yellow]{kept}[/]")
        raise
    except KeyboardInterrupt:
        console.print(f"[yellow]Interrupted before saving. {kept}[/]")
        raise

    from voicemock.commands.score import print_score_output

    print_score_output(
        question, analysed.transcript, analysed.metrics, analysed.score, as_json=args.json
    )
    note = " (stopped early)" if interrupted else ""
    console.print(
        f"Saved as attempt [bold]{attempt.id}[/bold] in session {attempt.session_id}{note}. "
        f"Replay it: [bold]voicemock replay {attempt.id}[/bold]"
    )
    return 0
