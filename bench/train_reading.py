"""Fit the whole-answer reading (voicemock/core/reading.py) on the graded set, and check it.

Scores every rated answer of bench/data/graded/ with the reading left out, fits ridge weights
from each answer's mean sentence vector to what that score leaves unexplained of the raters'
mean rating, and writes them beside the embedding model
(voicemock/models/<model>/answer_reading.json). The held-back part of the set is never fitted.

``--cross`` says how the reading does on answers it was not fitted to: each file of the set in
turn is left out, the weights are fitted on the rest and that file is scored with them; per
file and pooled it prints Spearman and pairwise ordering with the reading and without it (the
baseline, same run). The files kept unread as checks are listed apart.

    .venv/bin/python bench/train_reading.py [--write] [--cross]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graded import GradedAnswer, load_graded, pairwise_accuracy, partial_spearman, spearman

if TYPE_CHECKING:
    from voicemock.core.embeddings import Vectors
    from voicemock.core.reading import ReadingModel

RIDGE = 1.0
# Overall points per rating point of predicted residual, and the most the reading moves the
# blend either way; chosen by leave-one-file-out on the set before the checks were looked at.
POINTS_PER_RATING = 40.0
LIMIT = 20.0
# The fresh files never read while the scorer was tuned (bench/data/graded/README.md).
CHECK_FILES = frozenset(
    f"fresh{n}" for n in (10, 14, 17, 19, 20, 23, 27, 29, 30, 33, 35, 37, 39, 41, 42, 47)
)


@dataclass
class Scored:
    answer: GradedAnswer
    base: int  # the overall score without the reading
    vectors: Vectors  # the prose sentences' vectors


def score_without_reading(answers: Sequence[GradedAnswer]) -> list[Scored]:
    """Each answer's overall score with the reading left out, and its sentence vectors."""
    from voicemock import paths
    from voicemock.core.embeddings import get_embedder
    from voicemock.core.models import Transcript
    from voicemock.core.rubrics import load_library
    from voicemock.core.scoring import prose_vectors, score_answer

    embedder = get_embedder()
    if embedder is None:
        raise SystemExit("the embedding model is not installed")
    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "__none__")
    questions = {q.id: q.question for q in library.questions}
    out = []
    for a in answers:
        transcript = Transcript.from_text(a.text)
        report = score_answer(transcript, questions[a.question_id], use_reading=False)
        out.append(Scored(a, report.overall, prose_vectors(transcript.text, embedder)))
    return out


def fit(scored: Sequence[Scored]) -> ReadingModel:
    """Weights fitted to these answers' residuals (rating minus a line through the score)."""
    import numpy as np

    from voicemock.core.embeddings import MODEL_ID
    from voicemock.core.reading import ReadingModel, fit_reading

    usable = [s for s in scored if len(s.vectors)]
    base = np.array([s.base for s in usable], dtype=np.float64)
    rating = np.array([s.answer.rating for s in usable], dtype=np.float64)
    design = np.c_[base, np.ones(len(base))]
    line = np.linalg.lstsq(design, rating, rcond=None)[0]
    residuals = rating - design @ line
    mean, weights = fit_reading([s.vectors for s in usable], list(residuals), ridge=RIDGE)
    return ReadingModel(MODEL_ID, mean, weights, POINTS_PER_RATING, LIMIT, len(usable))


def cross_validate(scored: Sequence[Scored]) -> None:
    """Leave each file out in turn; print how its answers score with and without the reading."""
    from voicemock import paths
    from voicemock.core.models import Transcript
    from voicemock.core.rubrics import load_library
    from voicemock.core.scoring import score_answer

    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "__none__")
    questions = {q.id: q.question for q in library.questions}
    sources = sorted({s.answer.source for s in scored})
    with_reading: dict[str, int] = {}
    print(
        f"{'file':14} {'n':>4}  {'rho base':>8} {'rho read':>8}  {'pair base':>9} {'pair read':>9}"
    )
    rows: dict[str, tuple[float, float, float, float]] = {}
    for source in sources:
        model = fit([s for s in scored if s.answer.source != source and not s.answer.held_out])
        part = [s for s in scored if s.answer.source == source]
        for s in part:
            report = score_answer(
                Transcript.from_text(s.answer.text),
                questions[s.answer.question_id],
                reading_model=model,
            )
            with_reading[s.answer.id] = report.overall
        base = [float(s.base) for s in part]
        read = [float(with_reading[s.answer.id]) for s in part]
        rating = [s.answer.rating for s in part]
        rows[source] = (
            spearman(base, rating),
            spearman(read, rating),
            pairwise_accuracy(base, rating),
            pairwise_accuracy(read, rating),
        )
        r = rows[source]
        mark = "  (check)" if source in CHECK_FILES else ""
        print(
            f"{source:14} {len(part):>4}  {r[0]:>8.2f} {r[1]:>8.2f}  {r[2]:>9.2f} {r[3]:>9.2f}"
            f"{mark}"
        )

    def mean_of(names: Sequence[str], k: int) -> float:
        return sum(rows[n][k] for n in names) / len(names)

    fresh = [s for s in sources if s.startswith("fresh")]
    checks = [s for s in fresh if s in CHECK_FILES]
    for label, names in (("every fresh file", fresh), ("unread checks", checks)):
        print(
            f"\nmean over {label} ({len(names)}): Spearman {mean_of(names, 0):.3f} -> "
            f"{mean_of(names, 1):.3f}, pairwise {mean_of(names, 2):.3f} -> {mean_of(names, 3):.3f}"
        )
    base_all = [float(s.base) for s in scored]
    read_all = [float(with_reading[s.answer.id]) for s in scored]
    ratings = [s.answer.rating for s in scored]
    words = [float(len(s.answer.text.split())) for s in scored]
    print(
        f"pooled, {len(scored)} answers, each scored by weights not fitted to its file: "
        f"Spearman {spearman(base_all, ratings):.3f} -> {spearman(read_all, ratings):.3f}, "
        f"pairwise {pairwise_accuracy(base_all, ratings):.3f} -> "
        f"{pairwise_accuracy(read_all, ratings):.3f}, with length held fixed "
        f"{partial_spearman(base_all, ratings, words):.3f} -> "
        f"{partial_spearman(read_all, ratings, words):.3f}"
    )
    for level in range(1, 6):
        picked = [i for i, r in enumerate(ratings) if round(r - 0.01) == level]
        if picked:
            b = sum(base_all[i] for i in picked) / len(picked)
            w = sum(read_all[i] for i in picked) / len(picked)
            print(f"  mean overall at rating {level}: {b:.0f} -> {w:.0f} ({len(picked)} answers)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the fitted weights")
    parser.add_argument("--cross", action="store_true", help="leave-one-file-out figures")
    args = parser.parse_args(argv)
    scored = score_without_reading(load_graded())
    if args.cross:
        cross_validate(scored)
    model = fit([s for s in scored if not s.answer.held_out])
    print(f"\nfitted on {model.trained_on} answers (the held-back part left out)")
    if args.write:
        import json

        from voicemock.core.reading import reading_path

        path = reading_path()
        path.write_text(json.dumps(model.to_dict()) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
