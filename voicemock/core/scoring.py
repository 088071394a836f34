"""Competency scoring: a deterministic, offline, explainable level 0-4 per rubric competency.

An answer earns a competency by what it *shows*, in any words:

- Each indicator group of the rubric (one thing a good answer does) is found by **meaning**:
  every sentence of the answer, and every window of two sentences, is compared with the group's
  plain-language ``shows`` sentences (and the competency's exemplars) by sentence embeddings.
  A multi-word phrase of the group found in a sentence that is close in meaning counts too.
- Where the evidence sits decides how much it counts. In the speaker's own past action ("I sat
  with him after group and asked what had changed") the group is **shown**; in a statement of
  practice ("I ask what has changed") it is **described**; a term of art or a single word with
  nothing described around it ("I use motivational interviewing") is only **named**.
- Levels: 0 not shown, 1 named only, 2 described, 3 described in depth (two groups, or one with
  a concept behind it) or shown in the speaker's own example, 4 shown in depth.
- Contrary evidence in the speaker's own voice (a red flag, or "I don't ask for consent")
  drops the competency to 0, flags it and caps the overall score. A negated harm ("I never
  share anything without their consent") is evidence *for* the competency.

The overall score blends the rubric-weighted competency levels with how well the answer tells
a specific example (``star.py``): a question that asks for a time you did something is capped
without one; on approach questions a sound general answer reaches the middle and the top needs
a concrete story. Gates then cap it: too short, off topic, mostly a bare list of keywords.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from voicemock.core.conduct import conduct_hits
from voicemock.core.conduct_reading import get_conduct_reader, read_conduct
from voicemock.core.models import CompetencyScore, Evidence, EvidenceKind, ScoreReport, Transcript
from voicemock.core.phrases import (
    EVERYDAY_WORDS,
    FUNCTION_WORDS,
    NEGATORS,
    Occurrence,
    Phrase,
    compile_phrase,
    is_content,
    is_jargon,
    is_keyword_list,
    match_span,
    may_match,
    negated_clauses,
    negated_red_flag_occurrences,
    occurrences,
    red_flag_occurrences,
    snippet,
    speaker_negated,
)
from voicemock.core.reading import (
    READING_STEP_POINTS,
    Reading,
    ReadingModel,
    load_reading,
    read_answer,
)
from voicemock.core.rubric_schema import PLACEHOLDER_PREFIX, Competency, Question
from voicemock.core.rubrics import display_path, draft_path_of
from voicemock.core.star import (
    OwnAction,
    StarAnalysis,
    admits_shortfall,
    analyze_star,
    example_quality,
    first_moment,
    has_past_narrative,
)
from voicemock.core.text import (
    FILLER_SOUNDS,
    Sentence,
    Token,
    WordTimeline,
    split_sentences,
    spoken_text,
    tokenize,
)

if TYPE_CHECKING:
    from voicemock.core.embeddings import Embedder, Vectors

__all__ = [
    "EVERYDAY_WORDS",
    "FUNCTION_WORDS",
    "GATE_MEANINGS",
    "LEVEL_MEANINGS",
    "competency_level",
    "score_answer",
]

# --- Tunables (bench/bench_agreement.py prints how the scores agree with graded answers) ------
# A unit (sentence or two-sentence window) shows a group from this cosine up (MiniLM,
# L2-normalised) with one of the group's sentences ...
MEANING_THRESHOLD = 0.46
# An exemplar sums up the whole competency, so a loose likeness to one is only the topic: it
# counts as a group of its own from this cosine up.
EXEMPLAR_THRESHOLD = 0.6
# A unit says something like one of a competency's harms (bad practice) from this cosine up,
# and more like it than like any good practice of the question by HARM_MARGIN: then it is a red
# flag by meaning, and evidence for nothing.
HARM_THRESHOLD = 0.66
HARM_MARGIN = 0.08
# A unit counts for a competency only when it resembles that competency nearly as much as the
# one it resembles most.
COMPETING_MARGIN = 0.06
# A sentence naming this many of the rubric's concepts is jargon (``_term_stuffed``).
TERM_STUFFED = 3
# A practice denied at one moment of a story ("at first I didn't tell her") does not flag a
# competency the answer reaches this level on elsewhere.
NEGATION_OUTWEIGHED_AT = 3
# A negated sentence is compared by meaning without its negated clauses when at least this many
# words are left and the negated ones are at most half of it (``_affirmed``).
AFFIRMED_MIN_WORDS = 8
# A window of two sentences must beat both its sentences by this much to count as a unit.
WINDOW_GAIN = 0.03
# A unit must resemble the group's sentences more than the question itself by this much:
# "when a client pushes back I stay calm" echoes the question, it shows nothing.
QUESTION_ECHO_MARGIN = 0.1
# A phrase hit describes the group (rather than naming it) when its sentence is at least this
# close in meaning to the competency.
PHRASE_SUPPORT = 0.42
# Below this similarity to the question + rubric, and with no evidence, an answer is off topic.
OFF_TOPIC_RELEVANCE = 0.33
# Without embeddings: the share of the answer's content words found in the rubric.
OFF_TOPIC_LEXICAL_OVERLAP = 0.12
TOO_SHORT_WORDS = 25
TOO_SHORT_CAP = 20
# The highest level a competency reaches in an answer under TOO_SHORT_WORDS ("described").
SHORT_ANSWER_MAX_LEVEL = 2
# A brief answer can show only so much: from TOO_SHORT_CAP at TOO_SHORT_WORDS, the cap rises by
# this many points a word until BRIEF_WORDS, where it goes.
BRIEF_WORDS = 80
BRIEF_POINTS_PER_WORD = 1.0
# A keyword list must never beat a short honest answer, so its cap sits below TOO_SHORT_CAP.
KEYWORD_LIST_CAP = 10
KEYWORD_LIST_SHARE = 0.5
OFF_TOPIC_CAP = 5
# Bad practice in the speaker's own voice: no answer that contains it is more than weak.
RED_FLAG_CAP = 10
# Overall = COMPETENCY_SHARE of the weighted competency score + the rest from the example.
COMPETENCY_SHARE = 0.6
# An approach question ("how do you ...") can be answered soundly without a story: its overall
# is at least this share of the competency score (below NO_EXAMPLE_CAP_APPROACH), so a general
# answer is not judged as an example missing; a story with an outcome is still the way to the top.
APPROACH_GENERAL_SHARE = 0.8
# Caps without a specific example: a "tell me about a time" question asked for one ...
NO_EXAMPLE_CAP_STORY = 40
# ... an approach question can be answered well in general, but the top needs a story.
NO_EXAMPLE_CAP_APPROACH = 65
# The example score from which the answer counts as telling one.
EXAMPLE_PRESENT = 35
LEVEL_POINTS = 25
# Within level 3 ("in depth"), each group or concept beyond what the level needs adds
# BREADTH_POINTS, up to BREADTH_CAP (always below the next level): two answers at the same
# level are told apart by how much of the competency they cover.
BREADTH_POINTS = 5
BREADTH_CAP = 15
STAR_ADVICE_BELOW = 50
# An answer that spends this share of its words on the speaker's own life (family, growing up,
# how they came to the field) has drifted off the question, however it ends: held to the cap.
OWN_HISTORY_SHARE = 0.4
OWN_HISTORY_CAP = 25
OWN_HISTORY_STEP = "Keep your own background to a sentence and answer the question"
# The next step for an answer whose whole-answer reading (core.reading) took points off.
READING_STEP = (
    "Rework or drop the sentence that weighed most against this answer, and keep to what you "
    "did and how it turned out"
)
MAX_NEXT_STEPS = 3

# What each level means; renderers show these next to the number.
LEVEL_MEANINGS: dict[int, str] = {
    0: "not shown",
    1: "named only",
    2: "described",
    3: "described in depth, or shown in your own example",
    4: "shown in your own example, in depth",
}
# What each softer limit means (ScoreReport.limits), for reports.
LIMIT_MEANINGS: dict[str, str] = {
    "no_example": f"without a specific example an answer is held to {NO_EXAMPLE_CAP_APPROACH}",
    "brief": f"a brief answer (under {BRIEF_WORDS} words) can show only so much",
    "own_history": "most of the answer tells your own life story rather than what the question "
    f"asks: held to {OWN_HISTORY_CAP}",
}
# What each gate means, for reports.
GATE_MEANINGS: dict[str, str] = {
    "too_short": f"too short to judge (under {TOO_SHORT_WORDS} words): overall capped at "
    f"{TOO_SHORT_CAP}",
    "keyword_list": "mostly a bare list of keywords, which earns no evidence: overall capped at "
    f"{KEYWORD_LIST_CAP}",
    "off_topic": f"does not answer the question asked: overall capped at {OFF_TOPIC_CAP}",
    "red_flag": f"says something a careful interviewer would object to: overall capped at "
    f"{RED_FLAG_CAP}",
    "no_example": "asks for a specific time and the answer tells none: overall capped at "
    f"{NO_EXAMPLE_CAP_STORY}",
}

# Group index of the competency's exemplars (they show it as a whole, not one group of it).
_EXEMPLAR_GROUP = -1


@dataclass(frozen=True)
class _Group:
    meaning: str  # as said to the user ("naming what you got wrong"; ``_to_you``)
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class _CompiledCompetency:
    competency: Competency
    groups: tuple[_Group, ...]
    depth: tuple[Phrase, ...]
    red_flags: tuple[Phrase, ...]
    exemplars: tuple[str, ...]
    # sentences compared by meaning, with the group each belongs to (_EXEMPLAR_GROUP: any)
    references: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class _CompiledQuestion:
    question: Question
    competencies: tuple[_CompiledCompetency, ...]
    references: tuple[str, ...]  # every reference sentence, in competency order
    offsets: tuple[int, ...]  # where each competency's references start in ``references``
    harms: tuple[tuple[int, str], ...]  # (competency index, sentence of bad practice)
    harm_negated: tuple[bool, ...]  # per harm: said with a negation
    vocabulary: frozenset[str]  # content lemmas of the rubric (lexical relevance)


@dataclass(frozen=True)
class _Unit:
    """What the answer is compared with: one sentence, or a window of two."""

    sentences: tuple[Sentence, ...]
    text: str
    start_char: int
    end_char: int
    shows_action: bool  # holds the speaker's own past action
    negated: bool
    # past narrative with no action of the speaker's (or their team's): the scene, or what
    # someone else did, which describes no practice of the speaker's
    background: bool = False
    # made of jargon ("I drove alignment and leveraged the learnings"): names, shows nothing
    jargon: bool = False


@dataclass
class _GroupEvidence:
    unit: _Unit
    similarity: float
    reference: str
    shown: bool


@dataclass
class _Findings:
    """What one competency collected while the answer was read (internal, mutable)."""

    groups: dict[int, _GroupEvidence] = field(default_factory=dict)  # described or shown
    phrase_groups: dict[int, tuple[Sentence, Occurrence, str]] = field(default_factory=dict)
    named: list[tuple[Sentence, Occurrence, str]] = field(default_factory=list)
    depth: dict[str, tuple[Sentence, Occurrence]] = field(default_factory=dict)
    # a depth concept inside the speaker's description of what they do
    practised: tuple[Sentence, Occurrence, str] | None = None
    avoided: list[tuple[Sentence, Occurrence, str]] = field(default_factory=list)
    contrary: list[Evidence] = field(default_factory=list)
    contrary_quotes: list[str] = field(default_factory=list)
    # a practice the speaker says they did not do at one moment of a story, or a red flag at
    # its first moment, and its quote: contrary only when the answer does not show the
    # competency clearly elsewhere (``_competency_score``)
    denied_then: list[tuple[Evidence, str]] = field(default_factory=list)

    def against(self, evidence: Evidence, quote: str, *, one_moment: bool) -> None:
        """Record evidence against the competency; told of one moment of a story, it is kept
        aside in ``denied_then``."""
        if one_moment:
            self.denied_then.append((evidence, quote))
        else:
            self.contrary_quotes.append(quote)
            self.contrary.append(evidence)


_compiled_cache: dict[int, _CompiledQuestion] = {}
_compiled_lock = threading.Lock()


def _compile(question: Question) -> _CompiledQuestion:
    # Questions are frozen, and the cache keeps each one alive, so its id cannot be reused.
    cached = _compiled_cache.get(id(question))
    if cached is not None and cached.question is question:
        return cached
    question_lemmas = frozenset(t.lemma for t in tokenize(question.text) if is_content(t))
    competencies: list[_CompiledCompetency] = []
    references: list[str] = []
    offsets: list[int] = []
    for c in question.competencies:
        groups = tuple(
            _Group(
                _to_you(g.meaning),
                tuple(
                    p for p in (compile_phrase(t, question_lemmas) for t in g.phrases) if p.lemmas
                ),
            )
            for g in c.indicators
        )
        exemplars = tuple(e for e in c.exemplars if not _is_placeholder(e))
        refs = [(i, s) for i, g in enumerate(c.indicators) for s in g.shows]
        refs += [(_EXEMPLAR_GROUP, e) for e in exemplars]
        offsets.append(len(references))
        references.extend(text for _, text in refs)
        competencies.append(
            _CompiledCompetency(
                competency=c,
                groups=groups,
                depth=tuple(p for p in (compile_phrase(d) for d in c.depth) if p.lemmas),
                red_flags=tuple(p for p in (compile_phrase(r) for r in c.red_flags) if p.lemmas),
                exemplars=exemplars,
                references=tuple(refs),
            )
        )
    vocabulary_texts = [
        question.text,
        *references,
        *(p for c in question.competencies for g in c.indicators for p in g.phrases),
        *(d for c in question.competencies for d in c.depth),
    ]
    vocabulary = frozenset(
        t.lemma for text in vocabulary_texts for t in tokenize(text) if is_content(t)
    )
    harms = tuple((c, h) for c, comp in enumerate(question.competencies) for h in comp.harms)
    # A harm said with a negation ("I talk to the family without a release") reads, to the
    # embedding, like its opposite ("I get a release before I talk to the family"): it is
    # compared only with negated sentences, and a harm said outright only with plain ones.
    harm_negated = tuple(speaker_negated(split_sentences(h)[0]) for _, h in harms)
    compiled = _CompiledQuestion(
        question,
        tuple(competencies),
        tuple(references),
        tuple(offsets),
        harms,
        harm_negated,
        vocabulary,
    )
    with _compiled_lock:
        if len(_compiled_cache) > 256:
            _compiled_cache.clear()
        _compiled_cache[id(question)] = compiled
    return compiled


def _is_placeholder(exemplar: str) -> bool:
    return exemplar.strip().upper().startswith(PLACEHOLDER_PREFIX)


# --- Scoring -------------------------------------------------------------------------------------


def score_answer(
    transcript: Transcript,
    question: Question,
    *,
    rubric_version: str = "",
    use_embeddings: bool = True,
    embedder: Embedder | None = None,
    use_reading: bool = True,
    reading_model: ReadingModel | None = None,
) -> ScoreReport:
    """Score one answer against a question's rubric (same input -> same report).

    ``use_reading=False`` leaves out the whole-answer reading (``core.reading``), as its
    training does: the reading is fitted to what the rest of the score leaves unexplained.
    ``reading_model`` reads by other weights than the shipped ones (its cross-validation).
    """
    text = transcript.text
    sentences = split_sentences(text)
    timeline = WordTimeline(transcript, text)
    total_words = sum(s.word_count for s in sentences)

    list_sentences = frozenset(s.index for s in sentences if is_keyword_list(s))
    list_words = sum(s.word_count for s in sentences if s.index in list_sentences)
    prose = [s for s in sentences if s.index not in list_sentences]
    # Jargon tells no story: "I leveraged the learnings to drive alignment" is no action.
    compiled = _compile(question)
    jargon = frozenset(s.index for s in prose if is_jargon(s) or _term_stuffed(s, compiled))
    star = analyze_star(text, sentences, timeline, ignore=list_sentences | jargon)
    example = example_quality(star, sentences)

    notes: list[str] = []
    draft = draft_path_of(question)
    if draft is not None:
        notes.append(
            "this question comes from an imported draft; edit "
            f"{display_path(draft)} to improve scoring"
        )
    if use_embeddings and embedder is None:
        from voicemock.core.embeddings import embedder_unavailable_reason, get_embedder

        embedder = get_embedder()
        if embedder is None:
            reason = embedder_unavailable_reason() or "unknown reason"
            notes.append(f"scored on lexical signals only (embedding model unavailable: {reason})")
    elif not use_embeddings:
        embedder = None
        notes.append("scored on lexical signals only (embedding model turned off)")

    units = _units(text, prose, star, jargon)
    similarity: Vectors | None = None  # units x references
    harm: Vectors | None = None  # units x harms
    echo: Vectors | None = None  # per unit: similarity to the question
    relevance: float | None = None
    reading: Reading | None = None
    sentence_vectors: Vectors | None = None  # prose sentences x dim
    if embedder is not None and units:
        similarity, harm, echo, relevance, sentence_vectors = _similarities(
            embedder, compiled, prose, units
        )
        if use_reading:
            reading = _read(embedder, sentence_vectors, reading_model)

    findings = []
    slices = [
        slice(compiled.offsets[c], compiled.offsets[c] + len(cc.references))
        for c, cc in enumerate(compiled.competencies)
    ]
    # Each unit's best similarity to any competency: a unit counts for the competencies it
    # resembles most, not for every one it faintly resembles.
    best_any = None
    if similarity is not None:
        import numpy as np

        per_competency = [similarity[:, sl].max(axis=1) for sl in slices if sl.stop > sl.start]
        best_any = np.max(per_competency, axis=0) if per_competency else None
    harmful = _harmful_units(compiled, units, harm, best_any)
    harmful_units = frozenset(harmful)
    for c, cc in enumerate(compiled.competencies):
        sims = None if similarity is None else similarity[:, slices[c]]
        found = _collect(cc, prose, units, sims, echo, best_any, timeline, harmful_units, jargon)
        _add_harms(found, c, harmful, units, timeline)
        findings.append(found)
    _add_conduct(
        findings, prose, units, similarity, slices, timeline, embedder, compiled, sentence_vectors
    )
    _no_credit_for_flagged(findings)
    scored = [
        _competency_score(cc, f, star, timeline)
        for cc, f in zip(compiled.competencies, findings, strict=True)
    ]
    scores = [score for score, _ in scored]
    steps = [s for _, s in scored]
    if total_words < TOO_SHORT_WORDS:
        # A sentence or two can show what was done, never that it was done in depth.
        scores = [
            replace(c, level=SHORT_ANSWER_MAX_LEVEL, score=SHORT_ANSWER_MAX_LEVEL * LEVEL_POINTS)
            if c.level > SHORT_ANSWER_MAX_LEVEL
            else c
            for c in scores
        ]

    weight_sum = sum(c.weight for c in scores)
    competency_part = sum(c.score * c.weight for c in scores) / weight_sum if weight_sum else 0.0
    overall_exact = COMPETENCY_SHARE * competency_part + (1 - COMPETENCY_SHARE) * example
    if not question.asks_for_example:
        overall_exact = max(overall_exact, APPROACH_GENERAL_SHARE * competency_part)
    if reading is not None and reading.points > 0 and any(c.flagged for c in scores):
        # Nothing lifts an answer that says what a careful interviewer objects to.
        reading = replace(reading, points=0.0)
    blend = overall_exact
    if reading is not None:
        # Before the caps: a gated answer stays held whatever its reading.
        overall_exact = min(100.0, max(0.0, overall_exact + reading.points))
    gates: list[str] = []
    limits: list[str] = []
    # Every cap that holds the score, before and after rounding (to tell what the reading
    # changed in the end).
    caps_before: list[float] = []
    caps_after: list[int] = []
    if example < EXAMPLE_PRESENT:
        if question.asks_for_example:
            gates.append("no_example")
            caps_before.append(NO_EXAMPLE_CAP_STORY)
        else:
            caps_before.append(NO_EXAMPLE_CAP_APPROACH)
            if overall_exact > NO_EXAMPLE_CAP_APPROACH:
                limits.append("no_example")
    if TOO_SHORT_WORDS <= total_words < BRIEF_WORDS:
        brief_cap = TOO_SHORT_CAP + (total_words - TOO_SHORT_WORDS) * BRIEF_POINTS_PER_WORD
        caps_before.append(brief_cap)
        if overall_exact > brief_cap:
            limits.append("brief")
    own_history = total_words and _own_history_words(sentences) / total_words >= OWN_HISTORY_SHARE
    if own_history:
        caps_before.append(OWN_HISTORY_CAP)
        if overall_exact > OWN_HISTORY_CAP:
            limits.append("own_history")

    if any(c.flagged for c in scores):
        gates.append("red_flag")
        caps_after.append(RED_FLAG_CAP)
    any_evidence = any(f.groups or f.phrase_groups or f.depth for f in findings)
    if total_words < TOO_SHORT_WORDS:
        gates.append("too_short")
        caps_after.append(TOO_SHORT_CAP)
    if total_words and list_words / total_words >= KEYWORD_LIST_SHARE:
        gates.append("keyword_list")
        caps_after.append(KEYWORD_LIST_CAP)
    # A keyword list is on topic by construction; its own gate already says what is wrong.
    if total_words and not any_evidence and "keyword_list" not in gates:
        if relevance is not None:
            off_topic = relevance < OFF_TOPIC_RELEVANCE
        else:
            off_topic = _lexical_overlap(sentences, compiled.vocabulary) < OFF_TOPIC_LEXICAL_OVERLAP
        if off_topic:
            gates.append("off_topic")
            caps_after.append(OFF_TOPIC_CAP)
    if not total_words and "too_short" not in gates:
        gates.append("too_short")
    if "too_short" in gates and "no_example" in gates:
        gates.remove("no_example")  # "say more" already covers it

    overall = _held(overall_exact, caps_before, caps_after)
    # What the reading changed of the score in the end: nothing where a cap holds it.
    read_points = None if reading is None else overall - _held(blend, caps_before, caps_after)
    telling = None if reading is None or not read_points else reading.telling_sentence()
    reading_quote = "" if telling is None else prose[telling].text
    next_steps = _overall_next_steps(
        question, scores, steps, star, gates, limits, read_points, reading_quote
    )
    return ScoreReport(
        question_id=question.id,
        rubric_version=rubric_version,
        overall=overall,
        competencies=tuple(scores),
        star=star.breakdown,
        relevance=None if relevance is None else round(relevance, 3),
        gates=tuple(gates),
        notes=tuple(notes),
        next_steps=next_steps,
        used_embeddings=similarity is not None,
        example=round(example),
        limits=tuple(limits),
        reading=read_points,
        reading_quote=reading_quote,
    )


def _harmful_units(
    compiled: _CompiledQuestion,
    units: Sequence[_Unit],
    harm: Vectors | None,
    best_any: Vectors | None,
) -> dict[int, tuple[int, str, float]]:
    """The units that say bad practice in the speaker's own voice, by meaning.

    Unit index -> (competency index, the harm it resembles, cosine). A unit qualifies when it
    resembles a harm from ``HARM_THRESHOLD`` up and more than any good practice of the question
    by ``HARM_MARGIN``; it must be the speaker's own doing ("I stopped answering his calls"),
    not what someone else did, and negated exactly when the harm is.
    """
    if harm is None or best_any is None or not compiled.harms:
        return {}
    out: dict[int, tuple[int, str, float]] = {}
    import numpy as np

    same_polarity = {
        polarity: np.asarray([n == polarity for n in compiled.harm_negated]) for polarity in (0, 1)
    }
    for u, unit in enumerate(units):
        if len(unit.sentences) != 1 or not _speaker_does(unit):
            continue
        row = np.where(same_polarity[int(unit.negated)], harm[u], -1.0)
        h = int(row.argmax())
        cosine = float(row[h])
        if cosine >= HARM_THRESHOLD and cosine - float(best_any[u]) >= HARM_MARGIN:
            competency, text = compiled.harms[h]
            out[u] = (competency, text, cosine)
    return out


def _speaker_does(unit: _Unit) -> bool:
    """The unit tells the speaker's own action: a past one, or a habit in "I ..." form."""
    if unit.shows_action:
        return True
    words = [t.lower for t in unit.sentences[0].tokens if t.lower not in _OPENING_WORDS]
    # "I had a client who ..." and "I'm eight years in recovery" set a scene: no doing.
    return len(words) > 1 and words[0] in {"i", "we"} and words[1] not in _STATE_VERBS


