"""``voicemock practice``: hear a question, answer out loud, get it transcribed, scored and saved.

Without ``--no-tui`` this opens the app on the practice screen; with it, everything happens in
the terminal: the question is spoken, the answer recorded until Enter, silence or the time
limit, then transcribed and scored offline, saved in the session store and reported.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.commands.llm_options import add_llm_arguments
from voicemock.commands.options import ENGINE_CHOICES
from voicemock.defaults import (
    DEFAULT_FOLLOWUPS,
    DEFAULT_MAX_ANSWER_S,
    FOLLOWUPS_RANGE,
    MAX_ANSWER_RANGE_S,
    SILENCE_STOP_RANGE_S,
)

if TYPE_CHECKING:
    from rich.console import Console

    from voicemock.config import Settings
    from voicemock.core.followups import FollowupPhraser
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord
    from voicemock.pipeline import (
        AnalysedAnswer,
        Answer,
        FollowupRound,
        PracticeSession,
        RecordingResult,
    )
    from voicemock.speech.llm import Coaching, LanguageModelCoach

    ModelPart = tuple[LanguageModelCoach | None, Coaching | None]

DEFAULT_QUESTION_ID = "sac-client-resistance"
MIN_ANSWER_S = 0.3  # shorter than this is a click or an accident, not an answer
# How long a failed turn waits for the models still loading in the background before it exits.
WARM_UP_WAIT_S = 60.0
# The option that sets each overridable setting, for error messages.
_OPTION_OF_SETTING = {
    "engine": "--engine",
    "model": "--model",
    "silence_stop_s": "--silence-stop",
    "max_answer_s": "--max-seconds",
    "input_device": "--device",
    "output_device": "--speaker",
    "followups": "--follow-ups",
}


def seconds_between(low_s: float, high_s: float) -> Callable[[str], float]:
    """An argparse type: a number of seconds from ``low_s`` to ``high_s``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from error
        if not (math.isfinite(value) and low_s <= value <= high_s):
            raise argparse.ArgumentTypeError(
                f"must be from {low_s:g} to {high_s:g} seconds (got {text})"
            )
        return value

    return parse


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
    parser.add_argument(
        "--device", default=None, help="microphone (index or name, see `voicemock devices`)"
    )
    parser.add_argument(
        "--speaker",
        default=None,
        metavar="DEVICE",
        help="speaker the question is read on (index or name, see `voicemock devices`)",
    )
    low_s, high_s = SILENCE_STOP_RANGE_S
    parser.add_argument(
        "--silence-stop",
        type=seconds_between(low_s, high_s),
        default=None,
        metavar="S",
        help=f"stop after S s of silence ({low_s:g} to {high_s:g})",
    )
    low_s, high_s = MAX_ANSWER_RANGE_S
    parser.add_argument(
        "--max-seconds",
        type=seconds_between(low_s, high_s),
        default=None,
        metavar="N",
        help=f"stop after N seconds ({low_s:g} to {high_s:g}; default {DEFAULT_MAX_ANSWER_S:g})",
    )
    low, high = FOLLOWUPS_RANGE
    parser.add_argument(
        "--follow-ups",
        type=int,
        choices=range(low, high + 1),
        default=None,
        metavar="N",
        help=(
            f"follow-up questions after the answer, chosen from what it lacked ({low}-{high}; "
            f"default from settings, {DEFAULT_FOLLOWUPS})"
        ),
    )
    parser.add_argument("--no-speak", action="store_true", help="show the question, don't say it")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_llm_arguments(parser)
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
        # The app honours this run's options (--no-speak, --follow-ups, --model, ...) too.
        code: int = run_app(args, settings_from_args(args))
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
        "followups": getattr(args, "follow_ups", None),
    }
    if args.device is not None:
        changes["input_device"] = args.device  # an index or (part of) a name
    if getattr(args, "speaker", None) is not None:
        changes["output_device"] = args.speaker
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
    """One turn: speak, record (transcribing meanwhile), score, save, report."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    from voicemock import paths
    from voicemock.commands.console import make_console
    from voicemock.commands.llm_options import command_coach
    from voicemock.core.rubrics import load_library
    from voicemock.errors import VoicemockError
    from voicemock.pipeline import check_transcriber
    from voicemock.speech.recorder import check_microphone, check_recording_space

    settings = settings_from_args(args)
    console = make_console(stderr=True)
    coach = command_coach(args, settings, console)  # a bad --llm-url fails before the question
    library = load_library()
    question_id = args.question
    if not question_id:
        ids = library.ids()
        question_id = DEFAULT_QUESTION_ID if DEFAULT_QUESTION_ID in ids or not ids else ids[0]
    question = library.get(question_id)
    # Before the question is asked: an unknown model, a missing microphone or a full disk must
    # not cost the user an answer they have already given.
    check_transcriber(settings)
    warning = check_recording_space(paths.recordings_dir())
    check_microphone(settings.input_device)
    if warning:
        console.print(f"[yellow]{escape(warning)}[/]")
    # The recording starts as soon as the question has been asked: its clock starts at 0.
    answer = _new_answer(question, settings)
    # The model loads while the question is asked and answered: nothing is left to load at the
    # end, and a Ctrl+C never lands inside a native library being loaded on the main thread.
    threading.Thread(
        target=_warm_up_quietly, args=(settings,), name="voicemock-warm-up", daemon=True
    ).start()
    console.print(
        Panel(Text(question.question.text), title=f"Question · {question.id}", expand=False)
    )
    if settings.speak_questions:
        _speak(question.question.text, settings, console)
    if settings.thinking_time_s > 0:
        with console.status(f"Think for {settings.thinking_time_s:.0f} s..."):
            threading.Event().wait(settings.thinking_time_s)

    recording, interrupted = _record(answer, console)
    try:
        # Ctrl+C between the end of the recording and the analysis: the same advice.
        with _kept_on_interrupt(console, recording.path):
            if recording.duration_s < MIN_ANSWER_S:
                from voicemock.errors import AudioFileError

                answer.discard()
                raise AudioFileError(
                    "nothing was recorded: check the microphone with `voicemock devices`"
                )
            session = _new_session(question)
            attempt = analyse_and_save_answer(answer, console, session=session)
    except VoicemockError:
        # A native library still loading in the background must not be cut off by the exit.
        _let_background_work_end(WARM_UP_WAIT_S)
        raise
    assert answer.analysed is not None
    # Ctrl+C ended the answer: the user wants to stop, not to be asked more.
    conversation = _new_round(
        answer, settings if not interrupted else _no_followups(settings), phraser=coach
    )
    try:
        followups = ask_followups(conversation, session, console)
    finally:
        _finish(session)
    model_part = (coach, _coaching(coach, question, conversation, console))
    if followups:
        _print_turns(args.json, question, conversation, attempt, followups, model_part)
    else:
        _print_result(args.json, question, answer.analysed, attempt, model_part)
    note = " (stopped early)" if interrupted else ""
    console.print(
        f"Saved as attempt [bold]{attempt.id}[/bold] in session {attempt.session_id}{note}. "
        f"Replay it: [bold]voicemock replay {attempt.id}[/bold]"
    )
    return 0


def _coaching(
    coach: LanguageModelCoach | None,
    question: LoadedQuestion,
    conversation: FollowupRound,
    console: Console,
) -> Coaching | None:
    """The language model's paragraph on the answer (all its turns), or None."""
    if coach is None or conversation.analysed is None:
        return None
    from voicemock.core.turns import join_turns

    turns = [turn.analysed for turn in conversation.turns if turn.analysed is not None]
    said = join_turns([t.transcript for t in turns]).text
    metrics = turns[0].metrics if len(turns) == 1 else None
    with console.status("Asking your language model..."):
        return coach.coach_answer(question.question, said, conversation.analysed.score, metrics)


