"""How well the overall score agrees with interviewers' ratings of the graded development set.

Scores every answer of bench/data/graded/ against its shipped question (embeddings on) and
prints, for the tuning part, the held-out part and both (and apart: the run-on spoken
transcripts, and the later answers of answers-fresh*.jsonl, written and rated after the scorer
was built, as checks on answers it had never seen): Spearman, Kendall tau-b and pairwise
ordering accuracy against the raters' mean rating, per question and pooled; the mean overall
score at each rating; the agreement that survives with answer length held fixed; and the
raters' own agreement with each other, the ceiling. Then the seed page's three sample answers.

    .venv/bin/python bench/bench_agreement.py [--show-answers]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graded import (
    GradedAnswer,
    kendall_tau_b,
    load_graded,
    pairwise_accuracy,
    partial_spearman,
    spearman,
)

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_5930fa7005831e13.txt"


def score_all(answers: Sequence[GradedAnswer]) -> dict[str, int]:
    """The overall score of every answer, by id."""
    from voicemock import paths
    from voicemock.core.models import Transcript
    from voicemock.core.rubrics import load_library
    from voicemock.core.scoring import score_answer

    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "__none__")
    questions = {q.id: q.question for q in library.questions}
    return {
        a.id: score_answer(Transcript.from_text(a.text), questions[a.question_id]).overall
        for a in answers
    }


def _row(name: str, answers: Sequence[GradedAnswer], scores: dict[str, int]) -> str:
    s = [float(scores[a.id]) for a in answers]
    r = [a.rating for a in answers]
    words = [float(len(a.text.split())) for a in answers]
    raters = spearman([a.rater_a for a in answers], [a.rater_b for a in answers])
    return (
        f"  {name:32} {len(answers):>3}  {spearman(s, r):>6.2f}  {kendall_tau_b(s, r):>6.2f}"
        f"  {pairwise_accuracy(s, r):>6.2f}  {partial_spearman(s, r, words):>6.2f}"
        f"  {raters:>6.2f}"
    )


def report(title: str, answers: Sequence[GradedAnswer], scores: dict[str, int]) -> None:
    """Print the agreement table of one part of the set."""
    print(f"\n{title}")
    print(
        f"  {'question':32} {'n':>3}  {'rho':>6}  {'tau-b':>6}  {'pairs':>6}"
        f"  {'rho|len':>6}  {'raters':>6}"
    )
    by_question: dict[str, list[GradedAnswer]] = defaultdict(list)
    for a in answers:
        by_question[a.question_id].append(a)
    for question_id in sorted(by_question):
        print(_row(question_id, by_question[question_id], scores))
    print(_row("pooled", answers, scores))
    by_rating: dict[int, list[int]] = defaultdict(list)
    for a in answers:
        by_rating[round(a.rating + 1e-9)].append(scores[a.id])
    means = "  ".join(
        f"{rating}: {sum(v) / len(v):.0f} (n={len(v)})" for rating, v in sorted(by_rating.items())
    )
    print(f"  mean overall by rating  {means}")


def seed_order() -> None:
    """The seed page's sample answers, in the page's order, scored straight after import."""
    if not SEED_PAGE.is_file():
        print("\nseed page not found; skipped")
        return
    from voicemock import paths
    from voicemock.core.importer import parse_prep_page
    from voicemock.core.models import Transcript
    from voicemock.core.rubrics import load_library
    from voicemock.core.scoring import score_answer

    page = parse_prep_page(SEED_PAGE.read_text(encoding="utf-8"), SEED_PAGE.name)
    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "__none__")
    question = library.get("sac-client-resistance").question
    overall = [score_answer(Transcript.from_text(a.text), question).overall for a in page.answers]
    print(f"\nseed sample answers on the shipped question (page order): {overall}")


def _set_order(source: str) -> int:
    """answers-fresh.jsonl, then answers-fresh2.jsonl, answers-fresh3.jsonl, ... in that order."""
    number = source.removeprefix("fresh")
    return int(number) if number.isdigit() else 1


def main() -> None:
    """Score the graded set and print the agreement figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-answers", action="store_true", help="one line per answer")
    args = parser.parse_args()
    answers = load_graded()
    scores = score_all(answers)
    tuned = [a for a in answers if not a.held_out]
    held = [a for a in answers if a.held_out]
    report("tuning part", tuned, scores)
    report("held-out part (nothing tuned on it)", held, scores)
    report("whole set", answers, scores)
    spoken = [a for a in answers if a.source == "transcripts"]
    if spoken:
        report(
            "run-on spoken transcripts (answers-transcripts.jsonl, part of the above)",
            spoken,
            scores,
        )
        zeros = sum(1 for a in spoken if scores[a.id] == 0)
        length = spearman([float(len(a.text.split())) for a in spoken], [a.rating for a in spoken])
        print(
            f"  scored 0: {zeros} of {len(spoken)}; length vs rating rho {length:.2f} "
            "(rho|len above: what the score says beyond length)"
        )
    later_sets = sorted({a.source for a in answers if a.source.startswith("fresh")}, key=_set_order)
    for later in later_sets:
        part = [a for a in answers if a.source == later]
        if part:
            report(f"later answers (answers-{later}.jsonl, part of the above)", part, scores)
    seed_order()
    if args.show_answers:
        print()
        for a in sorted(answers, key=lambda a: (a.question_id, -a.rating)):
            mark = "*" if a.held_out else " "
            print(f"{mark} {a.id:34} {a.style:20} rating {a.rating:.1f}  score {scores[a.id]:>3}")


if __name__ == "__main__":
    main()
