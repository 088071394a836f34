"""What to work on next: one ranking of content and delivery steps, and the answer's strengths.

Every candidate step gets an estimated **gain**: how many points of a 100-point answer fixing it
would be worth. Content steps come from the score (:class:`ScoreReport`): a gate (off topic,
too short, a bare keyword list, a red flag), a missing or incomplete specific example, a
competency one level up. Their gains follow the scorer's own arithmetic (a competency level is
``LEVEL_POINTS`` of its weight's share of ``COMPETENCY_SHARE``; the example is the rest).
Delivery steps come from the delivery metrics (:class:`DeliveryMetrics`): pace, fillers,
hedges, long pauses, repetition, answer length and, for a recording, how it sounded (flat
pitch, trailing off, speeding up). A delivery gain grows with how far the figure lies outside
its good band, calibrated so that a figure in its "fix" band weighs about as much as a story
with no result, and 11 fillers a minute or 6 hedges per 100 words rank above one competency
level.

Each step carries a short text that fits what the speaker said (a quote or a count) and, where
there is one, ``at_s``: the moment of the recording to replay. :func:`next_steps` is the ranked
list every report shows; :func:`summarise` gives a results summary its three fixes and two
strengths. Old stored attempts work too: everything is derived from the stored report and
metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from voicemock.core.models import (
    CompetencyScore,
    DeliveryMetrics,
    Evidence,
    Flag,
    FlagKind,
    Metric,
    ScoreReport,
)
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import COMPETENCY_SHARE as _COMPETENCY_SHARE
from voicemock.core.scoring import LEVEL_POINTS as _LEVEL_POINTS
from voicemock.core.scoring import OWN_HISTORY_STEP, reading_step
from voicemock.core.scoring import STAR_ADVICE_BELOW as _STAR_ADVICE_BELOW

__all__ = [
    "Advice",
    "Step",
    "Strength",
    "content_steps",
    "delivery_steps",
    "next_steps",
    "rank",
    "summarise",
]

Area = Literal["content", "delivery"]

MAX_NEXT_STEPS = 3
MAX_FIXES = 3
MAX_STRENGTHS = 2
# Steps worth less than this many points are not advice, just noise.
MIN_GAIN = 0.5

# A sound answer's overall score: lifting a gate is worth the distance to it.
_SOUND_OVERALL = 60
_MIN_GATE_GAIN = 20.0
# The example score a complete story reaches; a missing result or scene costs about this much.
_STORY_TARGET = 75
_MISSING_RESULT = 25
_MISSING_SCENE = 12
# The scorer's competency step that a story step already covers.
_EXAMPLE_STEP_PREFIX = "Add a specific time from your own work"

# Delivery gains: points per unit outside the good band, and the most a figure can be worth.
_FILLER_POINTS_PER_MIN = 1.5  # per um/uh a minute over 5
_FILLER_GOOD_PER_MIN = 5.0
_HEDGE_POINTS_PER_100 = 2.5  # per hedge per 100 words over 1
_HEDGE_GOOD_PER_100 = 1.0
_PACE_POINTS_PER_WPM = 0.25  # per wpm outside 130-165
_PACE_GOOD = (130.0, 165.0)
_LONG_PAUSE_POINTS = 2.0  # each long pause
_REPEATED_PHRASE_POINTS = 1.5  # each phrase used 3+ times
_DISFLUENCY_POINTS_PER_100 = 1.0  # per disfluency per 100 words over 6
_BAND_POINTS: dict[str, float] = {"fix": 8.0, "watch": 3.0}
_MAX_DELIVERY_GAIN = 15.0
# Flags within this many seconds of each other make one moment to replay.
_MOMENT_WINDOW_S = 20.0


@dataclass(frozen=True)
class Step:
    """One thing to do next: what, why it matters (estimated gain), and a moment to replay.

    ``kind`` names its source (e.g. "gate", "story", "competency", "fillers", "hedges");
    ``gain`` is the estimated points (of 100) fixing it would add; ``at_s`` is the moment of
    the recording that shows it, or None.
    """

    kind: str
    area: Area
    text: str
    gain: float
    at_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """As JSON-able data."""
        return {
            "kind": self.kind,
            "area": self.area,
            "text": self.text,
            "gain": round(self.gain, 1),
            "at_s": None if self.at_s is None else round(self.at_s, 2),
        }


@dataclass(frozen=True)
class Strength:
    """One thing the answer does well, with the moment that shows it (or None)."""

    kind: str
    area: Area
    text: str
    at_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """As JSON-able data."""
        return {
            "kind": self.kind,
            "area": self.area,
            "text": self.text,
            "at_s": None if self.at_s is None else round(self.at_s, 2),
        }


@dataclass(frozen=True)
class Advice:
    """A results summary's coaching: the things to fix first and the strengths to keep."""

    fixes: tuple[Step, ...]
    strengths: tuple[Strength, ...]

    def to_dict(self) -> dict[str, Any]:
        """As JSON-able data: {"fixes": [...], "strengths": [...]}."""
        return {
            "fixes": [f.to_dict() for f in self.fixes],
            "strengths": [s.to_dict() for s in self.strengths],
        }


