"""Correcting a transcript: alignment with the engine's words, the store, re-scoring, the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.builders import make_metrics
from tests.unit.test_text import timed_transcript
from voicemock import paths
from voicemock.cli import main
from voicemock.config import load_settings
from voicemock.core.models import Transcript
from voicemock.core.rubrics import load_library
from voicemock.core.scoring import score_answer
from voicemock.core.store import AttemptRecord, SessionStore
from voicemock.core.transcript_edit import apply_edit, edited_word_count, is_edited
from voicemock.pipeline import TranscriptEditError, edit_transcript, revert_transcript

QUESTION_ID = "sac-client-resistance"
HEARD = (
    "When a client pushes back I slow down and listen. Last spring a client told me the "
    "sessions were a waste of his time. I asked him what he wanted from treatment and we "
    "agreed on one goal. He came to every session after that."
)
# Adds what the question's weakest competency looks for: a client from another background.
CORRECTED = HEARD + (
    " Another client came from a culture where talking about family problems with a stranger "
    "was shameful, so I asked him about his background, involved his brother as he wished, "
    "and changed my approach to fit his values."
)


def words_of(transcript: Transcript) -> list[tuple[str, float, float, bool]]:
    return [(w.text, w.start_s, w.end_s, w.edited) for w in transcript.words]


def test_unchanged_words_keep_their_timing_and_changed_ones_are_marked() -> None:
    heard = timed_transcript("I gave him an alic zone and called for help.")
    fixed = apply_edit(heard, "I gave him naloxone and called 911 for help!")
    assert fixed.text.strip() == "I gave him naloxone and called 911 for help!"
    kept = {w.text.strip(): (w.start_s, w.end_s) for w in heard.words}
    for w in fixed.words:
        if w.text.strip() in {"I", "gave", "him", "and", "called", "for"}:
            assert (w.start_s, w.end_s) == kept[w.text.strip()]
            assert not w.edited
    marked = [w.text.strip() for w in fixed.words if w.edited]
    assert marked == ["naloxone", "911"]
    # "help!" differs from "help." only by punctuation: not an edit, same time
    assert not fixed.words[-1].edited and fixed.words[-1].start_s == heard.words[-1].start_s
    # The replacement takes the time of the words it replaces ("an alic zone")
    naloxone = next(w for w in fixed.words if w.text.strip() == "naloxone")
    assert naloxone.start_s == heard.words[3].start_s and naloxone.end_s == heard.words[5].end_s
    # Times never go backwards
    starts = [w.start_s for w in fixed.words]
    assert starts == sorted(starts)
    assert edited_word_count(fixed) == 2 and is_edited(fixed) and not is_edited(heard)


def test_deleted_words_go_and_inserted_ones_sit_between_their_neighbours() -> None:
    heard = timed_transcript("so so I I listened to him", gap_s=0.5)
    fixed = apply_edit(heard, "I listened closely to him")
    assert [w.text.strip() for w in fixed.words] == ["I", "listened", "closely", "to", "him"]
    listened, closely, to = fixed.words[1], fixed.words[2], fixed.words[3]
    assert listened.end_s <= closely.start_s <= closely.end_s <= to.start_s
    assert closely.edited and not listened.edited and not to.edited
    # The segments follow the words, so the scored text is the corrected one.
    assert fixed.text.strip() == "I listened closely to him"
    assert sum(len(s.words) for s in fixed.segments) == len(fixed.words)


def test_a_typed_transcript_stays_untimed() -> None:
    typed = Transcript.from_text("I lisened to him.")
    fixed = apply_edit(typed, "I listened to him.")
    assert not fixed.timed
    assert words_of(fixed) == [
        ("I", 0.0, 0.0, False),
        ("listened", 0.0, 0.0, True),
        ("to", 0.0, 0.0, False),
        ("him.", 0.0, 0.0, False),
    ]


def test_edited_marks_survive_storage() -> None:
    fixed = apply_edit(timed_transcript("an alic zone"), "naloxone")
    again = Transcript.from_dict(json.loads(json.dumps(fixed.to_dict())))
    assert again.words[0].edited
    # An unedited word is stored as before (no new key)
    assert "edited" not in timed_transcript("word").to_dict()["words"][0]


def stored_attempt(store: SessionStore, text: str) -> AttemptRecord:
    loaded = load_library().get(QUESTION_ID)
    transcript = timed_transcript(text, word_s=0.3, gap_s=0.1)
    session = store.create_session("edit")
    return store.add_attempt(
        session.id,
        question_id=QUESTION_ID,
        question_text=loaded.question.text,
        rubric_version=loaded.rubric_version,
        audio_source=None,
        transcript=transcript,
        metrics=make_metrics(),
        score=score_answer(transcript, loaded.question),
        engine="faster-whisper",
        model="tiny.en",
        duration_s=transcript.audio_duration_s,
    )


def test_an_edit_is_rescored_kept_beside_the_original_and_revertable() -> None:
    loaded = load_library().get(QUESTION_ID)
    settings = load_settings()
    with SessionStore() as store:
        attempt = stored_attempt(store, HEARD)
        edited = edit_transcript(store, attempt.id, CORRECTED, loaded, settings)
        assert edited.original_transcript == attempt.transcript
        assert edited.edited_at is not None
        assert edited.transcript.text.strip() == CORRECTED
        assert edited.overall is not None and attempt.overall is not None
        assert edited.overall > attempt.overall
        # The delivery was measured again on the new words.
        assert edited.metrics.value("word_count") == len(CORRECTED.split())
        # The kept words still have the engine's times.
        assert edited.transcript.words[: len(HEARD.split())] == attempt.transcript.words
        # Read back from the database file, not from memory.
        again = store.get_attempt(attempt.id)
        assert again.original_transcript == attempt.transcript
        assert again.overall == edited.overall

        reverted = revert_transcript(store, attempt.id, loaded, settings)
        assert reverted.transcript == attempt.transcript
        assert reverted.original_transcript is None and reverted.edited_at is None
        assert reverted.overall == attempt.overall
        with pytest.raises(TranscriptEditError, match="never edited"):
            revert_transcript(store, attempt.id, loaded, settings)
        with pytest.raises(TranscriptEditError, match="empty"):
            edit_transcript(store, attempt.id, "  \n ", loaded, settings)


def test_sessions_edit_with_text(capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore() as store:
        attempt = stored_attempt(store, HEARD)
    assert main(["sessions", "edit", str(attempt.id), "--text", CORRECTED]) == 0
    out = capsys.readouterr().out
    assert f"Attempt {attempt.id}: transcript" in out
    assert f"score {attempt.overall} -> " in out
    assert "corrected by you" in out
    assert f"voicemock sessions edit {attempt.id} --revert" in out
    row = (
        sqlite3.connect(paths.database_path())
        .execute(
            "SELECT original_transcript, edited_at, overall FROM attempts WHERE id = ?",
            (attempt.id,),
        )
        .fetchone()
    )
    assert json.loads(row[0])["text"].strip() == HEARD
    assert row[1] is not None
    assert row[2] > (attempt.overall or 0)
    assert main(["sessions", "show", str(attempt.session_id)]) == 0
    assert "scored on a corrected transcript" in capsys.readouterr().out
    assert main(["sessions", "show", str(attempt.session_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["attempts"][0]
    assert shown["edited_at"] and shown["original_transcript"]["text"].strip() == HEARD

    assert main(["sessions", "edit", str(attempt.id), "--revert"]) == 0
    assert "as first heard" in capsys.readouterr().out
    with SessionStore() as store:
        assert store.get_attempt(attempt.id).transcript == attempt.transcript


def test_sessions_edit_from_a_file_and_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SessionStore() as store:
        attempt = stored_attempt(store, HEARD)
    fixed = tmp_path / "fixed.txt"
    fixed.write_text(CORRECTED, encoding="utf-8")
    assert main(["sessions", "edit", str(attempt.id), "--transcript", str(fixed)]) == 0
    capsys.readouterr()
    assert main(["sessions", "edit", str(attempt.id), "--text", " "]) == 1
    err = capsys.readouterr().err
    assert "empty" in err and "Traceback" not in err
    assert main(["sessions", "edit", "999", "--text", "hello"]) == 1
    assert "999" in capsys.readouterr().err


def test_sessions_edit_says_when_words_were_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore() as store:
        attempt = stored_attempt(store, HEARD)
    shorter = " ".join(HEARD.split()[:3])
    assert main(["sessions", "edit", str(attempt.id), "--text", shorter]) == 0
    assert f"corrected ({len(HEARD.split())} -> 3 words); score" in capsys.readouterr().out


def test_export_and_import_keep_the_original_transcript(tmp_path: Path) -> None:
    loaded = load_library().get(QUESTION_ID)
    with SessionStore() as store:
        attempt = stored_attempt(store, HEARD)
        edited = edit_transcript(store, attempt.id, CORRECTED, loaded, load_settings())
        folder = store.export_session(attempt.session_id, tmp_path / "out")
        imported = store.import_session(folder, allow_duplicate=True)
        [copy] = store.list_attempts(session_id=imported.id)
    assert copy.transcript == edited.transcript
    assert copy.original_transcript == attempt.transcript
    assert copy.edited_at == edited.edited_at
    assert copy.overall == edited.overall


def test_score_a_recording_with_a_corrected_transcript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = paths.SHIPPED_AUDIO_DIR / "short-answer.wav"
    assert main(["score", str(clip), "-q", QUESTION_ID, "--json"]) == 0
    heard = Transcript.from_dict(json.loads(capsys.readouterr().out)["transcript"])
    words = [w.text.strip() for w in heard.words]
    corrected = " ".join(["naloxone", *words[1:]])  # the first word "misheard"
    fixed = tmp_path / "fixed.txt"
    fixed.write_text(corrected, encoding="utf-8")
    args = ["score", str(clip), "-q", QUESTION_ID, "--transcript", str(fixed), "--json"]
    assert main(args) == 0
    scored = Transcript.from_dict(json.loads(capsys.readouterr().out)["transcript"])
    assert [w.text.strip() for w in scored.words] == corrected.split()
    assert scored.words[0].edited and not any(w.edited for w in scored.words[1:])
    assert scored.words[1:] == heard.words[1:]  # the engine's timings for the rest


def test_an_edit_that_changes_nothing_is_not_scored_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SessionStore() as store:
        attempt = stored_attempt(store, HEARD)
    assert main(["sessions", "edit", str(attempt.id), "--text", f"  {HEARD}\n"]) == 0
    assert "No change" in capsys.readouterr().err
    with SessionStore() as store:
        again = store.get_attempt(attempt.id)
    assert again.original_transcript is None and again.edited_at is None
