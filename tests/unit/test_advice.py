"""Next steps that rank content and delivery together, hedge bands, and the results summary."""

from __future__ import annotations

import json

import pytest

from tests.builders import make_score
from tests.unit.test_text import timed_transcript
from voicemock.core import advice
from voicemock.core.metrics import compute_metrics
from voicemock.core.models import DeliveryMetrics, ScoreReport, Transcript
from voicemock.core.rubric_schema import Question
from voicemock.core.rubrics import load_library
from voicemock.core.scoring import score_answer

QUESTION_ID = "beh-conflict-colleague"

# A real story told with many fillers and hedges (13 um/uh, 12 hedges in 80 words).
HESITANT = (
    "Um, so last year, uh, I think a colleague and I, um, kind of disagreed about, uh, the "
    "release plan. I guess I maybe felt, um, that he was sort of rushing it. Uh, I think I just "
    "asked him, um, for a coffee and, uh, we kind of talked it through. Um, I listened to his "
    "reasons, uh, and I think I maybe explained my concerns about testing. Um, we agreed to, uh, "
    "split the release, and I guess it sort of went fine, um, the first part shipped on time "
    "and we had no incidents."
)
# Fluent, at an easy pace and a good length, but with nothing specific in it.
FLUENT_BUT_EMPTY = " ".join(
    [
        "Conflict at work is normal and people should talk about it openly.",
        "Teams work better when everyone is heard and respected by the others.",
        "Communication is important and respect matters a great deal in every workplace.",
        "Good teams solve their problems together and they move on quickly afterwards.",
        "Everyone has a different background and a different way of looking at things.",
        "It helps when people stay calm and keep the goals of the company in mind.",
        "Managers should create a culture where disagreement is seen as something healthy.",
        "In the end most disagreements are about small things that can be settled easily.",
        "Being open and honest with each other is the basis of a strong team.",
        "That is how I see conflict in general and why it does not worry me much.",
        "People who listen to each other usually find a way forward that suits everyone.",
        "A workplace with trust is a workplace where conflict can be useful for everyone.",
    ]
)


@pytest.fixture(scope="module")
def question() -> Question:
    return load_library().get(QUESTION_ID).question


def analysed(
    text: str, question: Question, word_s: float, gap_s: float
) -> tuple[Transcript, DeliveryMetrics, ScoreReport]:
    transcript = timed_transcript(text, word_s=word_s, gap_s=gap_s)
    target = question.target_length_s
    metrics = compute_metrics(transcript, target_length_s=(target.min, target.max))
    return transcript, metrics, score_answer(transcript, question)


def test_many_fillers_and_hedges_rank_among_the_first_three(question: Question) -> None:
    transcript, metrics, score = analysed(HESITANT, question, word_s=0.3, gap_s=0.15)
    steps = advice.next_steps(score, metrics, question)
    assert len(steps) == 3
    kinds = [s.kind for s in steps]
    assert "fillers" in kinds and "hedges" in kinds
    assert any(s.area == "content" for s in advice.rank(score, metrics, question))
    hedges = next(s for s in steps if s.kind == "hedges")
    # The text counts what was said and quotes it.
    assert hedges.text.startswith(f"{len(metrics.flags_of('hedge'))} hedges")
    assert "“I think” ×3" in hedges.text
    # The moment to replay is a hedge that was said.
    assert hedges.at_s in {f.start_s for f in metrics.flags_of("hedge")}
    fillers = next(s for s in steps if s.kind == "fillers")
    assert fillers.at_s in {f.start_s for f in metrics.flags_of("filler")}
    assert transcript.words[0].start_s <= fillers.at_s <= transcript.words[-1].end_s


