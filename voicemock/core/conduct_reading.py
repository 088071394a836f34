"""Conduct read from whole sentences: what no list of phrases has words for.

The conduct list (``core.conduct``) knows phrases: "kept it quiet", "fudged the numbers". Told
calmly in words of the speaker's own, the same conduct slips past any list: "I filled in the
final day values based on the trend", "I just borrowed a mate's access fob", "I give my cell
number to clients who are struggling". A fair interviewer rates such an answer at the bottom,
however fluent.

So every prose sentence is also read by a small classifier: all-MiniLM-L6-v2 fine-tuned to tell
a sentence in which the speaker tells or endorses conduct of their own that an interviewer
objects to (dishonest, unsafe, unethical, disrespectful) from every other kind of sentence, on
the sentences of the graded set (``bench/data/graded/``), labelled sentence by sentence.
``bench/train_conduct.py`` documents the training; the model ships as int8 ONNX in
``voicemock/models/conduct-minilm/`` with its settings (``conduct_reading.json``).

Reading a sentence costs a few milliseconds; most sentences of an answer are plainly something
else. So where the scorer has the sentences' MiniLM vectors, a linear screen on them (fitted to
what the classifier reads, ``bench/train_conduct.py --screen``) passes on only the sentences the
classifier might read as conduct: about half of them, and 99% of the answers it flags.

One sentence read that way is not enough: a good story has the odd sentence the model misreads.
An answer counts only when one sentence reads as such conduct with at least ``sentence``
probability and another with at least ``corroborating`` (a calm account of misconduct tells it
in more than one sentence, its justification in the next). A sentence later put right in the
speaker's own voice ("looking back, I should have told her") does not count, as with phrases.

It knows the conduct and the ways of telling it that the graded set has; told in other words it
can read a sentence at 0.8 where it should read 0.95, and miss the answer. The phrase list stays
for that, and for the user to extend.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.core.conduct import ConductRules, load_conduct, put_right_after
from voicemock.core.text import Sentence

if TYPE_CHECKING:
    from voicemock.core.embeddings import Vectors

MODEL_NAME = "conduct-minilm"
MODEL_FILE = "model.onnx"
SETTINGS_FILE = "conduct_reading.json"
# Sentences read are remembered (those of an answer read while it was spoken are found again
# when it is scored); the memory is emptied when it holds this many.
CACHE_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class ConductSettings:
    """When the classifier's readings count (``conduct_reading.json``)."""

    sentence: float  # the surest sentence reads as conduct with at least this probability
    corroborating: float  # ... and another sentence with at least this
    max_tokens: int  # longer sentences are cut (as in training)
    screen: Screen | None = None
    # ... or, beside the surest, this many more sentences each lean that way at least this much:
    # a story built around the conduct, each step of it told in plain words.
    leaning: float = 1.0
    leaning_count: int = 0


@dataclass(frozen=True)
class Screen:
    """A linear screen on the sentence vectors: what it lets through is read by the classifier."""

    mean: Vectors
    weights: Vectors
    bias: float
    threshold: float  # sentences the screen gives less than this probability are not read
    model_id: str  # the embedding model whose vectors it was fitted on

    def passes(self, vectors: Vectors) -> list[bool]:
        """Per row of sentence vectors: worth reading."""
        import numpy as np

        logits = (vectors - self.mean) @ self.weights + self.bias
        return [bool(p >= self.threshold) for p in 1.0 / (1.0 + np.exp(-logits))]

    def to_dict(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "threshold": self.threshold,
            "bias": round(self.bias, 6),
            "mean": [round(float(x), 6) for x in self.mean],
            "weights": [round(float(x), 6) for x in self.weights],
        }


def settings_from_dict(data: dict[str, Any]) -> ConductSettings:
    """The settings as stored; raises ValueError (or KeyError) for unusable ones.

    A screen fitted on another embedding model's vectors is left out (every sentence is read).
    """
    import numpy as np

    from voicemock.core.embeddings import EMBEDDING_DIM, MODEL_ID

    screen: Screen | None = None
    raw = data.get("screen")
    if isinstance(raw, dict) and raw.get("model_id") == MODEL_ID:
        mean = np.asarray(raw["mean"], dtype=np.float32)
        weights = np.asarray(raw["weights"], dtype=np.float32)
        if mean.shape != (EMBEDDING_DIM,) or weights.shape != (EMBEDDING_DIM,):
            raise ValueError(f"the screen's mean and weights must be {EMBEDDING_DIM} long")
        screen = Screen(
            mean, weights, float(raw["bias"]), float(raw["threshold"]), str(raw["model_id"])
        )
    settings = ConductSettings(
        sentence=float(data["sentence"]),
        corroborating=float(data["corroborating"]),
        max_tokens=int(data["max_tokens"]),
        screen=screen,
        leaning=float(data.get("leaning", 1.0)),
        leaning_count=int(data.get("leaning_count", 0)),
    )
    if (
        not 0 < settings.corroborating <= settings.sentence < 1
        or not 0 < settings.leaning <= 1
        or settings.leaning_count not in (0, *range(2, 100))
        or (settings.leaning_count and settings.leaning > settings.corroborating)
        or settings.max_tokens < 8
    ):
        raise ValueError(
            "thresholds must be probabilities, corroborating <= sentence, leaning <= "
            "corroborating, leaning_count 0 or 2-99, max_tokens >= 8"
        )
    return settings


