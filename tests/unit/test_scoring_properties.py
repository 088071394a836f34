"""Property tests: any text scores without crashing, and the report's invariants always hold."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_scoring import CLIENT_QUESTION_YAML, SOLID, load_question
from voicemock.core.embeddings import Embedder, get_embedder
from voicemock.core.models import ScoreReport, Segment, Transcript, Word
from voicemock.core.phrases import is_keyword_list
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import (
    KEYWORD_LIST_CAP,
    NO_EXAMPLE_CAP_STORY,
    OFF_TOPIC_CAP,
    RED_FLAG_CAP,
    TOO_SHORT_CAP,
    score_answer,
)
from voicemock.core.text import split_sentences

QUESTION: Question = load_question(CLIENT_QUESTION_YAML)
GATES = {"too_short", "keyword_list", "off_topic", "red_flag", "no_example"}

# Words that exercise the scorer: indicators, depth concepts, red flags, negators, story cues.
VOCABULARY = [
    *str.split("I we he she they the a client plan his her their my and but so because"),
    *str.split("listen listened validate explain explained asked ask questions alternative"),
    *str.split("family consent confidential together agree agreed frustration"),
    *str.split("non-judgmental autonomy small steps threaten discharge force them"),
    *str.split("not never no without refuse don't didn't can't nobody"),
    *str.split("last year ago one as result in the end completed stayed 40% 12"),
    ",",
    ".",
    ";",
    "!",
    "?",
    " - ",
    "\n",
    "’s",
]
prose = st.lists(st.sampled_from(VOCABULARY), max_size=120).map(
    lambda parts: " ".join(parts).replace(" ,", ",").replace(" .", ".")
)
any_text = st.text(max_size=600)


def check_invariants(report: ScoreReport, text: str) -> None:
    assert 0 <= report.overall <= 100
    assert set(report.gates) <= GATES
    assert len(report.next_steps) <= 3
    assert len(report.competencies) == len(QUESTION.competencies)
    for c in report.competencies:
        assert 0 <= c.level <= 4
        assert c.score == c.level * 25
        if c.flagged:
            assert c.level == 0 and c.flag_reasons
        for e in c.evidence:
            assert text[e.start_char : e.end_char] == e.sentence
    for span in report.star.spans:
        assert text[span.start_char : span.end_char] == span.text
    assert 0 <= report.star.score <= 100
    if "too_short" in report.gates:
        assert report.overall <= TOO_SHORT_CAP
    if "keyword_list" in report.gates:
        assert report.overall <= KEYWORD_LIST_CAP
    if "off_topic" in report.gates:
        assert report.overall <= OFF_TOPIC_CAP
    if "red_flag" in report.gates:
        assert report.overall <= RED_FLAG_CAP
        assert any(c.flagged for c in report.competencies)
    if "no_example" in report.gates:
        assert report.overall <= NO_EXAMPLE_CAP_STORY
    if report.relevance is not None:
        assert 0.0 <= report.relevance <= 1.0


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_arbitrary_text_never_crashes(text: str) -> None:
    transcript = Transcript.from_text(text)
    report = score_answer(transcript, QUESTION, use_embeddings=False)
    check_invariants(report, transcript.text)


@settings(max_examples=200, deadline=None)
@given(prose)
def test_rubric_like_text_keeps_invariants(text: str) -> None:
    transcript = Transcript.from_text(text)
    report = score_answer(transcript, QUESTION, use_embeddings=False)
    check_invariants(report, transcript.text)
    # Deterministic: the same text scores the same.
    assert score_answer(transcript, QUESTION, use_embeddings=False) == report


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    loaded = get_embedder()
    assert loaded is not None
    return loaded


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(prose, any_text))
def test_with_embeddings_keeps_invariants(embedder: Embedder, text: str) -> None:
    transcript = Transcript.from_text(text)
    report = score_answer(transcript, QUESTION, embedder=embedder)
    check_invariants(report, transcript.text)
    prose = [s for s in split_sentences(transcript.text) if not is_keyword_list(s)]
    assert report.used_embeddings == bool(prose)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_sentences_partition_the_text_in_order(text: str) -> None:
    previous_end = 0
    for sentence in split_sentences(text):
        assert sentence.start_char >= previous_end
        assert text[sentence.start_char : sentence.end_char] == sentence.text
        assert sentence.text == sentence.text.strip()
        for token in sentence.tokens:
            assert sentence.start_char <= token.start_char < token.end_char <= sentence.end_char
        previous_end = sentence.end_char


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(VOCABULARY[:60]), st.floats(0.05, 1.0), st.floats(0.0, 0.5)),
        min_size=1,
        max_size=80,
    )
)
def test_timed_evidence_lies_inside_the_audio(words: list[tuple[str, float, float]]) -> None:
    timed: list[Word] = []
    t = 0.0
    for text, length_s, gap_s in words:
        timed.append(Word(" " + text, t, t + length_s))
        t += length_s + gap_s
    segment = Segment("".join(w.text for w in timed), 0.0, t, tuple(timed))
    transcript = Transcript(
        words=tuple(timed), segments=(segment,), engine="faster-whisper", audio_duration_s=t
    )
    report = score_answer(transcript, QUESTION, use_embeddings=False)
    check_invariants(report, transcript.text)
    for c in report.competencies:
        for e in c.evidence:
            if e.start_s is not None and e.end_s is not None:
                assert 0.0 <= e.start_s <= e.end_s <= t + 1e-9
    for part_s in report.star.seconds.values():
        assert 0.0 <= part_s <= t + 0.01


@pytest.mark.parametrize("negator", ["not", "never", "don't", "refuse to"])
def test_negating_a_sentence_never_raises_its_competency(negator: str) -> None:
    plain = score_answer(
        Transcript.from_text(SOLID + " I validate how they feel."), QUESTION, use_embeddings=False
    )
    negated = score_answer(
        Transcript.from_text(SOLID + f" I {negator} validate how they feel."),
        QUESTION,
        use_embeddings=False,
    )
    plain_levels = {c.competency_id: c.level for c in plain.competencies}
    for c in negated.competencies:
        assert c.level <= plain_levels[c.competency_id]
