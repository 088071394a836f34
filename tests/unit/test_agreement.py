"""The overall score agrees with interviewers on the graded set's held-out answers.

The held-out part of bench/data/graded/ was never used to tune the scorer; this computes the
agreement afresh on every run (bench/bench_agreement.py prints the full figures).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bench.graded import GradedAnswer, load_graded, pairwise_accuracy, partial_spearman, spearman
from voicemock import paths
from voicemock.core.embeddings import get_embedder
from voicemock.core.models import Transcript
from voicemock.core.rubrics import load_library
from voicemock.core.scoring import score_answer

HELD_OUT_SPEARMAN_FLOOR = 0.75


def shipped_scores(answers: Sequence[GradedAnswer]) -> list[float]:
    """Each graded answer's overall score against the shipped banks (with embeddings if any)."""
    embedder = get_embedder()
    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "no-user-banks")
    return [
        float(
            score_answer(
                Transcript.from_text(a.text), library.get(a.question_id).question, embedder=embedder
            ).overall
        )
        for a in answers
    ]


@pytest.fixture(scope="module")
def held_out_scores() -> tuple[list[float], list[float]]:
    assert get_embedder() is not None
    answers = [a for a in load_graded() if a.held_out]
    assert len(answers) >= 25
    return shipped_scores(answers), [a.rating for a in answers]


def test_held_out_answers_agree_with_the_raters(
    held_out_scores: tuple[list[float], list[float]],
) -> None:
    scores, ratings = held_out_scores
    assert spearman(scores, ratings) >= HELD_OUT_SPEARMAN_FLOOR
    assert pairwise_accuracy(scores, ratings) >= HELD_OUT_SPEARMAN_FLOOR


def test_the_best_rated_answers_outscore_the_worst(
    held_out_scores: tuple[list[float], list[float]],
) -> None:
    scores, ratings = held_out_scores
    top = [s for s, r in zip(scores, ratings, strict=True) if r >= 4.5]
    bottom = [s for s, r in zip(scores, ratings, strict=True) if r <= 2]
    assert top and bottom
    assert sum(top) / len(top) >= sum(bottom) / len(bottom) + 30


def test_run_on_spoken_answers_are_judged_beyond_their_length() -> None:
    """Real speech (disfluent, unpunctuated, no rubric terms) is read, not zeroed.

    On transcripts of real interviews a score can merely track length; on the set's run-on
    spoken answers it must agree with the raters with answer length held fixed at least as
    well as one interviewer agrees with others on such data (0.37), and few may score 0.
    """
    spoken = [a for a in load_graded() if a.source == "transcripts"]
    assert len(spoken) >= 50
    scores = shipped_scores(spoken)
    ratings = [a.rating for a in spoken]
    words = [float(len(a.text.split())) for a in spoken]
    assert partial_spearman(scores, ratings, words) >= 0.37
    assert spearman(scores, ratings) >= 0.6
    assert sum(1 for s in scores if s == 0) <= len(spoken) // 10
