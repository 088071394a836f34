"""Sessions in and out of the store: export to a folder, import from one (untrusted).

``sessions export`` writes ``voicemock-session-N/`` with ``session.json`` (every attempt's
transcript, metrics and score), each attempt's recording and ``report.md``; ``sessions import``
takes such a folder back under a new id. An imported folder is untrusted: the document is
validated (size, depth, numbers, dates, field lengths) and every recording's header is checked
before anything is written, and a failed import leaves nothing behind. The SQLite side is
:class:`voicemock.core.store.SessionStore`'s (this module uses its row and file helpers).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from voicemock.core import store as _store
from voicemock.core.models import DeliveryMetrics, ScoreReport, Transcript
from voicemock.core.report import session_report
from voicemock.core.store import (
    AttemptContent,
    AttemptRecord,
    SessionKind,
    SessionRecord,
    SessionStore,
    _from_text,
    _is_disk_full,
    _slug,
    _to_text,
)
from voicemock.core.wav import parse_layout
from voicemock.errors import StoreError
from voicemock.files import PRIVATE_DIR_MODE, create_private_file, keep_private

EXPORT_FORMAT = "voicemock-session"
EXPORT_FORMAT_VERSION = 1
SESSION_FILE = "session.json"
REPORT_FILE = "report.md"
MAX_SESSION_FILE_BYTES = 64 * 1024 * 1024  # an imported session.json larger than this is refused
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")  # what an imported session may carry
# session.json is a few levels deep; a document nested deeper than this is not one of ours.
MAX_SESSION_FILE_DEPTH = 32
# Any number in an imported session.json beyond this (or not finite) is refused: seconds,
# counts and character offsets of an answer are far smaller, and SQLite holds 64-bit ints.
MAX_IMPORTED_NUMBER = 1e12
# An imported recording: a sane sample rate, channel count and length.
IMPORT_RATE_RANGE_HZ = (4000, 384_000)
IMPORT_MAX_CHANNELS = 16
IMPORT_MAX_AUDIO_S = 24 * 3600


# --------------------------------------------------------------------------- export


def export_session(store: SessionStore, session_id: int, dest_dir: Path) -> Path:
    """Write a session to a new folder inside ``dest_dir`` and return that folder.

    The folder holds session.json (every attempt's transcript, metrics and score), each
    attempt's audio file, and report.md.
    """
    session = store.get_session(session_id)
    attempts = list(reversed(store.list_attempts(session_id=session_id)))  # oldest first
    damaged = [a for a in attempts if a.damaged]
    if damaged or session.damaged:
        what = (
            f"session {session_id} ({session.damaged})"
            if session.damaged
            else f"attempt {damaged[0].id} ({damaged[0].damaged})"
        )
        raise StoreError(
            f"cannot export session {session_id}: {what} is damaged in the store, so the "
            "export would not be faithful (`voicemock doctor` lists the damage)"
        )
    dest_dir = Path(dest_dir)
    folder = dest_dir / f"voicemock-session-{session_id}"
    if folder.exists():
        raise StoreError(f"{folder} already exists; choose another destination")
    tmp = dest_dir / f".{folder.name}.part-{uuid.uuid4().hex[:8]}"
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(mode=PRIVATE_DIR_MODE)  # the export holds recordings: private too
        keep_private(tmp)
        exported: list[dict[str, Any]] = []
        number_of = {attempt.id: number for number, attempt in enumerate(attempts, start=1)}
        for number, attempt in enumerate(attempts, start=1):
            audio_file: str | None = None
            if attempt.audio_path is not None and attempt.audio_status != "missing":
                suffix = attempt.audio_path.suffix.lower() or ".wav"
                audio_file = f"attempt-{number:03d}-{_slug(attempt.question_id)}{suffix}"
                _store._copy_file(attempt.audio_path, tmp / audio_file)
            exported.append(
                _attempt_export_dict(
                    attempt,
                    audio_file,
                    None if attempt.parent_id is None else number_of.get(attempt.parent_id),
                )
            )
        document = {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "exported_at": _to_text(_store._now()),
            "session": {
                "title": session.title,
                "kind": session.kind,
                "created_at": _to_text(session.created_at),
                "finished_at": (_to_text(session.finished_at) if session.finished_at else None),
            },
            "attempts": exported,
        }
        with create_private_file(tmp / SESSION_FILE) as handle:
            handle.write(
                (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            )
        with create_private_file(tmp / REPORT_FILE) as handle:
            handle.write(session_report(session, attempts).encode("utf-8"))
        os.replace(tmp, folder)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if _is_disk_full(error):
            raise StoreError(f"cannot export to {dest_dir}: the disk is full") from error
        raise StoreError(f"cannot export to {dest_dir}: {error.strerror or error}") from error
    return folder


# --------------------------------------------------------------------------- import


def import_session(
    store: SessionStore,
    folder: Path,
    *,
    allow_duplicate: bool = False,
    check_audio: Callable[[Path], str | None] | None = None,
) -> SessionRecord:
    """Add a session exported by ``export_session`` (a new id; audio copied in).

    ``folder`` is the exported folder, or a folder holding exactly one (see
    :func:`find_exported_session`). The folder is untrusted: everything is validated before
    anything is written, and a bad folder raises StoreError naming what is wrong. Each
    recording must be a plain file whose header is sane audio, and ``check_audio(path)``
    (e.g. a decoder's opinion) must return None for it; its bytes are copied, never linked.
    A session that is already in the store (imported before, or the original) is refused
    with a StoreError unless ``allow_duplicate``.
    """
    folder = find_exported_session(Path(folder))
    document = _read_session_file(folder)
    parsed: list[tuple[AttemptContent, datetime, Path | None]] = [
        (
            _parse_exported_attempt(number, item),
            item.created_at,
            _exported_audio(folder, number, item.audio_file, check_audio),
        )
        for number, item in enumerate(document.attempts, start=1)
    ]
    _check_turns(document.attempts)

    placed: list[Path] = []
    info = document.session
    if not allow_duplicate:
        _refuse_duplicate(store, folder, document)
    # The id is taken for good before any audio is copied: if this process dies half-way,
    # the copies left behind can never be mistaken for a later session's recordings.
    session_id = store.reserve_session_id()
    try:
        with store._write() as conn:
            if not allow_duplicate:
                _refuse_duplicate(store, folder, document, conn)
            conn.execute(
                "INSERT INTO sessions (id, title, kind, created_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    session_id,
                    info.title,
                    info.kind,
                    _to_text(info.created_at),
                    _to_text(info.finished_at) if info.finished_at else None,
                ),
            )
            new_ids: list[int] = []  # the stored id of each attempt of the document
            for item, (content, created_at, source) in zip(document.attempts, parsed, strict=True):
                relative: str | None = None
                if source is not None:
                    dest, relative = store._audio_dest(session_id, source)
                    store._place_audio(source, dest)
                    placed.append(dest)
                if item.parent is not None:  # a follow-up: its main answer was stored before
                    content = replace(content, parent_id=new_ids[item.parent - 1])
                row = store._attempt_row(session_id, content, relative, created_at)
                new_ids.append(store._insert_attempt(conn, row))
    except BaseException as error:
        # The transaction rolled back: take away every file copied for it.
        for path in placed:
            with contextlib.suppress(OSError):
                path.unlink()
        if placed:
            with contextlib.suppress(OSError):
                placed[0].parent.rmdir()
        if isinstance(error, sqlite3.Error):
            raise store._error("import the session", error) from error
        raise
    return store.get_session(session_id)


def _refuse_duplicate(
    store: SessionStore,
    folder: Path,
    document: _ExportedSession,
    conn: sqlite3.Connection | None = None,
) -> None:
    """StoreError when the store already holds the session ``document`` describes."""
    if conn is None:
        with store._connection() as reader:
            existing = _same_session(reader, document)
    else:
        existing = _same_session(conn, document)
    if existing is not None:
        raise StoreError(
            f"{folder} is already in the store as session {existing} "
            f"(see `voicemock sessions show {existing}`); add --allow-duplicate to import "
            "a second copy"
        )


def _same_session(conn: sqlite3.Connection, document: _ExportedSession) -> int | None:
    """The id of a stored session that ``document`` is a copy of, or None.

    Sessions keep their creation time (to the microsecond) through export and import, so
    the same title, kind and time, with attempts made at the same times on the same
    questions, is the same session.
    """
    info = document.session
    wanted = sorted((_to_text(a.created_at), a.question_id) for a in document.attempts)
    candidates = conn.execute(
        "SELECT id FROM sessions WHERE created_at = ? AND title = ? AND kind = ? ORDER BY id",
        (_to_text(info.created_at), info.title, info.kind),
    ).fetchall()
    for (candidate,) in candidates:
        rows = conn.execute(
            "SELECT created_at, question_id FROM attempts WHERE session_id = ?", (candidate,)
        ).fetchall()
        try:
            have = sorted((_to_text(_from_text(row[0])), str(row[1])) for row in rows)
        except (ValueError, TypeError):
            continue  # a damaged row: not the same session as a sound document
        if have == wanted:
            return int(candidate)
    return None


# --------------------------------------------------------------------------- the document


def _sane_moment(moment: datetime) -> datetime:
    """A date every part of voicemock can store and show (in any time zone)."""
    _from_text(moment.isoformat())  # raises ValueError: the date is out of range
    return moment


SaneDatetime = Annotated[datetime, AfterValidator(_sane_moment)]


class _ExportedAttempt(BaseModel):
    """One attempt in an exported session.json (untrusted when imported)."""

    model_config = ConfigDict(extra="ignore")

    question_id: str = Field(min_length=1, max_length=200)
    question_text: str = Field(max_length=10_000)
    rubric_version: str = Field(default="", max_length=100)
    audio_file: str | None = Field(default=None, max_length=255)
    transcript: dict[str, Any]
    metrics: dict[str, Any]
    score: dict[str, Any] | None = None
    engine: str = Field(default="", max_length=100)
    model: str = Field(default="", max_length=500)
    duration_s: float = Field(default=0.0, ge=0, le=24 * 3600)
    created_at: SaneDatetime
    notes: str = Field(default="", max_length=100_000)
    # A follow-up answer: the number (1-based, in this document) of its main answer's attempt,
    # its turn and why it was asked. Absent for a main answer (and in older exports).
    parent: int | None = Field(default=None, ge=1)
    turn: int = Field(default=0, ge=0, le=100)
    followup_reason: str = Field(default="", max_length=2000)
    # A corrected transcript: what the engine heard and when it was corrected (absent if never).
    original_transcript: dict[str, Any] | None = None
    edited_at: SaneDatetime | None = None


class _ExportedSessionInfo(BaseModel):
    """The session part of session.json."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(default="", max_length=1000)
    kind: SessionKind = "single"
    created_at: SaneDatetime
    finished_at: SaneDatetime | None = None


class _ExportedSession(BaseModel):
    """The whole session.json of an exported session."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["voicemock-session"]
    format_version: int = Field(ge=1, le=EXPORT_FORMAT_VERSION)
    session: _ExportedSessionInfo
    attempts: list[_ExportedAttempt] = Field(max_length=10_000)


_TRANSCRIPT_ADAPTER = TypeAdapter(Transcript)
_METRICS_ADAPTER = TypeAdapter(DeliveryMetrics)
_SCORE_ADAPTER = TypeAdapter(ScoreReport)


def _field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """A pydantic location as a field path a user can find in the file: ``attempts[0].score``."""
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _first_error(error: ValidationError, prefix: str = "") -> str:
    """The first problem pydantic found, naming the field by its full path (and how many more)."""
    problems = error.errors()
    detail = problems[0]
    where = _field_path(detail["loc"], prefix)
    message = str(detail["msg"])
    if detail["type"] == "missing":
        text = f'the field "{where}" is missing' if where else "a field is missing"
    elif where:
        text = f'the field "{where}" is wrong: {message[:1].lower()}{message[1:]}'
    else:
        text = f"{message[:1].lower()}{message[1:]}"
    if len(problems) > 1:
        text += f", and {len(problems) - 1} more problem(s)"
    return text


def _check_turns(attempts: Sequence[_ExportedAttempt]) -> None:
    """StoreError unless every follow-up names an earlier main answer to the same question."""
    for number, item in enumerate(attempts, start=1):
        if item.parent is None:
            if item.turn:
                raise StoreError(
                    f"attempt {number} in {SESSION_FILE} is not valid (turn {item.turn} "
                    "without the main answer it follows)"
                )
            continue
        main = attempts[item.parent - 1] if item.parent < number else None
        if main is None or main.parent is not None or main.question_id != item.question_id:
            raise StoreError(
                f"attempt {number} in {SESSION_FILE} is not valid (its parent {item.parent} "
                "is not an earlier main answer to the same question)"
            )
        if item.turn < 1:
            raise StoreError(
                f"attempt {number} in {SESSION_FILE} is not valid (a follow-up needs a turn "
                "of 1 or more)"
            )


def _attempt_export_dict(
    attempt: AttemptRecord, audio_file: str | None, parent: int | None = None
) -> dict[str, Any]:
    """One attempt of session.json; ``parent`` is the number of its main answer's attempt."""
    followup: dict[str, Any] = (
        {}
        if parent is None
        else {"parent": parent, "turn": attempt.turn, "followup_reason": attempt.followup_reason}
    )
    return {
        "question_id": attempt.question_id,
        "question_text": attempt.question_text,
        "rubric_version": attempt.rubric_version,
        "audio_file": audio_file,
        "transcript": attempt.transcript.to_dict(),
        "metrics": attempt.metrics.to_dict(),
        "score": attempt.score.to_dict() if attempt.score else None,
        "engine": attempt.engine,
        "model": attempt.model,
        "overall": attempt.overall,
        "duration_s": attempt.duration_s,
        "created_at": _to_text(attempt.created_at),
        "notes": attempt.notes,
        **followup,
        **(
            {}
            if attempt.original_transcript is None
            else {
                "original_transcript": attempt.original_transcript.to_dict(),
                "edited_at": _to_text(attempt.edited_at) if attempt.edited_at else None,
            }
        ),
    }


def find_exported_session(folder: Path) -> Path:
    """The exported session folder meant by ``folder``: itself, or the one export inside it.

    ``sessions export`` makes ``DEST/voicemock-session-N``; giving DEST back is accepted when it
    holds exactly one exported session. Raises StoreError saying what to pass otherwise.
    """
    folder = Path(folder)
    if (folder / SESSION_FILE).is_file() or not folder.is_dir():
        return folder  # _read_session_file explains a missing folder
    try:
        inside = sorted(child for child in folder.iterdir() if (child / SESSION_FILE).is_file())
    except OSError as error:
        raise StoreError(f"cannot read the folder {folder}: {error.strerror or error}") from error
    if len(inside) == 1:
        return inside[0]
    if len(inside) > 1:
        names = ", ".join(child.name for child in inside[:5])
        more = ", ..." if len(inside) > 5 else ""
        raise StoreError(
            f"{folder} holds {len(inside)} exported sessions ({names}{more}): "
            f"import one at a time, e.g. `voicemock sessions import {inside[0]}`"
        )
    return folder


def _document_problem(data: Any) -> str | None:
    """Why a parsed session.json cannot be ours (too deep, a number out of range), or None.

    Walks the document without recursion, so any depth is safe to look at.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_SESSION_FILE_DEPTH:
            return "it is nested too deeply"
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            # Not math.isfinite(): it overflows converting a huge int; NaN fails this too.
            and not abs(value) <= MAX_IMPORTED_NUMBER
        ):
            return f"it holds the number {_short_number(value)}, out of range"
    return None


def _short_number(value: float) -> str:
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"{value:.3e}"  # str() of a 10**5000 would be a page long (or refused)
    return str(value)


def _read_session_file(folder: Path) -> _ExportedSession:
    path = folder / SESSION_FILE
    if not folder.is_dir():
        raise StoreError(f"{folder} is not a folder (expected an exported session folder)")
    if path.is_symlink() or not path.is_file():
        raise StoreError(f"{folder} has no {SESSION_FILE}; is it an exported voicemock session?")
    try:
        if path.stat().st_size > MAX_SESSION_FILE_BYTES:
            raise StoreError(f"{path} is too large to be a voicemock session")
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError as error:
        raise StoreError(
            f"{path} is not a valid voicemock session (it is nested too deeply)"
        ) from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        detail = " ".join(str(error).split())[:200]
        raise StoreError(f"{path} cannot be read as JSON: {detail}") from error
    problem = _document_problem(data)
    if problem is not None:
        raise StoreError(f"{path} is not a valid voicemock session ({problem})")
    try:
        return _ExportedSession.model_validate(data)
    except ValidationError as error:
        raise StoreError(f"{path} is not a valid voicemock session ({_first_error(error)})") from (
            error
        )


def _score_problem(score: ScoreReport) -> str | None:
    """Where a score holds a value no scorer gives (the overall must fit 0-100, and so on)."""
    if not 0 <= score.overall <= 100:
        return f"score.overall is {_short_number(score.overall)}, not 0-100"
    if not 0 <= score.star.score <= 100:
        return "score.star.score is not 0-100"
    for index, competency in enumerate(score.competencies):
        if not (0 <= competency.level <= 4 and 0 <= competency.score <= 100):
            return f"score.competencies[{index}] has a level or score out of range"
    return None


def _parse_exported_attempt(number: int, item: _ExportedAttempt) -> AttemptContent:
    def check(adapter: TypeAdapter[Any], value: Any, field: str) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            where = f"attempts[{number - 1}].{field}"
            raise StoreError(
                f"attempt {number} in {SESSION_FILE} is not valid ({_first_error(error, where)})"
            ) from error

    transcript: Transcript = check(_TRANSCRIPT_ADAPTER, item.transcript, "transcript")
    metrics: DeliveryMetrics = check(_METRICS_ADAPTER, item.metrics, "metrics")
    score: ScoreReport | None = (
        None if item.score is None else check(_SCORE_ADAPTER, item.score, "score")
    )
    original: Transcript | None = (
        None
        if item.original_transcript is None
        else check(_TRANSCRIPT_ADAPTER, item.original_transcript, "original_transcript")
    )
    problem = None if score is None else _score_problem(score)
    if problem is not None:
        raise StoreError(f"attempt {number} in {SESSION_FILE} is not valid ({problem})")
    return AttemptContent(
        question_id=item.question_id,
        question_text=item.question_text,
        rubric_version=item.rubric_version,
        transcript=transcript,
        metrics=metrics,
        score=score,
        engine=item.engine,
        model=item.model,
        duration_s=item.duration_s,
        notes=item.notes,
        turn=item.turn if item.parent is not None else 0,
        followup_reason=item.followup_reason if item.parent is not None else "",
        original_transcript=original,
        edited_at=item.edited_at if original is not None else None,
    )


def _exported_audio(
    folder: Path,
    number: int,
    audio_file: str | None,
    check_audio: Callable[[Path], str | None] | None = None,
) -> Path | None:
    """The recording of attempt ``number``, checked to be a plain file holding real audio."""
    if audio_file is None:
        return None
    if Path(audio_file).name != audio_file or audio_file in ("", ".", ".."):
        raise StoreError(f"attempt {number}: audio file name {audio_file!r} is not a plain name")
    if Path(audio_file).suffix.lower() not in AUDIO_SUFFIXES:
        raise StoreError(f"attempt {number}: {audio_file} is not an audio file")
    path = folder / audio_file
    if path.is_symlink() or not path.is_file():
        raise StoreError(f"attempt {number}: audio file {audio_file} is missing from {folder}")
    problem = imported_audio_problem(path)
    if problem is None and check_audio is not None:
        problem = check_audio(path)
    if problem is not None:
        raise StoreError(f"attempt {number}: {audio_file} is not a usable recording ({problem})")
    return path


# --------------------------------------------------------------------------- recordings


def _wav_header_problem(head: bytes, size: int) -> str | None:
    """What is wrong with a WAV header (format and length), or None when it is sane."""
    layout = parse_layout(head, size)
    if layout is None:
        return "it is not a WAV file"
    wav_format = layout.format
    if wav_format is None:
        if b"fmt " in head[12:]:
            return "its WAV format block is cut short"
        if layout.data_offset is not None:
            return "its WAV header has no format before the data"
        return "its WAV header has no audio data"
    if not 1 <= wav_format.channels <= IMPORT_MAX_CHANNELS:
        return f"it claims {wav_format.channels} channels"
    low, high = IMPORT_RATE_RANGE_HZ
    if not low <= wav_format.rate_hz <= high:
        return f"it claims a sample rate of {wav_format.rate_hz} Hz"
    if wav_format.byte_rate <= 0:
        return "its WAV header has no byte rate"
    if layout.data_offset is None:
        return "its WAV header has no audio data"
    data_bytes = max(0, size - layout.data_offset)
    if data_bytes == 0:
        return "it holds no audio"
    if data_bytes / wav_format.byte_rate > IMPORT_MAX_AUDIO_S:
        return "it is longer than a day"
    return None


def imported_audio_problem(path: Path) -> str | None:
    """Why a file in a session archive is not a recording we can take in, or None.

    Reads only the header: the file type must match its name and, for WAV, the rate, the
    channels and the length must be sane (a private key named ``attempt.wav`` is refused).
    The command layer also decodes it (``check_audio`` of :meth:`SessionStore.import_session`).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    suffix = path.suffix.lower()
    if suffix == ".wav":
        return _wav_header_problem(head, size)
    magic_ok = {
        ".flac": head[:4] == b"fLaC",
        ".ogg": head[:4] == b"OggS",
        ".mp3": head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0),
    }.get(suffix, False)
    return None if magic_ok else f"it is not a {suffix[1:].upper()} file"
