"""Hostile and careless input: private files, safe output, no crash, no hang, nothing harmed.

Each case is what a hostile user (or an unlucky one) could do: crafted session archives and
banks, escape sequences in anything shown, a damaged database, named pipes, huge files, a
crash in the middle of an import. Each must end in a one-line message or a marked result,
never a traceback, a hang, or a change to a file the user owns.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.builders import add_attempt, make_wav
from voicemock.cli import main
from voicemock.core.store import SessionStore

# Escape sequences a terminal acts on: clear the screen, set the title, ask for the cursor
# position (the reply is typed into the shell), and an 8-bit CSI.
PAYLOADS = ("\x1b[2J", "\x1b]0;pwned\x07", "\x1b[6n", "\x9b6n")
HOSTILE = "[/] [bold]x[/bold] \x1b[2J\x1b]0;pwned\x07 \x1b[6n \x9b6n [link=file:///etc]y"
MAIN_TIMEOUT_S = 30.0


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def run_cli(args: Sequence[str]) -> tuple[int, str, str]:
    """Run ``voicemock ARGS`` in this process with a time limit (a hang fails, never blocks)."""
    out, err = io.StringIO(), io.StringIO()
    result: dict[str, object] = {}

    def target() -> None:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                result["code"] = main(list(args))
            except BaseException as error:  # a traceback is a failure of the test
                result["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(MAIN_TIMEOUT_S)
    assert not thread.is_alive(), f"voicemock {' '.join(args)} did not finish (it hangs)"
    if "error" in result:
        raise AssertionError(f"voicemock {' '.join(args)} raised {result['error']!r}")
    code = result["code"]
    assert isinstance(code, int)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "no message at all"
    assert lines[-1].startswith("voicemock: "), err
    assert "Traceback" not in err


def assert_terminal_safe(*texts: str) -> None:
    for text in texts:
        for payload in PAYLOADS:
            assert payload not in text, f"{payload!r} reached the terminal: {text[:400]!r}"
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text


def exported_session(store: SessionStore, tmp_path: Path, title: str = "Mine") -> Path:
    session = store.create_session(title)
    add_attempt(store, session.id, make_wav(tmp_path / "a.wav"))
    return store.export_session(session.id, tmp_path / "export")


def edit_session_file(folder: Path, change: object) -> None:
    path = folder / "session.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)  # type: ignore[operator]
    path.write_text(json.dumps(document), encoding="utf-8")


# ------------------------------------------------------------------------- private files


def test_store_files_are_private_whatever_the_umask(voicemock_home: Path, tmp_path: Path) -> None:
    with umask(0o022), SessionStore() as store:
        session = store.create_session("private")
        attempt = add_attempt(store, session.id, make_wav(tmp_path / "answer.wav"))
        folder = store.export_session(session.id, tmp_path / "exports")
    assert attempt.audio_path is not None
    assert mode_of(voicemock_home) == 0o700
    assert mode_of(voicemock_home / "recordings") == 0o700
    assert mode_of(attempt.audio_path) == 0o600
    db = voicemock_home / "voicemock.sqlite3"
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            assert mode_of(path) == 0o600, path
    assert mode_of(folder) == 0o700
    for child in folder.iterdir():
        assert mode_of(child) == 0o600, child


def test_settings_and_recordings_of_an_older_version_are_made_private(
    voicemock_home: Path, tmp_path: Path
) -> None:
    from voicemock.config import Settings, save_settings

    with umask(0o022):
        save_settings(Settings())
        assert mode_of(voicemock_home / "settings.json") == 0o600
        loose = voicemock_home / "recordings" / "1"
        loose.mkdir(parents=True)
        os.chmod(voicemock_home / "recordings", 0o755)
        old = make_wav(loose / ("a" * 32 + ".wav"))
        os.chmod(old, 0o644)
        SessionStore().close()
    assert mode_of(voicemock_home / "recordings") == 0o700
    assert mode_of(old) == 0o600


def test_a_new_recording_file_is_private(tmp_path: Path) -> None:
    from voicemock.files import create_private_file

    with umask(0o000), create_private_file(tmp_path / "answer.wav") as handle:
        handle.write(b"RIFF")
    assert mode_of(tmp_path / "answer.wav") == 0o600


# ------------------------------------------------------------------------- session import


def test_deeply_nested_session_file_is_refused(voicemock_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "session.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = run_cli(["sessions", "import", str(folder)])
    assert_one_line_error(code, err)
    assert "nested too deeply" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["session"].update(created_at="0001-01-01T00:00:00+14:00"),
            "out of range",
        ),
        (lambda d: d["attempts"][0].update(created_at="9999-12-31T23:59:59-14:00"), "range"),
        (lambda d: d["attempts"][0]["score"].update(overall=10**30), "out of range"),
        (lambda d: d["attempts"][0]["score"].update(overall=250), "not 0-100"),
        (lambda d: d["attempts"][0]["transcript"].update(audio_duration_s=float("nan")), "range"),
        (lambda d: d["attempts"][0]["metrics"]["metrics"][0].update(value=1e300), "range"),
    ],
)
def test_out_of_range_values_are_refused_in_one_line(
    voicemock_home: Path, tmp_path: Path, change: object, expected: str
) -> None:
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        folder = exported_session(other, tmp_path)
    edit_session_file(folder, change)
    code, _, err = run_cli(["sessions", "import", str(folder)])
    assert_one_line_error(code, err)
    assert expected in err
    with SessionStore() as store:
        assert store.list_sessions() == []  # nothing half-written


def test_a_recording_that_is_a_hard_link_to_a_secret_is_refused(
    voicemock_home: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$hash:19000:0:99999:7:::\n" * 40, encoding="utf-8")
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        folder = exported_session(other, tmp_path)
    [recording] = folder.glob("*.wav")
    recording.unlink()
    os.link(secret, recording)
    code, _, err = run_cli(["sessions", "import", str(folder)])
    assert_one_line_error(code, err)
    assert "not a usable recording" in err and "root:" not in err
    with SessionStore() as store:
        assert store.list_sessions() == []
    assert not list((voicemock_home / "recordings").rglob("*.wav"))


def test_an_imported_recording_is_a_copy_never_a_link(voicemock_home: Path, tmp_path: Path) -> None:
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        folder = exported_session(other, tmp_path)
    [recording] = folder.glob("*.wav")
    code, _, err = run_cli(["sessions", "import", str(folder)])
    assert code == 0, err
    with SessionStore() as store:
        [attempt] = store.list_attempts()
    assert attempt.audio_path is not None
    assert attempt.audio_path.read_bytes() == recording.read_bytes()
    assert attempt.audio_path.stat().st_ino != recording.stat().st_ino
    assert recording.stat().st_nlink == 1
    assert mode_of(attempt.audio_path) == 0o600


def test_a_recording_whose_header_lies_is_refused(voicemock_home: Path, tmp_path: Path) -> None:
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        folder = exported_session(other, tmp_path)
    [recording] = folder.glob("*.wav")
    data = bytearray(recording.read_bytes())
    data[24:28] = struct.pack("<I", 7)  # a sample rate of 7 Hz
    recording.write_bytes(bytes(data))
    code, _, err = run_cli(["sessions", "import", str(folder)])
    assert_one_line_error(code, err)
    assert "7 Hz" in err


# ------------------------------------------------------------------------- ids and orphans

_CRASHING_IMPORT = """
import os, signal, sys
from voicemock.core import store as store_module