_STATE_VERBS = frozenset(
    {"be", "am", "was", "were", "have", "had", "got", "get", "has", "is", "are"}
)


# Sounds and linking words a spoken sentence may open with before its subject: "um so I ...".
_OPENING_WORDS = FILLER_SOUNDS | {"so", "and", "then", "well", "like", "yeah", "honestly", "but"}


def _add_harms(
    found: _Findings,
    competency: int,
    harmful: dict[int, tuple[int, str, float]],
    units: Sequence[_Unit],
    timeline: WordTimeline,
) -> None:
    """Flag the competency with the units that harm it, unless the answer also shows it in the
    speaker's own action (a first reaction put right: "At first I snapped; then I apologized")."""
    if any(ev.shown for ev in found.groups.values()):
        return
    for u, (owner, text, cosine) in harmful.items():
        if owner != competency:
            continue
        sentence = units[u].sentences[0]
        found.contrary_quotes.append(_quote(sentence.text, 60))
        found.contrary.append(
            _sentence_evidence(
                "red_flag",
                sentence,
                f"bad practice, like '{text}' ({cosine:.2f})",
                (sentence.start_char, sentence.end_char),
                timeline,
            )
        )


def _add_conduct(
    findings: Sequence[_Findings],
    prose: Sequence[Sentence],
    units: Sequence[_Unit],
    similarity: Vectors | None,
    slices: Sequence[slice],
    timeline: WordTimeline,
    embedder: Embedder | None,
    compiled: _CompiledQuestion,
    sentence_vectors: Vectors | None,
) -> None:
    """Flag conduct any interviewer objects to, whatever the question: the conduct list's
    phrases (``core.conduct``) and, with embeddings, the sentences the conduct classifier reads
    as such (``core.conduct_reading``).

    It counts against the competency that both the sentence and what the conduct is ("brushing
    off feedback instead of weighing it") say most about: openness to feedback, not the
    communication the sentence happens to resemble. Without embeddings, the first competency.
    """
    if not findings:
        return
    told = [
        _Told(
            hit.sentence,
            hit.rule.says,
            f"like '{hit.phrase}'",
            match_span(hit.occurrence),
            snippet(hit.occurrence),
        )
        for hit in conduct_hits(prose)
    ]
    reader = get_conduct_reader() if embedder is not None else None
    if reader is not None:
        named = {t.sentence.index for t in told}
        try:
            read = read_conduct(prose, reader, vectors=sentence_vectors)
        except Exception:  # a classifier that fails to read: the phrase list alone
            read = []
        told += [
            _Told(
                r.sentence,
                CONDUCT_READ_SAYS,
                f"read from the whole sentence ({r.probability:.2f})",
                (r.sentence.start_char, r.sentence.end_char),
                _quote(r.sentence.text),
            )
            for r in read
            if r.sentence.index not in named
        ]
    if not told:
        return
    single = {
        unit.sentences[0].index: u for u, unit in enumerate(units) if len(unit.sentences) == 1
    }
    kinds: Vectors | None = None
    if similarity is not None and embedder is not None:
        references = _reference_matrix(embedder, compiled)[1 : 1 + len(compiled.references)]
        kinds = embedder.embed_cached([t.says for t in told]) @ references.T
    for h, item in enumerate(told):
        owner = 0
        u = single.get(item.sentence.index)
        if similarity is not None and u is not None:
            closeness = [
                float(similarity[u, sl].max())
                + (float(kinds[h, sl].max()) if kinds is not None else 0.0)
                if sl.stop > sl.start
                else -2.0
                for sl in slices
            ]
            owner = max(range(len(closeness)), key=closeness.__getitem__)
        found = findings[owner]
        if any(e.start_char == item.sentence.start_char for e in found.contrary):
            continue  # the bank's own red flag already quotes this sentence
        conduct = _sentence_evidence(
            "red_flag",
            item.sentence,
            f"{item.says}, {item.how}",
            item.span,
            timeline,
        )
        # "At first I just complained about it to my guys": where the story began.
        found.against(conduct, item.quote, one_moment=first_moment(item.sentence))