def _new_session(question: LoadedQuestion) -> PracticeSession:
    from voicemock.pipeline import PracticeSession

    return PracticeSession(question.question.text, "single")


def _finish(session: PracticeSession) -> None:
    """Mark the practice's session finished (it holds the answers saved so far)."""
    from voicemock.core.store import SessionStore

    if session.session_id is not None:
        with SessionStore() as store:
            session.finish(store)


def _no_followups(settings: Settings) -> Settings:
    return settings.model_copy(update={"followups": 0})


def _new_round(
    answer: Answer, settings: Settings, phraser: FollowupPhraser | None = None
) -> FollowupRound:
    """The follow-ups after ``answer``: as many as the settings say (``--follow-ups``)."""
    from voicemock.pipeline import FollowupRound

    return FollowupRound(answer, settings.followups, phraser=phraser)


def ask_followups(
    conversation: FollowupRound, session: PracticeSession, console: Console
) -> list[AttemptRecord]:
    """Ask each follow-up (spoken with the question voice), record, analyse and save its answer.

    Stops when the interviewer has nothing left to ask, at the round's limit, or when a
    follow-up gets no answer. Returns the saved follow-up attempts, in the order asked.
    """
    from rich.panel import Panel
    from rich.text import Text

    from voicemock.errors import NoSpeechError, StoreError

    settings = conversation.main.settings
    saved: list[AttemptRecord] = []
    while (followup := conversation.next_followup()) is not None:
        number = len(conversation.asked) + 1
        try:
            answer = conversation.followup_answer(followup, question_end_s=0.0)
        except OSError as error:
            raise StoreError(
                f"cannot create the folder for recordings: {error.strerror or error}"
            ) from error
        console.print(
            Panel(
                Text.assemble(followup.text, "\n", (followup.reason, "dim")),
                title=f"Follow-up {number}",
                expand=False,
            )
        )
        if settings.speak_questions:
            _speak(followup.text, settings, console)
        recording, interrupted = _record(answer, console)
        if recording.duration_s < MIN_ANSWER_S:
            answer.discard()
            console.print("[yellow]No answer to the follow-up was recorded; moving on.[/]")
            break
        try:
            with _kept_on_interrupt(console, recording.path):
                saved.append(analyse_and_save_answer(answer, console, session=session))
        except NoSpeechError:
            # A silent take is not kept; the answers so far and their report still count.
            console.print("[yellow]No answer to the follow-up was heard; moving on.[/]")
            break
        if interrupted:
            break  # Ctrl+C ended this answer (it is kept): the user wants to stop, not more
    return saved


