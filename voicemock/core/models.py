"""The values that flow through one interview turn, as frozen dataclasses.

Question (rubric) -> Recording -> Transcript -> DeliveryMetrics + ScoreReport -> Attempt.
Every type here converts to and from plain JSON-able dicts (``to_dict`` / ``from_dict``) so the
session store, the JSON output and exported sessions share one format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SAMPLE_RATE_HZ = 16000
# An answer's audio kept while it is recorded grows this much at a time (one copy per step).
AUDIO_BUFFER_STEP_S = 30.0


def audio_buffer_samples(needed: int) -> int:
    """The size of a growing audio buffer once it must hold ``needed`` samples: the next
    multiple of AUDIO_BUFFER_STEP_S (doubling would hold a 61 s answer in 120 s of samples)."""
    step = round(AUDIO_BUFFER_STEP_S * SAMPLE_RATE_HZ)
    return -(-needed // step) * step


Band = Literal["good", "watch", "fix", "info"]
FlagKind = Literal[
    "filler",  # um, uh, er, ah, hmm
    "discourse_filler",  # like / you know / I mean ... used as a filler
    "hedge",  # maybe, I think, I guess, sort of ...
    "pause",  # silent gap >= 250 ms
    "long_pause",  # silent gap >= 2 s
    "repetition",  # immediate word repetition ("I I")
    "repeated_phrase",  # the same 2-4 word phrase used 3+ times
    "flat_pitch",  # 10 s or more with little pitch movement
    "trailing_off",  # a sentence's last word much quieter than the sentence
    "quiet",  # a stretch of speech well under the answer's own level
    "clipping",  # the recording hit full scale
    "fast_stretch",  # the fastest stretch, when too fast
    "slow_stretch",  # the slowest stretch, when too slow
    "sped_up",  # the last third of an answer that sped up under time pressure
    "mid_phrase_pause",  # a silent pause inside a phrase, not at a sentence/clause end
]


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing in seconds from the start of the audio."""

    text: str
    start_s: float
    end_s: float
    probability: float = 1.0
    # Typed in by the user when correcting the transcript (its times are then estimated).
    edited: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.edited:
            del data["edited"]  # stored transcripts stay as they were
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Word:
        return cls(
            text=str(data["text"]),
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            probability=float(data.get("probability", 1.0)),
            edited=bool(data.get("edited", False)),
        )


@dataclass(frozen=True)
class Segment:
    """A stretch of speech as the engine returned it (roughly a sentence or phrase)."""

    text: str
    start_s: float
    end_s: float
    words: tuple[Word, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            text=str(data["text"]),
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            words=tuple(Word.from_dict(w) for w in data.get("words", [])),
        )


@dataclass(frozen=True)
class Transcript:
    """What an engine heard: words with timings, segments, and where it came from."""

    words: tuple[Word, ...]
    segments: tuple[Segment, ...] = ()
    language: str = "en"
    engine: str = "text"
    model: str = ""
    audio_duration_s: float = 0.0
    # Silent stretches of the audio (start_s, end_s), found from its energy: Whisper stretches
    # words over silence, so word gaps alone miss pauses. Empty when unknown (typed text).
    silences: tuple[tuple[float, float], ...] = ()

    @property
    def timed(self) -> bool:
        """True when word timings are real (audio), False for a typed/plain-text transcript."""
        return self.engine != "text"

    @property
    def text(self) -> str:
        """The transcript as one string (segment texts joined, or words when no segments)."""
        if self.segments:
            return " ".join(s.text.strip() for s in self.segments if s.text.strip())
        return " ".join(w.text.strip() for w in self.words if w.text.strip())

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "engine": self.engine,
            "model": self.model,
            "audio_duration_s": self.audio_duration_s,
            "words": [w.to_dict() for w in self.words],
            "segments": [s.to_dict() for s in self.segments],
            "silences": [[start_s, end_s] for start_s, end_s in self.silences],
        }

    @classmethod
    def from_text(cls, text: str) -> Transcript:
        """A transcript of typed text: words without real timings (``timed`` is False)."""
        words = tuple(Word(token, 0.0, 0.0) for token in text.split())
        segment = Segment(text.strip(), 0.0, 0.0, words)
        return cls(words=words, segments=(segment,) if words else (), engine="text")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            words=tuple(Word.from_dict(w) for w in data.get("words", [])),
            segments=tuple(Segment.from_dict(s) for s in data.get("segments", [])),
            language=str(data.get("language", "en")),
            engine=str(data.get("engine", "text")),
            model=str(data.get("model", "")),
            audio_duration_s=float(data.get("audio_duration_s", 0.0)),
            silences=tuple((float(a), float(b)) for a, b in data.get("silences", ())),
        )


