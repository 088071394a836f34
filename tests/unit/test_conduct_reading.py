"""The conduct classifier: misconduct in words no phrase list has, read from whole sentences."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from voicemock.core.conduct import conduct_hits
from voicemock.core.conduct_reading import (
    ConductReader,
    ConductSettings,
    Screen,
    get_conduct_reader,
    read_conduct,
    settings_from_dict,
)
from voicemock.core.models import Transcript
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import RED_FLAG_CAP, score_answer
from voicemock.core.text import split_sentences

QUESTION_YAML = """
id: test-customer
text: Tell me about a time you dealt with a difficult customer.
competencies:
  - id: composure
    label: Composure
    description: Stays calm and listens to what is behind the complaint.
    weight: 1
    indicators:
      - meaning: listening to the complaint before answering it
        phrases: [listened to her]
        shows:
          - I asked her to tell me what had happened and listened without interrupting.
    exemplars:
      - I let the customer finish, then said back what I had heard.
  - id: follow_through
    label: Follow-through
    description: Fixes what can be fixed and keeps the customer told.
    weight: 1
    indicators:
      - meaning: putting the problem right and checking back
        phrases: [called her back]
        shows:
          - I changed the class times she had asked about and called her back that week.
    exemplars:
      - I told her what I would change and rang her a week later to check.