def _no_credit_for_flagged(findings: Sequence[_Findings]) -> None:
    """A sentence held against the answer (a red flag, objectionable conduct) earns it no
    credit under any competency: "I started marking them as verified without checking" is not
    ownership shown, whatever it resembles. Units with such a sentence stop counting."""
    flagged = {e.start_char for found in findings for e in found.contrary}
    if not flagged:
        return
    for found in findings:
        found.groups = {
            group: ev
            for group, ev in found.groups.items()
            if not any(s.start_char in flagged for s in ev.unit.sentences)
        }
        found.phrase_groups = {
            group: match
            for group, match in found.phrase_groups.items()
            if match[0].start_char not in flagged
        }


# What the conduct classifier's sentences are said to tell (and matched to a competency by).
CONDUCT_READ_SAYS = "conduct an interviewer objects to, told as the speaker's own"


@dataclass(frozen=True)
class _Told:
    """A sentence that tells objectionable conduct: what it is, how it was found, where."""

    sentence: Sentence
    says: str
    how: str
    span: tuple[int, int]  # characters of the text to highlight
    quote: str  # the words the report quotes


def _acted_myself(star: StarAnalysis, index: int) -> bool:
    """The sentence tells a past action of the speaker's own ("I ..."), not only the group's.

    "We rebuilt the schedule" says what a team did; an interviewer credits the candidate with
    what "I" did, so only that shows a competency in their own example.
    """
    return any(a.by_me for a in star.all_actions.get(index, ()))


