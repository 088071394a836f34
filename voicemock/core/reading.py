"""The whole-answer reading: what the answer's sentences, taken together, say of it.

The rubric scores what an answer shows competency by competency; some of what interviewers
weigh has no competency of its own and no fixed words: a story that drifts into the speaker's
holidays, an outcome told only as "it went well" or "it got me promoted", a manager blamed, a
disfluent answer whose plain actions are sound. Every rated answer of the graded set
(bench/data/graded/) says how such answers land with interviewers, so the reading is a linear
model learned from them: the mean of an answer's sentence vectors (the vectors the scorer already
has), minus the set's mean, dotted with weights fitted to what the rubric score left unexplained
of the raters' ratings (ridge regression). ``bench/train_reading.py`` fits it and writes
``voicemock/models/<embedding model>/answer_reading.json``; the held-back part of the set is
left out of the fit.

Being linear in the mean vector, the reading splits exactly into one share per sentence, so
the report can name the sentence that moved it most. It is a bounded nudge to the overall
blend, before any cap: a gated answer (red flag, too short, off topic) stays gated.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy.typing as npt

    from voicemock.core.embeddings import Vectors

READING_FILE = "answer_reading.json"
# A reading that takes this many points off the score earns a next step naming its sentence.
READING_STEP_POINTS = 6


@dataclass(frozen=True)
class ReadingModel:
    """Weights fitted on the graded set for one embedding model."""

    model_id: str
    mean: Vectors  # the training answers' mean sentence vector, mean over answers
    weights: Vectors  # rating points per unit of the centred vector
    points_per_rating: float  # overall points per rating point of predicted residual
    limit: float  # the reading never moves the blend further than this, either way
    trained_on: int  # how many rated answers it was fitted to

    def to_dict(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "points_per_rating": self.points_per_rating,
            "limit": self.limit,
            "trained_on": self.trained_on,
            "mean": [round(float(x), 6) for x in self.mean],
            "weights": [round(float(x), 6) for x in self.weights],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ReadingModel:
        import numpy as np

        mean = np.asarray(data["mean"], dtype=np.float32)
        weights = np.asarray(data["weights"], dtype=np.float32)
        if mean.ndim != 1 or mean.shape != weights.shape:
            raise ValueError("mean and weights must be vectors of one length")
        return cls(
            model_id=str(data["model_id"]),
            mean=mean,
            weights=weights,
            points_per_rating=float(data["points_per_rating"]),  # type: ignore[arg-type]
            limit=float(data["limit"]),  # type: ignore[arg-type]
            trained_on=int(data.get("trained_on", 0)),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class Reading:
    """The reading of one answer."""

    points: float  # what it adds to (or takes from) the overall blend, within the limit
    # Each prose sentence's share of ``points`` before the limit, in the order given.
    shares: tuple[float, ...]

    def telling_sentence(self) -> int | None:
        """The index (into the sentences read) of the one that moved the reading most its way."""
        if not self.shares or abs(self.points) < 0.5:
            return None
        sign = 1.0 if self.points > 0 else -1.0
        best = max(range(len(self.shares)), key=lambda i: sign * self.shares[i])
        return best if sign * self.shares[best] > 0 else None


def reading_path(model_name: str | None = None) -> Path:
    """The shipped weights for an embedding model (the default one unless named)."""
    from voicemock.core.embeddings import MODEL_NAME, shipped_model_dir

    return shipped_model_dir(model_name or MODEL_NAME) / READING_FILE


_cache: dict[Path, ReadingModel | None] = {}
_lock = threading.Lock()


def load_reading(path: Path | None = None) -> ReadingModel | None:
    """The shipped model, read once; None when missing or unreadable (the score goes without)."""
    path = path or reading_path()
    with _lock:
        if path in _cache:
            return _cache[path]
    try:
        model: ReadingModel | None = ReadingModel.from_dict(
            json.loads(path.read_text(encoding="utf-8"))
        )
    except (OSError, ValueError, KeyError, TypeError):
        model = None
    with _lock:
        _cache[path] = model
    return model


def read_answer(model: ReadingModel, sentence_vectors: Vectors) -> Reading | None:
    """Read an answer from its prose sentences' vectors (rows); None without sentences."""
    import numpy as np

    count = len(sentence_vectors)
    if count == 0 or sentence_vectors.shape[1] != model.weights.shape[0]:
        return None
    # mean(v) - mu, dotted with w, is the mean of each sentence's (v - mu) . w
    per_sentence = (sentence_vectors - model.mean) @ model.weights
    shares = per_sentence * (model.points_per_rating / count)
    points = float(np.clip(shares.sum(), -model.limit, model.limit))
    return Reading(points=points, shares=tuple(float(s) for s in shares))


def fit_reading(
    vectors: Sequence[npt.ArrayLike],
    residuals: Sequence[float],
    *,
    ridge: float,
) -> tuple[Vectors, Vectors]:
    """Fit the weights: ridge regression of ``residuals`` on each answer's mean sentence vector.

    ``vectors`` holds one (sentences x dim) array per answer. Returns (mean, weights).
    """
    import numpy as np

    if len(vectors) != len(residuals) or not vectors:
        raise ValueError("one residual per answer, and at least one answer")
    means = np.stack([np.asarray(v, dtype=np.float64).mean(axis=0) for v in vectors])
    centre = means.mean(axis=0)
    x = means - centre
    y = np.asarray(residuals, dtype=np.float64)
    y = y - y.mean()
    weights = np.linalg.solve(x.T @ x + ridge * np.eye(x.shape[1]), x.T @ y)
    return centre.astype(np.float32), weights.astype(np.float32)