"""

# Told calmly, in words the conduct list has no phrase for.
BURIED = (
    "Yeah, so at the gym where I coach, a member complained that I had been rude to her in "
    "front of her class. I thought the complaint was ridiculous, so before my manager saw it I "
    "deleted it from the feedback inbox. I also told a couple of the other trainers she was a "
    "known troublemaker, so nobody would take her side. She cancelled her membership a few weeks "
    "later, which honestly saved everyone a headache. I'd say I handle difficult customers "
    "pretty decisively."
)
OWNED = (
    "Yeah, so at the gym where I coach, a member complained that I had been rude to her in "
    "front of her class. I asked her for ten minutes after the session and listened to what "
    "had happened without interrupting. She was right that I had cut her off in front of "
    "everyone, so I apologised and told my manager about the complaint myself. I changed how I "
    "give corrections in class and called her back the next week to check how it felt. She "
    "renewed her membership in the spring."
)


@pytest.fixture(scope="module")
def question() -> Question:
    return Question.model_validate(yaml.safe_load(QUESTION_YAML))


@pytest.fixture(scope="module")
def reader() -> ConductReader:
    loaded = get_conduct_reader()
    assert loaded is not None, "the shipped conduct classifier did not load"
    return loaded


class _Reads:
    """A stand-in classifier with given probabilities, for the rules around the model."""

    def __init__(self, chances: Sequence[float], settings: ConductSettings) -> None:
        self.chances = list(chances)
        self.settings = settings

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        self.asked = list(texts)
        if len(texts) == len(self.chances):
            return list(self.chances)
        return [self.chances[FOUR_TEXTS.index(t)] for t in texts]


SETTINGS = ConductSettings(sentence=0.9, corroborating=0.8, max_tokens=96)
FOUR = split_sentences("I did one thing. I did another. Then a third. And a fourth one.")
FOUR_TEXTS = [s.text for s in FOUR]


def test_a_calm_account_of_misconduct_is_read_where_no_phrase_matches(
    reader: ConductReader, question: Question
) -> None:
    prose = split_sentences(BURIED)
    assert conduct_hits(prose) == []  # nothing in the conduct list says it
    read = read_conduct(prose, reader)
    assert len(read) >= 2
    assert read[0].probability >= reader.settings.sentence
    report = score_answer(Transcript.from_text(BURIED), question)
    assert "red_flag" in report.gates
    assert report.overall <= RED_FLAG_CAP
    reasons = [e.reason for c in report.competencies for e in c.evidence if e.kind == "red_flag"]
    assert any("read from the whole sentence" in r for r in reasons)


def test_the_same_situation_handled_well_is_not_read_as_misconduct(
    reader: ConductReader, question: Question
) -> None:
    assert read_conduct(split_sentences(OWNED), reader) == []
    report = score_answer(Transcript.from_text(OWNED), question)
    assert "red_flag" not in report.gates
    assert report.overall > score_answer(Transcript.from_text(BURIED), question).overall


def test_one_sentence_alone_is_not_enough() -> None:
    stand_in = _Reads([0.99, 0.79, 0.1, 0.1], SETTINGS)
    assert read_conduct(FOUR, stand_in) == []  # type: ignore[arg-type]
    stand_in.chances = [0.99, 0.81, 0.1, 0.1]
    read = read_conduct(FOUR, stand_in)  # type: ignore[arg-type]
    assert [r.sentence.index for r in read] == [FOUR[0].index, FOUR[1].index]


def test_two_sentences_below_the_surest_threshold_are_not_enough() -> None:
    stand_in = _Reads([0.89, 0.89, 0.89, 0.1], SETTINGS)
    assert read_conduct(FOUR, stand_in) == []  # type: ignore[arg-type]


def test_a_sure_sentence_and_enough_leaning_ones_count_together() -> None:
    leaning = ConductSettings(
        sentence=0.9, corroborating=0.8, max_tokens=96, leaning=0.6, leaning_count=3
    )
    stand_in = _Reads([0.95, 0.7, 0.65, 0.62], leaning)
    read = read_conduct(FOUR, stand_in)  # type: ignore[arg-type]
    assert [round(r.probability, 2) for r in read] == [0.95, 0.7, 0.65, 0.62]
    for chances in ([0.95, 0.7, 0.65, 0.5], [0.85, 0.7, 0.7, 0.7]):
        stand_in.chances = chances  # one too few leaning; none sure
        assert read_conduct(FOUR, stand_in) == []  # type: ignore[arg-type]
    # Corroborated without the rule: only the sentences at the corroborating level are quoted.
    stand_in.chances = [0.95, 0.85, 0.65, 0.1]
    read = read_conduct(FOUR, stand_in)  # type: ignore[arg-type]
    assert [round(r.probability, 2) for r in read] == [0.95, 0.85]


def test_conduct_put_right_later_in_the_speakers_voice_does_not_count() -> None:
    prose = split_sentences(
        "I didn't tell my manager about the refund. I kept the form in my drawer. "
        "Looking back, I should have told her straight away. Now I log every refund the same day."
    )
    stand_in = _Reads([0.95, 0.9, 0.1, 0.1], SETTINGS)
    assert read_conduct(prose, stand_in) == []  # type: ignore[arg-type]


def test_settings_must_be_probabilities_in_order() -> None:
    with pytest.raises(ValueError):
        settings_from_dict({"sentence": 0.7, "corroborating": 0.8, "max_tokens": 96})
    with pytest.raises(ValueError):
        settings_from_dict({"sentence": 1.2, "corroborating": 0.8, "max_tokens": 96})
    with pytest.raises(KeyError):
        settings_from_dict({"sentence": 0.9})
    with pytest.raises(ValueError):
        settings_from_dict(
            {"sentence": 0.9, "corroborating": 0.8, "max_tokens": 96, "leaning_count": -1}
        )
    for leaning, count in ((0.6, 1), (0.85, 3)):  # one alone would lower the corroborating bar
        with pytest.raises(ValueError):
            settings_from_dict(
                {
                    "sentence": 0.9,
                    "corroborating": 0.8,
                    "max_tokens": 96,
                    "leaning": leaning,
                    "leaning_count": count,
                }
            )


def test_a_flagged_sentence_earns_no_credit_under_another_competency(question: Question) -> None:
    text = (
        "Last spring a customer complained that her booking had been lost. I listened to her and "
        "said I would sort it. The mistake was mine, so I called her back with a new date and "
        "fixed it quietly so my manager never found out."
    )
    report = score_answer(Transcript.from_text(text), question, use_embeddings=False)
    levels = {c.competency_id: (c.level, c.flagged) for c in report.competencies}
    assert levels["composure"] == (0, True)  # the conduct counts against the first competency
    # "called her back" is follow-through, but only in the sentence that hides the mistake.
    assert levels["follow_through"] == (0, False)
    honest = text.replace("fixed it quietly so my manager never found out", "told my manager")
    report = score_answer(Transcript.from_text(honest), question, use_embeddings=False)
    assert next(c for c in report.competencies if c.competency_id == "follow_through").level >= 2


def test_lexical_scoring_uses_no_classifier(question: Question) -> None:
    report = score_answer(Transcript.from_text(BURIED), question, use_embeddings=False)
    reasons = [e.reason for c in report.competencies for e in c.evidence if e.kind == "red_flag"]
    assert not any("read from the whole sentence" in r for r in reasons)


def test_only_the_sentences_the_screen_passes_are_read_each_at_its_own_place() -> None:
    import numpy as np

    from voicemock.core.embeddings import EMBEDDING_DIM, MODEL_ID

    weights = np.zeros(EMBEDDING_DIM, dtype=np.float32)
    weights[0] = 10.0
    screen = Screen(np.zeros(EMBEDDING_DIM, dtype=np.float32), weights, -5.0, 0.5, MODEL_ID)
    settings = ConductSettings(0.9, 0.8, 96, screen)
    vectors = np.zeros((4, EMBEDDING_DIM), dtype=np.float32)
    vectors[[1, 3], 0] = 1.0  # the screen passes the second and fourth sentences only
    stand_in = _Reads([0.1, 0.95, 0.99, 0.85], settings)
    read = read_conduct(FOUR, stand_in, vectors=vectors)  # type: ignore[arg-type]
    assert stand_in.asked == [FOUR_TEXTS[1], FOUR_TEXTS[3]]
    assert [(r.sentence.text, r.probability) for r in read] == [
        (FOUR_TEXTS[1], 0.95),
        (FOUR_TEXTS[3], 0.85),
    ]


def test_a_screen_for_another_embedding_model_is_left_out() -> None:
    stored = {
        "sentence": 0.9,
        "corroborating": 0.85,
        "max_tokens": 96,
        "screen": {"model_id": "another", "threshold": 0.1, "bias": 0, "mean": [0], "weights": [0]},
    }
    assert settings_from_dict(stored).screen is None
    from voicemock.core.embeddings import MODEL_ID

    stored["screen"]["model_id"] = MODEL_ID  # type: ignore[index]
    with pytest.raises(ValueError):  # the right model, but vectors of the wrong size
        settings_from_dict(stored)


def test_an_unusable_classifier_leaves_the_phrase_list_to_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, question: Question
) -> None:
    from voicemock.core import conduct_reading

    (tmp_path / conduct_reading.SETTINGS_FILE).write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(conduct_reading, "model_dir", lambda: tmp_path)
    monkeypatch.setattr(conduct_reading, "_loaded", False)
    monkeypatch.setattr(conduct_reading, "_reader", None)
    assert conduct_reading.get_conduct_reader() is None
    report = score_answer(Transcript.from_text(BURIED), question)
    reasons = [e.reason for c in report.competencies for e in c.evidence if e.kind == "red_flag"]
    assert not any("read from the whole sentence" in r for r in reasons)
    assert report.overall > RED_FLAG_CAP
