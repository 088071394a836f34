"""Follow-up questions: the offline choice on hand-written answers, scoring turns together,
and follow-up turns through the store and a session archive."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.builders import make_metrics, make_transcript, make_wav
from voicemock.core.followups import (
    Followup,
    choose_followups,
    phrase_followup,
)
from voicemock.core.models import ScoreReport, Transcript
from voicemock.core.rubric_schema import Question
from voicemock.core.rubrics import RubricLibrary, load_library
from voicemock.core.scoring import score_answer
from voicemock.core.store import AttemptContent, AttemptRecord, SessionStore
from voicemock.core.turns import delivery_summary, join_turns, score_turns
from voicemock.errors import StoreError

# A story question whose rubric weighs communication 1.5 and two others 1.0.
STORY = "beh-conflict-colleague"

GENERAL = (
    "When I disagree with a colleague I listen to their side first and I ask questions. I try "
    "to keep it about the work, not the person, and I stay calm and respectful. Then we agree "
    "on next steps together so everyone knows who does what."
)
NO_OUTCOME = (
    "Last spring a colleague and I disagreed about the release date for our app. I went to her "
    "desk the next morning and asked her to walk me through why she wanted to wait. I listened "
    "and repeated back her worry about testing. I suggested we combine her testing checklist "
    "with my dates."
)
OUTCOME = (
    "It went well in the end. The launch went out a week later with no serious bugs, and we "
    "still work well together."
)
COVERED = (
    "Last spring a colleague and I disagreed about the release date for our app. I went to her "
    "desk the next morning and asked her to walk me through why she wanted to wait. I listened "
    "to all her reasoning and repeated it back to check I had it right. I kept the "
    "conversation on the schedule, not on us, and told her she had a fair point about the "
    "cost. I suggested we sit down together and combine her testing checklist with my dates, "
    "a compromise we both liked. I sent her a short message afterwards listing who would do "
    "what by Friday. The launch went out a week later with no serious bugs, and we still work "
    "well together. I learned to raise a disagreement early and in private."
)


@pytest.fixture(scope="module")
def library() -> RubricLibrary:
    return load_library()


def story(library: RubricLibrary) -> Question:
    return library.get(STORY).question


def followups_for(question: Question, text: str, limit: int = 3) -> tuple[Followup, ...]:
    report = score_answer(Transcript.from_text(text), question)
    return choose_followups(question, report, text, limit)


def test_a_general_answer_is_asked_for_a_specific_example(library: RubricLibrary) -> None:
    chosen = followups_for(story(library), GENERAL)
    assert chosen[0].kind == "example"
    assert "specific" in chosen[0].text
    assert "general" in chosen[0].reason


def test_a_story_without_an_ending_is_asked_how_it_turned_out(library: RubricLibrary) -> None:
    chosen = followups_for(story(library), NO_OUTCOME)
    assert [f.kind for f in chosen][:1] == ["outcome"]
    assert "turn out" in chosen[0].text


def test_an_answer_that_covers_everything_gets_no_follow_up(library: RubricLibrary) -> None:
    question = story(library)
    report = score_answer(Transcript.from_text(COVERED), question)
    assert all(c.level >= 3 for c in report.competencies)
    assert choose_followups(question, report, COVERED, 3) == ()


def test_the_heaviest_of_the_weakest_competencies_is_probed(library: RubricLibrary) -> None:
    question = story(library)
    report = score_answer(Transcript.from_text(COVERED), question)
    # Two competencies drop to the same low level: the heavier one is probed with its probes.
    heavy = max(question.competencies, key=lambda c: c.weight)
    light = next(c for c in question.competencies if c.weight < heavy.weight)
    lowered = tuple(
        dataclasses.replace(c, level=1, evidence=())
        if c.competency_id in (heavy.id, light.id)
        else c
        for c in report.competencies
    )
    chosen = choose_followups(
        question, dataclasses.replace(report, competencies=lowered), COVERED, 1
    )
    assert [(f.kind, f.competency_id) for f in chosen] == [("probe", heavy.id)]
    assert chosen[0].text in heavy.probes
    assert heavy.label in chosen[0].reason
    # The next follow-up, with that one asked, goes elsewhere: never the same question twice.
    again = choose_followups(
        question, dataclasses.replace(report, competencies=lowered), COVERED, 3, asked=chosen
    )
    assert chosen[0].text not in [f.text for f in again]
    assert ("probe", heavy.id) not in [(f.kind, f.competency_id) for f in again]


def test_a_bare_claim_is_asked_what_was_done(library: RubricLibrary) -> None:
    question = story(library)
    report = score_answer(Transcript.from_text(COVERED), question)
    # Two competencies only named: the heavier is probed, the other asked what was done.
    heavy = max(question.competencies, key=lambda c: c.weight)
    light = next(c for c in question.competencies if c.weight < heavy.weight)
    named = tuple(
        dataclasses.replace(c, level=1) if c.competency_id in (heavy.id, light.id) else c
        for c in report.competencies
    )
    chosen = choose_followups(question, dataclasses.replace(report, competencies=named), COVERED, 3)
    assert [(f.kind, f.competency_id) for f in chosen] == [("probe", heavy.id), ("claim", light.id)]
    assert "only named" in chosen[1].reason and chosen[1].text.endswith("?")


def test_the_follow_up_answer_counts_for_the_question(library: RubricLibrary) -> None:
    question = story(library)
    turns = [make_transcript(NO_OUTCOME), make_transcript(OUTCOME)]
    alone = score_answer(turns[0], question)
    together = score_turns(turns, question)
    assert "R" in alone.star.missing and "R" not in together.star.missing
    assert together.overall > alone.overall
    result = next(s for s in together.star.spans if s.part == "R")
    assert result.turn == 1
    # Its time is on the follow-up's own recording (which starts at 0).
    assert result.start_s is not None and result.start_s < turns[1].audio_duration_s
    joined = join_turns(turns)
    assert joined.text[result.start_char : result.end_char] == result.text
    assert all(
        e.turn == joined.turn_at(e.start_char) for c in together.competencies for e in c.evidence
    )
    # With the ending told, the interviewer no longer asks for it.
    kinds = [f.kind for f in choose_followups(question, together, joined.text, 3)]
    assert "outcome" not in kinds


def test_one_turn_scores_as_the_scorer_alone(library: RubricLibrary) -> None:
    question = story(library)
    transcript = make_transcript(NO_OUTCOME)
    assert score_turns([transcript], question) == score_answer(transcript, question)


def test_delivery_adds_up_over_turns() -> None:
    from voicemock.core.metrics import compute_metrics

    first = compute_metrics(make_transcript("Um I listened first and then we agreed on it"))
    second = compute_metrics(make_transcript("Uh we met again and um it worked"))
    summary = delivery_summary([first, second])
    assert summary.answers == 2
    assert summary.filler_count == sum(int(m.value("filler_count") or 0) for m in (first, second))
    assert summary.words == 10 + 8
    assert summary.speaking_rate_wpm is not None


class _Phraser:
    def __init__(self, reply: str | Exception | None) -> None:
        self.reply = reply

    def phrase(self, question_text: str, transcript_text: str, followup: Followup) -> str | None:
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_a_phraser_words_the_follow_up_and_its_failures_keep_ours() -> None:
    ours = Followup("How did it turn out?", "No ending.", "outcome")
    worded = phrase_followup(ours, _Phraser("And what happened  next?"), "Q?", "said")
    assert (worded.text, worded.source, worded.reason) == (
        "And what happened next?",
        "model",
        ours.reason,
    )
    for reply in (None, "", "x" * 400, RuntimeError("down")):
        assert phrase_followup(ours, _Phraser(reply), "Q?", "said") == ours
    assert phrase_followup(ours, None, "Q?", "said") == ours
    assert Followup.from_dict(worded.to_dict()) == worded


def test_every_shipped_competency_has_its_own_probes(library: RubricLibrary) -> None:
    for loaded in library.questions:
        if loaded.source != "shipped":
            continue
        for competency in loaded.question.competencies:
            assert competency.probes, (loaded.id, competency.id)
            assert len(set(competency.probes)) == len(competency.probes), competency.id


# --------------------------------------------------------------------------- store, archive


def _content(text: str, *, parent_id: int | None = None, turn: int = 0) -> AttemptContent:
    return AttemptContent(
        question_id=STORY,
        question_text="How did it turn out?" if parent_id else "Tell me about a time...",
        rubric_version="behavioral@1/beh-conflict-colleague@1",
        transcript=make_transcript(text),
        metrics=make_metrics(),
        score=None,
        engine="faster-whisper",
        model="tiny.en",
        duration_s=3.0,
        parent_id=parent_id,
        turn=turn,
        followup_reason="The example has no ending." if parent_id else "",
    )


def _conversation(store: SessionStore, tmp_path: Path, library: RubricLibrary) -> list[int]:
    question = story(library)
    session = store.create_session("Mock interview", kind="mock")
    main = store.save_attempt(
        session.id,
        dataclasses.replace(
            _content(NO_OUTCOME), score=score_answer(make_transcript(NO_OUTCOME), question)
        ),
        audio_source=make_wav(tmp_path / "main.wav"),
    )
    combined = score_turns([make_transcript(NO_OUTCOME), make_transcript(OUTCOME)], question)
    follow = store.save_attempt(
        session.id,
        dataclasses.replace(_content(OUTCOME, parent_id=main.id, turn=1), score=combined),
        audio_source=make_wav(tmp_path / "follow.wav", freq_hz=300),
    )
    return [main.id, follow.id]


def test_follow_up_turns_round_trip_through_the_store(
    tmp_path: Path, library: RubricLibrary
) -> None:
    with SessionStore(tmp_path / "db.sqlite3", tmp_path / "rec") as store:
        main_id, follow_id = _conversation(store, tmp_path, library)
        follow = store.get_attempt(follow_id)
        assert (follow.parent_id, follow.turn, follow.followup_reason) == (
            main_id,
            1,
            "The example has no ending.",
        )
        assert follow.is_followup and not store.get_attempt(main_id).is_followup
        assert follow.score is not None
        assert any(s.turn == 1 for s in follow.score.star.spans)
        assert [a.id for a in store.turns(follow_id)] == [main_id, follow_id]
        assert [a.id for a in store.followups(main_id)] == [follow_id]
        # Main answers only: in listings, counts and progress.
        assert [a.id for a in store.list_attempts(main_only=True)] == [main_id]
        assert store.list_sessions()[0].attempt_count == 1
        # The session's mean is the question's result: its score on every turn.
        follow_score = store.get_attempt(follow_id).overall
        assert store.list_sessions()[0].mean_overall == follow_score
        assert [p.attempt_id for p in store.history(main_only=True)] == [main_id]
        # Deleting the main answer takes its follow-up and both recordings along.
        store.delete_attempt(main_id)
        assert store.list_attempts() == []
        assert not [p for p in (tmp_path / "rec").rglob("*.wav")]


def test_follow_up_turns_survive_an_archive_round_trip(
    tmp_path: Path, library: RubricLibrary
) -> None:
    with SessionStore(tmp_path / "db.sqlite3", tmp_path / "rec") as store:
        main_id, follow_id = _conversation(store, tmp_path, library)
        session_id = store.get_attempt(main_id).session_id
        originals = [store.get_attempt(main_id), store.get_attempt(follow_id)]
        folder = store.export_session(session_id, tmp_path / "out")
    document = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    assert [a.get("parent") for a in document["attempts"]] == [None, 1]
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "How did it turn out?" in report and "The example has no ending." in report
    # A mock interview's export starts with its interview report, and counts every turn.
    assert "## Interview report" in report and "| 1, follow-up 1 |" in report
    assert "Delivery over all turns:" in report and "[follow-up 1]" in report

    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        session = other.import_session(folder)
        main, follow = reversed(other.list_attempts(session_id=session.id))
        assert follow.parent_id == main.id and main.parent_id is None
        for copy, original in zip((main, follow), originals, strict=True):
            assert (copy.turn, copy.followup_reason, copy.question_text, copy.score) == (
                original.turn,
                original.followup_reason,
                original.question_text,
                original.score,
            )
        assert session.attempt_count == 1


def test_an_archive_whose_follow_up_has_no_main_answer_is_refused(
    tmp_path: Path, library: RubricLibrary
) -> None:
    with SessionStore(tmp_path / "db.sqlite3", tmp_path / "rec") as store:
        main_id, _ = _conversation(store, tmp_path, library)
        folder = store.export_session(store.get_attempt(main_id).session_id, tmp_path / "out")
    path = folder / "session.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["attempts"][1]["parent"] = 2  # itself: not an earlier main answer
    path.write_text(json.dumps(document), encoding="utf-8")
    with SessionStore(tmp_path / "other.sqlite3", tmp_path / "other-rec") as other:
        with pytest.raises(StoreError, match="parent 2"):
            other.import_session(folder)
        assert other.list_sessions() == []


# --------------------------------------------------------------------------- the CLI


def test_score_json_says_what_the_interviewer_would_ask_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.cli import main

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))
    answer = tmp_path / "answer.txt"
    answer.write_text(GENERAL, "utf-8")
    assert main(["score", str(answer), "--question", STORY, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["followups"][0]
    assert (first["kind"], first["source"]) == ("example", "rubric")
    assert first["text"].endswith("?") and first["reason"]
    assert len(data["followups"]) <= 3

    # The text report names the first one, and a covered answer gets none.
    assert main(["score", str(answer), "--question", STORY]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "The interviewer would ask next" in out and first["text"] in out
    answer.write_text(COVERED, "utf-8")
    assert main(["score", str(answer), "--question", STORY, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["followups"] == []


def test_the_interview_report_sums_up_the_turns(tmp_path: Path, library: RubricLibrary) -> None:
    from voicemock.core.interview import asked_questions, interview_report

    with SessionStore(tmp_path / "db.sqlite3", tmp_path / "rec") as store:
        main_id, follow_id = _conversation(store, tmp_path, library)
        attempts = store.list_attempts()
    (asked,) = asked_questions(attempts)
    assert (asked.main.id, [a.id for a in asked.followups]) == (main_id, [follow_id])
    assert asked.score == store_score(attempts, follow_id)
    report = interview_report(attempts)
    assert [(a.question, a.turn, a.attempt_id) for a in report.answers] == [
        (1, 0, main_id),
        (1, 1, follow_id),
    ]
    assert report.delivery.answers == 2
    assert 0 < len(report.strongest) <= 3 and len(report.work_on) <= 3
    for moment in report.strongest:
        # Each moment is on the recording of the turn that said it, and quotes it.
        said = asked.attempt_of_turn(moment.turn)
        assert moment.attempt_id == said.id
        assert moment.quote.rstrip("…")[:20] in said.transcript.text
    assert len({m.text for m in report.work_on}) == len(report.work_on)


def store_score(attempts: list[AttemptRecord], attempt_id: int) -> ScoreReport | None:
    return next(a.score for a in attempts if a.id == attempt_id)