def _background(sentence: Sentence) -> bool:
    """Past narrative in which the speaker is nobody's subject: the scene, or what someone else
    did ("he called every day during finals week"). It describes no practice of the speaker's."""
    return (
        has_past_narrative(sentence)
        and not any(t.lower in _SPEAKER_WORDS for t in sentence.tokens)
        and not any(t.text.lower() in _GENERAL_PRESENT for t in sentence.tokens)
    )


_SPEAKER_WORDS = frozenset({"i", "we", "i'm", "i've", "i'd", "i'll", "we're", "we'd", "we've"})
# Words of a general truth in the present, which a past participle does not make a scene:
# "it's normal for mandated clients to be resistant", "once they feel respected, they usually
# open up".
_GENERAL_PRESENT = frozenset(
    {"is", "are", "it's", "they're", "usually", "often", "always", "tend", "tends", "generally"}
)


def _units(
    text: str, prose: Sequence[Sentence], star: StarAnalysis, jargon: frozenset[int] = frozenset()
) -> list[_Unit]:
    """Every prose sentence, then every window of two neighbouring prose sentences.

    ``jargon`` holds the indices of the sentences made of jargon (``phrases.is_jargon``).
    """

    # Negated for meaning: a negated clause with too little said besides it (``_affirmed``).
    negated: dict[int, bool] = {}
    for s in prose:
        spans = negated_clauses(s)
        negated[s.index] = bool(spans) and _affirmed(s, spans) is None

    def unit(members: tuple[Sentence, ...]) -> _Unit:
        start, end = members[0].start_char, members[-1].end_char
        return _Unit(
            members,
            text[start:end],
            start,
            end,
            shows_action=any(_acted_myself(star, s.index) for s in members),
            negated=any(negated[s.index] for s in members),
            background=all(_background(s) for s in members),
            jargon=any(s.index in jargon for s in members),
        )

    singles = [unit((s,)) for s in prose]
    windows = [unit((a, b)) for a, b in itertools.pairwise(prose) if b.index == a.index + 1]
    return singles + windows