def test_a_fluent_answer_with_little_content_gets_content_steps_first(
    question: Question,
) -> None:
    _, metrics, score = analysed(FLUENT_BUT_EMPTY, question, word_s=0.3, gap_s=0.1)
    # Its delivery is fine: easy pace, no fillers, a good length.
    assert metrics.get("speaking_rate_wpm").band == "good"  # type: ignore[union-attr]
    assert metrics.get("answer_time_s").band == "good"  # type: ignore[union-attr]
    steps = advice.next_steps(score, metrics, question)
    assert steps and all(s.area == "content" for s in steps)
    assert steps[0].kind == "story"
    gains = [s.gain for s in advice.rank(score, metrics, question)]
    assert gains == sorted(gains, reverse=True)


def test_gates_come_before_delivery(question: Question) -> None:
    text = "Um, uh, I think, maybe, um, I like football and, uh, the weather, um, kind of."
    _, metrics, score = analysed(text, question, word_s=0.3, gap_s=0.1)
    assert score.gates
    first = advice.next_steps(score, metrics, question)[0]
    assert first.kind == "gate"


def test_the_same_answer_said_cleanly_has_no_delivery_steps(question: Question) -> None:
    clean = " ".join(
        w
        for w in HESITANT.replace(",", "").split()
        if w.lower().strip(".") not in {"um", "uh", "maybe", "just"}
    )
    for hedge in ("I think ", "kind of ", "sort of ", "I guess "):
        clean = clean.replace(hedge, "")
    _, metrics, score = analysed(clean, question, word_s=0.3, gap_s=0.1)
    kinds = {s.kind for s in advice.rank(score, metrics, question)}
    assert not kinds & {"fillers", "hedges"}


@pytest.mark.parametrize(
    ("hedges", "words", "band"),
    [(0, 100, "good"), (1, 100, "good"), (2, 100, "watch"), (3, 100, "fix"), (6, 100, "fix")],
)
def test_hedge_band_per_100_words(hedges: int, words: int, band: str) -> None:
    filler_words = ["maybe"] * hedges
    plain = [f"word{i}" for i in range(words - hedges)]
    text = " ".join(filler_words + plain)
    metrics = compute_metrics(timed_transcript(text))
    per_100 = metrics.get("hedges_per_100_words")
    count = metrics.get("hedge_count")
    assert per_100 is not None and count is not None
    assert per_100.value == pytest.approx(100 * hedges / words)
    assert per_100.band == band
    assert count.band == band
    assert "Bradac & Mulac" in per_100.source


def test_no_words_no_hedge_band() -> None:
    metrics = compute_metrics(Transcript(words=()))
    assert metrics.get("hedge_count").band == "info"  # type: ignore[union-attr]


def test_summary_gives_three_fixes_and_two_strengths(question: Question) -> None:
    _, metrics, score = analysed(HESITANT, question, word_s=0.3, gap_s=0.15)
    summary = advice.summarise(score, metrics, question)
    assert [f.text for f in summary.fixes] == [
        s.text for s in advice.next_steps(score, metrics, question)
    ]
    assert len(summary.fixes) == 3
    assert 1 <= len(summary.strengths) <= 2
    shown = [c for c in score.competencies if c.level >= 3]
    assert shown
    assert summary.strengths[0].text.startswith(tuple(c.label for c in shown))
    data = json.loads(json.dumps(summary.to_dict()))
    assert set(data) == {"fixes", "strengths"}
    assert {"kind", "area", "text", "gain", "at_s"} <= set(data["fixes"][0])


def test_an_old_stored_report_still_gets_advice() -> None:
    stored = make_score().to_dict()
    for key in ("next_steps", "notes", "relevance"):
        stored.pop(key, None)
    score = ScoreReport.from_dict(json.loads(json.dumps(stored)))
    steps = advice.next_steps(score, DeliveryMetrics(metrics=()))
    # too_short gate first, then the flagged competency (it contradicts itself)
    assert steps[0].kind == "gate"
    assert "red_flag" not in {s.kind for s in steps}  # a flag without a step text gives none
    assert advice.next_steps(None, None) == []