def load_settings(folder: Path) -> ConductSettings:
    """The settings stored beside the model; raises OSError, ValueError (a JSON error
    included), KeyError or TypeError for missing or unusable ones."""
    return settings_from_dict(json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ConductReading:
    """A sentence the classifier reads as the speaker's own objectionable conduct."""

    sentence: Sentence
    probability: float


def model_dir() -> Path:
    """The folder of the shipped classifier."""
    from voicemock.core.embeddings import shipped_model_dir

    return shipped_model_dir(MODEL_NAME)


class ConductReader:
    """The classifier: the probability that each sentence tells objectionable conduct."""

    def __init__(self, folder: Path) -> None:
        """Load the model, its settings and the sentence model's tokenizer; raises on any of
        them unusable (a model that cannot read a sentence included)."""
        from voicemock.core.embeddings import open_model

        self.settings = load_settings(folder)
        # Its weights stay int8 in the session (no prepared form to keep, unlike the embedder's).
        self._model = open_model(folder / MODEL_FILE, None, self.settings.max_tokens)
        self._read: dict[str, float] = {}
        self._lock = threading.Lock()
        self._logit("I said it.")  # a model of another shape fails here, not while scoring

    def _logit(self, text: str) -> float:
        """The model's output for one sentence (read one at a time: the int8 model quantizes
        its activations per batch, so a sentence read beside others would come out a little
        different each time; batches were no quicker on two cores)."""
        return float(self._model.run([text or " "])[0, 0])

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """One probability per text, in order."""
        import math

        out: list[float] = []
        for text in texts:
            with self._lock:
                known = self._read.get(text)
            if known is None:
                known = 1.0 / (1.0 + math.exp(-self._logit(text)))
                with self._lock:
                    if len(self._read) >= CACHE_MAX_ENTRIES:
                        self._read.clear()
                    self._read[text] = known
            out.append(known)
        return out

    def clear_cache(self) -> None:
        """Forget the sentences read so far (a benchmark's unseen answer)."""
        with self._lock:
            self._read.clear()

    def prepare(self, prose: Sequence[Sentence], vectors: Vectors | None = None) -> None:
        """Read now the sentences the screen passes (while the answer is still spoken)."""
        _chances(self, prose, vectors)


def _chances(
    reader: ConductReader, prose: Sequence[Sentence], vectors: Vectors | None
) -> list[float]:
    """Per sentence, the probability that it tells conduct; 0 for a sentence the screen does
    not pass (with ``vectors``, the sentences' MiniLM vectors in order; without, all are read)."""
    screen = reader.settings.screen
    if screen is not None and vectors is not None and len(vectors) == len(prose):
        worth = screen.passes(vectors)
    else:
        worth = [True] * len(prose)
    read = iter(reader.probabilities([s.text for s, w in zip(prose, worth, strict=True) if w]))
    return [next(read) if w else 0.0 for w in worth]


def read_conduct(
    prose: Sequence[Sentence],
    reader: ConductReader,
    rules: ConductRules | None = None,
    vectors: Vectors | None = None,
) -> list[ConductReading]:
    """The sentences that tell objectionable conduct, surest first; none unless corroborated.

    The answer counts when its surest sentence reads at ``sentence`` or above and another at
    ``corroborating``, or ``leaning_count`` others at ``leaning``; every sentence read at the
    lower of the two is then returned.
    With ``vectors`` (the prose sentences' MiniLM vectors, in order), only the sentences the
    screen passes are read.
    """
    if len(prose) < 2:
        return []
    rules = rules if rules is not None else load_conduct()
    settings = reader.settings
    chances = _chances(reader, prose, vectors)
    floor = min(settings.corroborating, settings.leaning)
    kept = [
        ConductReading(sentence, p)
        for position, (sentence, p) in enumerate(zip(prose, chances, strict=True))
        if p >= floor and not put_right_after(prose[position:], rules.put_right)
    ]
    kept.sort(key=lambda r: -r.probability)
    if len(kept) < 2 or kept[0].probability < settings.sentence:
        return []
    others = [r.probability for r in kept[1:]]
    corroborated = others[0] >= settings.corroborating
    leaning = settings.leaning_count > 0 and (
        sum(p >= settings.leaning for p in others) >= settings.leaning_count
    )
    if not (corroborated or leaning):
        return []
    return kept if leaning else [r for r in kept if r.probability >= settings.corroborating]


_reader: ConductReader | None = None
_loaded = False
_lock = threading.Lock()


def get_conduct_reader() -> ConductReader | None:
    """The process-wide classifier, loaded on first use; None when it cannot be loaded."""
    global _reader, _loaded
    if _loaded:
        return _reader
    with _lock:
        if not _loaded:
            try:
                _reader = ConductReader(model_dir())
            except Exception:  # any load failure: the phrase list alone
                _reader = None
            _loaded = True
    return _reader