original = store_module.SessionStore._place_audio

def place_then_die(self, source, dest):
    original(self, source, dest)
    os.kill(os.getpid(), signal.SIGKILL)  # as if the machine lost power mid-import

store_module.SessionStore._place_audio = place_then_die
with store_module.SessionStore() as store:
    store.import_session(sys.argv[1])
"""


def test_a_crash_during_import_never_hands_its_recording_to_a_later_session(
    voicemock_home: Path, tmp_path: Path
) -> None:
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        folder = exported_session(other, tmp_path)
    with SessionStore() as store:
        before = store.create_session("before")
    child = subprocess.run(
        [sys.executable, "-c", _CRASHING_IMPORT, str(folder)],
        env={**os.environ, "VOICEMOCK_HOME": str(voicemock_home)},
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    with SessionStore() as store:
        [orphan] = store.orphan_recordings()
        crashed_id = int(orphan.parent.name)
        assert crashed_id > before.id
        assert [s.id for s in store.list_sessions()] == [before.id]  # nothing half-written
        later = store.create_session("later")
        assert later.id > crashed_id  # the crashed import's id is never used again
        assert store.list_attempts(session_id=later.id) == []
        store.delete_session(later.id)
        assert orphan.exists()  # not the later session's to delete
    os.utime(orphan, (time.time() - 3600, time.time() - 3600))
    code, _, err = run_cli(["sessions", "clean"])
    assert code == 0, err
    assert "Removed 1 recording" in err
    assert not orphan.exists()
    with SessionStore() as store:
        assert store.orphan_recordings() == []


def test_deleting_a_session_takes_away_leftovers_in_its_folder(
    voicemock_home: Path, tmp_path: Path
) -> None:
    with SessionStore() as store:
        session = store.create_session("s")
        attempt = add_attempt(store, session.id, make_wav(tmp_path / "a.wav"))
        assert attempt.audio_path is not None
        leftover = attempt.audio_path.with_name("b" * 32 + ".wav")
        make_wav(leftover)
        store.delete_session(session.id)
    assert not leftover.exists() and not leftover.parent.exists()


def test_doctor_reports_orphans_and_damage_and_fails_on_a_corrupt_store(
    voicemock_home: Path, tmp_path: Path
) -> None:
    from voicemock.commands.doctor import check_session_store

    assert check_session_store().status == "ok"
    with SessionStore() as store:
        session = store.create_session("s")
        add_attempt(store, session.id, make_wav(tmp_path / "a.wav"))
        make_wav(voicemock_home / "recordings" / str(session.id) / ("c" * 32 + ".wav"))
    with sqlite3.connect(voicemock_home / "voicemock.sqlite3") as conn:
        conn.execute("UPDATE attempts SET overall = 'abc'")
    check = check_session_store()
    assert check.status == "warn"
    assert "1 damaged attempt(s)" in check.detail and "1 recording(s)" in check.detail
    assert "sessions clean" in check.fix

    db = voicemock_home / "voicemock.sqlite3"
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            db.with_name(db.name + suffix).unlink()
    db.write_bytes(b"this is not sqlite at all" * 200)
    check = check_session_store()
    assert check.status == "fail"
    assert "cannot be opened" in check.detail and "mv" in check.fix


# ------------------------------------------------------------------------- damaged rows


@pytest.fixture
def damaged_store(voicemock_home: Path, tmp_path: Path) -> tuple[int, int]:
    """Two sessions: one sound, one with a bad date, a text score and an unreadable score."""
    with SessionStore() as store:
        good = store.create_session("good")
        add_attempt(store, good.id, make_wav(tmp_path / "g.wav"), question_id="fine")
        bad = store.create_session("bad")
        add_attempt(store, bad.id, make_wav(tmp_path / "b1.wav"), question_id="first")
        add_attempt(store, bad.id, make_wav(tmp_path / "b2.wav"), question_id="second")
    with sqlite3.connect(voicemock_home / "voicemock.sqlite3") as conn:
        conn.execute("UPDATE sessions SET created_at = 'not a date' WHERE id = ?", (bad.id,))
        conn.execute("UPDATE attempts SET overall = 'abc' WHERE question_id = 'first'")
        conn.execute("UPDATE attempts SET score = '\"a string\"' WHERE question_id = 'second'")
        conn.execute("UPDATE attempts SET created_at = '0001-01-01' WHERE question_id = 'second'")
    return good.id, bad.id


def test_sessions_list_marks_a_damaged_row_and_lists_the_rest(
    damaged_store: tuple[int, int],
) -> None:
    good, bad = damaged_store
    code, out, err = run_cli(["sessions", "list"])
    assert code == 0, err
    assert "good" in out and "damaged" in out and "Traceback" not in out + err
    code, out, _ = run_cli(["sessions", "list", "--json"])
    assert code == 0
    rows = {row["id"]: row for row in json.loads(out)}
    assert rows[good]["damaged"] is None and "date" in rows[bad]["damaged"]


def test_sessions_show_marks_damaged_attempts(damaged_store: tuple[int, int]) -> None:
    good, bad = damaged_store
    code, out, err = run_cli(["sessions", "show", str(bad)])
    assert code == 0, err
    assert "first" in out and "second" in out
    assert out.count("is damaged in the store") >= 2
    code, out, err = run_cli(["sessions", "show", str(good)])
    assert code == 0 and "damaged" not in out
    code, _, err = run_cli(["sessions", "export", str(bad), "out"])
    assert_one_line_error(code, err)
    assert "damaged" in err


def test_replay_of_a_damaged_attempt_says_so_in_one_line(damaged_store: tuple[int, int]) -> None:
    with SessionStore() as store:
        damaged = [a for a in store.list_attempts() if a.damaged]
    code, _, err = run_cli(["replay", str(damaged[0].id)])
    assert_one_line_error(code, err)
    assert "damaged" in err


# ------------------------------------------------------------------------- named pipes


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("answer.txt", ["score", "{path}", "-q", "beh-failure"]),
        ("answer.wav", ["score", "{path}", "-q", "beh-failure"]),
        ("answer.wav", ["analyze", "{path}"]),
        ("page.txt", ["import", "{path}"]),
        ("answer.wav", ["sessions", "recover", "{path}"]),
    ],
)
def test_a_named_pipe_is_refused_not_waited_on(
    voicemock_home: Path, tmp_path: Path, name: str, args: list[str]
) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    code, _, err = run_cli([arg.format(path=fifo) for arg in args])
    assert_one_line_error(code, err)
    assert "named pipe" in err


# ------------------------------------------------------------------------- sessions recover


def stale_wav(path: Path) -> Path:
    """A recording cut off by a crash: its header still says it holds no data."""
    make_wav(path, duration_s=1.0)
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<I", 36)
    data[40:44] = struct.pack("<I", 0)
    path.write_bytes(bytes(data))
    return path


def test_recover_never_changes_the_file_it_is_given(voicemock_home: Path, tmp_path: Path) -> None:
    wav = stale_wav(tmp_path / "20260102-030405-000006-no-such-question.wav")
    digest = hashlib.sha256(wav.read_bytes()).hexdigest()
    mtime_ns = wav.stat().st_mtime_ns
    code, _, err = run_cli(["sessions", "recover", str(wav)])
    assert_one_line_error(code, err)
    assert hashlib.sha256(wav.read_bytes()).hexdigest() == digest
    assert wav.stat().st_mtime_ns == mtime_ns

    text = tmp_path / "20260102-030405-000007-beh-failure.wav"
    text.write_text("not audio at all\n" * 100, encoding="utf-8")
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    code, _, err = run_cli(["sessions", "recover", str(text)])
    assert_one_line_error(code, err)
    assert str(text) in err and ".recover-" not in err  # the file given, not the working copy
    assert hashlib.sha256(text.read_bytes()).hexdigest() == digest
    pending = voicemock_home / "recordings" / "pending"
    assert not list(pending.glob("*")), "a copy was left behind for a recording that failed"


# ------------------------------------------------------------------------- scale


def huge_wav_header(path: Path, data_bytes: int = 1_000_000_000) -> Path:
    """A valid header for ``data_bytes`` of 16 kHz 16-bit mono audio (a sparse file)."""
    with path.open("wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16))
        handle.write(b"data" + struct.pack("<I", data_bytes))
        handle.truncate(44 + data_bytes)
    return path


def test_a_huge_recording_is_refused_in_well_under_a_second(tmp_path: Path) -> None:
    from voicemock.core.limits import AnswerTooLongError
    from voicemock.speech.audio_io import load_audio

    wav = huge_wav_header(tmp_path / "huge.wav")
    started = time.monotonic()
    with pytest.raises(AnswerTooLongError, match="hours of audio"):
        load_audio(wav)
    assert time.monotonic() - started < 0.5


def test_a_huge_transcript_is_refused_at_once(voicemock_home: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text("I listened to the client and we agreed. " * 25_000, encoding="utf-8")
    started = time.monotonic()
    code, _, err = run_cli(["score", str(answer), "-q", "beh-failure"])
    assert_one_line_error(code, err)
    assert "200,000 words" in err and "10,000" in err
    assert time.monotonic() - started < 10


def test_measure_and_score_caps_the_words_of_an_answer() -> None:
    from voicemock.config import Settings
    from voicemock.core.limits import MAX_ANSWER_WORDS, AnswerTooLongError
    from voicemock.core.models import Transcript
    from voicemock.pipeline import measure_and_score

    transcript = Transcript.from_text("word " * (MAX_ANSWER_WORDS + 1))
    with pytest.raises(AnswerTooLongError):
        measure_and_score(transcript, None, Settings(use_embeddings=False))


# ------------------------------------------------------------------------- banks


def test_a_bank_linked_to_a_private_file_is_not_quoted(
    voicemock_home: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(
        "operator9:$6$Zx9secretsalt$hash:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n",
        encoding="utf-8",
    )
    env = tmp_path / "env"
    env.write_text("API_TOKEN: sk-live-123456\nDB_PASSWORD: hunter2\n", encoding="utf-8")
    rubrics = voicemock_home / "rubrics"
    rubrics.mkdir(parents=True, exist_ok=True)
    (rubrics / "a.yaml").symlink_to(secret)
    (rubrics / "b.yaml").symlink_to(env)
    code, out, err = run_cli(["questions"])
    assert code == 0
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 2, err
    for secret_part in ("operator9", "secretsalt", "API_TOKEN", "sk-live", "hunter2", "PASSWORD"):
        assert secret_part not in err + out
    assert all("not a question bank" in line for line in warnings)


# ------------------------------------------------------------------------- escape sequences


def hostile_bank(folder: Path) -> str:
    """A bank whose every shown text carries markup and escape sequences; returns its id."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(HOSTILE)  # JSON strings are YAML strings, escapes included
    (folder / "evil.yaml").write_text(
        f"""
bank: {{id: evil, title: {text}, version: 1}}
questions:
  - id: evil-q
    text: {json.dumps("Tell me about " + HOSTILE)}
    role: {text}
    level: mid
    tags: [{text}]
    competencies:
      - id: c1
        label: {text}
        description: {text}
        indicators:
          - {{meaning: {text}, phrases: [listened, agreed]}}
        exemplars: [{json.dumps("I listened first. " + HOSTILE)}]
        next_step: {text}
    tips: [{text}]
""",
        encoding="utf-8",
    )
    return "evil-q"


