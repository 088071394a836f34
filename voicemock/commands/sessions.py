"""``voicemock sessions``: list, show, export, import and delete stored practice sessions.

Also ``pending`` and ``recover``: recordings kept after an interrupted or failed practice turn
wait in the recordings' pending folder until they are scored and saved as attempts; ``clean``
removes recordings a crash left behind that no attempt uses.

Everything shown comes from the store or from files, so it is printed as text (never markup)
through consoles that keep control characters away from the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.core.pending import pending_folder, pending_name, question_id_of, recorded_at
from voicemock.core.safe_text import json_text, printable
from voicemock.core.wav import is_wav_path, wav_duration_s

if TYPE_CHECKING:
    from rich.console import Console

    from voicemock.config import Settings
    from voicemock.core.models import DeliveryMetrics
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord, SessionRecord, SessionStore

# The delivery figures shown per attempt in `sessions show`: metric key -> short column header.
# After the score of an attempt scored on a transcript the user corrected.
EDITED_MARK = "*"
KEY_METRICS = {
    "speaking_rate_wpm": "wpm",
    "fillers_per_min": "Fill/m",
    "longest_pause_s": "Pause",
}
METRICS_LEGEND = (
    "Secs: first word to last · wpm: speaking rate · Fill/m: fillers per minute · "
    "Pause: longest pause (s)"
)
# Widths of the `sessions show` columns other than Question (header or widest value).
_SHOW_FIXED_WIDTHS = (7, 5, 5, 4, *(max(len(h), 4) for h in KEY_METRICS.values()))
MIN_QUESTION_WIDTH = 8
RECENT_S = 10.0  # a pending file written to this recently may still be being recorded
# `sessions recover FILE` copies a file from elsewhere into the data folder; a file whose header
# cannot say how long it is must be smaller than this to be copied (an hour of 48 kHz stereo).
MAX_RECOVER_BYTES = 700 * 1024 * 1024


def _positive_count(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from error
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more (leave it out to list them all)")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sessions`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "sessions",
        help="list, show, edit, export, import, delete or recover practice sessions",
        description="Your stored practice sessions and their attempts (newest first).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    list_parser = actions.add_parser("list", help="list sessions (the default)")
    list_parser.add_argument(
        "--limit", type=_positive_count, default=None, metavar="N", help="show at most N sessions"
    )
    list_parser.add_argument("--json", action="store_true", help="print JSON")

    show = actions.add_parser("show", help="show a session's attempts with scores and metrics")
    show.add_argument("session_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON (full transcripts too)")

    export = actions.add_parser("export", help="export a session to a folder")
    export.add_argument("session_id", type=int, metavar="ID")
    export.add_argument("dest", type=Path, metavar="DEST", help="folder to create the export in")

    importer = actions.add_parser(
        "import",
        help="import a session folder made by export",
        description=(
            "Import a session made by `sessions export`: its folder (voicemock-session-N), or "
            "the folder it was exported into when that holds only one."
        ),
    )
    importer.add_argument("folder", type=Path, metavar="FOLDER")
    importer.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="import it even when the same session is already stored",
    )

    delete = actions.add_parser("delete", help="delete a session and its recordings")
    delete.add_argument("session_id", type=int, metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    pending = actions.add_parser(
        "pending", help="list recordings kept after an interrupted practice, not yet saved"
    )
    pending.add_argument("--json", action="store_true", help="print JSON")

    recover = actions.add_parser(
        "recover",
        help="score and save a kept recording as an attempt",
        description=(
            "Transcribe a recording kept after an interrupted or failed practice turn, score it "
            "against the question named in its file name, and save it as an attempt in a new "
            "session. Without PATH, every pending recording is recovered (see `sessions "
            "pending`)."
        ),
    )
    recover.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=None,
        metavar="PATH",
        help="the recording (WAV, FLAC, OGG or MP3)",
    )
    recover.add_argument(
        "--question",
        "-q",
        default=None,
        metavar="ID",
        help="score against this question instead of the one in the file name",
    )

    edit = actions.add_parser(
        "edit",
        help="correct an attempt's transcript and score it again",
        description=(
            "Correct what the recogniser heard in an attempt (a misheard word costs points) and "
            "score it again. Opens $EDITOR on the transcript, or takes the text from --text or "
            "--transcript. Words you did not change keep their timing; changed words are marked. "
            "What was first heard is kept: --revert puts it back."
        ),
    )
    edit.add_argument("attempt_id", type=int, metavar="ATTEMPT", help="the attempt's id")
    source = edit.add_mutually_exclusive_group()
    source.add_argument(
        "--transcript", type=Path, default=None, metavar="FILE", help="the corrected text"
    )
    source.add_argument("--text", default=None, metavar="TEXT", help="the corrected text")
    source.add_argument(
        "--revert", action="store_true", help="put back the transcript as first heard"
    )

    actions.add_parser(
        "clean",
        help="remove recordings left behind by an interrupted save, import or delete",
        description=(
            "Remove recordings in the data folder that no attempt uses: copies left behind when "
            "a save, an import or a delete was interrupted (their originals are where they came "
            "from). Files younger than a few minutes are kept: a save may still be running."
        ),
    )

    parser.set_defaults(func=run, action=None, limit=None, json=False)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action (``list`` when none is given)."""
    from voicemock.commands.console import make_console
    from voicemock.core.exchange import find_exported_session
    from voicemock.core.store import SessionStore

    out = make_console()
    err = make_console(stderr=True)
    action = args.action or "list"
    if action == "pending":
        return _pending(out, as_json=args.json)
    if action == "recover":
        return _recover(err, args.path, args.question)
    with SessionStore() as store:
        if action == "clean":
            return _clean(store, err)
        if action == "list":
            return _list(store, out, limit=args.limit, as_json=args.json)
        if action == "show":
            return _show(store, out, args.session_id, as_json=args.json)
        if action == "export":
            from rich.markup import escape

            folder = store.export_session(args.session_id, args.dest)
            err.print(f"Exported session {args.session_id} to [bold]{escape(str(folder))}[/bold]")
            print(printable(str(folder)))
            return 0
        if action == "import":
            from voicemock.speech.audio_io import audio_problem

            folder = find_exported_session(args.folder)
            session = store.import_session(
                folder, allow_duplicate=args.allow_duplicate, check_audio=audio_problem
            )
            title = json.dumps(session.title or "untitled", ensure_ascii=False)
            print(
                printable(
                    f"Imported session {session.id} {title} ({session.attempt_count} attempt(s)) "
                    f"from {folder}"
                )
            )
            return 0
        if action == "delete":
            return _delete(store, err, args.session_id, assume_yes=args.yes)
        if action == "edit":
            return _edit(store, out, err, args)
    raise AssertionError(f"unhandled action {action!r}")  # argparse only allows the above