def prepare_sentences(text: str, embedder: Embedder | None = None) -> None:
    """Embed (and read for conduct) the finished sentences of a partial answer now, so scoring
    it later is quicker.

    Called while the answer is still being spoken (each time more of it is transcribed); the
    last sentence may still grow, so it is left for the score itself. Does nothing without the
    embedding model.
    """
    if embedder is None:
        from voicemock.core.embeddings import get_embedder

        embedder = get_embedder()
    sentences = split_sentences(text)[:-1]
    if embedder is None or not sentences:
        return
    prose = [s for s in sentences if not is_keyword_list(s)]
    vectors = embedder.embed_cached(_embedded_texts(prose))
    reader = get_conduct_reader()
    if reader is not None:
        with contextlib.suppress(Exception):  # read again when the answer is scored
            reader.prepare(prose, vectors)


def _embedded_texts(prose: Sequence[Sentence]) -> list[str]:
    """What is embedded of each prose sentence (fillers dropped, and a negated clause left out
    when enough is said besides it): one form for both the score and the sentences prepared
    while the answer is spoken, so the latter are found again."""
    return [spoken_text(_affirmed(s) or s.text) for s in prose]


def _affirmed(sentence: Sentence, spans: Sequence[tuple[int, int]] | None = None) -> str | None:
    """What a sentence says outside its negated clauses, when that is most of it; else None.

    Embeddings cannot tell "I listened" from "I did not listen", so a negated sentence is
    compared by meaning only without its negated clauses: "i went to each team lead separately
    not in a big meeting and showed them the incidents" still shows going to each lead. Long
    unpunctuated speech is cut into chunks of a few clauses, and one "not" in a chunk would
    otherwise hide all it shows.
    """
    if spans is None:
        spans = negated_clauses(sentence)
    if not spans:
        return None
    tokens = sentence.tokens
    negated_words = sum(b - a for a, b in spans)
    if len(tokens) - negated_words < AFFIRMED_MIN_WORDS or negated_words * 2 > len(tokens):
        return None
    base = sentence.start_char
    kept: list[str] = []
    cursor = base
    for a, b in spans:
        kept.append(sentence.text[cursor - base : tokens[a].start_char - base])
        cursor = tokens[b - 1].end_char
    kept.append(sentence.text[cursor - base :])
    # The commas that set the negated clause off are left behind: ", , and showed them".
    return _LEFT_PUNCTUATION.sub(",", " ".join(" ".join(kept).split())).strip(" ,")


_LEFT_PUNCTUATION = re.compile(r"\s*,(?:\s*,)+")


def _similarities(
    embedder: Embedder, compiled: _CompiledQuestion, prose: Sequence[Sentence], units: list[_Unit]
) -> tuple[Vectors, Vectors, Vectors, float, Vectors]:
    """Unit x reference and unit x harm cosines, each unit's cosine with the question, the
    relevance, and the prose sentences' own vectors."""
    import numpy as np

    # Cached: the sentences of an answer transcribed while it was spoken are embedded then
    # (prepare_sentences), so only the last ones are left when it is scored.
    sentence_vectors = embedder.embed_cached(_embedded_texts(prose))
    row = {s.index: i for i, s in enumerate(prose)}
    rows = []
    for u in units:
        if len(u.sentences) == 1:
            rows.append(sentence_vectors[row[u.sentences[0].index]])
        else:
            # A window is the normalised sum of its sentences: cheap, and close to embedding
            # the two together for sentences of interview length.
            summed = sum(sentence_vectors[row[s.index]] for s in u.sentences)
            rows.append(summed / max(float(np.linalg.norm(summed)), 1e-9))
    unit_vectors: Vectors = np.asarray(rows, dtype=np.float32)
    matrix = _reference_matrix(embedder, compiled)
    good = matrix[: 1 + len(compiled.references)]  # the question, then every reference
    similarity: Vectors = unit_vectors @ good[1:].T
    harm: Vectors = unit_vectors @ matrix[len(good) :].T
    echo: Vectors = unit_vectors @ good[0]
    return similarity, harm, echo, _relevance(sentence_vectors, good), sentence_vectors


def _held(exact: float, caps_before: Sequence[float], caps_after: Sequence[int]) -> int:
    """The overall score: the exact blend held to its caps, rounded, then held to the gates'."""
    return min([int(min([exact, *caps_before]) + 0.5), *caps_after])


def reading_step(reading: int | None, quote: str) -> str:
    """The next step for a reading that took points off the score, naming the sentence behind
    it; "" when it took too few (or none)."""
    if reading is None or not quote or reading > -READING_STEP_POINTS:
        return ""
    return f"{READING_STEP}: \u201c{_quote(quote)}\u201d"


def _read(
    embedder: Embedder, sentence_vectors: Vectors, model: ReadingModel | None = None
) -> Reading | None:
    """The whole-answer reading, when weights fitted for this embedding model ship."""
    model = model or load_reading()
    if model is None or model.model_id != embedder.model_id:
        return None
    return read_answer(model, sentence_vectors)


def prose_vectors(text: str, embedder: Embedder) -> Vectors:
    """The vectors :func:`score_answer` reads an answer's prose sentences by (for the reading's
    training)."""
    prose = [s for s in split_sentences(text) if not is_keyword_list(s)]
    return embedder.embed_cached(_embedded_texts(prose))


_reference_matrices: dict[tuple[int, int], Vectors] = {}


def _reference_matrix(embedder: Embedder, compiled: _CompiledQuestion) -> Vectors:
    """The question's text, every reference sentence, then every harm, as rows (stored on
    disk, then kept)."""
    key = (id(embedder), id(compiled))
    cached = _reference_matrices.get(key)
    if cached is not None:
        return cached
    from voicemock.core.embeddings import get_embedder, reference_vectors

    texts = (compiled.question.text, *compiled.references, *(h for _, h in compiled.harms))
    store = reference_vectors() if embedder is get_embedder() else None
    matrix = store.get(texts) if store is not None else embedder.embed_cached(texts)
    with _compiled_lock:
        if len(_reference_matrices) > 64:
            _reference_matrices.clear()
        _reference_matrices[key] = matrix
    return matrix


def _relevance(sentence_vectors: Vectors, reference_vectors: Vectors) -> float:
    """Cosine between the answer's mean sentence vector and the references' mean vector."""
    import numpy as np

    answer = sentence_vectors.mean(axis=0)
    target = reference_vectors.mean(axis=0)
    denominator = float(np.linalg.norm(answer) * np.linalg.norm(target))
    if denominator == 0.0:
        return 0.0
    return max(0.0, min(1.0, float(answer @ target) / denominator))


def _lexical_overlap(sentences: Sequence[Sentence], vocabulary: frozenset[str]) -> float:
    content = [t.lemma for s in sentences for t in s.tokens if is_content(t)]
    if not content:
        return 0.0
    return sum(1 for lemma in content if lemma in vocabulary) / len(content)


def _evidence(
    kind: EvidenceKind,
    start_char: int,
    end_char: int,
    text: str,
    reason: str,
    span: tuple[int, int],
    timeline: WordTimeline,
) -> Evidence:
    """Evidence quoting ``text`` (the answer at start_char:end_char); ``span`` is the words."""
    times = timeline.times(start_char, end_char)
    start, end = span
    return Evidence(
        kind=kind,
        sentence=text,
        start_char=start_char,
        end_char=end_char,
        reason=reason,
        matched=text[start - start_char : end - start_char],
        start_s=None if times is None else times[0],
        end_s=None if times is None else times[1],
        matched_start_char=start,
        matched_end_char=end,
    )


def _sentence_evidence(
    kind: EvidenceKind, sentence: Sentence, reason: str, span: tuple[int, int], tl: WordTimeline
) -> Evidence:
    return _evidence(kind, sentence.start_char, sentence.end_char, sentence.text, reason, span, tl)


