"""The rubric YAML format: a question bank of questions, each with its competencies.

A bank file (``rubrics/*.yaml`` shipped, or the user's own in ``<data dir>/rubrics/``) looks like::

    bank:
      id: behavioral
      title: General behavioral questions
      version: 1
      order: 20                  # optional: lower banks are listed first (default 100)
    questions:
      - id: beh-conflict
        text: Tell me about a time you disagreed with a colleague.
        role: Any role
        level: junior            # junior | mid | senior
        kind: story              # story (asks for a time you did it) | approach; inferred if absent
        tags: [conflict, teamwork]
        target_length_s: {min: 60, max: 120}
        competencies:
          - id: communication
            label: Communication skills
            description: Explains clearly and checks understanding.
            weight: 1.0
            indicators:                      # grouped by what they mean
              - meaning: listening first
                phrases: [listen, hear them out, ask questions]   # words to highlight
                shows:                                             # plain sentences that show it
                  - I let her finish before I said a word about my own view.
                  - I asked him to talk me through how he saw the problem.
            depth: [shared goal, compromise]   # concepts that mark an advanced answer
            red_flags: [went over their head]  # contrary evidence (phrases)
            harms:                            # contrary evidence by meaning (plain sentences)
              - I complained about her to the rest of the team instead of talking to her.
            exemplars:                        # sentences a good answer might contain,
              - I asked her to walk me through her reasoning before I said anything.
            probes:                           # follow-ups an interviewer asks when it is missing
              - What did you do to understand her side before you answered?
        model_answers:                         # rising quality
          - level: basic
            text: ...
            strengths: ...
            gaps: ...
        tips: [Pick one real disagreement with a clear outcome.]

Pydantic validates untrusted YAML; ``voicemock.core.rubrics`` loads files into these models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["junior", "mid", "senior"]
QuestionKind = Literal["story", "approach"]
AnswerLevel = Literal["basic", "solid", "strong"]

_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
# How questions that ask for a past example usually begin.
_STORY_QUESTION = re.compile(
    r"\b(tell me about|describe|give (me )?an example of|share|walk me through) (a|an|one|the)"
    r"( \w+)? (time|situation|occasion|moment|case|instance|mistake|change|project|example)\b"
    r"|\btell me about a\b|\bhave you ever\b|\bwhen have you\b",
    re.IGNORECASE,
)

# Imported drafts mark sentences the user still has to write; the scorer ignores them.
PLACEHOLDER_PREFIX = "EDIT ME:"


def _non_empty(values: list[str], what: str) -> list[str]:
    """The strings stripped; an empty one is an error naming ``what``."""
    cleaned = [v.strip() for v in values]
    if any(not v for v in cleaned):
        raise ValueError(f"{what} must not be empty strings")
    return cleaned


def _unique_ids(ids: Iterable[str], what: str) -> None:
    """Raise when an id appears twice ("question id 'x' appears twice")."""
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{what} id {item!r} appears twice")
        seen.add(item)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class IndicatorGroup(_Strict):
    """One thing a good answer does, with the words and the sentences that show it.

    ``phrases`` are short word patterns, matched on lemmas and highlighted as evidence.
    ``shows`` are plain-language sentences (several told as a past story, in the first person,
    some as general practice) that the scorer compares the answer's sentences with by meaning,
    so an answer earns the group in its own words, not only with the listed phrases.
    """

    meaning: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)
    shows: list[str] = Field(default_factory=list)

    @field_validator("phrases")
    @classmethod
    def _non_empty_phrases(cls, value: list[str]) -> list[str]:
        return _non_empty(value, "phrases")


class Competency(_Strict):
    """Something the interviewer evaluates, with the signals that show it."""

    id: str = Field(pattern=_ID_PATTERN)
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=10)
    indicators: list[IndicatorGroup] = Field(min_length=1)
    depth: list[str] = Field(default_factory=list)
    red_flags: list[str] = Field(default_factory=list)
    harms: list[str] = Field(default_factory=list)
    """Plain sentences of bad practice, compared by meaning: an answer that says something like
    them in the speaker's own voice is flagged, whatever its words."""
    exemplars: list[str] = Field(min_length=1)
    next_step: str = ""  # optional coaching line shown when this competency is weak
    probes: list[str] = Field(default_factory=list)
    """Follow-up questions an interviewer asks when this competency is missing or thin."""

    @field_validator("probes")
    @classmethod
    def _questions(cls, value: list[str]) -> list[str]:
        return _non_empty(value, "probes")


class ModelAnswer(_Strict):
    """A sample answer at one level of quality, with what it does well and what it lacks."""

    level: AnswerLevel
    text: str = Field(min_length=1)
    strengths: str = ""
    gaps: str = ""


class TargetLength(_Strict):
    """Target answer length in seconds."""

    min: float = Field(default=60, ge=0)
    max: float = Field(default=120, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> TargetLength:
        if self.max < self.min:
            raise ValueError("max must be at least min")
        return self


class Question(_Strict):
    """One interview question and its rubric."""

    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=5)
    role: str = "Any role"
    level: Level = "junior"
    kind: QuestionKind | None = None
    """"story" asks for a time the candidate did something; "approach" asks how they work.
    When absent it is inferred from the text (see ``asks_for_example``)."""
    tags: list[str] = Field(default_factory=list)
    version: int = Field(default=1, ge=1)
    target_length_s: TargetLength = Field(default_factory=TargetLength)
    competencies: list[Competency] = Field(min_length=1)
    model_answers: list[ModelAnswer] = Field(default_factory=list)
    tips: list[str] = Field(default_factory=list)

    @property
    def asks_for_example(self) -> bool:
        """True when the question asks for a specific past example ("Tell me about a time")."""
        if self.kind is not None:
            return self.kind == "story"
        return bool(_STORY_QUESTION.search(self.text))

    @model_validator(mode="after")
    def _unique_competency_ids(self) -> Question:
        _unique_ids((c.id for c in self.competencies), "competency")
        return self


class BankInfo(_Strict):
    """A question bank's identity."""

    id: str = Field(pattern=_ID_PATTERN)
    title: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    description: str = ""
    draft: bool = False  # an unedited `voicemock import` draft; its author removes this
    order: int = Field(default=100, ge=0)
    """Where the bank is listed: lower first; equal orders keep file-name order, shipped first."""


class QuestionBank(_Strict):
    """A whole bank file."""

    bank: BankInfo
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_question_ids(self) -> QuestionBank:
        _unique_ids((q.id for q in self.questions), "question")
        return self


class LibraryCompetency(Competency):
    """A competency interviewers often name, ready to reuse in any question's rubric.

    ``voicemock import`` matches a page's "what the interviewer evaluates" items to these by
    their label and ``aliases``, so an imported question scores meaningfully at once.
    """

    aliases: list[str] = Field(default_factory=list)


class CompetencyLibrary(_Strict):
    """The shipped library of common competencies (``rubrics/library/competencies.yaml``)."""

    competencies: list[LibraryCompetency] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_competency_ids(self) -> CompetencyLibrary:
        _unique_ids((c.id for c in self.competencies), "competency")
        return self
