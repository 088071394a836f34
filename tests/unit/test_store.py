"""The SQLite session store: migrations, round trips, atomic saves, audio status, export/import."""

from __future__ import annotations

import errno
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from tests.builders import (
    add_attempt,
    add_typed_attempt,
    make_metrics,
    make_score,
    make_transcript,
    make_wav,
)
from voicemock.core import exchange
from voicemock.core import store as store_module
from voicemock.core.store import MIGRATIONS, SCHEMA_VERSION, SessionStore
from voicemock.errors import StoreError


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    with SessionStore(tmp_path / "db.sqlite3", tmp_path / "recordings") as opened:
        yield opened  # type: ignore[misc]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# ------------------------------------------------------------------------------ migrations


def columns(db: Path, table: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_new_database_runs_every_migration(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    with SessionStore(db, tmp_path / "rec") as store:
        assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert {"id", "title", "kind", "created_at", "finished_at"} <= columns(db, "sessions")
    assert {"transcript", "metrics", "score", "overall", "audio_path", "notes"} <= columns(
        db, "attempts"
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_database_at_version_1_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sessions (title, kind, created_at) VALUES ('old', 'single', "
        "'2024-05-01T10:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO attempts (session_id, question_id, question_text, transcript, metrics, "
        "overall, duration_s, created_at) VALUES (1, 'q-old', 'Old?', ?, ?, 40, 3.0, "
        "'2024-05-01T10:01:00+00:00')",
        (json.dumps(make_transcript().to_dict()), json.dumps(make_metrics().to_dict())),
    )
    conn.close()
    assert "notes" not in columns(db, "attempts")

    with SessionStore(db, tmp_path / "rec") as store:
        assert store.schema_version() == SCHEMA_VERSION
        old = store.get_attempt(1)
        assert old.notes == ""
        assert old.overall == 40
        assert old.score is None
        assert old.audio_status == "none"
        assert old.transcript == make_transcript()
        store.set_notes(1, "first try")
        assert store.get_attempt(1).notes == "first try"
    assert "notes" in columns(db, "attempts")


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer voicemock"):
        SessionStore(db, tmp_path / "rec")


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    db = tmp_path / "junk.sqlite3"
    db.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite3"):
        SessionStore(db, tmp_path / "rec")


class _FullDiskConnection(sqlite3.Connection):
    """A connection on a full disk: SQLite creates the file, then cannot set up its journal."""

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        if "journal_mode" in sql:
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)  # type: ignore[arg-type]


def test_a_full_disk_on_first_open_says_so_and_leaves_no_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        return real_connect(*args, factory=_FullDiskConnection, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    db = tmp_path / "new.sqlite3"
    with pytest.raises(StoreError) as caught:
        SessionStore(db, tmp_path / "rec")
    message = str(caught.value)
    assert "the disk is full" in message and "MB free" in message
    assert "move it aside" not in message
    assert not db.exists()  # the 0-byte file SQLite created is gone


def test_an_empty_database_file_is_a_new_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite3"
    db.write_bytes(b"")
    with SessionStore(db, tmp_path / "rec") as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.create_session("works").id == 1


def test_describe_free_space_looks_at_the_nearest_existing_folder(tmp_path: Path) -> None:
    import shutil

    free = store_module.disk_free_bytes(tmp_path / "not" / "yet" / "there.wav")
    assert free is not None
    assert abs(free - shutil.disk_usage(tmp_path).free) < 50_000_000
    assert store_module.describe_free_space(tmp_path).endswith(" MB free")


def test_default_locations_come_from_the_data_dir(voicemock_home: Path) -> None:
    with SessionStore() as store:
        assert store.db_path.parent == voicemock_home
        assert store.recordings_dir == voicemock_home / "recordings"


# ------------------------------------------------------------------------------ round trip


def test_attempt_round_trip_keeps_everything(store: SessionStore, tmp_path: Path) -> None:
    session = store.create_session("Practice", kind="mock")
    source = make_wav(tmp_path / "answer.wav")
    audio_bytes = source.read_bytes()
    saved = add_attempt(store, session.id, source)

    read = store.get_attempt(saved.id)
    assert read == saved
    assert read.transcript == make_transcript()
    assert read.metrics == make_metrics()
    assert read.score == make_score()
    assert read.overall == 63
    assert (read.question_id, read.engine, read.model, read.duration_s) == (
        "q-one",
        "faster-whisper",
        "tiny.en",
        4.25,
    )
    assert read.audio_status == "ok"
    assert read.audio_path is not None
    assert read.audio_path.parent == store.recordings_dir / str(session.id)
    assert read.audio_path.suffix == ".wav"
    assert read.audio_path.read_bytes() == audio_bytes
    assert not source.exists()  # moved into the store after the commit

    listed = store.get_session(session.id)
    assert (listed.kind, listed.title, listed.attempt_count) == ("mock", "Practice", 1)
    assert listed.mean_overall == 63
    finished = store.finish_session(session.id)
    assert finished.finished_at is not None


def test_copying_leaves_the_source_alone(store: SessionStore, tmp_path: Path) -> None:
    session = store.create_session()
    source = make_wav(tmp_path / "mine.wav")
    saved = add_attempt(store, session.id, source, move_audio=False)
    assert source.exists()
    assert saved.audio_path is not None
    assert saved.audio_path.read_bytes() == source.read_bytes()


def test_attempt_without_audio_or_score(store: SessionStore) -> None:
    session = store.create_session()
    saved = add_typed_attempt(store, session.id, "just typed words")
    assert (saved.audio_path, saved.audio_status, saved.score, saved.overall) == (
        None,
        "none",
        None,
        None,
    )
    assert saved.transcript.text == "just typed words"


def test_listing_is_newest_first_and_filters(store: SessionStore, tmp_path: Path) -> None:
    first = store.create_session("one")
    second = store.create_session("two")
    a = add_attempt(store, first.id, make_wav(tmp_path / "a.wav"), question_id="q-a", overall=10)
    b = add_attempt(store, second.id, make_wav(tmp_path / "b.wav"), question_id="q-b", overall=20)
    c = add_attempt(store, second.id, make_wav(tmp_path / "c.wav"), question_id="q-a", overall=30)

    assert [s.id for s in store.list_sessions()] == [second.id, first.id]
    assert [s.id for s in store.list_sessions(limit=1)] == [second.id]
    assert [x.id for x in store.list_attempts()] == [c.id, b.id, a.id]
    assert [x.id for x in store.list_attempts(question_id="q-a")] == [c.id, a.id]
    assert [x.id for x in store.list_attempts(session_id=second.id)] == [c.id, b.id]
    assert [x.id for x in store.list_attempts(question_id="q-a", session_id=second.id)] == [c.id]
    assert [x.id for x in store.list_attempts(limit=2)] == [c.id, b.id]

    history = store.history("q-a")
    assert [(p.attempt_id, p.overall) for p in history] == [(a.id, 10), (c.id, 30)]
    assert history[0].metrics["speaking_rate_wpm"] == 142.5
    assert history[0].metrics["longest_pause_s"] is None
    assert len(store.history()) == 3
    assert store.get_session(second.id).mean_overall == 25


def test_unknown_ids_give_clear_errors(store: SessionStore) -> None:
    with pytest.raises(StoreError, match="no session with id 42"):
        store.get_session(42)
    with pytest.raises(StoreError, match="no attempt with id 7"):
        store.get_attempt(7)
    with pytest.raises(StoreError, match="no session with id 42"):
        store.delete_session(42)
    with pytest.raises(StoreError, match="no session with id 3"):
        add_attempt(store, 3, None)


# ------------------------------------------------------------------------------ atomic saves


def test_failed_insert_leaves_no_orphan_file_and_keeps_the_source(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = store.create_session()
    source = make_wav(tmp_path / "answer.wav")
    original = source.read_bytes()
    copied: list[Path] = []

    def failing_insert(self: SessionStore, conn: sqlite3.Connection, row: dict[str, object]) -> int:
        # The audio is already in place when the insert runs: remember it, then fail.
        copied.extend(files_under(self.recordings_dir))
        raise sqlite3.OperationalError("simulated failure")

    monkeypatch.setattr(SessionStore, "_insert_attempt", failing_insert)
    with pytest.raises(StoreError, match="still at"):
        add_attempt(store, session.id, source)

    assert copied, "the audio should have been copied before the insert"
    assert files_under(store.recordings_dir) == []
    assert source.read_bytes() == original
    assert store.list_attempts() == []


def test_interrupted_insert_also_cleans_up(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = store.create_session()
    source = make_wav(tmp_path / "answer.wav")

    def interrupted(self: SessionStore, conn: sqlite3.Connection, row: dict[str, object]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(SessionStore, "_insert_attempt", interrupted)
    with pytest.raises(KeyboardInterrupt):
        add_attempt(store, session.id, source)
    assert files_under(store.recordings_dir) == []
    assert source.exists()
    assert store.get_session(session.id).attempt_count == 0


def test_disk_full_gives_a_store_error_and_keeps_the_source(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = store.create_session()
    source = make_wav(tmp_path / "answer.wav")
    original = source.read_bytes()

    def full_disk(src: Path, dest: Path) -> None:
        dest.write_bytes(src.read_bytes()[:100])  # a partial copy, then the disk fills up
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_copy_file", full_disk)
    with pytest.raises(StoreError, match="disk is full") as caught:
        add_attempt(store, session.id, source)
    assert str(source) in str(caught.value)
    assert source.read_bytes() == original
    assert files_under(store.recordings_dir) == []
    assert store.list_attempts() == []


def test_missing_source_recording_is_a_store_error(store: SessionStore, tmp_path: Path) -> None:
    session = store.create_session()
    with pytest.raises(StoreError, match="missing"):
        add_attempt(store, session.id, tmp_path / "nowhere.wav")
    assert store.list_attempts() == []


# ------------------------------------------------------------------------------ audio status


def test_missing_and_corrupt_audio_are_reported_not_fatal(
    store: SessionStore, tmp_path: Path
) -> None:
    session = store.create_session()
    gone = add_attempt(store, session.id, make_wav(tmp_path / "a.wav"))
    garbled = add_attempt(store, session.id, make_wav(tmp_path / "b.wav"))
    truncated = add_attempt(store, session.id, make_wav(tmp_path / "c.wav"))
    assert gone.audio_path and garbled.audio_path and truncated.audio_path

    gone.audio_path.unlink()
    garbled.audio_path.write_bytes(b"\x00\x01not a wav file at all" * 50)
    truncated.audio_path.write_bytes(truncated.audio_path.read_bytes()[:30])

    assert store.get_attempt(gone.id).audio_status == "missing"
    assert store.get_attempt(garbled.id).audio_status == "corrupt"
    assert store.get_attempt(truncated.id).audio_status == "corrupt"
    statuses = {a.id: a.audio_status for a in store.list_attempts()}
    assert statuses == {gone.id: "missing", garbled.id: "corrupt", truncated.id: "corrupt"}
    # Everything else about the attempt is still there.
    assert store.get_attempt(gone.id).transcript == make_transcript()


def test_a_wav_whose_header_lost_its_size_still_counts_as_audio(tmp_path: Path) -> None:
    # A recording cut off by a crash can have a zero data size in its header.
    wav = make_wav(tmp_path / "crashed.wav")
    data = bytearray(wav.read_bytes())
    data[40:44] = b"\x00\x00\x00\x00"
    wav.write_bytes(bytes(data))
    assert store_module.audio_file_status(wav) == "ok"
    wav.write_bytes(bytes(data[:44]))
    assert store_module.audio_file_status(wav) == "corrupt"


# ------------------------------------------------------------------------------ deleting


def test_delete_session_removes_its_attempts_and_audio(store: SessionStore, tmp_path: Path) -> None:
    keep = store.create_session("keep")
    drop = store.create_session("drop")
    kept = add_attempt(store, keep.id, make_wav(tmp_path / "k.wav"))
    dropped = [add_attempt(store, drop.id, make_wav(tmp_path / f"d{i}.wav")) for i in range(2)]

    store.delete_session(drop.id)

    assert [s.id for s in store.list_sessions()] == [keep.id]
    assert [a.id for a in store.list_attempts()] == [kept.id]
    for attempt in dropped:
        assert attempt.audio_path is not None and not attempt.audio_path.exists()
    assert not (store.recordings_dir / str(drop.id)).exists()
    assert kept.audio_path is not None and kept.audio_path.exists()


def test_delete_attempt_removes_its_audio(store: SessionStore, tmp_path: Path) -> None:
    session = store.create_session()
    one = add_attempt(store, session.id, make_wav(tmp_path / "1.wav"))
    two = add_attempt(store, session.id, make_wav(tmp_path / "2.wav"))
    store.delete_attempt(one.id)
    assert one.audio_path is not None and not one.audio_path.exists()
    assert two.audio_path is not None and two.audio_path.exists()
    assert [a.id for a in store.list_attempts()] == [two.id]
    with pytest.raises(StoreError):
        store.get_attempt(one.id)


# ------------------------------------------------------------------------------ export/import


def content(attempt: store_module.AttemptRecord) -> tuple[object, ...]:
    """Everything about an attempt except its ids and where its audio lives."""
    return (
        attempt.question_id,
        attempt.question_text,
        attempt.rubric_version,
        attempt.transcript,
        attempt.metrics,
        attempt.score,
        attempt.engine,
        attempt.model,
        attempt.overall,
        attempt.duration_s,
        attempt.created_at,
        attempt.notes,
        attempt.audio_status,
    )


def test_export_then_import_gives_the_same_attempts_and_audio(
    store: SessionStore, tmp_path: Path
) -> None:
    session = store.create_session("Mock interview", kind="mock")
    first = add_attempt(
        store, session.id, make_wav(tmp_path / "1.wav", freq_hz=300), question_id="q-a"
    )
    second = add_attempt(
        store, session.id, make_wav(tmp_path / "2.wav", freq_hz=500), question_id="q-b"
    )
    store.set_notes(first.id, "rushed the ending")
    store.finish_session(session.id)
    originals = [store.get_attempt(first.id), store.get_attempt(second.id)]

    folder = store.export_session(session.id, tmp_path / "out")
    assert folder.parent == tmp_path / "out"
    names = {p.name for p in folder.iterdir()}
    assert {"session.json", "report.md"} <= names
    assert len([n for n in names if n.endswith(".wav")]) == 2
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "Mock interview" in report and "q-a" in report and "q-b" in report

    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        imported = other.import_session(folder)
        assert (imported.title, imported.kind, imported.attempt_count) == (
            "Mock interview",
            "mock",
            2,
        )
        original_session = store.get_session(session.id)
        assert imported.created_at == original_session.created_at
        assert imported.finished_at == original_session.finished_at
        copies = list(reversed(other.list_attempts(session_id=imported.id)))
        assert [content(a) for a in copies] == [content(a) for a in originals]
        for copy, original in zip(copies, originals, strict=True):
            assert copy.audio_path is not None and original.audio_path is not None
            assert copy.audio_path.read_bytes() == original.audio_path.read_bytes()
            assert copy.audio_path.is_relative_to(other.recordings_dir)


def test_export_refuses_to_overwrite(store: SessionStore, tmp_path: Path) -> None:
    session = store.create_session()
    store.export_session(session.id, tmp_path / "out")
    with pytest.raises(StoreError, match="already exists"):
        store.export_session(session.id, tmp_path / "out")


def test_export_of_an_attempt_with_missing_audio_still_works(
    store: SessionStore, tmp_path: Path
) -> None:
    session = store.create_session()
    attempt = add_attempt(store, session.id, make_wav(tmp_path / "a.wav"))
    assert attempt.audio_path is not None
    attempt.audio_path.unlink()
    folder = store.export_session(session.id, tmp_path / "out")
    data = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    assert data["attempts"][0]["audio_file"] is None
    imported = store.import_session(folder, allow_duplicate=True)
    assert store.list_attempts(session_id=imported.id)[0].audio_status == "none"


def exported(store: SessionStore, tmp_path: Path) -> Path:
    session = store.create_session("to import")
    add_attempt(store, session.id, make_wav(tmp_path / "a.wav"))
    return store.export_session(session.id, tmp_path / "out")


def rewrite(folder: Path, change: object) -> None:
    path = folder / "session.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="something-else"), "not a valid voicemock session"),
        (lambda d: d["attempts"][0].pop("transcript"), "transcript"),
        (
            lambda d: d["attempts"][0]["metrics"]["flags"][0].update(kind="evil"),
            r"attempt 1 in session\.json is not valid",
        ),
        (lambda d: d["attempts"][0]["transcript"]["words"][0].update(start_s="soon"), "attempt 1"),
        (lambda d: d["attempts"][0].update(audio_file="../../etc/passwd.wav"), "plain name"),
        (lambda d: d["attempts"][0].update(audio_file="nothere.wav"), "missing"),
        (lambda d: d["attempts"][0].update(audio_file="session.json"), "not an audio file"),
        (lambda d: d["session"].update(kind="party"), "session.kind"),
    ],
)
def test_import_rejects_a_bad_folder_and_changes_nothing(
    store: SessionStore, tmp_path: Path, change: object, message: str
) -> None:
    folder = exported(store, tmp_path)
    rewrite(folder, change)
    sessions_before = store.list_sessions()
    files_before = files_under(store.recordings_dir)
    with pytest.raises(StoreError, match=message):
        store.import_session(folder)
    assert store.list_sessions() == sessions_before
    assert files_under(store.recordings_dir) == files_before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.clear(), 'the field "format" is missing'),
        (lambda d: d["attempts"][0].pop("created_at"), 'the field "attempts[0].created_at"'),
        (
            lambda d: d["attempts"][0]["transcript"]["words"][0].update(start_s="soon"),
            'the field "attempts[0].transcript.words[0].start_s" is wrong',
        ),
        (lambda d: d["session"].update(kind="party"), 'the field "session.kind" is wrong'),
    ],
)
def test_a_bad_session_json_names_the_field(
    store: SessionStore, tmp_path: Path, change: object, message: str
) -> None:
    folder = exported(store, tmp_path)
    rewrite(folder, change)
    with pytest.raises(StoreError) as caught:
        store.import_session(folder)
    assert message in str(caught.value)


def test_import_accepts_the_folder_the_export_was_made_in(
    store: SessionStore, tmp_path: Path
) -> None:
    folder = exported(store, tmp_path)
    parent = folder.parent
    assert exchange.find_exported_session(parent) == folder
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        imported = other.import_session(parent)
        assert imported.title == "to import" and imported.attempt_count == 1

    second = store.create_session("another")
    store.export_session(second.id, parent)
    with pytest.raises(StoreError, match=r"holds 2 exported sessions") as caught:
        exchange.find_exported_session(parent)
    assert str(folder) in str(caught.value)  # says which one to pass


def test_importing_the_same_session_twice_is_refused(store: SessionStore, tmp_path: Path) -> None:
    folder = exported(store, tmp_path)
    # Into the store that still holds the original: that is a copy of session 1.
    with pytest.raises(StoreError, match=r"already in the store as session 1.*--allow-duplicate"):
        store.import_session(folder)
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        first = other.import_session(folder)
        before = files_under(other.recordings_dir)
        with pytest.raises(StoreError, match=f"already in the store as session {first.id}"):
            other.import_session(folder)
        assert [s.id for s in other.list_sessions()] == [first.id]
        assert files_under(other.recordings_dir) == before
        # Asked for explicitly, a second copy is made.
        copy = other.import_session(folder, allow_duplicate=True)
        assert copy.id != first.id and copy.attempt_count == 1
        # The same session exported again (a new export of it) is still the same session.
        again = other.export_session(first.id, tmp_path / "again")
        with pytest.raises(StoreError, match="already in the store"):
            other.import_session(again)


def test_import_of_a_folder_without_session_json(store: SessionStore, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match=r"no session\.json"):
        store.import_session(tmp_path / "empty")
    with pytest.raises(StoreError, match="not a folder"):
        store.import_session(tmp_path / "nope")
    folder = exported(store, tmp_path)
    (folder / "session.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot be read as JSON"):
        store.import_session(folder)


def test_failed_import_removes_the_audio_it_copied(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = exported(store, tmp_path)
    files_before = files_under(store.recordings_dir)
    sessions_before = store.list_sessions()

    def failing_insert(self: SessionStore, conn: sqlite3.Connection, row: dict[str, object]) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SessionStore, "_insert_attempt", failing_insert)
    with pytest.raises(StoreError, match="disk is full"):
        store.import_session(folder, allow_duplicate=True)
    assert files_under(store.recordings_dir) == files_before
    assert store.list_sessions() == sessions_before


# ------------------------------------------------------------------------------ concurrency


def test_readers_in_threads_while_one_thread_writes(store: SessionStore, tmp_path: Path) -> None:
    session = store.create_session()
    wav = make_wav(tmp_path / "src.wav", duration_s=0.1)
    add_attempt(store, session.id, wav, move_audio=False)
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                attempts = store.list_attempts(session_id=session.id)
                counts.append(len(attempts))
                store.get_attempt(attempts[-1].id)
                store.history()
        except BaseException as error:
            errors.append(error)

    def writer() -> None:
        try:
            for _ in range(20):
                add_attempt(store, session.id, wav, move_audio=False)
        except BaseException as error:
            errors.append(error)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    writing = threading.Thread(target=writer)
    writing.start()
    writing.join(timeout=60)
    stop.set()
    for thread in readers:
        thread.join(timeout=60)

    assert errors == []
    assert len(store.list_attempts()) == 21
    assert counts and min(counts) >= 1 and max(counts) <= 21
    # A second store on the same files (as another process would open it) sees every write.
    with SessionStore(store.db_path, store.recordings_dir) as second:
        assert second.get_session(session.id).attempt_count == 21