# --- content -------------------------------------------------------------------------------


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_time(evidence: Iterable[Evidence], *kinds: str) -> float | None:
    return next(
        (e.start_s for e in evidence if e.start_s is not None and (not kinds or e.kind in kinds)),
        None,
    )


def _weight_shares(competencies: Sequence[CompetencyScore]) -> list[float]:
    total = sum(c.weight for c in competencies)
    if total <= 0:
        return [1.0 / len(competencies)] * len(competencies) if competencies else []
    return [c.weight / total for c in competencies]


def content_steps(score: ScoreReport, question: Question | None = None) -> list[Step]:
    """Every content step of a scored answer, each with its estimated gain (not yet ranked).

    ``question`` (the scored question) lets the off-topic and too-short steps name the
    question and its target length; without it they say so in general words.
    """
    steps: list[Step] = []
    # A gate caps the answer: lifting it is worth at least _MIN_GATE_GAIN points.
    headroom = max(_MIN_GATE_GAIN, float(_SOUND_OVERALL - score.overall))
    gates = set(score.gates)
    if "off_topic" in gates:
        asked = f": {_quote(question.text, 120)}" if question is not None else ""
        steps.append(
            Step("gate", "content", f"Answer the question that was asked{asked}", headroom + 3)
        )
    if "keyword_list" in gates:
        steps.append(
            Step(
                "gate",
                "content",
                "Speak in full sentences: say what you did and why, not a list of keywords",
                headroom + 2,
            )
        )
    if "too_short" in gates:
        aim = (
            f"aim for {question.target_length_s.min:.0f}-{question.target_length_s.max:.0f} seconds"
            if question is not None
            else "aim for a minute or two"
        )
        steps.append(
            Step("gate", "content", f"Say more: {aim} with a specific example", headroom + 1)
        )
    if "own_history" in score.limits:
        asked = f": {_quote(question.text, 120)}" if question is not None else ""
        steps.append(
            Step(
                "gate",
                "content",
                f"{OWN_HISTORY_STEP}{asked}",
                headroom,
            )
        )
    shares = _weight_shares(score.competencies)
    for c, share in zip(score.competencies, shares, strict=True):
        if c.flagged and c.next_step:
            steps.append(
                Step(
                    "red_flag",
                    "content",
                    c.next_step,
                    headroom + _COMPETENCY_SHARE * share * 2 * _LEVEL_POINTS,
                    _first_time(c.evidence, "red_flag", "negated"),
                )
            )
    star = score.star
    story = star.score < _STAR_ADVICE_BELOW
    example_share = 1 - _COMPETENCY_SHARE
    if story:
        gain = example_share * (_STORY_TARGET - star.score)
        if "no_example" in gates:
            gain += max(0.0, float(_SOUND_OVERALL - score.overall)) / 2
        steps.append(
            Step(
                "story",
                "content",
                "Tell one specific time: when and where it was, what you did yourself, and how "
                "it turned out",
                gain,
            )
        )
    elif "R" in star.missing:
        last = max((s.start_s for s in star.spans if s.start_s is not None), default=None)
        steps.append(
            Step(
                "result",
                "content",
                "Finish your example with its result: what changed because of what you did",
                example_share * _MISSING_RESULT,
                last,
            )
        )
    elif "S" in star.missing:
        first = min((s.start_s for s in star.spans if s.start_s is not None), default=None)
        steps.append(
            Step(
                "scene",
                "content",
                "Set the scene of your example in a sentence: when, where and who",
                example_share * _MISSING_SCENE,
                first,
            )
        )
    reading = reading_step(score.reading, score.reading_quote)
    if reading:
        steps.append(Step("reading", "content", reading, float(-(score.reading or 0))))
    for c, share in zip(score.competencies, shares, strict=True):
        if c.flagged or not c.next_step or c.level >= 4:
            continue
        text = c.next_step
        if story and text.startswith(_EXAMPLE_STEP_PREFIX):
            # The story step covers it; the scorer may have listed the competency's next idea.
            name = c.label[:1].lower() + c.label[1:]
            text = next((t for t in score.next_steps if name in t and t != c.next_step), "")
            if not text:
                continue
        levels_up = 2 if c.level == 0 else 1
        steps.append(
            Step(
                "competency",
                "content",
                text,
                _COMPETENCY_SHARE * share * levels_up * _LEVEL_POINTS,
                _first_time(c.evidence),
            )
        )
    return steps