def _print_turns(
    as_json: bool,
    question: LoadedQuestion,
    conversation: FollowupRound,
    attempt: AttemptRecord,
    followups: list[AttemptRecord],
    model_part: ModelPart = (None, None),
) -> None:
    """The question's report over every turn: each turn's words and delivery, then the score
    of all turns together and the delivery of all of them (then the language model's part)."""
    from voicemock.commands.llm_options import coaching_json, render_coaching

    analysed = conversation.analysed
    assert analysed is not None
    turns = [turn.analysed for turn in conversation.turns if turn.analysed is not None]
    if as_json:
        import sys
        from dataclasses import asdict

        from voicemock.commands.score import score_json
        from voicemock.core.followups import MAX_FOLLOWUPS, choose_followups
        from voicemock.core.safe_text import json_text
        from voicemock.core.turns import delivery_summary, join_turns

        summary = delivery_summary([t.metrics for t in turns])
        said = join_turns([t.transcript for t in turns]).text
        still = (
            ()
            if analysed.score is None
            else choose_followups(
                question.question,
                analysed.score,
                said,
                MAX_FOLLOWUPS,
                asked=conversation.asked,
            )
        )
        document = {
            "session_id": attempt.session_id,
            "attempt_id": attempt.id,
            "question_id": question.id,
            **score_json(
                turns[0].transcript,
                turns[0].metrics,
                analysed.score,
                turns[0].prosody,
                question.question,
                still,
            ),
            "turns": [
                {
                    "attempt_id": record.id,
                    "turn": record.turn,
                    "asked": record.question_text,
                    "reason": record.followup_reason,
                    "transcript": record.transcript.to_dict(),
                    "metrics": record.metrics.to_dict(),
                }
                for record in followups
            ],
            "delivery_overall": asdict(summary),
            **coaching_json(*model_part),
        }
        sys.stdout.write(json_text(document) + "\n")
        return
    from rich.text import Text

    from voicemock.commands.console import make_console
    from voicemock.commands.render import render_analysis
    from voicemock.commands.score import render_score
    from voicemock.core.turns import delivery_summary

    out = make_console()
    render_analysis(
        out,
        turns[0].transcript,
        turns[0].metrics,
        heading="Your answer",
        more_hint=f"Every delivery figure: voicemock sessions show {attempt.session_id} --json.",
        prosody=turns[0].prosody,
    )
    for record, turn in zip(followups, turns[1:], strict=False):
        out.print()
        render_analysis(
            out,
            turn.transcript,
            turn.metrics,
            heading=f"Follow-up {record.turn}: {record.question_text}",
            prosody=turn.prosody,
        )
    out.print()
    summary = delivery_summary([t.metrics for t in turns])
    rate = f"{summary.speaking_rate_wpm} wpm" if summary.speaking_rate_wpm is not None else "-"
    fillers = f"{summary.fillers_per_min}/min" if summary.fillers_per_min is not None else "-"
    out.print(
        Text.assemble(
            ("Delivery over all turns  ", "bold"),
            f"{summary.answer_s:.0f} s, {rate}, fillers {fillers}, "
            f"{summary.long_pause_count} long pause(s)",
        )
    )
    out.print()
    if analysed.score is None:
        out.print("[dim]No rubric score for this answer.[/dim]")
    else:
        out.print(Text("Scored on the answer and its follow-ups together", style="dim"))
        render_score(out, analysed.score, None, question.question)
    coach, coaching = model_part
    render_coaching(out, coaching, coach.notices if coach is not None else ())