def _denies_a_state(sentence: Sentence, start: int) -> bool:
    """True when the negated indicator at ``start`` says what the speaker is not, rather than
    what they do not do: "I'm not in recovery myself" is a fact about them, "I'm not listening
    to them" a practice."""
    tokens = sentence.tokens
    if start < 3:
        return False
    subject, be, negator = tokens[start - 3 : start]
    return (
        negator.lemma in NEGATORS
        and be.lemma == "be"
        and subject.lower == "i"
        and not tokens[start].lower.endswith("ing")
    )


def _collect(
    cc: _CompiledCompetency,
    prose: Sequence[Sentence],
    units: Sequence[_Unit],
    sims: Vectors | None,
    echo: Vectors | None,
    best_any: Vectors | None,
    timeline: WordTimeline,
    harmful: frozenset[int] = frozenset(),
    jargon: frozenset[int] = frozenset(),
) -> _Findings:
    """What the answer says for and against one competency: red flags, avoided red flags,
    phrase hits and the best unit per indicator group by meaning."""
    found = _Findings()
    flagged: set[int] = set()
    avoided_sentences: set[int] = set()
    for sentence in prose:
        for phrase in cc.red_flags:
            if not may_match(sentence, phrase):
                continue
            flags = red_flag_occurrences(sentence, phrase)
            if flags:
                flagged.add(sentence.index)
                flag = _sentence_evidence(
                    "red_flag",
                    sentence,
                    f"red flag '{phrase.text}'",
                    match_span(flags[0]),
                    timeline,
                )
                # "At first I just did whatever landed on my desk": where the story began.
                found.against(flag, snippet(flags[0]), one_moment=first_moment(sentence))
                break  # one red flag per sentence is enough to quote it
            avoided = negated_red_flag_occurrences(sentence, phrase)
            if avoided and sentence.index not in avoided_sentences:
                avoided_sentences.add(sentence.index)
                found.avoided.append((sentence, avoided[0], phrase.text))

    # Meaning: the best unit per group.
    support: dict[int, float] = {}  # sentence index -> best similarity to this competency
    if sims is not None and echo is not None and cc.references:
        best_single: dict[int, float] = {}
        candidates: list[tuple[int, _GroupEvidence]] = []
        for u, unit in enumerate(units):
            row = sims[u]
            best = float(row.max())
            for s in unit.sentences:
                support[s.index] = max(support.get(s.index, 0.0), best)
            if u in harmful or any(s.index in flagged for s in unit.sentences):
                continue
            if len(unit.sentences) == 1:
                best_single[unit.sentences[0].index] = best
            elif best < WINDOW_GAIN + max(best_single.get(s.index, 0.0) for s in unit.sentences):
                continue  # the window adds nothing its sentences do not show alone
            if best_any is not None and float(best_any[u]) - best > COMPETING_MARGIN:
                continue  # it says more about another competency
            if unit.negated:
                continue  # embeddings cannot tell "I listened" from "I did not listen"
            if unit.background:
                continue  # "he called every day during finals week" is the scene
            if unit.jargon:
                continue  # terms that name good practice, with nobody doing it
            threshold = MEANING_THRESHOLD
            floor = max(threshold, float(echo[u]) + QUESTION_ECHO_MARGIN)
            for r in (row >= floor).nonzero()[0]:
                g, reference = cc.references[int(r)]
                cosine = float(row[r])
                if g == _EXEMPLAR_GROUP and cosine < EXEMPLAR_THRESHOLD:
                    continue
                candidates.append((g, _GroupEvidence(unit, cosine, reference, unit.shows_action)))
        _assign_groups(found, candidates)

    # Phrases: highlighted evidence; a described group when the sentence means it too.
    for sentence in prose:
        if sentence.index in flagged:
            continue
        plain = sentence.index not in jargon  # in jargon, a phrase is named, never described
        for g, group in enumerate(cc.groups):
            for phrase in group.phrases:
                if not may_match(sentence, phrase):
                    continue
                hits = occurrences(sentence, phrase)
                contrary = [o for o in hits if o.polarity == "contrary"]
                positive = [o for o in hits if o.polarity == "positive"]
                if (
                    contrary
                    and sentence.index not in avoided_sentences
                    and not admits_shortfall(sentence)
                    and not _denies_a_state(sentence, contrary[0].start)
                ):
                    denial = _sentence_evidence(
                        "negated",
                        sentence,
                        f"negated indicator '{phrase.text}' ({group.meaning})",
                        match_span(contrary[0]),
                        timeline,
                    )
                    found.against(
                        denial, snippet(contrary[0]), one_moment=has_past_narrative(sentence)
                    )
                    break
                if not positive:
                    continue
                practised = _in_practice_clause(sentence, positive[0].start)
                describes = plain and (
                    (
                        len(phrase.lemmas) >= 2
                        and (
                            support.get(sentence.index, 0.0) >= PHRASE_SUPPORT
                            if sims is not None
                            else _has_verb_clause(sentence)
                        )
                    )
                    or practised
                )
                if describes and g not in found.phrase_groups:
                    found.phrase_groups[g] = (sentence, positive[0], phrase.text)
                elif not describes:
                    found.named.append((sentence, positive[0], phrase.text))
                break
        for phrase in cc.depth:
            if phrase.text in found.depth or not may_match(sentence, phrase):
                continue
            positive = [o for o in occurrences(sentence, phrase) if o.polarity == "positive"]
            if positive and not plain and is_jargon(sentence):
                # A concept among buzzwords is named, like the words around it: no depth. (A
                # list of the rubric's own concepts still shows what the speaker knows.)
                found.named.append((sentence, positive[0], phrase.text))
            elif positive:
                found.depth[phrase.text] = (sentence, positive[0])
                if (
                    plain
                    and found.practised is None
                    and _in_practice_clause(sentence, positive[0].start)
                ):
                    found.practised = (sentence, positive[0], phrase.text)
    return found


def _term_stuffed(sentence: Sentence, compiled: _CompiledQuestion) -> bool:
    """True when a sentence strings together TERM_STUFFED or more of the rubric's own concepts
    ("the spirit of MI: partnership, acceptance, compassion and evocation"): it names the field's
    terms, like jargon, and shows no practice of them."""
    named: set[str] = set()
    for cc in compiled.competencies:
        for phrase in cc.depth:
            if (
                phrase.text not in named
                and may_match(sentence, phrase)
                and any(o.polarity == "positive" for o in occurrences(sentence, phrase))
            ):
                named.add(phrase.text)
                if len(named) >= TERM_STUFFED:
                    return True
    return False


def _assign_groups(found: _Findings, candidates: Sequence[tuple[int, _GroupEvidence]]) -> None:
    """Give each group its best unit, and each sentence to one group only.

    A sentence is one piece of evidence: one that faintly resembles three things a good answer
    does shows one of them, not three. Strongest first (shown before described, then by
    cosine), a candidate counts when its group is still open and none of its sentences has
    been counted for another group.
    """
    used: set[int] = set()
    for g, evidence in sorted(
        candidates, key=lambda c: (c[1].shown, c[1].similarity), reverse=True
    ):
        indexes = {s.index for s in evidence.unit.sentences}
        if g in found.groups or indexes & used:
            continue
        found.groups[g] = evidence
        used |= indexes


# Verbs that name or adopt an approach rather than say what the speaker does with a person:
# "I use motivational interviewing", "I take a client-centred approach".
_NAMING_VERBS = frozenset(
    str.split(
        """
    use apply adopt take employ utilize utilise leverage implement incorporate follow practice
    practise believe value prioritize prioritise focus emphasize emphasise ensure maintain provide
    have be would will can could should might may always also really try aim strive address
    integrate draw rely base ground know understand recognize recognise consider keep
    """
    )
)
_PRACTICE_SUBJECTS = frozenset({"i", "we"})


