"""The session store: SQLite for sessions and attempts, plus each attempt's audio file on disk.

The database lives at ``paths.database_path()`` and the audio under ``paths.recordings_dir()``
as ``<session id>/<attempt uuid>.wav``; the database keeps paths relative to the recordings
dir so the data dir can move. An attempt and its audio file are saved together or not at all,
and a recording handed to the store is never deleted before its row is committed.

Schema changes are an append-only list of migration functions (``MIGRATIONS``); the database's
``PRAGMA user_version`` says how many have run. Never edit a released migration: add one.

Everything the store writes is private to the user: the database and each recording are 0600,
their folders 0700, whatever the umask. Ids are never reused (AUTOINCREMENT, and an import
reserves its session id before it copies any audio), so a recording left behind by a crash can
never be taken for part of a later session; :meth:`SessionStore.orphan_recordings` finds such
leftovers and :meth:`SessionStore.remove_orphan_recordings` cleans them up. A damaged row (a
date that is not a date, a score that is not a number) is marked (``damaged``) in listings
instead of making the whole store unreadable.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from voicemock import paths
from voicemock.core.models import DeliveryMetrics, ScoreReport, Transcript
from voicemock.core.wav import HEADER_BYTES, is_wav_path, read_layout
from voicemock.errors import StoreError
from voicemock.files import (
    create_private_file,
    keep_private,
    keep_tree_private,
    make_private_dir,
)

if TYPE_CHECKING:
    pass

SessionKind = Literal["single", "mock"]
AudioStatus = Literal["ok", "missing", "corrupt", "none"]  # "none": the attempt has no audio

BUSY_TIMEOUT_MS = 10_000
# Dates outside these years cannot be shown in every time zone (year 1 minus a day overflows).
MIN_YEAR, MAX_YEAR = 1900, 9998
# A file in the recordings folder that no attempt names, younger than this, may belong to a
# save or an import still running in another process: it is not an orphan yet.
ORPHAN_MIN_AGE_S = 15 * 60
_RECORDING_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,5}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # stands in for a date that cannot be read


# --------------------------------------------------------------------------- migrations


def _migration_1_initial(conn: sqlite3.Connection) -> None:
    """Sessions and attempts."""
    conn.execute(
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT 'single' CHECK (kind IN ('single', 'mock')),
            created_at TEXT NOT NULL,
            finished_at TEXT
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            question_text TEXT NOT NULL,
            rubric_version TEXT NOT NULL DEFAULT '',
            audio_path TEXT,
            transcript TEXT NOT NULL,
            metrics TEXT NOT NULL,
            score TEXT,
            engine TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            overall INTEGER,
            duration_s REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX attempts_session ON attempts(session_id)")


def _migration_2_notes_and_history_index(conn: sqlite3.Connection) -> None:
    """Free-text notes per attempt; an index for per-question progress charts."""
    conn.execute("ALTER TABLE attempts ADD COLUMN notes TEXT NOT NULL DEFAULT ''")
    conn.execute("CREATE INDEX attempts_question_time ON attempts(question_id, created_at)")


def _migration_3_turns_and_edits(conn: sqlite3.Connection) -> None:
    """Follow-up turns and edited transcripts.

    A follow-up answer is an attempt of its own whose ``parent_id`` is the main answer's attempt
    (``turn`` 1, 2, ... in the order asked; 0 for a main answer) and whose ``followup_reason``
    says why the interviewer asked it. An edited transcript keeps what the engine heard in
    ``original_transcript`` (NULL while never edited) and the time of the edit in ``edited_at``.
    """
    conn.execute(
        "ALTER TABLE attempts ADD COLUMN parent_id INTEGER"
        " REFERENCES attempts(id) ON DELETE CASCADE"
    )
    conn.execute("ALTER TABLE attempts ADD COLUMN turn INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE attempts ADD COLUMN followup_reason TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE attempts ADD COLUMN original_transcript TEXT")
    conn.execute("ALTER TABLE attempts ADD COLUMN edited_at TEXT")
    conn.execute("CREATE INDEX attempts_parent ON attempts(parent_id)")


# Append-only: migration N (1-based) brings the database from user_version N-1 to N.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migration_1_initial,
    _migration_2_notes_and_history_index,
    _migration_3_turns_and_edits,
)
SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class SessionRecord:
    """One practice session: a single question, or a mock interview of several."""

    id: int
    title: str
    kind: SessionKind
    created_at: datetime
    finished_at: datetime | None
    attempt_count: int = 0
    # Mean of the scored questions' results (a question answered with follow-ups counts its
    # score on every turn), None if none.
    mean_overall: float | None = None
    damaged: str = ""  # why the row cannot be read as it should ("" when it is fine)


@dataclass(frozen=True)
class AttemptRecord:
    """One answer to one question, as stored: transcript, metrics, score and audio."""

    id: int
    session_id: int
    question_id: str
    question_text: str
    rubric_version: str
    audio_path: Path | None  # absolute; None when the attempt was typed, not spoken
    audio_status: AudioStatus
    transcript: Transcript
    metrics: DeliveryMetrics
    score: ScoreReport | None
    engine: str
    model: str
    overall: int | None
    duration_s: float
    created_at: datetime
    notes: str = ""
    # Why the row cannot be read as it should ("" when fine); a damaged attempt is listed with
    # what could be read, so the rest of the store stays usable.
    damaged: str = ""
    # A follow-up answer: the main answer's attempt id, its turn (1, 2 ... in the order asked;
    # 0 for a main answer) and why the interviewer asked it. ``question_text`` is then the
    # follow-up as asked, and ``score`` the question's score on all turns up to this one.
    parent_id: int | None = None
    turn: int = 0
    followup_reason: str = ""
    # An edited transcript: what the engine heard (None while never edited) and when the
    # transcript was last edited; ``transcript``, ``metrics`` and ``score`` are the edited ones.
    original_transcript: Transcript | None = None
    edited_at: datetime | None = None

    @property
    def is_followup(self) -> bool:
        """True for a follow-up answer (it belongs to a main answer's attempt)."""
        return self.parent_id is not None


@dataclass(frozen=True)
class AttemptContent:
    """What an attempt holds apart from its audio file, its id and its time."""

    question_id: str
    question_text: str
    rubric_version: str
    transcript: Transcript
    metrics: DeliveryMetrics
    score: ScoreReport | None
    engine: str
    model: str
    duration_s: float
    notes: str = ""
    parent_id: int | None = None  # a follow-up answer's main attempt (see AttemptRecord)
    turn: int = 0
    followup_reason: str = ""
    # An edited transcript: what the engine heard and when it was edited (see AttemptRecord).
    original_transcript: Transcript | None = None
    edited_at: datetime | None = None


@dataclass(frozen=True)
class HistoryPoint:
    """One attempt reduced to what a progress chart needs."""

    attempt_id: int
    session_id: int
    question_id: str
    created_at: datetime
    overall: int | None
    duration_s: float
    metrics: Mapping[str, float | None]  # metric key -> value


@dataclass(frozen=True)
class StoreHealth:
    """What ``SessionStore.check_health`` found: problems of the file, rows and recordings."""

    integrity: tuple[str, ...] = ()  # what SQLite's quick_check reported (empty: sound)
    damaged_sessions: tuple[tuple[int, str], ...] = ()  # (id, why)
    damaged_attempts: tuple[tuple[int, str], ...] = ()  # (id, why)
    orphans: tuple[Path, ...] = field(default=())  # recordings no attempt names

    @property
    def ok(self) -> bool:
        """True when nothing at all was found."""
        return not (
            self.integrity or self.damaged_sessions or self.damaged_attempts or self.orphans
        )


# --------------------------------------------------------------------------- helpers


def _now() -> datetime:
    return datetime.now(UTC)


def _to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _from_text(text: str) -> datetime:
    """A stored time; ValueError when it is not one, or is too far off to be shown anywhere."""
    if not isinstance(text, str):
        raise ValueError(f"{type(text).__name__} is not a date")
    moment = datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        year = moment.astimezone(UTC).year
    except OverflowError as error:
        raise ValueError("the date is out of range") from error
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError("the date is out of range")
    return moment


def _read_time(value: Any, what: str, damage: list[str]) -> datetime:
    """A stored time, or the epoch with the reason noted in ``damage``."""
    try:
        return _from_text(value)
    except (ValueError, TypeError):
        damage.append(f"its {what} is not a date")
        return _EPOCH


def _read_number(value: Any, kind: type[int] | type[float], what: str, damage: list[str]) -> Any:
    """A stored number, or None with the reason noted in ``damage``."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return kind(value)
    damage.append(f"its {what} is not a number")
    return None


def _fsync_dir(directory: Path) -> None:
    # Makes a rename durable; some filesystems cannot open directories, which is fine.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_file(source: Path, dest: Path) -> None:
    """Copy the bytes of ``source`` to a new private file ``dest`` and flush it to disk.

    Always a copy, never a link: the store's file is its own, whatever ``source`` is.
    """
    with source.open("rb") as src, create_private_file(dest) as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
        dst.flush()
        os.fsync(dst.fileno())


def _is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, sqlite3.Error) and "disk is full" in str(error).lower()


def disk_free_bytes(path: Path) -> int | None:
    """Free bytes on the disk holding ``path`` (or its nearest existing parent); None if unknown."""
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return int(shutil.disk_usage(folder).free)
    except OSError:
        return None


def describe_free_space(path: Path) -> str:
    """How much space is left on the disk holding ``path``, for messages: ``"0.4 MB free"``."""
    free = disk_free_bytes(path)
    if free is None:
        return "free space unknown"
    return f"{free / 1e6:.1f} MB free"


def audio_file_status(path: Path) -> AudioStatus:
    """Whether an audio file is there and looks playable (a WAV with a format and some data)."""
    try:
        size = path.stat().st_size
        layout = read_layout(path) if is_wav_path(path) else None
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "corrupt"
    if not is_wav_path(path):
        return "ok" if size > 0 else "corrupt"
    # A recording cut off mid-way may have a zero size in its header: its bytes count.
    playable = (
        layout is not None
        and size > HEADER_BYTES
        and layout.format is not None
        and layout.available_data_bytes > 0
    )
    return "ok" if playable else "corrupt"


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].strip("-") or "attempt"


# --------------------------------------------------------------------------- the store


class SessionStore:
    """Sessions and attempts in SQLite, with each attempt's audio under the recordings dir.

    Safe to share between threads: each call borrows a pooled connection (WAL lets readers run
    while one thread writes), and writes are serialised by a lock.
    """

    def __init__(self, db_path: Path | None = None, recordings_dir: Path | None = None) -> None:
        """Open (creating and upgrading as needed) the store; defaults are in the data dir."""
        self.db_path = Path(db_path) if db_path is not None else paths.database_path()
        self.recordings_dir = (
            Path(recordings_dir) if recordings_dir is not None else paths.recordings_dir()
        )
        self._pool: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._closed = False
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            recordings_were_open = make_private_dir(self.recordings_dir)
        except OSError as error:
            raise StoreError(f"cannot create the session store folder: {error}") from error
        existed = self.db_path.exists()
        try:
            self._create_private_database(existed)
            with self._connection() as conn:
                self._migrate(conn)
        except BaseException:
            self.close()
            if not existed:
                self._remove_empty_database()
            raise
        self._keep_database_private()
        if recordings_were_open:
            # Recordings of an older voicemock followed the umask: make them private too.
            keep_tree_private(self.recordings_dir)

    def _create_private_database(self, existed: bool) -> None:
        """Create the database file 0600 before SQLite does (its -wal and -shm copy the mode)."""
        if existed:
            return
        try:
            with create_private_file(self.db_path):
                pass
        except FileExistsError:
            pass  # another process created it meanwhile
        except OSError as error:
            raise self._error("create the session store", error) from error

    def _keep_database_private(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            keep_private(self.db_path.with_name(self.db_path.name + suffix))

    def _remove_empty_database(self) -> None:
        """Take away the empty files a failed first open left (e.g. on a full disk)."""
        for suffix in ("", "-wal", "-shm"):
            path = self.db_path.with_name(self.db_path.name + suffix)
            with contextlib.suppress(OSError):
                if path.stat().st_size == 0:
                    path.unlink()

    # -- connections

    def _open(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = None
        try:
            # check_same_thread=False: a pooled connection moves between threads, but only
            # one thread uses it at a time.
            conn = sqlite3.connect(
                self.db_path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            if conn is not None:
                conn.close()
            if _is_disk_full(error):
                raise StoreError(
                    f"cannot open the session store {self.db_path}: the disk is full "
                    f"({describe_free_space(self.db_path)})"
                ) from error
            if isinstance(error, sqlite3.OperationalError):  # e.g. unreadable, locked, I/O
                raise StoreError(
                    f"the session store {self.db_path} cannot be opened ({error})"
                ) from error
            raise StoreError(
                f"the session store {self.db_path} cannot be opened ({error}); "
                "move it aside to start a new one"
            ) from error
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StoreError("the session store is closed")
        with self._pool_lock:
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._open()
            with self._pool_lock:
                self._all.append(conn)
        try:
            yield conn
        finally:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
            with self._pool_lock:
                self._pool.append(conn)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside ``BEGIN IMMEDIATE``; commits on success, rolls back on error."""
        with self._write_lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
                raise
            conn.commit()

    def close(self) -> None:
        """Close every connection (the store cannot be used afterwards)."""
        with self._pool_lock:
            self._closed = True
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
            self._pool.clear()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the session store {self.db_path} was written by a newer voicemock "
                    f"(schema {version}, this one knows {SCHEMA_VERSION}); please upgrade"
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                with self._write_lock:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        # Another process may have migrated while this one waited for the lock.
                        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                        if current < number:
                            MIGRATIONS[number - 1](conn)
                            conn.execute(f"PRAGMA user_version = {number}")
                    except BaseException:
                        conn.rollback()
                        raise
                    conn.commit()
        except sqlite3.Error as error:
            raise self._error("upgrade the session store", error) from error

    def _error(self, doing: str, error: BaseException) -> StoreError:
        if _is_disk_full(error):
            free = describe_free_space(self.db_path)
            return StoreError(f"cannot {doing}: the disk is full ({free})")
        return StoreError(f"cannot {doing} ({self.db_path}): {error}")

    def schema_version(self) -> int:
        """The database's ``user_version`` (how many migrations have run)."""
        with self._connection() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- sessions

    def create_session(self, title: str = "", kind: SessionKind = "single") -> SessionRecord:
        """Start a new session and return it."""
        if kind not in ("single", "mock"):
            raise StoreError(f"unknown session kind {kind!r} (use 'single' or 'mock')")
        created = _now()
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO sessions (title, kind, created_at) VALUES (?, ?, ?)",
                    (title, kind, _to_text(created)),
                )
                session_id = int(cursor.lastrowid or 0)
        except sqlite3.Error as error:
            raise self._error("create a session", error) from error
        return SessionRecord(session_id, title, kind, created, None)

    def finish_session(self, session_id: int) -> SessionRecord:
        """Mark a session finished (now) and return it."""
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "UPDATE sessions SET finished_at = ? WHERE id = ?",
                    (_to_text(_now()), session_id),
                )
                if cursor.rowcount == 0:
                    raise self._no_session(session_id)
        except sqlite3.Error as error:
            raise self._error("finish the session", error) from error
        return self.get_session(session_id)

    @staticmethod
    def _no_session(session_id: int) -> StoreError:
        return StoreError(f"no session with id {session_id} (see `voicemock sessions list`)")

    @staticmethod
    def _no_attempt(attempt_id: int) -> StoreError:
        return StoreError(f"no attempt with id {attempt_id} (see `voicemock sessions show ID`)")

    # A damaged overall (text where a number belongs) is left out of the mean.
    _SESSION_SELECT = """
        SELECT s.id, s.title, s.kind, s.created_at, s.finished_at,
               COUNT(CASE WHEN a.parent_id IS NULL THEN a.id END) AS attempt_count,
               AVG(CASE WHEN a.parent_id IS NULL THEN COALESCE(
                   (SELECT f.overall FROM attempts f WHERE f.parent_id = a.id
                    AND typeof(f.overall) IN ('integer', 'real')
                    ORDER BY f.turn DESC, f.id DESC LIMIT 1),
                   CASE WHEN typeof(a.overall) IN ('integer', 'real') THEN a.overall END
               ) END) AS mean_overall
        FROM sessions s LEFT JOIN attempts a ON a.session_id = s.id
    """

    @staticmethod
    def _session_from_row(row: sqlite3.Row) -> SessionRecord:
        """A session as stored; a field that cannot be read is marked, not fatal."""
        damage: list[str] = []
        created_at = _read_time(row["created_at"], "start date", damage)
        finished_at = (
            _read_time(row["finished_at"], "end date", damage) if row["finished_at"] else None
        )
        mean = _read_number(row["mean_overall"], float, "mean score", damage)
        return SessionRecord(
            id=int(row["id"]),
            title=str(row["title"] or ""),
            kind="mock" if row["kind"] == "mock" else "single",
            created_at=created_at,
            finished_at=finished_at,
            attempt_count=int(row["attempt_count"]),
            mean_overall=mean,
            damaged="; ".join(damage),
        )

    def list_sessions(self, limit: int | None = None) -> list[SessionRecord]:
        """Sessions, newest first."""
        sql = self._SESSION_SELECT + " GROUP BY s.id ORDER BY s.created_at DESC, s.id DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        rows = self._read(sql, params)
        return [self._session_from_row(row) for row in rows]

    def get_session(self, session_id: int) -> SessionRecord:
        """One session; StoreError when there is none with this id."""
        rows = self._read(self._SESSION_SELECT + " WHERE s.id = ? GROUP BY s.id", (session_id,))
        if not rows:
            raise self._no_session(session_id)
        return self._session_from_row(rows[0])

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            with self._connection() as conn:
                return list(conn.execute(sql, tuple(params)).fetchall())
        except sqlite3.Error as error:
            raise self._error("read the session store", error) from error

    # -- attempts

    def _attempt_from_row(self, row: sqlite3.Row, *, strict: bool = False) -> AttemptRecord:
        """An attempt as stored. A part that cannot be read is left empty and the attempt is
        marked ``damaged``; with ``strict`` a damaged attempt raises StoreError instead."""
        damage: list[str] = []

        def part(column: str, parse: Callable[[Any], Any], empty: Any) -> Any:
            try:
                raw = row[column]
                return parse(json.loads(raw)) if raw else empty
            except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
                damage.append(f"its {column} cannot be read")
                return empty

        transcript = part("transcript", Transcript.from_dict, Transcript(words=()))
        metrics = part("metrics", DeliveryMetrics.from_dict, DeliveryMetrics(metrics=()))
        score = part("score", ScoreReport.from_dict, None)
        overall = _read_number(row["overall"], int, "score", damage)
        duration_s = _read_number(row["duration_s"], float, "length", damage)
        created_at = _read_time(row["created_at"], "date", damage)
        parent = row["parent_id"]
        parent_id = None if parent is None else _read_number(parent, int, "main answer", damage)
        turn = _read_number(row["turn"], int, "turn", damage)
        original = part("original_transcript", Transcript.from_dict, None)
        edited_at = (
            None if row["edited_at"] is None else _read_time(row["edited_at"], "edit", damage)
        )
        if strict and damage:
            raise StoreError(
                f"attempt {row['id']} in the session store is damaged ({'; '.join(damage)})"
            )
        relative = row["audio_path"]
        audio_path = self._audio_path_of(relative)
        status: AudioStatus = audio_file_status(audio_path) if audio_path else "none"
        return AttemptRecord(
            id=int(row["id"]),
            session_id=int(row["session_id"]),
            question_id=str(row["question_id"]),
            question_text=str(row["question_text"]),
            rubric_version=str(row["rubric_version"]),
            audio_path=audio_path,
            audio_status=status,
            transcript=transcript,
            metrics=metrics,
            score=score,
            engine=str(row["engine"]),
            model=str(row["model"]),
            overall=overall,
            duration_s=duration_s or 0.0,
            created_at=created_at,
            notes=str(row["notes"]),
            damaged="; ".join(damage),
            parent_id=parent_id,
            turn=turn or 0,
            followup_reason=str(row["followup_reason"] or ""),
            original_transcript=original,
            edited_at=edited_at,
        )

    def _audio_path_of(self, relative: Any) -> Path | None:
        """The recording a row names, when it names one inside the recordings folder."""
        if not relative or not isinstance(relative, str):
            return None
        path = self.recordings_dir / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            return None  # a damaged row must not point the store at another file
        return path

    def _audio_dest(self, session_id: int, source: Path) -> tuple[Path, str]:
        suffix = source.suffix.lower() or ".wav"
        relative = f"{session_id}/{uuid.uuid4().hex}{suffix}"
        return self.recordings_dir / relative, relative

    def _place_audio(self, source: Path, dest: Path) -> None:
        """Copy ``source`` to ``dest`` atomically (temp name, fsync, rename); source is kept."""
        if not source.is_file():
            raise StoreError(f"the recording {source} is missing; nothing was saved")
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            _copy_file(source, tmp)
            os.replace(tmp, dest)
            _fsync_dir(dest.parent)
        except OSError as error:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if _is_disk_full(error):
                raise StoreError(
                    f"the disk is full ({describe_free_space(dest.parent)}): the recording was "
                    f"not saved, it is still at {source}"
                ) from error
            raise StoreError(
                f"cannot copy the recording into {dest.parent} ({error.strerror or error}); "
                f"it is still at {source}"
            ) from error

    def _insert_attempt(self, conn: sqlite3.Connection, row: Mapping[str, Any]) -> int:
        """Insert one attempt row (inside the caller's transaction) and return its id."""
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = conn.execute(
            f"INSERT INTO attempts ({columns}) VALUES ({marks})", tuple(row.values())
        )
        return int(cursor.lastrowid or 0)

    @staticmethod
    def _attempt_row(
        session_id: int, content: AttemptContent, audio_relative: str | None, created_at: datetime
    ) -> dict[str, Any]:
        score = content.score
        return {
            "session_id": session_id,
            "question_id": content.question_id,
            "question_text": content.question_text,
            "rubric_version": content.rubric_version,
            "audio_path": audio_relative,
            "transcript": json.dumps(content.transcript.to_dict(), ensure_ascii=False),
            "metrics": json.dumps(content.metrics.to_dict(), ensure_ascii=False),
            "score": None if score is None else json.dumps(score.to_dict(), ensure_ascii=False),
            "engine": content.engine,
            "model": content.model,
            "overall": None if score is None else int(score.overall),
            "duration_s": float(content.duration_s),
            "created_at": _to_text(created_at),
            "notes": content.notes,
            "parent_id": content.parent_id,
            "turn": int(content.turn),
            "followup_reason": content.followup_reason,
            "original_transcript": (
                None
                if content.original_transcript is None
                else json.dumps(content.original_transcript.to_dict(), ensure_ascii=False)
            ),
            "edited_at": None if content.edited_at is None else _to_text(content.edited_at),
        }

    def add_attempt(
        self,
        session_id: int,
        *,
        question_id: str,
        question_text: str,
        rubric_version: str,
        audio_source: Path | None,
        transcript: Transcript,
        metrics: DeliveryMetrics,
        score: ScoreReport | None,
        engine: str,
        model: str,
        duration_s: float,
        move_audio: bool = True,
        notes: str = "",
    ) -> AttemptRecord:
        """:meth:`save_attempt` with the content given field by field."""
        content = AttemptContent(
            question_id=question_id,
            question_text=question_text,
            rubric_version=rubric_version,
            transcript=transcript,
            metrics=metrics,
            score=score,
            engine=engine,
            model=model,
            duration_s=duration_s,
            notes=notes,
        )
        return self.save_attempt(
            session_id, content, audio_source=audio_source, move_audio=move_audio
        )

    def save_attempt(
        self,
        session_id: int,
        content: AttemptContent,
        *,
        audio_source: Path | None,
        move_audio: bool = True,
    ) -> AttemptRecord:
        """Save an attempt and its audio together; the source file goes only after the commit.

        With ``move_audio`` the source recording is deleted once the attempt is committed;
        without it the source is left alone. On any failure nothing is saved, no new file is
        left behind and the source recording is where it was.
        """
        self.get_session(session_id)  # a clear message before any file is copied
        dest: Path | None = None
        relative: str | None = None
        if audio_source is not None:
            audio_source = Path(audio_source)
            dest, relative = self._audio_dest(session_id, audio_source)
            self._place_audio(audio_source, dest)
        row = self._attempt_row(session_id, content, relative, _now())
        try:
            with self._write() as conn:
                attempt_id = self._insert_attempt(conn, row)
        except BaseException as error:
            if dest is not None:
                with contextlib.suppress(OSError):
                    dest.unlink()
            if isinstance(error, sqlite3.Error):
                kept = f"; the recording is still at {audio_source}" if audio_source else ""
                raise StoreError(f"{self._error('save the attempt', error)}{kept}") from error
            raise
        if move_audio and audio_source is not None:
            with contextlib.suppress(OSError):
                audio_source.unlink()
        return self.get_attempt(attempt_id)

    _ATTEMPT_SELECT = "SELECT * FROM attempts"

    def get_attempt(self, attempt_id: int, *, allow_damaged: bool = False) -> AttemptRecord:
        """One attempt; its audio being missing or corrupt shows in ``audio_status``.

        A damaged attempt raises StoreError saying what is wrong, unless ``allow_damaged``.
        """
        rows = self._read(self._ATTEMPT_SELECT + " WHERE id = ?", (attempt_id,))
        if not rows:
            raise self._no_attempt(attempt_id)
        return self._attempt_from_row(rows[0], strict=not allow_damaged)

    def list_attempts(
        self,
        question_id: str | None = None,
        session_id: int | None = None,
        limit: int | None = None,
        *,
        main_only: bool = False,
    ) -> list[AttemptRecord]:
        """Attempts, newest first, optionally of one question and/or one session.

        With ``main_only`` follow-up answers are left out. A damaged attempt is listed with
        what could be read, marked ``damaged``.
        """
        where, params = self._filters(question_id, session_id)
        if main_only:
            where += (" AND " if where else " WHERE ") + "parent_id IS NULL"
        sql = f"{self._ATTEMPT_SELECT}{where} ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._attempt_from_row(row) for row in self._read(sql, params)]

    def followups(self, attempt_id: int) -> list[AttemptRecord]:
        """The follow-up answers of a main answer's attempt, in the order they were asked."""
        rows = self._read(
            self._ATTEMPT_SELECT + " WHERE parent_id = ? ORDER BY turn ASC, id ASC", (attempt_id,)
        )
        return [self._attempt_from_row(row) for row in rows]

    def turns(self, attempt_id: int) -> list[AttemptRecord]:
        """A question's turns: the main answer of ``attempt_id`` (itself, or the main answer
        of a follow-up) and then its follow-up answers in the order asked."""
        attempt = self.get_attempt(attempt_id, allow_damaged=True)
        if attempt.parent_id is not None:
            attempt = self.get_attempt(attempt.parent_id, allow_damaged=True)
        return [attempt, *self.followups(attempt.id)]

    @staticmethod
    def _filters(question_id: str | None, session_id: int | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if question_id is not None:
            clauses.append("question_id = ?")
            params.append(question_id)
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def history(
        self, question_id: str | None = None, *, main_only: bool = False
    ) -> list[HistoryPoint]:
        """Every attempt (of one question, or all), oldest first, for progress charts.

        With ``main_only`` follow-up answers are left out: progress per question counts the
        main answers.
        """
        where, params = self._filters(question_id, None)
        if main_only:
            where += (" AND " if where else " WHERE ") + "parent_id IS NULL"
        sql = (
            "SELECT id, session_id, question_id, created_at, overall, duration_s, metrics "
            f"FROM attempts{where} ORDER BY created_at ASC, id ASC"
        )
        points: list[HistoryPoint] = []
        for row in self._read(sql, params):
            try:
                metrics = DeliveryMetrics.from_dict(json.loads(row["metrics"]))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                metrics = DeliveryMetrics(metrics=())  # a damaged row still charts its score
            damage: list[str] = []
            created_at = _read_time(row["created_at"], "date", damage)
            if damage:
                continue  # a point with no date has no place on a time chart
            points.append(
                HistoryPoint(
                    attempt_id=int(row["id"]),
                    session_id=int(row["session_id"]),
                    question_id=str(row["question_id"]),
                    created_at=created_at,
                    overall=_read_number(row["overall"], int, "score", damage),
                    duration_s=_read_number(row["duration_s"], float, "length", damage) or 0.0,
                    metrics={m.key: m.value for m in metrics.metrics},
                )
            )
        return points

    def previous_attempt(self, attempt_id: int) -> AttemptRecord | None:
        """The main answer to the same question made just before this one (None if none).

        Follow-up answers are neither compared nor compared with: for one, this is None.
        """
        rows = self._read(
            "SELECT question_id, created_at, parent_id FROM attempts WHERE id = ?", (attempt_id,)
        )
        if not rows:
            raise self._no_attempt(attempt_id)
        row = rows[0]
        if row["parent_id"] is not None:
            return None
        earlier = self._read(
            self._ATTEMPT_SELECT + " WHERE question_id = ? AND parent_id IS NULL AND id != ?"
            " AND (created_at < ? OR (created_at = ? AND id < ?))"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (row["question_id"], attempt_id, row["created_at"], row["created_at"], attempt_id),
        )
        return self._attempt_from_row(earlier[0]) if earlier else None

    def set_analysis(
        self,
        attempt_id: int,
        transcript: Transcript,
        metrics: DeliveryMetrics,
        score: ScoreReport | None,
        *,
        original: Transcript | None,
    ) -> AttemptRecord:
        """Replace an attempt's transcript, metrics and score (an edited transcript re-scored).

        ``original`` is what the engine heard, kept while the transcript differs from it;
        None reverts to it (the edit time is cleared too). The audio is left as it is.
        """
        edited_at = None if original is None else _to_text(_now())
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "UPDATE attempts SET transcript = ?, metrics = ?, score = ?, overall = ?,"
                    " original_transcript = ?, edited_at = ? WHERE id = ?",
                    (
                        json.dumps(transcript.to_dict(), ensure_ascii=False),
                        json.dumps(metrics.to_dict(), ensure_ascii=False),
                        None if score is None else json.dumps(score.to_dict(), ensure_ascii=False),
                        None if score is None else int(score.overall),
                        None
                        if original is None
                        else json.dumps(original.to_dict(), ensure_ascii=False),
                        edited_at,
                        attempt_id,
                    ),
                )
                if cursor.rowcount == 0:
                    raise self._no_attempt(attempt_id)
        except sqlite3.Error as error:
            raise self._error("save the edited transcript", error) from error
        return self.get_attempt(attempt_id)

    def set_notes(self, attempt_id: int, notes: str) -> None:
        """Replace an attempt's free-text notes."""
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "UPDATE attempts SET notes = ? WHERE id = ?", (notes, attempt_id)
                )
                if cursor.rowcount == 0:
                    raise self._no_attempt(attempt_id)
        except sqlite3.Error as error:
            raise self._error("save the notes", error) from error

    # -- deleting

    def _remove_audio(self, relatives: Sequence[str | None]) -> None:
        root = self.recordings_dir.resolve()
        for relative in relatives:
            if not relative:
                continue
            path = (self.recordings_dir / relative).resolve()
            if root not in path.parents:
                continue  # never delete outside the recordings dir, whatever the row says
            with contextlib.suppress(OSError):
                path.unlink()
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only succeeds once the session folder is empty

    def delete_session(self, session_id: int) -> None:
        """Delete a session, its attempts and their audio files."""
        try:
            with self._write() as conn:
                relatives = [
                    row[0]
                    for row in conn.execute(
                        "SELECT audio_path FROM attempts WHERE session_id = ?", (session_id,)
                    )
                ]
                cursor = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
                if cursor.rowcount == 0:
                    raise self._no_session(session_id)
        except sqlite3.Error as error:
            raise self._error("delete the session", error) from error
        # Files go after the commit: a failed delete must not leave rows without their audio.
        self._remove_audio(relatives)
        # Ids are never reused, so whatever is left in the session's folder (a copy left by a
        # crash) belonged to this session only: it goes too.
        self._remove_session_folder(session_id)

    def _remove_session_folder(self, session_id: int) -> None:
        folder = self.recordings_dir / str(session_id)
        if folder.is_symlink() or not folder.is_dir():
            return
        with contextlib.suppress(OSError):
            for child in folder.iterdir():
                if child.is_file() and not child.is_symlink() and _is_recording_name(child.name):
                    child.unlink()
            folder.rmdir()

    def delete_attempt(self, attempt_id: int) -> None:
        """Delete one attempt and its audio file; a main answer takes its follow-ups along."""
        try:
            with self._write() as conn:
                row = conn.execute(
                    "SELECT audio_path FROM attempts WHERE id = ?", (attempt_id,)
                ).fetchone()
                if row is None:
                    raise self._no_attempt(attempt_id)
                relatives = [row[0]] + [
                    child[0]
                    for child in conn.execute(
                        "SELECT audio_path FROM attempts WHERE parent_id = ?", (attempt_id,)
                    )
                ]
                conn.execute("DELETE FROM attempts WHERE parent_id = ?", (attempt_id,))
                conn.execute("DELETE FROM attempts WHERE id = ?", (attempt_id,))
        except sqlite3.Error as error:
            raise self._error("delete the attempt", error) from error
        self._remove_audio(relatives)

    # -- export and import

    def export_session(self, session_id: int, dest_dir: Path) -> Path:
        """Write a session to a new folder inside ``dest_dir`` and return that folder.

        See :func:`voicemock.core.exchange.export_session`.
        """
        from voicemock.core.exchange import export_session

        return export_session(self, session_id, dest_dir)

    def import_session(
        self,
        folder: Path,
        *,
        allow_duplicate: bool = False,
        check_audio: Callable[[Path], str | None] | None = None,
    ) -> SessionRecord:
        """Add a session exported by ``export_session`` (a new id; audio copied in).

        See :func:`voicemock.core.exchange.import_session`.
        """
        from voicemock.core.exchange import import_session

        return import_session(
            self, folder, allow_duplicate=allow_duplicate, check_audio=check_audio
        )

    def reserve_session_id(self) -> int:
        """A session id no session has had or will have, committed before it is used."""
        try:
            with self._write() as conn:
                row = conn.execute(
                    "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sessions'),"
                    " 0), COALESCE((SELECT max(id) FROM sessions), 0)) + 1"
                ).fetchone()
                reserved = int(row[0])
                updated = conn.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = 'sessions'", (reserved,)
                )
                if updated.rowcount == 0:
                    conn.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES ('sessions', ?)",
                        (reserved,),
                    )
        except sqlite3.Error as error:
            raise self._error("import the session", error) from error
        return reserved

    # -- orphans and health

    def orphan_recordings(self, min_age_s: float = 0.0) -> list[Path]:
        """Recordings in the recordings folder that no attempt names (left by a crash).

        Only files named the way the store names them, in session folders, count; a file
        younger than ``min_age_s`` is left out (a save may still be under way elsewhere).
        """
        known = {
            str(row[0])
            for row in self._read("SELECT audio_path FROM attempts WHERE audio_path IS NOT NULL")
        }
        now = time.time()
        found: list[Path] = []
        try:
            folders = [
                child
                for child in self.recordings_dir.iterdir()
                if child.name.isdigit() and child.is_dir() and not child.is_symlink()
            ]
        except OSError:
            return []
        for folder in sorted(folders, key=lambda f: int(f.name)):
            try:
                children = sorted(folder.iterdir())
            except OSError:
                continue
            for child in children:
                if not _is_recording_name(child.name) or child.is_symlink():
                    continue
                if f"{folder.name}/{child.name}" in known:
                    continue
                with contextlib.suppress(OSError):
                    if now - child.stat().st_mtime >= min_age_s:
                        found.append(child)
        return found

    def remove_orphan_recordings(self, min_age_s: float = ORPHAN_MIN_AGE_S) -> list[Path]:
        """Delete :meth:`orphan_recordings` older than ``min_age_s``; returns what went.

        Every orphan is a copy whose original is still where it came from (an import's folder,
        a pending recording) or a file of a deleted session, so nothing of the user's is lost.
        """
        removed: list[Path] = []
        for path in self.orphan_recordings(min_age_s):
            with self._write_lock:
                # Checked again under the lock: an attempt may have claimed it meanwhile.
                relative = f"{path.parent.name}/{path.name}"
                rows = self._read("SELECT 1 FROM attempts WHERE audio_path = ?", (relative,))
                if rows:
                    continue
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only when nothing else is left in it
        return removed

    def check_health(self) -> StoreHealth:
        """Check the file (SQLite quick_check), every row and the recordings folder."""
        integrity: list[str] = []
        try:
            for row in self._read("PRAGMA quick_check(20)"):
                if str(row[0]) != "ok":
                    integrity.append(str(row[0]))
        except StoreError as error:
            integrity.append(str(error))
            return StoreHealth(integrity=tuple(integrity))
        sessions = tuple((s.id, s.damaged) for s in self.list_sessions() if s.damaged)
        attempts = tuple(
            (a.id, a.damaged)
            for a in (self._attempt_from_row(row) for row in self._read(self._ATTEMPT_SELECT))
            if a.damaged
        )
        orphans = tuple(self.orphan_recordings())
        return StoreHealth(tuple(integrity), sessions, attempts, orphans)


def _is_recording_name(name: str) -> bool:
    """True for the names the store gives recordings (and their unfinished ``.part`` copies)."""
    if name.startswith(".") and name.endswith(".part"):
        name = name[1:-5]
    return _RECORDING_NAME.match(name) is not None