def _let_background_work_end(timeout_s: float) -> None:
    """Wait (up to ``timeout_s`` in all) for the warm-up, scoring and transcription threads."""
    import time

    deadline = time.monotonic() + timeout_s
    for thread in threading.enumerate():
        if thread.name.startswith("voicemock-") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


def _warm_up_quietly(settings: Settings) -> None:
    """Load what the analysis needs; a failure here is reported by the analysis itself."""
    from voicemock.pipeline import warm_up

    with contextlib.suppress(Exception):
        warm_up(settings)


def _new_answer(question: LoadedQuestion, settings: Settings) -> Answer:
    from voicemock.errors import StoreError
    from voicemock.pipeline import Answer

    try:
        return Answer(question, settings, question_end_s=0.0)
    except OSError as error:
        raise StoreError(
            f"cannot create the folder for recordings: {error.strerror or error}"
        ) from error


def _speak(text: str, settings: Settings, console: Console) -> None:
    """Read the question aloud; when that is impossible say so and carry on."""
    from rich.markup import escape

    from voicemock.errors import AudioDeviceError, VoicemockError
    from voicemock.speech.devices import NO_SPEAKER
    from voicemock.speech.tts import QuestionSpeaker

    speaker = QuestionSpeaker(settings.voice, settings.rate_wpm, settings.output_device)
    try:
        speaker.speak(text)
        speaker.wait()
    except AudioDeviceError as error:
        # The generic message points at --device, which picks the microphone here.
        reason = "no speaker found" if str(error) == NO_SPEAKER else str(error)
        if "voicemock devices" in reason:  # that advice comes once, below
            reason = reason.split(":")[0]
        reason = reason[:1].lower() + reason[1:]
        console.print(
            f"[yellow]The question could not be spoken ({escape(reason)}); it is shown above "
            "instead. Choose a speaker with --speaker (see `voicemock devices`) or pass "
            "--no-speak.[/]"
        )
    except VoicemockError as error:
        console.print(
            f"[yellow]The question could not be spoken ({escape(str(error))}); "
            "it is shown above instead.[/]"
        )
    except KeyboardInterrupt:
        speaker.stop()
        raise