# --- delivery ------------------------------------------------------------------------------


def _moment(flags: Sequence[Flag], window_s: float = _MOMENT_WINDOW_S) -> float | None:
    """The start of the stretch with the most of these flags (the moment to replay)."""
    timed = sorted(f.start_s for f in flags if f.end_s > 0)
    if not timed:
        return None
    best, best_count, j = timed[0], 0, 0
    for i, start in enumerate(timed):
        while j < len(timed) and timed[j] < start + window_s:
            j += 1
        if j - i > best_count:
            best, best_count = start, j - i
    return best


def _said(text: str) -> str:
    """A flag's words as one key: lower case, single spaces."""
    return " ".join(text.lower().split())


def _counted_words(flags: Sequence[Flag], limit: int = 3) -> str:
    """'"um" ×6, "I think" ×3' from flags, the most frequent first, as first said."""
    counts = Counter(_said(f.text) for f in flags if f.text.strip())
    shown: dict[str, str] = {}
    for f in flags:
        shown.setdefault(_said(f.text), " ".join(f.text.split()))
    parts = [
        f"“{shown[key]}” ×{n}" if n > 1 else f"“{shown[key]}”"
        for key, n in counts.most_common(limit)
    ]
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _capped(gain: float) -> float:
    return max(0.0, min(_MAX_DELIVERY_GAIN, gain))


def _band(metrics: DeliveryMetrics, key: str) -> str:
    metric = metrics.get(key)
    return metric.band if metric is not None else "info"


def delivery_steps(metrics: DeliveryMetrics) -> list[Step]:
    """Every delivery step of an answer, each with its estimated gain (not yet ranked).

    A figure in its good band (or without a band) gives no step.
    """
    steps: list[Step] = []
    value = metrics.value

    filler_flags = metrics.flags_of("filler")
    steps.extend(
        _words_step(
            "fillers",
            filler_flags,
            value("fillers_per_min"),
            _FILLER_GOOD_PER_MIN,
            _FILLER_POINTS_PER_MIN,
            lambda rate, said: (
                f"{_plural(len(filler_flags), 'filler')} ({rate:.1f} a minute: "
                f"{said}); pause silently instead of filling the gap"
            ),
        )
    )
    hedge_flags = metrics.flags_of("hedge")
    steps.extend(
        _words_step(
            "hedges",
            hedge_flags,
            value("hedges_per_100_words"),
            _HEDGE_GOOD_PER_100,
            _HEDGE_POINTS_PER_100,
            lambda _rate, said: (
                f"{_plural(len(hedge_flags), 'hedge')} ({said}): say what you "
                "did plainly, without softening it"
            ),
        )
    )

    rate = value("speaking_rate_wpm")
    if rate is not None and _band(metrics, "speaking_rate_wpm") in ("watch", "fix"):
        low, high = _PACE_GOOD
        fast = rate > high
        outside = rate - high if fast else low - rate
        stretch = metrics.flags_of("fast_stretch" if fast else "slow_stretch")
        advice = "slow down and let each point land" if fast else "keep the answer moving"
        steps.append(
            Step(
                "pace",
                "delivery",
                f"You spoke at {rate:.0f} words a minute; {low:.0f}-{high:.0f} is easy to "
                f"follow: {advice}",
                _capped(outside * _PACE_POINTS_PER_WPM),
                stretch[0].start_s if stretch else None,
            )
        )

    long_pauses = metrics.flags_of("long_pause")
    if long_pauses:
        longest = max(long_pauses, key=lambda f: f.end_s - f.start_s)
        n = len(long_pauses)
        steps.append(
            Step(
                "pauses",
                "delivery",
                f"{n} long pause{'s' if n > 1 else ''} (the longest "
                f"{longest.end_s - longest.start_s:.1f} s): know your next point before you "
                "finish the last one",
                _capped(n * _LONG_PAUSE_POINTS),
                longest.start_s,
            )
        )

    phrases = metrics.flags_of("repeated_phrase")
    disfluencies = value("disfluencies_per_100_words")
    repetition_gain = 0.0
    texts: list[str] = []
    at_s: float | None = None
    # A phrase that is a filler or a hedge is advice of its own already.
    said_elsewhere = {_said(f.text) for f in (*filler_flags, *hedge_flags)}
    counts = Counter(_said(f.text) for f in phrases if _said(f.text) not in said_elsewhere)
    if counts:
        phrase, uses = counts.most_common(1)[0]
        first = next(f for f in phrases if _said(f.text) == phrase)
        texts.append(f"you said “{' '.join(first.text.split())}” {uses} times: vary the wording")
        repetition_gain += len(counts) * _REPEATED_PHRASE_POINTS
        at_s = first.start_s
    repeats = metrics.flags_of("repetition")
    if disfluencies is not None and _band(metrics, "disfluencies_per_100_words") != "good":
        if repeats:
            texts.append(f"{len(repeats)} restarts like “{repeats[0].text}”")
            at_s = at_s if at_s is not None else _moment(repeats)
        repetition_gain += max(0.0, disfluencies - 6.0) * _DISFLUENCY_POINTS_PER_100
    if texts and repetition_gain > 0:
        text = "; ".join(texts)
        steps.append(
            Step(
                "repetition", "delivery", text[0].upper() + text[1:], _capped(repetition_gain), at_s
            )
        )

    steps.extend(
        _band_step(
            metrics,
            "answer_time_s",
            "length",
            lambda seconds, length: (
                f"The answer ran {seconds:.0f} s; {length.guidance.split(';')[0]}"
            ),
        )
    )

    steps.extend(_sound_steps(metrics))
    return steps


