"""``voicemock sessions``: list, show, export, import and delete stored practice sessions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from voicemock.core.models import DeliveryMetrics
    from voicemock.core.store import AttemptRecord, SessionRecord, SessionStore

# The delivery figures shown per attempt in `sessions show`: metric key -> column header.
KEY_METRICS = {
    "speaking_rate_wpm": "wpm",
    "fillers_per_min": "Fillers/min",
    "longest_pause_s": "Max pause",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sessions`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "sessions",
        help="list, show, export, import or delete practice sessions",
        description="Your stored practice sessions and their attempts (newest first).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    list_parser = actions.add_parser("list", help="list sessions (the default)")
    list_parser.add_argument("--limit", type=int, default=None, help="show at most N sessions")
    list_parser.add_argument("--json", action="store_true", help="print JSON")

    show = actions.add_parser("show", help="show a session's attempts with scores and metrics")
    show.add_argument("session_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON (full transcripts too)")

    export = actions.add_parser("export", help="export a session to a folder")
    export.add_argument("session_id", type=int, metavar="ID")
    export.add_argument("dest", type=Path, metavar="DEST", help="folder to create the export in")

    importer = actions.add_parser("import", help="import a session folder made by export")
    importer.add_argument("folder", type=Path, metavar="FOLDER")

    delete = actions.add_parser("delete", help="delete a session and its recordings")
    delete.add_argument("session_id", type=int, metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    parser.set_defaults(func=run, action=None, limit=None, json=False)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action (``list`` when none is given)."""
    from rich.console import Console
    from rich.markup import escape

    from voicemock.core.store import SessionStore

    out = Console()
    err = Console(stderr=True)
    with SessionStore() as store:
        action = args.action or "list"
        if action == "list":
            return _list(store, out, limit=args.limit, as_json=args.json)
        if action == "show":
            return _show(store, out, args.session_id, as_json=args.json)
        if action == "export":
            folder = store.export_session(args.session_id, args.dest)
            err.print(f"Exported session {args.session_id} to [bold]{escape(str(folder))}[/bold]")
            print(folder)
            return 0
        if action == "import":
            session = store.import_session(args.folder)
            err.print(
                f"Imported [bold]{escape(session.title or 'untitled session')}[/bold] as session "
                f"{session.id} ({session.attempt_count} attempt(s))"
            )
            print(session.id)
            return 0
        if action == "delete":
            return _delete(store, err, args.session_id, assume_yes=args.yes)
    raise AssertionError(f"unhandled action {action!r}")  # argparse only allows the above


def _local(moment: Any) -> str:
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
    }


def _list(store: SessionStore, out: Console, *, limit: int | None, as_json: bool) -> int:
    from rich.table import Table
    from rich.text import Text

    sessions = store.list_sessions(limit=limit)
    if as_json:
        print(json.dumps([_session_dict(s) for s in sessions], indent=2))
        return 0
    if not sessions:
        out.print("No sessions yet. Start one with [bold]voicemock practice[/bold].")
        return 0
    table = Table(title="Practice sessions", title_justify="left")
    table.add_column("ID", justify="right", style="bold")
    table.add_column("Started")
    table.add_column("Kind")
    table.add_column("Title", overflow="fold")
    table.add_column("Attempts", justify="right")
    table.add_column("Mean score", justify="right")
    for session in sessions:
        mean = "-" if session.mean_overall is None else f"{session.mean_overall:.0f}"
        table.add_row(
            str(session.id),
            _local(session.created_at),
            session.kind,
            Text(session.title or "-"),
            str(session.attempt_count),
            mean,
        )
    out.print(table)
    return 0


def _metric_text(metrics: DeliveryMetrics, key: str) -> str:
    metric = metrics.get(key)
    if metric is None or metric.value is None:
        return "-"
    value = metric.value
    number = f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"
    colour = {"good": "green", "watch": "yellow", "fix": "red"}.get(metric.band, "")
    return f"[{colour}]{number}[/{colour}]" if colour else number


def _show(store: SessionStore, out: Console, session_id: int, *, as_json: bool) -> int:
    from rich.markup import escape
    from rich.table import Table

    session = store.get_session(session_id)
    attempts = list(reversed(store.list_attempts(session_id=session_id)))  # in answer order
    if as_json:
        document = {**_session_dict(session), "attempts": [_attempt_dict(a) for a in attempts]}
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    finished = f"finished {_local(session.finished_at)}" if session.finished_at else "not finished"
    out.print(
        f"[bold]Session {session.id}[/bold]  {escape(session.title)}\n"
        f"{session.kind}, started {_local(session.created_at)}, {finished}"
    )
    if not attempts:
        out.print("No attempts in this session.")
        return 0
    table = Table(title_justify="left")
    table.add_column("#", justify="right", style="bold")
    table.add_column("Time")
    table.add_column("Question", min_width=10, overflow="fold")
    table.add_column("Score", justify="right")
    table.add_column("Secs", justify="right")
    for header in KEY_METRICS.values():
        table.add_column(header, justify="right")
    table.add_column("Audio")
    for attempt in attempts:
        overall = "-" if attempt.overall is None else str(attempt.overall)
        audio = {"ok": "ok", "none": "-"}.get(
            attempt.audio_status, f"[red]{attempt.audio_status}[/red]"
        )
        table.add_row(
            str(attempt.id),
            attempt.created_at.astimezone().strftime("%H:%M"),
            attempt.question_id or "-",
            overall,
            f"{attempt.duration_s:.0f}",
            *(_metric_text(attempt.metrics, key) for key in KEY_METRICS),
            audio,
        )
    out.print(table)
    out.print("[dim]Replay an attempt with: voicemock replay ATTEMPT[/dim]")
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