def _local(moment: Any, damaged: str = "") -> str:
    if "date" in damaged:
        return "?"  # the stored date cannot be read
    return str(moment.astimezone().strftime("%Y-%m-%d %H:%M"))


def _session_dict(session: SessionRecord) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "kind": session.kind,
        "created_at": session.created_at.isoformat(),
        "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        "attempt_count": session.attempt_count,
        "mean_overall": session.mean_overall,
        "damaged": session.damaged or None,
    }


def _attempt_dict(attempt: AttemptRecord) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "session_id": attempt.session_id,
        "question_id": attempt.question_id,
        "question_text": attempt.question_text,
        "rubric_version": attempt.rubric_version,
        "created_at": attempt.created_at.isoformat(),
        "overall": attempt.overall,
        "duration_s": attempt.duration_s,
        "engine": attempt.engine,
        "model": attempt.model,
        "audio_path": str(attempt.audio_path) if attempt.audio_path else None,
        "audio_status": attempt.audio_status,
        "notes": attempt.notes,
        "transcript": attempt.transcript.to_dict(),
        "metrics": attempt.metrics.to_dict(),
        "score": attempt.score.to_dict() if attempt.score else None,
        "damaged": attempt.damaged or None,
        # A follow-up answer: its main answer's attempt, its turn and why it was asked.
        "parent_id": attempt.parent_id,
        "turn": attempt.turn,
        "followup_reason": attempt.followup_reason,
        "edited_at": attempt.edited_at.isoformat() if attempt.edited_at else None,
        "original_transcript": (
            attempt.original_transcript.to_dict() if attempt.original_transcript else None
        ),
    }