def _words_step(
    kind: str,
    flags: Sequence[Flag],
    rate: float | None,
    good: float,
    points: float,
    text: Callable[[float, str], str],
) -> list[Step]:
    """The step for flagged words (fillers, hedges) said at ``rate``, above the ``good`` rate.

    Its gain is ``points`` for each unit over ``good``; ``text`` words it from the rate and the
    words said (most frequent first). No step (an empty list) at a good rate or without flags.
    """
    if rate is None or not flags or not rate > good:  # a rate that is not a number: no step
        return []
    said = _counted_words(flags)
    return [
        Step(kind, "delivery", text(rate, said), _capped((rate - good) * points), _moment(flags))
    ]


def _band_step(
    metrics: DeliveryMetrics,
    key: str,
    kind: str,
    text: Callable[[float, Metric], str],
    *,
    weight: float = 1.0,
    flag: FlagKind | None = None,
) -> list[Step]:
    """The step for the metric ``key`` in its "watch" or "fix" band (else an empty list).

    Its gain is the band's points times ``weight``; ``text`` words it from the value and the
    metric; the moment to replay is the first ``flag`` of that kind, if any.
    """
    metric = metrics.get(key)
    if metric is None or metric.value is None or metric.band not in _BAND_POINTS:
        return []
    at_s = _flag_time(metrics, flag) if flag is not None else None
    return [
        Step(kind, "delivery", text(metric.value, metric), _BAND_POINTS[metric.band] * weight, at_s)
    ]


def _sound_steps(metrics: DeliveryMetrics) -> list[Step]:
    """How a recording sounded: monotone, trailing off, speeding up (when measured)."""
    steps = _band_step(
        metrics,
        "pitch_sd_st",
        "monotone",
        lambda semitones, _: (
            f"Your pitch varied by only {semitones:.1f} semitones: lift your "
            "voice on the words that matter"
        ),
        weight=0.75,
        flag="flat_pitch",
    )
    if metrics.value("trailing_off_count"):
        steps += _band_step(
            metrics,
            "trailing_off_count",
            "trailing_off",
            lambda n, _: (
                f"{int(n)} sentence{'s' if int(n) > 1 else ''} trailed off at the end: "
                "keep your voice up to the full stop"
            ),
            weight=0.75,
            flag="trailing_off",
        )
    steps += _band_step(
        metrics,
        "pace_change_pct",
        "rushing",
        lambda pct, _: (
            f"You sped up by {pct:.0f} % towards the end: give the result the same "
            "time as the start"
        ),
        flag="fast_stretch",
    )
    return steps


def _flag_time(metrics: DeliveryMetrics, kind: FlagKind) -> float | None:
    flags = metrics.flags_of(kind)
    return flags[0].start_s if flags else None


# --- the ranking ---------------------------------------------------------------------------


