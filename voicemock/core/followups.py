"""Follow-up questions: what an interviewer asks next, chosen offline from what an answer lacked.

A real interviewer does not stop at the first answer. From the scored answer (its
:class:`~voicemock.core.models.ScoreReport`, the question's rubric and the answer's text) this
module chooses up to N follow-ups, in the order an interviewer would ask them:

1. ``example``: the answer told no specific time -> ask for one.
2. ``outcome`` / ``own_actions``: the example has no ending, or says what "we" did and not
   what the speaker did -> ask how it turned out / what they did themselves.
3. ``probe``: the competency with the most weight among those that scored lowest (below
   level 3) -> one of its rubric ``probes`` (``Competency.probes``).
4. ``claim``: a competency only named (level 1: a term with nothing behind it) -> ask what
   they actually did.

An answer that covers all of these gets no follow-up. Each :class:`Followup` carries the text
to ask, a plain-sentence reason, its kind and the competency it targets.

A :class:`FollowupPhraser` (for instance a language model the user runs) may rephrase the
text from the actual transcript; :func:`phrase_followup` asks it and keeps the offline text
when it has nothing (``None``), fails or returns nonsense.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, Protocol, runtime_checkable

from voicemock.core.models import CompetencyScore, ScoreReport
from voicemock.core.rubric_schema import Competency, Question
from voicemock.defaults import DEFAULT_FOLLOWUPS, FOLLOWUPS_RANGE

FollowupKind = Literal["example", "outcome", "own_actions", "probe", "claim"]
FOLLOWUP_KINDS: tuple[FollowupKind, ...] = ("example", "outcome", "own_actions", "probe", "claim")
FollowupSource = Literal["rubric", "model"]

MAX_FOLLOWUPS = FOLLOWUPS_RANGE[1]
"""The most follow-ups asked after one main answer (the setting ranges 0-MAX_FOLLOWUPS)."""
# A competency at this level or above is covered: nothing left for a probe to ask.
COVERED_LEVEL = 3
# Longest follow-up text a phraser may return (longer is nonsense for a spoken question).
MAX_PHRASED_CHARS = 300


@dataclass(frozen=True)
class Followup:
    """One follow-up question: what to ask, why, its kind and the competency it targets.

    ``source`` is "rubric" for the offline text and "model" when a :class:`FollowupPhraser`
    phrased it (reports say which parts came from a model).
    """

    text: str
    reason: str
    kind: FollowupKind
    competency_id: str | None = None
    competency_label: str = ""
    source: FollowupSource = "rubric"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (``from_dict`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Followup:
        """The follow-up a ``to_dict`` wrote; unknown kinds or sources fall back to defaults."""
        kind = str(data.get("kind", "probe"))
        source = str(data.get("source", "rubric"))
        competency = data.get("competency_id")
        return cls(
            text=str(data["text"]),
            reason=str(data.get("reason", "")),
            kind=kind if kind in FOLLOWUP_KINDS else "probe",  # type: ignore[arg-type]
            competency_id=None if competency is None else str(competency),
            competency_label=str(data.get("competency_label", "")),
            source="model" if source == "model" else "rubric",
        )


@runtime_checkable
class FollowupPhraser(Protocol):
    """Something that rephrases a chosen follow-up from the actual transcript.

    ``phrase`` returns the text to ask instead of ``followup.text``, or ``None`` to keep the
    offline text. It must return quickly (a few seconds at most); an exception counts as None.
    """

    def phrase(self, question_text: str, transcript_text: str, followup: Followup) -> str | None:
        """The follow-up in new words, or None to keep ``followup.text``."""
        ...


def phrase_followup(
    followup: Followup,
    phraser: FollowupPhraser | None,
    question_text: str,
    transcript_text: str,
) -> Followup:
    """The follow-up as the phraser words it, or unchanged when it has nothing usable.

    A phraser that raises, returns None, an empty text or an overly long one is ignored
    silently: the offline text is always there to fall back on.
    """
    if phraser is None:
        return followup
    try:
        text = phraser.phrase(question_text, transcript_text, followup)
    except Exception:  # any failure of an optional phraser means "keep ours"
        return followup
    if not isinstance(text, str):
        return followup
    text = " ".join(text.split())
    if not text or len(text) > MAX_PHRASED_CHARS:
        return followup
    return replace(followup, text=text, source="model")


# --- the offline choice -------------------------------------------------------------------------

_EXAMPLE_STORY = (
    "Can you take me through one specific time that happened: when it was, and what you did?"
)
_EXAMPLE_APPROACH = "Can you tell me about a specific time you did that? What happened?"
_OUTCOME = "How did it turn out in the end? What changed because of what you did?"
_OWN_ACTIONS = "What did you do yourself, as opposed to the rest of the team?"


def choose_followups(
    question: Question,
    report: ScoreReport,
    transcript_text: str,
    limit: int = DEFAULT_FOLLOWUPS,
    *,
    asked: Sequence[Followup] = (),
) -> tuple[Followup, ...]:
    """Up to ``limit`` follow-ups to ask after this answer, most important first.

    ``report`` is the answer's score against ``question`` (for several turns, the combined
    score), ``transcript_text`` the text that was scored. Follow-ups in ``asked`` (already put
    to the candidate) are not asked again: neither the same kind for the same competency nor
    the same text. An answer that covers everything gets none.
    """
    if limit <= 0:
        return ()
    candidates: list[Followup] = []
    example = _example_facts(transcript_text)
    if not example.told:
        candidates.append(
            Followup(
                text=_EXAMPLE_STORY if question.asks_for_example else _EXAMPLE_APPROACH,
                reason=(
                    "The answer stayed general: the question asks for a specific time and "
                    "none was told."
                    if question.asks_for_example
                    else "The answer stayed general: no specific time shows that you have done it."
                ),
                kind="example",
            )
        )
    else:
        if not example.result:
            candidates.append(
                Followup(
                    text=_OUTCOME,
                    reason="The example has no ending: it does not say how things turned out.",
                    kind="outcome",
                )
            )
        if not example.own_actions:
            candidates.append(
                Followup(
                    text=_OWN_ACTIONS,
                    reason="The example says what the team did, not what you did yourself.",
                    kind="own_actions",
                )
            )
    by_id = {c.id: c for c in question.competencies}
    asked_texts = {_key(f.text) for f in asked}
    weakest = _weakest(report.competencies, by_id)
    if weakest is not None:
        score, competency = weakest
        probe = _probe_for(competency, asked_texts)
        if probe is not None:
            candidates.append(
                Followup(
                    text=probe,
                    reason=_probe_reason(score, competency),
                    kind="probe",
                    competency_id=competency.id,
                    competency_label=competency.label,
                )
            )
    for score in report.competencies:
        if score.level != 1 or score.flagged:
            continue
        term = _named_term(score)
        label = score.label
        candidates.append(
            Followup(
                text=(
                    f"You mentioned {term}. What exactly did you do there?"
                    if term
                    else f"What did you actually do that shows {_lower_first(label)}?"
                ),
                reason=(
                    f"{label} was only named"
                    + (f" ('{term}')" if term else "")
                    + ", with nothing said about what you did."
                ),
                kind="claim",
                competency_id=score.competency_id,
                competency_label=label,
            )
        )
    asked_keys = {(f.kind, f.competency_id) for f in asked}
    chosen: list[Followup] = []
    for candidate in candidates:
        if (candidate.kind, candidate.competency_id) in asked_keys:
            continue
        if _key(candidate.text) in asked_texts:
            continue
        if candidate.competency_id is not None and any(
            c.competency_id == candidate.competency_id for c in chosen
        ):
            continue  # one follow-up per competency at a time
        chosen.append(candidate)
        if len(chosen) == limit:
            break
    return tuple(chosen)


@dataclass(frozen=True)
class _ExampleFacts:
    told: bool  # a specific example is told
    result: bool  # it says how it turned out
    own_actions: bool  # it says what the speaker did (first person singular)


def _example_facts(text: str) -> _ExampleFacts:
    """What the answer's example has, by the same detector the scorer uses."""
    from voicemock.core.phrases import is_keyword_list
    from voicemock.core.scoring import EXAMPLE_PRESENT
    from voicemock.core.star import analyze_star, example_quality
    from voicemock.core.text import split_sentences

    sentences = split_sentences(text)
    ignore = frozenset(s.index for s in sentences if is_keyword_list(s))
    star = analyze_star(text, sentences, None, ignore=ignore)
    told = example_quality(star, sentences) >= EXAMPLE_PRESENT
    singular = any(
        sentences[a.sentence_index].tokens[a.start_token].lower == "i"
        for actions in star.all_actions.values()
        for a in actions
    )
    return _ExampleFacts(told=told, result="R" not in star.breakdown.missing, own_actions=singular)