def _list(store: SessionStore, out: Console, *, limit: int | None, as_json: bool) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    sessions = store.list_sessions(limit=limit)
    if as_json:
        print(json_text([_session_dict(s) for s in sessions]))
        return 0
    if not sessions:
        out.print("No sessions yet. Start one with [bold]voicemock practice[/bold].")
        return 0
    table = Table(
        title="Practice sessions", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False
    )
    table.add_column("ID", justify="right", style="bold", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=1)
    table.add_column("Attempts", justify="right", no_wrap=True)
    table.add_column("Mean", justify="right", no_wrap=True)
    for session in sessions:
        mean = "-" if session.mean_overall is None else f"{session.mean_overall:.0f}"
        title = Text(session.title or "-")
        if session.damaged:
            title.append(f" (damaged: {session.damaged})", style="red")
        table.add_row(
            str(session.id),
            _local(session.created_at, session.damaged),
            session.kind,
            title,
            str(session.attempt_count),
            mean,
        )
    out.print(table)
    damaged = sum(1 for session in sessions if session.damaged)
    if damaged:
        out.print(
            Text(
                f"{damaged} session(s) are damaged in the store; `voicemock doctor` says more.",
                style="yellow",
            )
        )
    return 0


def _metric_text(metrics: DeliveryMetrics, key: str) -> str:
    metric = metrics.get(key)
    if metric is None or metric.value is None:
        return "-"
    value = metric.value
    number = f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"
    colour = {"good": "green", "watch": "yellow", "fix": "red"}.get(metric.band, "")
    return f"[{colour}]{number}[/{colour}]" if colour else number


def _question_width(console_width: int) -> int:
    """Room for the Question column of `sessions show` once the other columns are laid out."""
    columns = len(_SHOW_FIXED_WIDTHS) + 1
    # Each column has one space of padding either side and one separator between columns.
    taken = sum(_SHOW_FIXED_WIDTHS) + 2 * columns + (columns - 1)
    return max(MIN_QUESTION_WIDTH, console_width - taken)


def _show(store: SessionStore, out: Console, session_id: int, *, as_json: bool) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from voicemock.core.metrics import answer_length_s

    session = store.get_session(session_id)
    attempts = list(reversed(store.list_attempts(session_id=session_id)))  # in answer order
    if as_json:
        document = {**_session_dict(session), "attempts": [_attempt_dict(a) for a in attempts]}
        print(json_text(document))
        return 0
    finished = (
        f"finished {_local(session.finished_at, session.damaged)}"
        if session.finished_at
        else "not finished"
    )
    heading = Text.assemble((f"Session {session.id}", "bold"), "  ", session.title or "")
    out.print(heading)
    out.print(
        Text(f"{session.kind}, started {_local(session.created_at, session.damaged)}, {finished}")
    )
    if session.damaged:
        out.print(Text(f"This session is damaged in the store: {session.damaged}.", style="red"))
    if not attempts:
        out.print("No attempts in this session.")
        return 0
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Attempt", justify="right", style="bold", no_wrap=True)
    table.add_column("Time", no_wrap=True)
    table.add_column(
        "Question",
        no_wrap=True,
        overflow="ellipsis",
        max_width=_question_width(out.width),
    )
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Secs", justify="right", no_wrap=True)
    for header in KEY_METRICS.values():
        table.add_column(header, justify="right", no_wrap=True)
    for attempt in attempts:
        overall = "-" if attempt.overall is None else str(attempt.overall)
        if attempt.original_transcript is not None:
            overall += EDITED_MARK
        if attempt.damaged:
            overall = "[red]![/red]"
        table.add_row(
            str(attempt.id),
            "?" if "date" in attempt.damaged else attempt.created_at.astimezone().strftime("%H:%M"),
            Text(
                f"  ↳ follow-up {attempt.turn}"
                if attempt.parent_id is not None
                else (attempt.question_id or "-")
            ),
            overall,
            f"{answer_length_s(attempt.metrics, attempt.duration_s):.0f}",
            *(_metric_text(attempt.metrics, key) for key in KEY_METRICS),
        )
    out.print(table)
    out.print(f"[dim]{METRICS_LEGEND}[/dim]")
    problems = [
        f"attempt {a.id}: {'missing' if a.audio_status == 'missing' else 'damaged'}"
        for a in attempts
        if a.audio_status in ("missing", "corrupt")
    ]
    if problems:
        out.print(f"[yellow]Recording {'; '.join(problems)} (replay shows the transcript only).[/]")
    for attempt in attempts:
        if attempt.damaged:
            out.print(
                Text(
                    f"! Attempt {attempt.id} is damaged in the store ({attempt.damaged}); "
                    "what could be read is shown.",
                    style="red",
                )
            )
    if any(a.original_transcript is not None for a in attempts):
        out.print(
            f"[dim]{EDITED_MARK} scored on a corrected transcript "
            "(voicemock sessions edit ATTEMPT_ID --revert puts back what was heard)[/dim]"
        )
    out.print("[dim]Replay an attempt with: voicemock replay ATTEMPT_ID (the Attempt column)[/dim]")
    return 0