def rank(
    score: ScoreReport | None, metrics: DeliveryMetrics | None, question: Question | None = None
) -> list[Step]:
    """Every step, content and delivery together, the biggest estimated gain first.

    Ties keep content before delivery and the scorer's order; a text given twice is listed
    once; steps worth less than ``MIN_GAIN`` points are left out.
    """
    candidates: list[Step] = []
    if score is not None:
        candidates.extend(content_steps(score, question))
    if metrics is not None:
        candidates.extend(delivery_steps(metrics))
    ordered = sorted(enumerate(candidates), key=lambda item: (-round(item[1].gain, 3), item[0]))
    seen: set[str] = set()
    ranked: list[Step] = []
    for _, step in ordered:
        if step.gain < MIN_GAIN or step.text in seen:
            continue
        seen.add(step.text)
        ranked.append(step)
    return ranked


def next_steps(
    score: ScoreReport | None,
    metrics: DeliveryMetrics | None,
    question: Question | None = None,
    limit: int | None = MAX_NEXT_STEPS,
) -> list[Step]:
    """The steps every report shows as "Next steps": :func:`rank`, the first ``limit``.

    ``limit=None`` gives them all.
    """
    ranked = rank(score, metrics, question)
    return ranked if limit is None else ranked[:limit]


# --- strengths -----------------------------------------------------------------------------


def _strengths(score: ScoreReport | None, metrics: DeliveryMetrics | None) -> list[Strength]:
    found: list[tuple[float, Strength]] = []
    quoted: set[str] = set()
    if score is not None and not score.gates:
        shares = _weight_shares(score.competencies)
        for c, share in zip(score.competencies, shares, strict=True):
            if c.flagged or c.level < 3:
                continue
            own = next((e for e in c.evidence if e.kind == "own_action"), None)
            best = own or next((e for e in c.evidence if e.kind == "exemplar"), None)
            best = best or (c.evidence[0] if c.evidence else None)
            how = "shown in your own example" if c.level == 4 or own else "described in depth"
            if best is not None and best.sentence in quoted:
                best = None  # one sentence is quoted once
            quote = ""
            if best is not None:
                quoted.add(best.sentence)
                quote = f": “{_quote(best.sentence)}”"
            found.append(
                (
                    c.level * 10 + share * 10,
                    Strength(
                        "competency",
                        "content",
                        f"{c.label}, {how}{quote}",
                        best.start_s if best is not None else None,
                    ),
                )
            )
        star = score.star
        if star.score >= 70 and not star.missing:
            first = min((s.start_s for s in star.spans if s.start_s is not None), default=None)
            found.append(
                (
                    35.0,
                    Strength(
                        "story",
                        "content",
                        "A complete example: the situation, your task, what you did and the result",
                        first,
                    ),
                )
            )
    if metrics is not None and metrics.value("word_count"):
        rate = metrics.get("speaking_rate_wpm")
        if rate is not None and rate.value is not None and rate.band == "good":
            found.append(
                (
                    20.0,
                    Strength("pace", "delivery", f"An easy pace: {rate.value:.0f} words a minute"),
                )
            )
        fillers = metrics.get("fillers_per_min")
        hedges = metrics.get("hedges_per_100_words")
        if (
            fillers is not None
            and fillers.band == "good"
            and hedges is not None
            and hedges.band == "good"
        ):
            found.append(
                (
                    18.0,
                    Strength(
                        "fluency",
                        "delivery",
                        f"Clear and direct: {fillers.value or 0:.1f} fillers a minute and "
                        f"{hedges.value or 0:.1f} hedges per 100 words",
                    ),
                )
            )
        pitch = metrics.get("pitch_sd_st")
        if pitch is not None and pitch.value is not None and pitch.band == "good":
            found.append(
                (
                    15.0,
                    Strength(
                        "lively",
                        "delivery",
                        f"A lively voice: {pitch.value:.1f} semitones of pitch variation",
                    ),
                )
            )
    found.sort(key=lambda item: -item[0])
    return [s for _, s in found]


def summarise(
    score: ScoreReport | None,
    metrics: DeliveryMetrics | None,
    question: Question | None = None,
    *,
    fixes: int = MAX_FIXES,
    strengths: int = MAX_STRENGTHS,
) -> Advice:
    """A results summary's coaching: the first ``fixes`` steps and the best ``strengths``.

    The fixes are :func:`next_steps` (each with ``at_s``, the moment to replay, when there is
    one); the strengths are competencies shown in depth or in the speaker's own example (with
    the sentence that shows them), a complete example, and delivery figures in their good band.
    An answer with a gate (off topic, too short ...) has no content strengths.
    """
    return Advice(
        fixes=tuple(next_steps(score, metrics, question, limit=fixes)),
        strengths=tuple(_strengths(score, metrics)[:strengths]),
    )