def test_questions_never_print_escape_sequences(voicemock_home: Path) -> None:
    hostile_bank(voicemock_home / "rubrics")
    code, out, err = run_cli(["questions", "--search", "tell"])
    assert code == 0, err
    assert "evil-q" in out
    assert_terminal_safe(out, err)
    code, out, err = run_cli(["questions", "--json"])
    assert code == 0
    assert_terminal_safe(out)
    assert any(q["text"].startswith("Tell me about [/]") for q in json.loads(out))


def test_score_outputs_never_print_escape_sequences(voicemock_home: Path, tmp_path: Path) -> None:
    question = hostile_bank(voicemock_home / "rubrics")
    answer = tmp_path / "answer.md"
    answer.write_text(f"# Answer\n\nI listened first and we agreed. {HOSTILE}\n", encoding="utf-8")
    for extra in ([], ["--markdown"], ["--json"]):
        code, out, err = run_cli(["score", str(answer), "-q", question, "--no-embeddings", *extra])
        assert code == 0, err
        assert_terminal_safe(out, err)


def test_sessions_output_never_prints_escape_sequences(
    voicemock_home: Path, tmp_path: Path
) -> None:
    with SessionStore() as store:
        session = store.create_session(HOSTILE)
        add_attempt(store, session.id, make_wav(tmp_path / "a.wav"), question_id=HOSTILE)
    for args in (
        ["sessions", "list"],
        ["sessions", "list", "--json"],
        ["sessions", "show", str(session.id)],
        ["sessions", "show", str(session.id), "--json"],
    ):
        code, out, err = run_cli(args)
        assert code == 0, err
        assert_terminal_safe(out, err)
    folder = tmp_path / "exp"
    code, out, err = run_cli(["sessions", "export", str(session.id), str(folder)])
    assert code == 0, err
    code, out, err = run_cli(["sessions", "import", str(folder), "--allow-duplicate"])
    assert code == 0, err
    assert_terminal_safe(out, err)
    assert "[/]" in out  # shown as text, not taken as markup