def _clean(store: SessionStore, err: Console) -> int:
    """Remove recordings no attempt uses (older than the store's safety margin)."""
    from rich.text import Text

    from voicemock.core.store import ORPHAN_MIN_AGE_S

    removed = store.remove_orphan_recordings()
    younger = len(store.orphan_recordings())
    if removed:
        err.print(
            Text(
                f"Removed {len(removed)} recording(s) that no session uses (copies left behind "
                "by an interrupted save, import or delete)."
            )
        )
    else:
        err.print("No leftover recordings.")
    if younger:
        err.print(
            Text(
                f"{younger} more are younger than {ORPHAN_MIN_AGE_S / 60:.0f} minutes and were "
                "kept (a save may still be running); run this again later."
            )
        )
    return 0


def _delete(store: SessionStore, err: Console, session_id: int, *, assume_yes: bool) -> int:
    session = store.get_session(session_id)
    if not assume_yes:
        if not sys.stdin.isatty():
            err.print(f"Not deleting session {session_id}: add --yes to confirm.")
            return 1
        answer = input(
            f"Delete session {session_id} ({session.attempt_count} attempt(s) and their "
            "recordings)? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            err.print("Nothing deleted.")
            return 1
    store.delete_session(session_id)
    err.print(f"Deleted session {session_id} and its recordings.")
    return 0


# --------------------------------------------------------------------------- pending recordings


@dataclass(frozen=True)
class PendingRecording:
    """A recording kept in the pending folder, not (yet) saved as an attempt."""

    path: Path
    question_id: str | None  # None: the recording is not of a particular question
    recorded_at: datetime
    duration_s: float | None  # None when the file cannot be read


def _recorded_at(path: Path) -> datetime:
    """When a pending recording was started: from its name, else its file's time."""
    return recorded_at(path) or datetime.fromtimestamp(path.stat().st_mtime)


def _duration_s(path: Path) -> float | None:
    """Length of a recording without changing it (a WAV's stale header is read around)."""
    if is_wav_path(path):
        return wav_duration_s(path)
    from voicemock.errors import AudioFileError
    from voicemock.speech.audio_io import audio_duration_s

    try:
        return audio_duration_s(path)
    except AudioFileError:
        return None


def pending_recordings() -> list[PendingRecording]:
    """Recordings waiting in the pending folder, oldest first."""
    folder = pending_folder()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.wav"):
        if path.name.startswith(".") or not path.is_file():
            continue  # a hidden name is a copy still being made
        found.append(
            PendingRecording(path, question_id_of(path), _recorded_at(path), _duration_s(path))
        )
    return sorted(found, key=lambda item: (item.recorded_at, item.path.name))


def _pending(out: Console, *, as_json: bool) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    items = pending_recordings()
    if as_json:
        document = [
            {
                "path": str(item.path),
                "question_id": item.question_id,
                "recorded_at": item.recorded_at.isoformat(),
                "duration_s": item.duration_s,
            }
            for item in items
        ]
        print(json_text(document))
        return 0
    if not items:
        out.print("No recordings are waiting to be saved.")
        return 0
    table = Table(
        title=f"Recordings not yet saved ({pending_folder()})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("Recorded", no_wrap=True)
    table.add_column("Secs", justify="right", no_wrap=True)
    table.add_column("Question", no_wrap=True, overflow="ellipsis")
    table.add_column("File", overflow="fold")
    for item in items:
        secs = "?" if item.duration_s is None else f"{item.duration_s:.0f}"
        table.add_row(
            item.recorded_at.strftime("%Y-%m-%d %H:%M"),
            secs,
            Text(item.question_id or "-"),
            Text(item.path.name),
        )
    out.print(table)
    out.print(
        "Save one with: [bold]voicemock sessions recover PATH[/bold] "
        "(all: [bold]voicemock sessions recover[/bold])",
        highlight=False,
    )
    return 0


def _recover(err: Console, path: Path | None, question_id: str | None) -> int:
    """Save one kept recording (``path``) or every pending one as attempts."""
    from rich.markup import escape

    from voicemock.config import load_settings
    from voicemock.errors import VoicemockError
    from voicemock.pipeline import check_transcriber

    settings = load_settings()
    check_transcriber(settings)
    if path is not None:
        _recover_one(err, Path(path), question_id, settings)
        return 0
    now = time.time()
    items = [item for item in pending_recordings() if now - item.path.stat().st_mtime >= RECENT_S]
    if not items:
        err.print("No recordings are waiting to be saved.")
        return 0
    failed = 0
    for item in items:
        try:
            _recover_one(err, item.path, question_id, settings)
        except VoicemockError as error:
            failed += 1
            err.print(f"[red]{escape(item.path.name)}: {escape(str(error))}[/red]", soft_wrap=True)
    if failed:
        err.print(
            f"{failed} of {len(items)} recording(s) could not be saved; they are kept in "
            f"{pending_folder()} (delete the ones you do not need)."
        )
        return 1
    return 0


def _private_copy(source: Path) -> Path:
    """Copy a recording from outside the data folder into the pending folder (repaired there).

    The copy is checked to be audio before it gets a pending name; when it is not, it is
    removed and AudioFileError says so (the source is never touched).
    """
    import contextlib
    import os
    import shutil
    import uuid

    import soundfile as sf

    from voicemock.core.limits import MAX_AUDIO_S, describe_duration
    from voicemock.core.wav import repair_wav
    from voicemock.errors import AudioFileError
    from voicemock.files import create_private_file, regular_file_problem
    from voicemock.speech.audio_io import audio_problem

    problem = regular_file_problem(source)
    if problem is not None:
        raise AudioFileError(f"{source}: {problem}")
    try:
        declared_s = float(sf.info(str(source)).duration)
    except Exception:  # a header left stale by a crash: the copy is repaired below
        declared_s = 0.0
    if declared_s > MAX_AUDIO_S:
        raise AudioFileError(
            f"{source}: {describe_duration(declared_s)} of audio; voicemock analyses recordings "
            f"of up to {describe_duration(MAX_AUDIO_S)}"
        )
    if source.stat().st_size > MAX_RECOVER_BYTES:
        raise AudioFileError(f"{source}: too large to be an answer")
    folder = pending_folder()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = (
        source.suffix.lower() if source.suffix.lower() in (".wav", ".flac", ".ogg", ".mp3") else ""
    )
    copy = folder / f".recover-{uuid.uuid4().hex}{suffix or '.wav'}"
    try:
        with source.open("rb") as src, create_private_file(copy) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        if copy.suffix == ".wav":
            try:
                repair_wav(copy)
            except AudioFileError as error:  # named by the file given, not the working copy
                raise AudioFileError(str(error).replace(str(copy), str(source))) from error
        problem = audio_problem(copy)
        if problem is not None:
            raise AudioFileError(f"{source} cannot be read as audio ({problem})")
        # A pending name (time, question), so a failed save can be recovered later like any.
        moment = _recorded_at(source)
        wanted = question_id_of(source) or ""
        while True:
            named = folder / pending_name(moment, wanted, copy.suffix)
            if not named.exists():
                break
            moment += timedelta(microseconds=1)
        os.replace(copy, named)
        return named
    except BaseException:
        with contextlib.suppress(OSError):
            copy.unlink()
        raise


def _recover_one(
    err: Console, path: Path, question_id: str | None, settings: Settings
) -> AttemptRecord:
    """Repair, transcribe, score and save one kept recording; prints where it went."""
    from rich.markup import escape

    from voicemock.commands.practice import analyse_and_save
    from voicemock.core.wav import repair_wav
    from voicemock.errors import AudioFileError, QuestionNotFoundError

    if not path.is_file():
        if path.exists():
            from voicemock.files import regular_file_problem

            raise AudioFileError(f"{path}: {regular_file_problem(path) or 'not a recording'}")
        raise AudioFileError(f"no recording at {path} (see `voicemock sessions pending`)")
    wanted = question_id or question_id_of(path)
    question: LoadedQuestion | None = None
    if wanted:  # first: a wrong id fails before anything is copied
        from voicemock.core.rubrics import load_library

        try:
            question = load_library().get(wanted)
        except QuestionNotFoundError as error:
            raise QuestionNotFoundError(
                f"{error}; pass --question ID to score {path.name} against another question"
            ) from error
    pending = pending_folder().resolve()
    if path.resolve().parent != pending:
        # A file the user named is never changed: a copy in the data folder is repaired and
        # saved instead, and the file stays as it was, whatever happens next.
        path = _private_copy(path)
    if path.suffix.lower() == ".wav":
        repair_wav(path)  # a recording cut off by a crash has a stale header
    duration_s = _duration_s(path)
    if duration_s is None:
        raise AudioFileError(f"{path} cannot be read as audio")
    # Always in the pending folder by now (the user's own file was copied there): moved in.
    move_audio = True
    err.print(f"Recovering {escape(str(path))}", highlight=False, soft_wrap=True)
    # Pending recordings start right after the question was asked: their clock starts at 0.
    _, attempt = analyse_and_save(
        path,
        question,
        settings,
        duration_s,
        err,
        question_end_s=0.0,
        move_audio=move_audio,
    )
    score = "" if attempt.overall is None else f", overall {attempt.overall}/100"
    err.print(
        f"Saved as attempt [bold]{attempt.id}[/bold] in session {attempt.session_id}"
        f" ({escape(attempt.question_id or 'no question')}{score}). "
        f"Replay it: [bold]voicemock replay {attempt.id}[/bold]",
        highlight=False,
        soft_wrap=True,
    )
    return attempt


def _edit(store: SessionStore, out: Console, err: Console, args: argparse.Namespace) -> int:
    """Correct an attempt's transcript (or revert it), score it again and show the result."""
    from rich.text import Text

    from voicemock.commands.render import render_next_steps, render_transcript
    from voicemock.config import load_settings
    from voicemock.core.advice import next_steps
    from voicemock.core.rubrics import load_library
    from voicemock.core.transcript_edit import edited_word_count
    from voicemock.errors import QuestionNotFoundError
    from voicemock.pipeline import edit_transcript, revert_transcript

    attempt = store.get_attempt(args.attempt_id)
    try:
        question: LoadedQuestion | None = load_library().get(attempt.question_id)
    except QuestionNotFoundError:
        question = None
    settings = load_settings()
    if args.revert:
        with err.status("Scoring the transcript as first heard..."):
            updated = revert_transcript(store, attempt.id, question, settings)
    else:
        if args.text is not None:
            text = args.text
        elif args.transcript is not None:
            from voicemock.commands.score import read_transcript_file

            text = read_transcript_file(args.transcript).text
        else:
            text = _text_from_editor(attempt.transcript.text)
        if " ".join(text.split()) == " ".join(attempt.transcript.text.split()):
            err.print(f"No change: attempt {attempt.id}'s transcript is as it was.")
            return 0
        with err.status("Scoring the corrected transcript..."):
            updated = edit_transcript(store, attempt.id, text, question, settings)
    if question is None and updated.score is not None:
        err.print(
            Text(
                f"The question {attempt.question_id} is not in the loaded banks: the delivery "
                "was measured again, the score is the one from before.",
                style="yellow",
            )
        )
    before = "-" if attempt.overall is None else str(attempt.overall)
    after = "-" if updated.overall is None else str(updated.overall)
    changed = edited_word_count(updated.transcript)
    status = f"{changed} word(s) corrected" if updated.original_transcript else "as first heard"
    if updated.original_transcript is not None:
        heard = len(updated.original_transcript.text.split())
        now = len(updated.transcript.text.split())
        if heard != now:  # words left out are not counted as corrected ones
            status += f" ({heard} -> {now} words)"
    out.print(
        Text(f"Attempt {updated.id}: transcript {status}; score {before} -> {after}"),
        soft_wrap=True,  # one line, as scripts read it
    )
    out.print()
    render_transcript(out, updated.transcript, updated.metrics)
    render_next_steps(
        out,
        next_steps(updated.score, updated.metrics, question.question if question else None),
    )
    if updated.original_transcript is not None:
        out.print()
        out.print(
            Text(f"What was first heard is kept: voicemock sessions edit {updated.id} --revert")
        )
    return 0


def _text_from_editor(text: str) -> str:
    """The transcript after the user edited it in $VISUAL or $EDITOR (in the data folder)."""
    import os
    import shlex
    import subprocess

    from voicemock import paths
    from voicemock.errors import VoicemockError
    from voicemock.files import create_private_file

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise VoicemockError(
            "no editor: set $EDITOR, or give the corrected text with --text or --transcript"
        )
    if not sys.stdin.isatty():
        raise VoicemockError(
            "no terminal for an editor: give the corrected text with --text or --transcript"
        )
    folder = paths.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"transcript-{os.getpid()}.txt"
    with create_private_file(path, exclusive=False) as handle:
        handle.write((text.strip() + "\n").encode("utf-8"))
    try:
        try:
            result = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except OSError as error:
            raise VoicemockError(f"cannot run the editor {editor!r}: {error.strerror}") from error
        if result.returncode != 0:
            raise VoicemockError(f"the editor exited with {result.returncode}; nothing was changed")
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
