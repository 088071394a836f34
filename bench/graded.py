"""The graded development set (bench/data/graded/) and the rank statistics used to judge it.

Each answer was written as people say them aloud and rated 1-5 on content by two raters who
saw only the question and the answer, before any score was computed. In the first two files
one answer in three (ids ending in 03, 06, 09) is held back: nothing is tuned on it, and its
figures are reported apart so they say how the scorer does on answers it was not tuned to.
The later files (answers-fresh*.jsonl) were each scored once as answers never seen; most were
then read whole to improve the scorer, the rest kept unread as checks. bench/data/graded/README.md
keeps the figure each had when it was first scored, and which were read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

GRADED_DIR = Path(__file__).resolve().parent / "data" / "graded"
HELD_OUT_SUFFIXES = ("03", "06", "09")
# The files whose held-back answers were never read while tuning.
HELD_OUT_SOURCES = frozenset({"counselling", "behavioural"})


@dataclass(frozen=True)
class GradedAnswer:
    """One answer with both raters' content ratings."""

    id: str
    question_id: str
    style: str
    text: str
    rater_a: int
    rater_b: int
    # Which file it comes from: "counselling", "behavioural" (spoken-style answers),
    # "transcripts" (run-on, disfluent speech as real interviews and Whisper give it), "fresh",
    # "fresh2", ... (written and rated after the scorer was built, each by a writer and raters
    # new to the set: each a check on answers it had never seen when it was first scored).
    source: str = ""

    @property
    def rating(self) -> float:
        """The raters' mean rating."""
        return (self.rater_a + self.rater_b) / 2

    @property
    def held_out(self) -> bool:
        """True for the part of the set that nothing is tuned on."""
        return self.source in HELD_OUT_SOURCES and self.id.endswith(HELD_OUT_SUFFIXES)


def load_graded(directory: Path = GRADED_DIR) -> list[GradedAnswer]:
    """Every rated answer of the set, in file order."""
    ratings: dict[str, dict[str, object]] = {}
    for line in (directory / "ratings.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            ratings[str(row["id"])] = row
    answers: list[GradedAnswer] = []
    for path in sorted(directory.glob("answers-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            rated = ratings[str(row["id"])]
            answers.append(
                GradedAnswer(
                    id=str(row["id"]),
                    question_id=str(row["question_id"]),
                    style=str(row.get("style", "")),
                    text=str(row["text"]),
                    rater_a=int(str(rated["rater_a"])),
                    rater_b=int(str(rated["rater_b"])),
                    source=path.stem.removeprefix("answers-"),
                )
            )
    return answers


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation (0 when either side is constant)."""
    n = len(x)
    if n < 2:
        return 0.0
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return 0.0 if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation, ties by mean rank."""
    return pearson(_ranks(x), _ranks(y))


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b, which corrects for ties on either side."""
    concordant = discordant = ties_x = ties_y = 0
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return 0.0 if denominator == 0 else (concordant - discordant) / denominator


def pairwise_accuracy(scores: Sequence[float], ratings: Sequence[float]) -> float:
    """Of the pairs the ratings order, the share the scores order the same way (ties: half)."""
    agree = total = 0.0
    n = len(scores)
    for i in range(n):
        for j in range(i + 1, n):
            if ratings[i] == ratings[j]:
                continue
            total += 1
            ds = scores[i] - scores[j]
            if ds == 0:
                agree += 0.5
            elif (ds > 0) == (ratings[i] > ratings[j]):
                agree += 1
    return agree / total if total else 1.0


def partial_spearman(x: Sequence[float], y: Sequence[float], z: Sequence[float]) -> float:
    """Spearman correlation of x and y with z held fixed (partial correlation of the ranks)."""
    rx, ry, rz = _ranks(x), _ranks(y), _ranks(z)
    xy, xz, yz = pearson(rx, ry), pearson(rx, rz), pearson(ry, rz)
    denominator = math.sqrt(max(1e-12, (1 - xz**2) * (1 - yz**2)))
    return (xy - xz * yz) / denominator