def test_import_page_never_prints_escape_sequences(voicemock_home: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(
        f"How do you handle conflict {HOSTILE}?\n\nLevel: Mid\n\n"
        "What are interviewers evaluating with this question?\n\n"
        f"Communication {HOSTILE}\nConflict resolution\n\n"
        f"Sample answer\n\nI listened first {HOSTILE} and we agreed.\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["import", str(page)])
    assert_terminal_safe(out, err)
    assert code == 0 or err.strip().startswith("voicemock: "), err


def test_error_messages_never_print_escape_sequences(voicemock_home: Path) -> None:
    code, out, err = run_cli(["score", f"missing{HOSTILE}.txt", "-q", "beh-failure"])
    assert_one_line_error(code, err)
    assert_terminal_safe(out, err)
    code, out, err = run_cli(["score", "x.txt", "-q", HOSTILE])
    assert_one_line_error(code, err)
    assert_terminal_safe(out, err)


def test_printable_keeps_offsets_and_newlines() -> None:
    from voicemock.core.safe_text import json_text, one_line, printable

    assert printable("plain text\nnext\tline") == "plain text\nnext\tline"
    shown = printable("a\x1b[2Jb\x9bc\u202ed")
    assert len(shown) == len("a\x1b[2Jb\x9bc\u202ed")
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
    assert one_line("a\nb\tc") == "a b c"
    assert json.loads(json_text({"k": "\x9b\x1b"})) == {"k": "\x9b\x1b"}
    assert "\x9b" not in json_text({"k": "\x9b"})
