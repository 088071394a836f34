"""The whole-answer reading: its fit, its per-sentence shares, and its place in the score."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from voicemock.core.advice import content_steps
from voicemock.core.embeddings import Embedder, get_embedder
from voicemock.core.models import ScoreReport, Transcript
from voicemock.core.reading import (
    READING_STEP_POINTS,
    ReadingModel,
    fit_reading,
    load_reading,
    read_answer,
    reading_path,
)
from voicemock.core.report import score_lines
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import READING_STEP, RED_FLAG_CAP, TOO_SHORT_CAP, score_answer

QUESTION_YAML = """
id: test-deadline
text: Tell me about a time you had to deliver something under a very tight deadline.
competencies:
  - id: planning
    label: Planning
    description: Breaks the work down and puts first things first.
    weight: 1
    indicators:
      - meaning: cutting the work to what mattered most
        phrases: [cut the scope, what mattered most]
        shows:
          - I listed what the client needed on day one and dropped the rest for a later release.
          - We agreed with the customer which two reports had to work on Monday.
    exemplars:
      - I cut the release to the three screens the client needed first.
  - id: ownership
    label: Ownership
    description: Takes responsibility for the result.
    weight: 1
    red_flags: [hid the delay from my manager]
    indicators:
      - meaning: keeping people told of the risk early
        phrases: [told my manager early]
        shows:
          - On the Tuesday I told my manager we would miss the full list and offered a plan.
    exemplars:
      - I told my manager early what would be late and what I would do about it.