def _in_practice_clause(sentence: Sentence, start: int) -> bool:
    """True when a term sits in the speaker's own clause with a verb of doing before it.

    "I start by listening to their concerns, creating a non-judgmental space" describes what
    the speaker does; "I take a non-judgmental approach" only names it.
    """
    tokens = sentence.tokens
    subject = None
    for j in range(start - 1, -1, -1):
        if tokens[j].lower in _PRACTICE_SUBJECTS:
            subject = j
            break
        if tokens[j].lower in _CLAUSE_BREAKING or tokens[j].lower in {"he", "she", "they"}:
            return False
    if subject is None:
        return False
    for j in range(subject + 1, start):
        token = tokens[j]
        if token.lemma in _NAMING_VERBS or token.lower in _NAMING_VERBS or _content_free(token):
            continue
        if j + 1 < len(tokens) and tokens[j + 1].punct_before == "-":
            return False  # the head of a compound: "non-judgmental", "client-centred"
        # The main verb says what the speaker does; a noun or an adjective here ("a
        # non-judgmental approach", "the abstinence violation effect") only names it.
        return _verb_like(token)
    return False


_NOT_VERB_ENDINGS = (
    "al",
    "ive",
    "tion",
    "sion",
    "ment",
    "ness",
    "ity",
    "ic",
    "ous",
    "ful",
    "ence",
    "ance",
    "ism",
    "ist",
    "ship",
)


def _verb_like(token: Token) -> bool:
    word = token.lower
    return "-" not in token.text and word.isalpha() and not word.endswith(_NOT_VERB_ENDINGS)


_CLAUSE_BREAKING = frozenset({"because", "which", "but", "so", "while", "although", "that"})


def _content_free(token: Token) -> bool:
    """A function word ("the", "by", "to") or an adverb ending in -ly."""
    return token.lower in FUNCTION_WORDS or (token.lower.endswith("ly") and len(token.lower) > 4)


def _has_verb_clause(sentence: Sentence) -> bool:
    """Without embeddings: the sentence says what someone does (a subject and more words)."""
    return sentence.word_count >= 5 and any(
        t.lower in {"i", "we", "you", "he", "she", "they"} for t in sentence.tokens
    )


def _showing_action(
    guides: Sequence[tuple[Sentence, str, tuple[int, int] | None]], star: StarAnalysis
) -> tuple[Sentence, OwnAction] | None:
    """The speaker's own action that shows the competency, among the clauses of the sentences
    it was shown in: the clause holding the phrase that matched, else the clause sharing the
    most words with the meaning and exemplar it matched ("We agreed on one goal, and I kept
    what he told me private" shows confidentiality in its second clause). Only "I" clauses
    where the sentence has one; ties go to the earliest sentence and clause."""
    best: tuple[int, Sentence, OwnAction] | None = None
    for sentence, guide, span in sorted(guides, key=lambda g: g[0].index):
        actions = star.all_actions.get(sentence.index, ())
        actions = tuple(a for a in actions if a.by_me) or actions
        if not actions:
            continue
        # A phrase's span says which clause; else the words of the meaning it matched.
        guide_lemmas = (
            set()
            if span is not None
            else {t.lemma for t in tokenize(guide) if not _content_free(t)}
        )
        for action in actions:
            clause = sentence.tokens[
                action.start_token : max(action.end_token, action.start_token + 1)
            ]
            if span is not None:
                fit = 100 if clause[0].start_char <= span[0] < clause[-1].end_char else 0
            else:
                fit = len({t.lemma for t in clause if not _content_free(t)} & guide_lemmas)
            if best is None or fit > best[0]:
                best = (fit, sentence, action)
    return None if best is None else (best[1], best[2])


def competency_level(described: int, shown: int, named: bool, depth: bool) -> int:
    """The level from the evidence, by the fixed meanings of the levels.

    ``described`` counts the distinct groups (things a good answer does) that the answer
    describes or shows, ``shown`` those told in the speaker's own past action; ``named`` says
    that terms or single words of the competency occur with nothing described around them, and
    ``depth`` that a concept behind the practice is named. Named only is 1 however many terms;
    one described group is 2; two, or one with its concept, or one shown is 3; shown plus a
    second group or a concept is 4.
    """
    if described == 0:
        return 1 if (named or depth) else 0
    level = 2
    if described >= 2 or depth or shown:
        level = 3
    if shown and (described >= 2 or depth):
        level = 4
    return level


def competency_points(level: int, described: int, depth: int) -> int:
    """The 0-100 score of a competency: its level, plus breadth within level 3.

    Level 3 needs two described groups (or one with its concept); each further group and each
    further concept adds ``BREADTH_POINTS``, never reaching the next level. The other levels
    are flat: level 2 is one group with nothing more (see ``competency_level``), named-only (1)
    and not shown (0) earn nothing for more terms, and 4 is the top.
    """
    points = level * LEVEL_POINTS
    if level == 3:
        extra = max(0, described - 2) + depth - (1 if described < 2 else 0)
        points += min(BREADTH_CAP, BREADTH_POINTS * max(0, extra))
    return points


def _competency_score(
    cc: _CompiledCompetency, found: _Findings, star: StarAnalysis, timeline: WordTimeline
) -> tuple[CompetencyScore, tuple[tuple[str, str], ...]]:
    competency = cc.competency
    evidence: list[Evidence] = []
    described_groups: set[int] = set()
    shown_groups: set[int] = set()
    for group, ev in found.groups.items():
        described_groups.add(group)
        if ev.shown:
            shown_groups.add(group)
        unit = ev.unit
        meaning = cc.groups[group].meaning if group >= 0 else "what a strong answer shows"
        how = "shown in your own example" if ev.shown else "described"
        evidence.append(
            _evidence(
                "exemplar",
                unit.start_char,
                unit.end_char,
                unit.text,
                f"{how}: {meaning}, like '{ev.reference}' ({ev.similarity:.2f})",
                (unit.start_char, unit.end_char),
                timeline,
            )
        )
    # What each shown sentence was matched on: the meaning and its exemplar, or a phrase's span.
    guides: list[tuple[Sentence, str, tuple[int, int] | None]] = [
        (s, f"{cc.groups[group].meaning if group >= 0 else ''} {ev.reference}", None)
        for group, ev in found.groups.items()
        if ev.shown
        for s in ev.unit.sentences
    ]
    for group, (sentence, occurrence, phrase) in found.phrase_groups.items():
        described_groups.add(group)
        if _acted_myself(star, sentence.index):
            shown_groups.add(group)
            guides.append((sentence, phrase, match_span(occurrence)))
        evidence.append(
            _sentence_evidence(
                "indicator",
                sentence,
                f"indicator '{phrase}' ({cc.groups[group].meaning})",
                match_span(occurrence),
                timeline,
            )
        )
    for sentence, occurrence, phrase in found.avoided:
        described_groups.add(-2 - len(described_groups))  # its own unit of evidence
        evidence.append(
            _sentence_evidence(
                "indicator",
                sentence,
                f"rules out '{phrase}'",
                match_span(occurrence),
                timeline,
            )
        )
        break  # one avoided harm is one unit
    named = bool(found.named)
    for sentence, occurrence, phrase in found.named[:2]:
        evidence.append(
            _sentence_evidence(
                "indicator",
                sentence,
                f"names '{phrase}' (named, not described)",
                match_span(occurrence),
                timeline,
            )
        )
    for phrase, (sentence, occurrence) in found.depth.items():
        evidence.append(
            _sentence_evidence(
                "depth", sentence, f"depth concept '{phrase}'", match_span(occurrence), timeline
            )
        )
    # The speaker's own action that shows it, quoted: "I kept what he told me private".
    picked = _showing_action(guides, star)
    if picked is not None:
        acting, action = picked
        evidence.append(
            _sentence_evidence(
                "own_action",
                acting,
                f"your own past action: '{action.quote}'",
                (action.start_char, action.end_char),
                timeline,
            )
        )
    if not described_groups and found.practised is not None:
        described_groups.add(-100)  # the concept in practice is one described unit
    level = competency_level(len(described_groups), len(shown_groups), named, bool(found.depth))
    if level < NEGATION_OUTWEIGHED_AT:
        # "I didn't tell my manager for a week ... then I told her everything": a moment of the
        # story denies the practice only when the answer does not show it clearly elsewhere.
        for denial, quote in found.denied_then:
            found.contrary.append(denial)
            found.contrary_quotes.append(quote)
    flagged = bool(found.contrary)
    flag_reasons: tuple[str, ...] = ()
    if flagged:
        level = 0
        flag_reasons = tuple(dict.fromkeys(f'{e.reason}: "{e.sentence}"' for e in found.contrary))
    evidence = sorted(
        [*found.contrary, *evidence], key=lambda e: (e.start_char, _KIND_ORDER[e.kind])
    )
    steps = _competency_steps(cc, found, level, described_groups, shown_groups)
    return CompetencyScore(
        competency_id=competency.id,
        label=competency.label,
        level=level,
        score=competency_points(level, len(described_groups), len(found.depth)),
        weight=competency.weight,
        evidence=tuple(evidence),
        flagged=flagged,
        flag_reasons=flag_reasons,
        next_step=steps[0][1] if steps else "",
    ), tuple(steps)