def _weakest(
    scores: Sequence[CompetencyScore], by_id: dict[str, Competency]
) -> tuple[CompetencyScore, Competency] | None:
    """The lowest-level competency below COVERED_LEVEL, the heaviest among equals."""
    open_scores = [s for s in scores if s.level < COVERED_LEVEL and s.competency_id in by_id]
    if not open_scores:
        return None
    best = min(open_scores, key=lambda s: (s.level, -s.weight))
    return best, by_id[best.competency_id]


def _probe_for(competency: Competency, asked_texts: set[str]) -> str | None:
    """The competency's first probe not yet asked (a general one when it has no probes)."""
    for probe in competency.probes:
        if _key(probe) not in asked_texts:
            return probe
    if competency.probes:
        return None
    general = f"Can you tell me more about how you handle {_lower_first(competency.label)}?"
    return None if _key(general) in asked_texts else general


def _probe_reason(score: CompetencyScore, competency: Competency) -> str:
    what = {0: "was not shown", 1: "was only named", 2: "was described but not shown"}
    how = "counts for a lot here" if competency.weight > 1.0 else "is part of this question"
    if score.flagged:
        return f"{competency.label} {how}, and something you said worked against it."
    return f"{competency.label} {how} and {what.get(score.level, 'was thin')} in the answer."


def _named_term(score: CompetencyScore) -> str:
    """The speaker's own words that named the competency (from a "named" evidence)."""
    for evidence in score.evidence:
        if "named, not described" in evidence.reason and evidence.matched.strip():
            return " ".join(evidence.matched.split())
    return ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _key(text: str) -> str:
    return " ".join(text.casefold().split())