def _record(answer: Answer, console: Console) -> tuple[RecordingResult, bool]:
    """Record the answer (transcribed meanwhile); returns it and whether Ctrl+C ended it.

    Raises StoreError (with the command that saves it later) when the file could not be
    written, e.g. on a full disk: what was recorded is kept.
    """
    from rich.markup import escape

    from voicemock.commands.record import STOP_REASONS, record_until_stopped
    from voicemock.errors import StoreError
    from voicemock.pipeline import microphone_recorder, recover_command

    settings = answer.settings
    recorder = answer.make_recorder(microphone_recorder)
    stops = ["Enter"]
    if settings.silence_stop_s:
        stops.append(f"{settings.silence_stop_s:g} s of silence")
    stops.append(f"{settings.max_answer_s:g} s limit")
    banner = f"[bold]Answer now.[/bold] [dim]Stops on {', '.join(stops)} or Ctrl+C.[/dim]"
    recording, interrupted = record_until_stopped(recorder, console, banner)
    answer.recording = recording
    # Ctrl+C just after the recording ended: it is kept, and the user is told where.
    with _kept_on_interrupt(console, recording.path):
        if interrupted:
            console.print("[yellow]Stopped (Ctrl+C): keeping what you said.[/]")
        console.print(
            f"[dim]Recorded {recording.duration_s:.1f} s ({STOP_REASONS[recording.stopped_by]}).[/]"
        )
        error = recorder.error
        if isinstance(error, StoreError):
            # Transcribing now would only fail at saving: keep the file for later instead.
            answer.close()
            raise StoreError(
                f"{error}; free some space, then score and save it with: "
                f"{recover_command(recording.path)}"
            ) from error
        if error is not None:
            console.print(f"[yellow]{escape(str(error))}[/]")
    return recording, interrupted


def analyse_and_save(
    audio_path: Path,
    question: LoadedQuestion | None,
    settings: Settings,
    duration_s: float,
    console: Console,
    *,
    question_end_s: float | None,
    move_audio: bool = True,
) -> tuple[AnalysedAnswer, AttemptRecord]:
    """Transcribe, score and save a recording file as a new single-question session.

    See :func:`analyse_and_save_answer`; ``move_audio`` moves the file into the store (False
    copies it).
    """
    from voicemock.pipeline import Answer

    answer = Answer(question, settings, audio_path=audio_path, question_end_s=question_end_s)
    attempt = analyse_and_save_answer(answer, console, move_audio=move_audio, duration_s=duration_s)
    assert answer.analysed is not None
    return answer.analysed, attempt


