"""``voicemock sessions`` (and replay's no-audio paths) through cli.main, on a hand-filled store."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from tests.builders import add_attempt, add_typed_attempt, make_transcript, make_wav
from voicemock.cli import main
from voicemock.commands.replay import render_position, word_at
from voicemock.core.models import Segment, Transcript, Word
from voicemock.core.store import AttemptRecord, SessionStore


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables wide enough that cells are not cut."""
    monkeypatch.setenv("COLUMNS", "200")


def fill(tmp_path: Path) -> tuple[int, int, list[AttemptRecord]]:
    """Two sessions in the default store: one with two attempts, one empty."""
    with SessionStore() as store:
        practice = store.create_session("Resistance drill", kind="single")
        attempts = [
            add_attempt(
                store,
                practice.id,
                make_wav(tmp_path / f"{question_id}.wav"),
                question_id=question_id,
                overall=overall,
                rate_wpm=rate,
            )
            for question_id, overall, rate in (("q-alpha", 41, 118.0), ("q-beta", 77, 151.0))
        ]
        store.finish_session(practice.id)
        empty = store.create_session("Mock with nothing", kind="mock")
    return practice.id, empty.id, attempts


def test_list_when_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "list"]) == 0
    assert "No sessions yet" in capsys.readouterr().out
    assert main(["sessions", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_list_shows_sessions_newest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    practice_id, empty_id, _ = fill(tmp_path)

    assert main(["sessions"]) == 0  # list is the default action
    out = capsys.readouterr().out
    assert "Resistance drill" in out and "Mock with nothing" in out
    assert out.index("Mock with nothing") < out.index("Resistance drill")

    assert main(["sessions", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in listed] == [empty_id, practice_id]
    assert listed[1]["attempt_count"] == 2
    assert listed[1]["mean_overall"] == pytest.approx(59.0)
    assert listed[0]["kind"] == "mock" and listed[0]["attempt_count"] == 0

    assert main(["sessions", "list", "--limit", "1", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == [empty_id]


def test_show_prints_attempts_with_scores_and_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    practice_id, _, attempts = fill(tmp_path)

    assert main(["sessions", "show", str(practice_id)]) == 0
    out = capsys.readouterr().out
    for attempt in attempts:
        assert attempt.question_id in out
    assert "41" in out and "77" in out  # overall scores
    assert "118" in out and "151" in out  # speaking rates
    assert "wpm" in out and "Fill/m" in out and "Attempt" in out
    assert out.index("q-alpha") < out.index("q-beta")  # in answer order

    assert main(["sessions", "show", str(practice_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in shown["attempts"]] == [a.id for a in attempts]
    assert [a["overall"] for a in shown["attempts"]] == [41, 77]
    assert shown["attempts"][0]["transcript"]["text"] == make_transcript().text
    assert shown["attempts"][1]["audio_status"] == "ok"


def test_show_of_an_unknown_session_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "show", "99"]) == 1
    err = capsys.readouterr().err
    assert "voicemock: no session with id 99" in err
    assert "Traceback" not in err


def test_export_then_import_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    practice_id, _, attempts = fill(tmp_path)
    dest = tmp_path / "exports"

    assert main(["sessions", "export", str(practice_id), str(dest)]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert folder.parent == dest
    assert (folder / "session.json").is_file() and (folder / "report.md").is_file()
    wavs = sorted(folder.glob("*.wav"))
    assert len(wavs) == 2

    assert main(["sessions", "import", str(folder), "--allow-duplicate"]) == 0
    captured = capsys.readouterr()
    # One clear line: the new id, the title in quotes, and the folder it came from.
    line = captured.out.strip()
    assert "\n" not in line and captured.err == ""
    found = re.fullmatch(
        r'Imported session (\d+) "Resistance drill" \(2 attempt\(s\)\) from (.+)', line
    )
    assert found is not None, line
    new_id = int(found[1])
    assert new_id != practice_id and Path(found[2]) == folder

    assert main(["sessions", "show", str(new_id), "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["title"] == "Resistance drill"
    assert [a["question_id"] for a in imported["attempts"]] == ["q-alpha", "q-beta"]
    assert [a["overall"] for a in imported["attempts"]] == [41, 77]
    for shown, original in zip(imported["attempts"], attempts, strict=True):
        assert original.audio_path is not None
        assert Path(shown["audio_path"]).read_bytes() == original.audio_path.read_bytes()

    # Exporting again into the same place must not overwrite the first export.
    assert main(["sessions", "export", str(practice_id), str(dest)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_import_of_a_bad_folder_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "not-a-session"
    folder.mkdir()
    (folder / "session.json").write_text('{"format": "voicemock-session"}', encoding="utf-8")
    assert main(["sessions", "import", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "voicemock:" in err and "session.json" in err and "Traceback" not in err
    with SessionStore() as store:
        assert store.list_sessions() == []


def test_delete_asks_for_yes_and_removes_audio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    practice_id, empty_id, attempts = fill(tmp_path)

    # No terminal to ask on: refuse without --yes.
    assert main(["sessions", "delete", str(practice_id)]) == 1
    assert "--yes" in capsys.readouterr().err
    with SessionStore() as store:
        assert store.get_session(practice_id).attempt_count == 2

    assert main(["sessions", "delete", str(practice_id), "--yes"]) == 0
    capsys.readouterr()
    for attempt in attempts:
        assert attempt.audio_path is not None and not attempt.audio_path.exists()
    assert main(["sessions", "list", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == [empty_id]

    assert main(["sessions", "delete", str(practice_id), "--yes"]) == 1
    assert "no session with id" in capsys.readouterr().err


def test_replay_without_playable_audio_shows_the_transcript_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, attempts = fill(tmp_path)
    with SessionStore() as store:
        session = store.create_session()
        typed = add_typed_attempt(store, session.id, "a typed answer", question_id="q-typed")
    assert main(["replay", str(typed.id)]) == 1
    captured = capsys.readouterr()
    assert "a typed answer" in captured.out
    assert f"attempt {typed.id} was typed, not recorded" in captured.err

    damaged = attempts[0]
    assert damaged.audio_path is not None
    damaged.audio_path.write_bytes(b"garbage" * 20)
    assert main(["replay", str(damaged.id)]) == 1
    captured = capsys.readouterr()
    assert make_transcript().text in captured.out
    assert f"the recording of attempt {damaged.id} is damaged" in captured.err
    assert "Traceback" not in captured.err

    assert main(["replay", "999"]) == 1
    assert "no attempt with id 999" in capsys.readouterr().err


def test_replay_highlights_the_word_being_heard_and_shows_nearby_segments() -> None:
    words = [Word(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(40)]
    segments = tuple(
        Segment(
            " ".join(w.text for w in words[k : k + 5]),
            words[k].start_s,
            words[k + 4].end_s,
            tuple(words[k : k + 5]),
        )
        for k in range(0, 40, 5)
    )
    transcript = Transcript(words=tuple(words), segments=segments, engine="faster-whisper")

    assert word_at(transcript, 0.0) == 0
    assert word_at(transcript, 7.74) == 15
    assert word_at(transcript, -1.0) == -1

    text = render_position(transcript, 7.74, 20.0)
    highlighted = [
        text.plain[span.start : span.end] for span in text.spans if "reverse" in str(span.style)
    ]
    assert highlighted == ["w15"]
    shown = text.plain.split()
    # Word 15 opens segment 3: segments 2-4 (words 10-24) are shown, the rest is elided.
    assert "w10" in shown and "w24" in shown
    assert "w9" not in shown and "w25" not in shown
    assert "0:07 / 0:20" in text.plain


def test_titles_with_brackets_are_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    # A question text from a user's bank becomes the title; it is text, not console markup.
    title = "What [/b] happened when [red] failed?"
    with SessionStore() as store:
        session = store.create_session(title)
    assert main(["sessions", "list"]) == 0
    assert "[/b] happened" in capsys.readouterr().out
    assert main(["sessions", "show", str(session.id)]) == 0
    assert title in capsys.readouterr().out


def test_replay_gives_up_on_a_speaker_that_stopped_taking_audio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voicemock.commands import replay
    from voicemock.errors import AudioDeviceError

    class StuckPlayer:
        """Playback that never ends and whose position stopped moving at 3 s."""

        position_s = 3.0

        def wait(self, timeout: float | None = None) -> bool:
            return False

    monkeypatch.setattr(replay, "REFRESH_S", 0.0)
    monkeypatch.setattr(replay, "STALL_S", 0.05)
    playing = replay._Playing(StuckPlayer())  # type: ignore[arg-type]
    with pytest.raises(AudioDeviceError, match="stopped playing at 0:03"):
        while playing():
            pass


def test_list_limit_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(tmp_path)
    for bad in ("0", "-1"):
        with pytest.raises(SystemExit) as caught:
            main(["sessions", "list", "--limit", bad])
        assert caught.value.code == 2
        assert "must be 1 or more" in capsys.readouterr().err


def test_show_and_list_fit_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with SessionStore() as store:
        session = store.create_session(
            "Tell me about a time a client resisted the plan you proposed, and what you did "
            "about it in the weeks that followed."
        )
        kept = add_attempt(
            store, session.id, make_wav(tmp_path / "a.wav"), question_id="sac-client-resistance"
        )
        gone = add_attempt(
            store, session.id, make_wav(tmp_path / "b.wav"), question_id="beh-failure"
        )
    assert gone.audio_path is not None
    gone.audio_path.unlink()

    assert main(["sessions", "show", str(session.id)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, out
    header = next(line for line in lines if "Question" in line)
    assert header.split()[:2] == ["Attempt", "Time"]
    assert "Fill/m" in header and "Pause" in header  # headers whole, not cut
    # Question ids stay on one line, whole.
    assert any("sac-client-resistance" in line for line in lines), out
    assert f"attempt {gone.id}: missing" in out
    row = next(line for line in lines if "sac-client-resistance" in line)
    assert row.split()[0] == str(kept.id)

    assert main(["sessions", "list"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert "weeks that followed" in " ".join(out.split())  # long titles fold, not cut


def test_import_accepts_the_export_destination_and_refuses_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    practice_id, _, _ = fill(tmp_path)
    dest = tmp_path / "exp"
    assert main(["sessions", "export", str(practice_id), str(dest)]) == 0
    capsys.readouterr()

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "other-home"))
    # The folder given to export, not the one it made: accepted, and it says which.
    assert main(["sessions", "import", str(dest)]) == 0
    out = capsys.readouterr().out
    assert f"from {dest / f'voicemock-session-{practice_id}'}" in out
    assert main(["sessions", "import", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "already in the store as session 1" in err and "--allow-duplicate" in err
    assert main(["sessions", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_import_of_a_bad_session_json_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "session.json").write_text(
        json.dumps({"format": "voicemock-session", "format_version": 1, "attempts": []}),
        encoding="utf-8",
    )
    assert main(["sessions", "import", str(folder)]) == 1
    assert 'the field "session" is missing' in capsys.readouterr().err


def pending_wav(home: Path, name: str, age_s: float = 60.0) -> Path:
    """A recording left in the pending folder ``age_s`` ago."""
    folder = home / "recordings" / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    path = make_wav(folder / name, duration_s=1.0)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_pending_lists_kept_recordings(
    voicemock_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "pending"]) == 0
    assert "No recordings are waiting" in capsys.readouterr().out
    path = pending_wav(voicemock_home, "20260102-030405-000006-beh-failure.wav")
    assert main(["sessions", "pending", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "path": str(path),
            "question_id": "beh-failure",
            "recorded_at": "2026-01-02T03:04:05.000006",
            "duration_s": 1.0,
        }
    ]
    assert main(["sessions", "pending"]) == 0
    out = capsys.readouterr().out
    assert "beh-failure" in out and "voicemock sessions recover" in out


def test_recover_scores_and_saves_a_kept_recording(
    voicemock_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.builders import make_metrics
    from voicemock import pipeline

    calls: list[tuple[Path, str | None, float | None]] = []

    def fake_analyse(self: pipeline.Answer, progress: object = None) -> pipeline.AnalysedAnswer:
        # Transcription is tested elsewhere; here: what is scored against what, and saved.
        question = self.question
        calls.append((self.audio_path, question.id if question else None, self.question_end_s))
        self.analysed = pipeline.AnalysedAnswer(make_transcript(), make_metrics(), None)
        return self.analysed

    monkeypatch.setattr(pipeline.Answer, "analyse", fake_analyse)
    fresh = pending_wav(voicemock_home, "20260102-030405-000001-beh-failure.wav", age_s=0)
    old = pending_wav(voicemock_home, "20260102-030405-000002-beh-failure.wav")

    assert main(["sessions", "recover"]) == 0  # all of them, but not one still being written
    err = capsys.readouterr().err
    assert calls == [(old, "beh-failure", 0.0)]
    assert not old.exists() and fresh.exists()
    with SessionStore() as store:
        [attempt] = store.list_attempts()
    assert attempt.question_id == "beh-failure" and attempt.audio_status == "ok"
    assert f"voicemock replay {attempt.id}" in err

    assert main(["sessions", "recover", str(fresh), "-q", "no-such-question"]) == 1
    assert "--question" in capsys.readouterr().err
    assert fresh.exists()


def test_recover_takes_an_mp3_as_analyze_does(
    voicemock_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import soundfile as sf

    from tests.builders import make_metrics
    from voicemock import pipeline

    def fake_analyse(self: pipeline.Answer, progress: object = None) -> pipeline.AnalysedAnswer:
        self.analysed = pipeline.AnalysedAnswer(make_transcript(), make_metrics(), None)
        return self.analysed

    monkeypatch.setattr(pipeline.Answer, "analyse", fake_analyse)
    wav = make_wav(tmp_path / "answer.wav", duration_s=1.0)
    data, rate = sf.read(str(wav))
    mp3 = tmp_path / "answer.mp3"
    sf.write(str(mp3), data, rate, format="MP3")
    assert main(["sessions", "recover", str(mp3), "-q", "beh-failure"]) == 0
    capsys.readouterr()
    with SessionStore() as store:
        [attempt] = store.list_attempts()
    assert attempt.audio_path is not None and attempt.audio_path.suffix == ".mp3"