@dataclass(frozen=True)
class Flag:
    """One flagged moment in an answer (a filler, a hedge, a long pause ...).

    ``start_s``/``end_s`` let a UI jump to it; ``word_index`` is the index into
    ``Transcript.words`` of its first word (for pauses: the word after the gap), or -1.
    """

    kind: FlagKind
    text: str
    start_s: float
    end_s: float
    word_index: int = -1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Flag:
        return cls(
            kind=data["kind"],
            text=str(data["text"]),
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            word_index=int(data.get("word_index", -1)),
        )


@dataclass(frozen=True)
class Metric:
    """One delivery figure with its band and where the band comes from."""

    key: str  # stable id, e.g. "speaking_rate_wpm"
    label: str  # e.g. "Speaking rate"
    value: float | None  # None when it cannot be computed (e.g. no words)
    unit: str  # e.g. "wpm", "s", "per min", "%"
    band: Band
    guidance: str = ""  # the band's rule in words, e.g. "130-165 wpm is good"
    source: str = ""  # where the band comes from
    flag_kinds: tuple[FlagKind, ...] = ()  # which flags back this figure

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "flag_kinds": list(self.flag_kinds)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        value = data.get("value")
        return cls(
            key=str(data["key"]),
            label=str(data["label"]),
            value=None if value is None else float(value),
            unit=str(data.get("unit", "")),
            band=data.get("band", "info"),
            guidance=str(data.get("guidance", "")),
            source=str(data.get("source", "")),
            flag_kinds=tuple(data.get("flag_kinds", ())),
        )