def analyse_and_save_answer(
    answer: Answer,
    console: Console,
    *,
    move_audio: bool = True,
    duration_s: float | None = None,
    session: PracticeSession | None = None,
) -> AttemptRecord:
    """Finish transcribing, score and save an answer as a new single-question session.

    With ``session`` the answer goes into it (the caller finishes it) instead. Progress shows
    on ``console``. When anything fails or Ctrl+C comes, the recording stays
    where it is and the message says how to save it later; the error is then re-raised.
    """
    from rich.markup import escape

    from voicemock.core.store import SessionStore
    from voicemock.errors import AudioFileError, VoicemockError
    from voicemock.pipeline import PracticeSession

    audio_path = answer.audio_path
    kept = f"Your recording is kept at {audio_path}."
    later = _save_later(audio_path)
    question = answer.question
    title = question.question.text if question is not None else "Recovered recording"
    with _kept_on_interrupt(console, audio_path):
        try:
            # Opened first: a store that cannot be written fails before a long transcription.
            with SessionStore() as store:
                with console.status("Loading the speech model...") as status:

                    def progress(stage: str, fraction: float) -> None:
                        percent = f" {fraction:.0%}" if stage == "transcribing" else ""
                        status.update(f"{stage.capitalize()}{percent}...")

                    answer.analyse(progress)
                if duration_s is not None:
                    answer.duration_s = duration_s
                if session is None:
                    own = PracticeSession(title, "single")
                    attempt = own.save(store, answer, move_audio=move_audio)
                    own.finish(store)
                else:
                    attempt = session.save(store, answer, move_audio=move_audio)
        except AudioFileError:
            answer.close()
            if audio_path.exists():  # a take without speech is not kept
                console.print(f"[yellow]{escape(kept)}[/]", soft_wrap=True)  # saving would not help
            raise
        except VoicemockError:
            answer.close()
            console.print(f"[yellow]{escape(later)}[/]", soft_wrap=True)
            raise
        except KeyboardInterrupt:
            answer.close()
            raise
    return attempt


class InterruptedBeforeSavingError(KeyboardInterrupt):
    """Ctrl+C came after the recording and before it was saved; the user has been told."""


@contextlib.contextmanager
def _kept_on_interrupt(console: Console, audio_path: Path) -> Iterator[None]:
    """Ctrl+C inside tells the user where the recording is kept and how to save it (once,
    however many of these it passes through) and goes on as InterruptedBeforeSavingError."""
    try:
        yield
    except InterruptedBeforeSavingError:
        raise
    except KeyboardInterrupt as error:
        from rich.markup import escape

        said = f"Interrupted before saving. {_save_later(audio_path)}"
        console.print(f"[yellow]{escape(said)}[/]", soft_wrap=True)
        raise InterruptedBeforeSavingError from error


def _save_later(audio_path: Path) -> str:
    """Where the recording is kept and the command that scores and saves it later."""
    from voicemock.pipeline import recover_command

    return (
        f"Your recording is kept at {audio_path}. Score and save it later with: "
        f"{recover_command(audio_path)}"
    )


def _print_result(
    as_json: bool,
    question: LoadedQuestion,
    analysed: AnalysedAnswer,
    attempt: AttemptRecord,
    model_part: ModelPart = (None, None),
) -> None:
    """The report on stdout: JSON with the stored ids, or the transcript, metrics and score
    (then the language model's part: its coaching paragraph and notices)."""
    from voicemock.commands.llm_options import coaching_json, render_coaching

    if as_json:
        import sys

        from voicemock.commands.score import score_json
        from voicemock.core.safe_text import json_text

        document = {
            "session_id": attempt.session_id,
            "attempt_id": attempt.id,
            "question_id": question.id,
            **score_json(
                analysed.transcript,
                analysed.metrics,
                analysed.score,
                analysed.prosody,
                question.question,
            ),
            **coaching_json(*model_part),
        }
        sys.stdout.write(json_text(document) + "\n")
        return
    from voicemock.commands.console import make_console
    from voicemock.commands.render import render_analysis
    from voicemock.commands.score import render_score

    out = make_console()
    # The question itself was shown in its panel just before: not repeated here.
    render_analysis(
        out,
        analysed.transcript,
        analysed.metrics,
        heading="Your answer",
        more_hint=(
            f"Every delivery figure: voicemock sessions show {attempt.session_id} --json "
            "(or practice --json)."
        ),
        prosody=analysed.prosody,
    )
    out.print()
    if analysed.score is None:
        out.print("[dim]No rubric score for this answer.[/dim]")
    else:
        render_score(out, analysed.score, analysed.metrics, question.question)
    coach, coaching = model_part
    render_coaching(out, coaching, coach.notices if coach is not None else ())