_KIND_ORDER: dict[str, int] = {
    "red_flag": 0,
    "negated": 1,
    "indicator": 2,
    "exemplar": 3,
    "depth": 4,
    "own_action": 5,
}


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _competency_steps(
    cc: _CompiledCompetency,
    found: _Findings,
    level: int,
    described: set[int],
    shown: set[int],
) -> list[tuple[str, str]]:
    """(kind, text) steps that would lift this competency to the next level, most useful first."""
    competency = cc.competency
    name = competency.label[0].lower() + competency.label[1:]
    exemplar = cc.exemplars[0] if cc.exemplars else None
    if found.contrary_quotes:
        said = _quote(found.contrary_quotes[0])
        instead = (
            f'say instead something like: "{exemplar}"'
            if exemplar is not None
            else f"say what you do that shows {name}"
        )
        return [("contrary", f'You said "{said}", which works against {name} — {instead}')]
    missing = [g.meaning for i, g in enumerate(cc.groups) if i not in described]
    if level == 0:
        example = (
            f'for example, "{exemplar}"'
            if exemplar is not None
            else "say what you did that shows it, in one specific example"
        )
        return [("show", competency.next_step or f"Show {name}: {example}")]
    if level == 1:
        terms = [p for _, _, p in found.named] + list(found.depth)
        named = f"You named {_quote(terms[0], 40)}; " if terms else ""
        what = f" ({_or_join(missing[:2])})" if missing else ""
        return [
            (
                "describe",
                f"{named}say what you actually do or did that shows {name}{what}, in plain words",
            )
        ]
    steps: list[tuple[str, str]] = []
    if not shown:
        steps.append(
            (
                "example",
                f"Add a specific time from your own work that shows {name}: what you did "
                "and how it turned out",
            )
        )
    if len(described) < 2 and missing:
        steps.append(("describe", f"Also cover {_or_join(missing[:2])}, to show {name} in depth"))
    if not steps and level < 4 and not found.depth and cc.depth:
        hint = " or ".join(f"'{d.text}'" for d in cc.depth[:2])
        steps.append(("depth", f"Say why your approach works, naming a concept such as {hint}"))
    if not steps and level < 4:
        steps.append(("describe", competency.next_step or f"Describe {name} in more detail"))
    return steps


_TO_YOU = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "am": "are",
}
_FIRST_PERSON = re.compile(r"\b(?:i'm|i've|i'd|i'll|i am|i|me|my|mine|myself)\b", re.IGNORECASE)


def _to_you(meaning: str) -> str:
    """A rubric meaning in the coach's voice: "naming the exact thing I got wrong" is said to
    the user as "naming the exact thing you got wrong"."""
    return _FIRST_PERSON.sub(
        lambda m: " ".join(_TO_YOU[w] for w in m.group(0).lower().split()), meaning
    )


def _or_join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


# Sentences about the speaker's own life rather than their work.
_OWN_HISTORY = re.compile(
    r"\b(?:my (?:own |younger |older |little |big |late )?(?:father|dad|mum|mom|mother|brother|"
    r"sister|parents|family|grandmother|"
    r"grandfather|gran|granddad|uncle|aunt|stepdad|stepmom|stepmum|childhood|recovery|"
    r"addiction|drinking|using)|grew up|growing up|"
    r"when i was (?:a kid|young|little|a teenager|\w+teen|twenty|thirty|in treatment|using|"
    r"drinking|getting sober)|went back to school|my path into|got into this (?:field|work|line)|"
    r"got sober|getting sober|years sober|i(?:'m| am| was) in recovery|i started (?:drinking|"
    r"using)|i went to treatment|went to treatment myself|i was (?:born|raised)|"
    r"back home in|i started out (?:as|in)|in our family|i was that client|my sponsor|"
    r"i had a sponsor|in and out of (?:treatment|rehab)|months sober|be sober|"
    r"(?:when|since|until|till|by the time) i was (?:\d+|ten|eleven|twelve|\w+teen|twenty|"
    r"thirty)|went to (?:university|uni|college)|for my (?:masters|degree|phd)|"
    r"national service|we moved to|my cousin|(?:moved|moving|emigrated|immigrated) from|"
    r"i was \w+teen|(?:years|months) clean|got clean|getting clean|clean and sober|"
    r"(?:in|to|out of) rehab|i was in (?:groups|treatment|rehab|detox)|relapsed myself|"
    r"my own relapse|got me into (?:this|the) (?:field|work|job|line)|(?:reason|why) i (?:went|"
    r"got) into|i went into (?:this|the) (?:field|work)|my (?:counsell?or|therapist|sponsor) "
    r"(?:at the time|back then)|i did my (?:certificate|certification|placement|degree|training|"
    r"diploma)|my (?:wife|husband|son|daughter|kids|children|boyfriend|girlfriend|nan|grandma|"
    r"grandpa|grandad)|when i moved to|my (?:own )?divorce|"
    r"before i (?:became|got into|went into|trained as))\b",
    re.IGNORECASE,
)


def _own_history_words(sentences: Sequence[Sentence]) -> int:
    """The words of the sentences that tell the speaker's own life: family, growing up, the way
    into the field."""
    return sum(s.word_count for s in sentences if _OWN_HISTORY.search(s.text))


def _overall_next_steps(
    question: Question,
    scores: Sequence[CompetencyScore],
    steps: Sequence[Sequence[tuple[str, str]]],
    star: StarAnalysis,
    gates: Sequence[str],
    limits: Sequence[str] = (),
    reading: int | None = None,
    reading_quote: str = "",
) -> tuple[str, ...]:
    """The three most valuable steps: gates first, then contradictions, a story, weak spots."""
    candidates: list[tuple[float, int, str]] = []  # (priority, order, text)

    def add(priority: float, text: str) -> None:
        if text:
            candidates.append((priority, len(candidates), text))

    if "own_history" in limits:
        add(85, f"{OWN_HISTORY_STEP}: {question.text}")

    if "off_topic" in gates:
        add(100, f"Answer the question that was asked: {question.text}")
    if "keyword_list" in gates:
        add(95, "Speak in full sentences: say what you did and why, not a list of keywords")
    if "too_short" in gates:
        target = question.target_length_s
        add(
            90,
            f"Say more: aim for {target.min:.0f}-{target.max:.0f} seconds with a specific example",
        )
    for c in scores:
        if c.flagged:
            add(80 + c.weight, c.next_step)
    story_advice = star.breakdown.score < STAR_ADVICE_BELOW
    if story_advice:
        add(
            70 if question.asks_for_example else 60,
            "Tell one specific time: when and where it was, what you did yourself, and how it "
            "turned out",
        )
    elif "R" in star.breakdown.missing:
        add(55, "Finish your example with its result: what changed because of what you did")
    elif "S" in star.breakdown.missing:
        add(40, "Set the scene of your example in a sentence: when, where and who")
    add(50 - (reading or 0), reading_step(reading, reading_quote))  # "" adds nothing
    for c, competency_steps in zip(scores, steps, strict=True):
        if c.flagged:
            continue
        # The story step already covers "add a specific time"; offer the next idea instead.
        usable = [t for k, t in competency_steps if not (story_advice and k == "example")]
        if usable:
            add(c.weight * (4 - c.level) * 10, usable[0])
    candidates.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[str] = []
    for _, _, text in candidates:
        if text not in chosen:
            chosen.append(text)
        if len(chosen) == MAX_NEXT_STEPS:
            break
    return tuple(chosen)