"""

STORY = (
    "Last spring our payroll export broke four days before the end of the month. "
    "I listed the three reports finance needed on the first day and agreed with them that the "
    "rest could wait a week. "
    "I rewrote the export for those three that night and tested it against last month's file. "
    "On the Tuesday I told my manager exactly what would be late and why. "
    "Everyone was paid on time, and the remaining reports went out the next Friday."
)
DRIFT = (
    " Honestly though the best part of that year was my trip to Lisbon, the food and the "
    "beaches were amazing and I still think about it."
)


@pytest.fixture(scope="module")
def question() -> Question:
    return Question.model_validate(yaml.safe_load(QUESTION_YAML))


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    loaded = get_embedder()
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def model() -> ReadingModel:
    loaded = load_reading()
    assert loaded is not None, f"no reading weights at {reading_path()}"
    return loaded


def test_fit_recovers_a_planted_direction() -> None:
    rng = np.random.default_rng(7)
    direction = rng.normal(size=16)
    direction /= np.linalg.norm(direction)
    answers = [rng.normal(size=(int(rng.integers(2, 6)), 16)) for _ in range(400)]
    residuals = [float(a.mean(axis=0) @ direction) * 3 + 0.5 for a in answers]
    mean, weights = fit_reading(answers, residuals, ridge=0.1)
    cosine = float(weights @ direction / np.linalg.norm(weights))
    assert cosine > 0.98
    assert mean.shape == (16,)


def test_fit_needs_one_residual_per_answer() -> None:
    with pytest.raises(ValueError):
        fit_reading([np.zeros((2, 4))], [1.0, 2.0], ridge=1.0)


def test_shares_add_up_and_the_telling_sentence_is_the_one_most_its_way() -> None:
    model = ReadingModel(
        "m", np.zeros(3, np.float32), np.array([1, 0, 0], np.float32), 10.0, 100.0, 1
    )
    vectors = np.array([[0.5, 0, 0], [-2.0, 0, 0], [0.1, 0, 0]], np.float32)
    reading = read_answer(model, vectors)
    assert reading is not None
    assert reading.points == pytest.approx(sum(reading.shares))
    assert reading.points < 0
    assert reading.telling_sentence() == 1
    limited = read_answer(dataclasses.replace(model, limit=2.0), vectors)
    assert limited is not None and limited.points == -2.0


def test_no_sentences_no_reading() -> None:
    model = ReadingModel("m", np.zeros(3, np.float32), np.ones(3, np.float32), 10.0, 5.0, 1)
    assert read_answer(model, np.zeros((0, 3), np.float32)) is None


def test_the_shipped_weights_are_for_the_shipped_embedder(
    model: ReadingModel, embedder: Embedder
) -> None:
    assert model.model_id == embedder.model_id
    assert model.weights.shape == model.mean.shape == (384,)
    assert model.trained_on >= 1000
    assert 0 < model.limit <= 30


def test_drifting_into_ones_holidays_reads_lower(question: Question, embedder: Embedder) -> None:
    plain = score_answer(Transcript.from_text(STORY), question, embedder=embedder)
    drifting = score_answer(Transcript.from_text(STORY + DRIFT), question, embedder=embedder)
    assert plain.reading is not None and drifting.reading is not None
    assert drifting.reading < plain.reading
    assert "Lisbon" in drifting.reading_quote


def test_the_reading_moves_the_overall_score(question: Question, embedder: Embedder) -> None:
    transcript = Transcript.from_text(STORY + DRIFT)
    read = score_answer(transcript, question, embedder=embedder)
    unread = score_answer(transcript, question, embedder=embedder, use_reading=False)
    assert unread.reading is None
    assert read.reading
    assert read.overall - unread.overall == read.reading


def lifting(model: ReadingModel) -> ReadingModel:
    """Weights that add the most they may to any answer."""
    return ReadingModel(
        model.model_id, model.mean - 1.0, np.ones_like(model.weights), 40.0, 50.0, 1
    )


def test_a_flagged_answer_is_never_lifted_by_its_reading(
    question: Question, embedder: Embedder, model: ReadingModel
) -> None:
    transcript = Transcript.from_text(
        STORY + " To be honest I hid the delay from my manager until the Friday."
    )
    report = score_answer(transcript, question, embedder=embedder, reading_model=lifting(model))
    unread = score_answer(transcript, question, embedder=embedder, use_reading=False)
    assert "red_flag" in report.gates
    assert report.reading == 0 and report.overall == unread.overall <= RED_FLAG_CAP


def test_a_gated_answer_stays_held_whatever_its_reading(
    question: Question, embedder: Embedder, model: ReadingModel
) -> None:
    transcript = Transcript.from_text("I fixed the export that night and it worked.")
    report = score_answer(transcript, question, embedder=embedder, reading_model=lifting(model))
    unread = score_answer(transcript, question, embedder=embedder, use_reading=False)
    assert "too_short" in report.gates
    assert report.overall == TOO_SHORT_CAP
    # The reading shown is what reached the score, not the 50 points the cap held back.
    assert report.reading == report.overall - unread.overall < 50


def test_weights_for_another_model_are_not_used(
    question: Question, embedder: Embedder, model: ReadingModel
) -> None:
    other = dataclasses.replace(model, model_id="another model")
    report = score_answer(
        Transcript.from_text(STORY), question, embedder=embedder, reading_model=other
    )
    assert report.reading is None


def test_without_embeddings_there_is_no_reading(question: Question) -> None:
    report = score_answer(Transcript.from_text(STORY), question, use_embeddings=False)
    assert report.reading is None and report.reading_quote == ""


def test_a_reading_that_takes_points_off_names_its_sentence_as_a_step(
    question: Question, embedder: Embedder, model: ReadingModel
) -> None:
    # Weights that read anything like the holiday sentence as worse.
    holiday = embedder.embed([DRIFT.strip()])[0]
    against = dataclasses.replace(model, mean=np.zeros_like(model.mean), weights=-holiday)
    report = score_answer(
        Transcript.from_text(STORY + DRIFT), question, embedder=embedder, reading_model=against
    )
    assert report.reading is not None and report.reading <= -READING_STEP_POINTS
    steps = [s for s in content_steps(report, question) if s.kind == "reading"]
    assert len(steps) == 1
    assert steps[0].text.startswith(READING_STEP) and "Lisbon" in steps[0].text
    assert "Lisbon" in report.reading_quote
    assert any("Whole-answer reading" in line for line in score_lines(report))


def test_a_stored_report_keeps_its_reading_and_an_old_one_has_none() -> None:
    report = ScoreReport.from_dict(
        {
            "question_id": "q",
            "overall": 40,
            "competencies": [],
            "star": {"situation": 0, "task": 0, "action": 0, "result": 0, "score": 0},
            "reading": -7,
            "reading_quote": "It went well.",
        }
    )
    again = ScoreReport.from_dict(report.to_dict())
    assert (again.reading, again.reading_quote) == (-7, "It went well.")
    old = report.to_dict()
    del old["reading"], old["reading_quote"]
    assert ScoreReport.from_dict(old).reading is None