@dataclass(frozen=True)
class DeliveryMetrics:
    """All delivery figures for one answer, plus every flagged moment."""

    metrics: tuple[Metric, ...]
    flags: tuple[Flag, ...] = ()
    notes: tuple[str, ...] = ()  # caveats, e.g. "filler counts from Whisper are a lower bound"

    def get(self, key: str) -> Metric | None:
        """The metric with this key, or None."""
        return next((m for m in self.metrics if m.key == key), None)

    def value(self, key: str) -> float | None:
        """The value of the metric with this key, or None."""
        metric = self.get(key)
        return None if metric is None else metric.value

    def flags_of(self, *kinds: FlagKind) -> tuple[Flag, ...]:
        """Flags of the given kinds, in time order."""
        return tuple(f for f in self.flags if f.kind in kinds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": [m.to_dict() for m in self.metrics],
            "flags": [f.to_dict() for f in self.flags],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeliveryMetrics:
        return cls(
            metrics=tuple(Metric.from_dict(m) for m in data.get("metrics", [])),
            flags=tuple(Flag.from_dict(f) for f in data.get("flags", [])),
            notes=tuple(data.get("notes", ())),
        )


EvidenceKind = Literal[
    "indicator",  # an indicator phrase of the competency
    "depth",  # a depth concept (marks an advanced answer)
    "exemplar",  # similar in meaning to an exemplar sentence
    "own_action",  # the speaker's own concrete past action
    "red_flag",  # contrary evidence: a red flag phrase
    "negated",  # contrary evidence: an indicator under negation
]

StarPart = Literal["S", "T", "A", "R"]


@dataclass(frozen=True)
class Evidence:
    """A transcript sentence that earned (or cost) a score, and why.

    ``sentence`` is an exact substring of the scored text at ``[start_char, end_char)``;
    ``start_s``/``end_s`` are its time in the audio when word timings are known, else None.
    """

    kind: EvidenceKind
    sentence: str
    start_char: int
    end_char: int
    reason: str
    matched: str = ""  # the speaker's own words that matched (the rubric's are in reason)
    start_s: float | None = None
    end_s: float | None = None
    # The speaker's own words that matched, at [matched_start_char, matched_end_char) of the
    # scored text (inside the sentence); None when the scorer does not know the span.
    matched_start_char: int | None = None
    matched_end_char: int | None = None
    # Which turn of the question said it: 0 the main answer, 1.. the follow-up answers (their
    # times are then on that turn's recording). Written to JSON only when not 0.
    turn: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.turn:
            del data["turn"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(**data)


@dataclass(frozen=True)
class CompetencyScore:
    """One competency's level (0-4), its 0-100 score, the evidence and the next step.

    Levels: 0 not shown, 1 mentioned, 2 described, 3 described with depth or shown in one's
    own concrete action, 4 both.
    """

    competency_id: str
    label: str
    level: int
    score: int  # level * 25, plus breadth within level 3 (scoring.competency_points)
    weight: float
    evidence: tuple[Evidence, ...] = ()
    flagged: bool = False  # contrary evidence found (red flag or negated indicator)
    flag_reasons: tuple[str, ...] = ()
    next_step: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "evidence": [e.to_dict() for e in self.evidence],
            "flag_reasons": list(self.flag_reasons),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompetencyScore:
        return cls(
            competency_id=str(data["competency_id"]),
            label=str(data["label"]),
            level=int(data["level"]),
            score=int(data["score"]),
            weight=float(data["weight"]),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", [])),
            flagged=bool(data.get("flagged", False)),
            flag_reasons=tuple(data.get("flag_reasons", ())),
            next_step=str(data.get("next_step", "")),
        )


@dataclass(frozen=True)
class StarSpan:
    """A Situation/Task/Action/Result span of a specific-example answer."""

    part: StarPart
    text: str  # exact substring of the scored text
    start_char: int
    end_char: int
    start_s: float | None = None
    end_s: float | None = None
    turn: int = 0  # the turn of the question it was told in (see Evidence.turn)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.turn:
            del data["turn"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StarSpan:
        return cls(**data)


@dataclass(frozen=True)
class StarBreakdown:
    """Whether the answer tells a specific example, its S/T/A/R spans and time per part."""

    score: int  # 0-100: how complete the specific example is
    spans: tuple[StarSpan, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)  # part -> seconds (timed audio)
    missing: tuple[StarPart, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "spans": [s.to_dict() for s in self.spans],
            "seconds": dict(self.seconds),
            "missing": list(self.missing),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StarBreakdown:
        return cls(
            score=int(data["score"]),
            spans=tuple(StarSpan.from_dict(s) for s in data.get("spans", [])),
            seconds={str(k): float(v) for k, v in data.get("seconds", {}).items()},
            missing=tuple(data.get("missing", ())),
        )


@dataclass(frozen=True)
class ScoreReport:
    """The competency scoring of one answer against one question's rubric."""

    question_id: str
    rubric_version: str
    overall: int  # 0-100, weighted by the rubric
    competencies: tuple[CompetencyScore, ...]
    star: StarBreakdown
    relevance: float | None = None  # 0-1 similarity to the question/exemplars, None if unknown
    gates: tuple[str, ...] = ()  # e.g. "off_topic", "too_short", "keyword_list"
    notes: tuple[str, ...] = ()  # e.g. "scored on lexical signals only (no embedding model)"
    # The scorer's content steps, kept as stored; reports show ``core.advice.next_steps``, which
    # ranks these with the delivery steps.
    next_steps: tuple[str, ...] = ()
    used_embeddings: bool = False
    # How well the answer tells one specific example (0-100), as blended into ``overall``;
    # None in reports stored before it was kept.
    example: int | None = None
    # The softer limits that held ``overall`` below its blend (not gates): "no_example" on an
    # approach question, "brief" for an answer under the brief length.
    limits: tuple[str, ...] = ()
    # What the whole-answer reading (core.reading) changed of ``overall``, in points (0 where
    # a cap holds the score), and the sentence that moved it most; None without embeddings or
    # in reports stored before it.
    reading: int | None = None
    reading_quote: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "rubric_version": self.rubric_version,
            "overall": self.overall,
            "competencies": [c.to_dict() for c in self.competencies],
            "star": self.star.to_dict(),
            "relevance": self.relevance,
            "gates": list(self.gates),
            "notes": list(self.notes),
            "next_steps": list(self.next_steps),
            "used_embeddings": self.used_embeddings,
            "example": self.example,
            "limits": list(self.limits),
            "reading": self.reading,
            "reading_quote": self.reading_quote,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreReport:
        relevance = data.get("relevance")
        return cls(
            question_id=str(data["question_id"]),
            rubric_version=str(data.get("rubric_version", "")),
            overall=int(data["overall"]),
            competencies=tuple(CompetencyScore.from_dict(c) for c in data["competencies"]),
            star=StarBreakdown.from_dict(data["star"]),
            relevance=None if relevance is None else float(relevance),
            gates=tuple(data.get("gates", ())),
            notes=tuple(data.get("notes", ())),
            next_steps=tuple(data.get("next_steps", ())),
            used_embeddings=bool(data.get("used_embeddings", False)),
            example=None if data.get("example") is None else int(data["example"]),
            limits=tuple(str(limit) for limit in data.get("limits", ())),
            reading=None if data.get("reading") is None else int(data["reading"]),
            reading_quote=str(data.get("reading_quote") or ""),
        )
