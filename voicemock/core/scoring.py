"""Competency scoring: a deterministic, offline, explainable level 0-4 per rubric competency.

Per competency the evidence is counted in *distinct* units: each indicator group matched (on
lemma sequences, outside negation) and each exemplar that some sentence resembles (sentence
embeddings, when the model is available). Levels have fixed meanings: 0 not shown, 1 mentioned
(one unit), 2 described (two units, or one with a depth concept), 3 described with a depth
concept or shown in the speaker's own concrete past action (the evidence sits in the clause of
a first-person past-tense action: "I kept what he told me private"), 4 both.
Contrary evidence (a red flag, or an indicator under negation such as "without their
consent") drops the competency to 0 and flags it. A negated indicator counts as contrary only
when it says something specific: a phrase of two or more content words, or one word that is
neither generic (client, problem ...) nor a word of the question ("not about the client" is no
contradiction). Evidence quotes the speaker's own matching words, not the rubric's phrase.
The overall score is the rubric-weighted mean of ``level * 25``, then gates cap it: too short,
off topic, or mostly a bare list of keywords.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicemock.core.models import (
    CompetencyScore,
    Evidence,
    EvidenceKind,
    ScoreReport,
    Transcript,
)
from voicemock.core.rubric_schema import PLACEHOLDER_PREFIX, Competency, Question
from voicemock.core.rubrics import display_path, draft_path_of
from voicemock.core.star import OwnAction, StarAnalysis, analyze_star
from voicemock.core.text import (
    GENERIC_WORDS,
    Sentence,
    Token,
    WordTimeline,
    split_sentences,
    tokenize,
)

if TYPE_CHECKING:
    from voicemock.core.embeddings import Embedder, Vectors

# --- Tunables, set on hand-written answers to a client-resistance and a colleague-conflict
# rubric (and the shipped banks); bench/bench_scoring.py prints what they cost. ---------------
# A sentence says what an exemplar says from this cosine up (MiniLM, L2-normalised). Sentences
# that showed the competency measured 0.61-0.85 against their closest exemplar; unrelated ones
# stayed under 0.45, except sentences that restate the question (up to 0.70) ...
EXEMPLAR_THRESHOLD = 0.58
# ... so a sentence must also resemble the exemplar more than the question itself by this
# much: "when a client pushes back I stay calm" echoes the question, it shows nothing.
QUESTION_ECHO_MARGIN = 0.2
# Below this similarity to the question + exemplars, and without any indicator, an answer is
# off topic. On-topic answers measured 0.45-0.82, an off-topic story 0.17-0.26.
OFF_TOPIC_RELEVANCE = 0.33
# Without embeddings: the share of the answer's content words found in the rubric. On-topic
# answers measured 0.17-0.90, the off-topic story 0.05-0.10.
OFF_TOPIC_LEXICAL_OVERLAP = 0.12
TOO_SHORT_WORDS = 25
TOO_SHORT_CAP = 20
# A keyword list must never beat a short honest answer, so its cap sits below TOO_SHORT_CAP.
KEYWORD_LIST_CAP = 10
KEYWORD_LIST_SHARE = 0.5
OFF_TOPIC_CAP = 5
# Phrase words may be this many tokens apart in the answer ("ask [him] questions").
MAX_PHRASE_GAP = 2
# A negator reaches this many tokens forward within its clause.
NEGATION_WINDOW = 6
LEVEL_POINTS = 25
STAR_ADVICE_BELOW = 50
MAX_NEXT_STEPS = 3

# What each level means; renderers show these next to the number.
LEVEL_MEANINGS: dict[int, str] = {
    0: "not shown",
    1: "mentioned",
    2: "described",
    3: "described with depth, or shown in your own example",
    4: "described with depth and shown in your own example",
}
# What each gate means, for reports.
GATE_MEANINGS: dict[str, str] = {
    "too_short": f"too short to judge (under {TOO_SHORT_WORDS} words): overall capped at "
    f"{TOO_SHORT_CAP}",
    "keyword_list": "mostly a bare list of keywords, which earns no evidence: overall capped at "
    f"{KEYWORD_LIST_CAP}",
    "off_topic": f"does not answer the question asked: overall capped at {OFF_TOPIC_CAP}",
}

NEGATORS = frozenset(
    {
        "not",
        "never",
        "no",
        "without",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "refuse",
        "fail",
        "hardly",
        "barely",
        "lack",
        "avoid",
        "none",
    }
)
# "not just/only" adds rather than negates.
_NOT_NEGATING_NEXT = frozenset({"just", "only", "simply", "merely", "matter", "doubt", "less"})
_CLAUSE_BREAK_WORDS = frozenset(
    {
        "but",
        "and",
        "so",
        "because",
        "while",
        "although",
        "though",
        "yet",
        "whereas",
        "instead",
        "which",
        "who",
        "then",
        "or",
        "since",
        "unless",
        "until",
    }
)
# Subjects that say the speaker (or a generic "you") is the one doing it.
_SPEAKER_SUBJECTS = frozenset({"i", "we", "you"})
# Subjects that say someone else is: then a negated indicator describes them, not the speaker.
_OTHER_PRONOUNS = frozenset({"he", "she", "they"})
_OTHER_NOUNS = frozenset(
    {
        "client",
        "patient",
        "customer",
        "family",
        "parent",
        "colleague",
        "manager",
        "boss",
        "supervisor",
        "team",
        "mother",
        "father",
        "wife",
        "husband",
        "partner",
        "friend",
        "doctor",
        "nurse",
        "student",
        "user",
        "employer",
        "coworker",
        "teammate",
        "man",
        "woman",
        "person",
    }
)
_SUBORDINATORS = frozenset(
    {"before", "after", "when", "if", "that", "once", "as", "whether", "where", "until", "because"}
)
_DETERMINERS = frozenset({"the", "a", "an", "my", "our", "this", "that", "one", "his", "her"})
# "everything they said": the pronoun after these opens a relative clause, not the main one.
_RELATIVE_OBJECTS = frozenset({"what", "everything", "anything", "something", "whatever", "all"})
# Pronouns in a rubric phrase stand for anyone: "hear them out" matches "hear her out".
_WILDCARD_WORDS = frozenset(
    {"them", "him", "her", "they", "he", "she", "it", "someone", "somebody"}
)
_WILDCARD = "*"
# A possessive in a phrase stands for someone's: "their community" matches "his community" and
# "the client's community", but not "a community clinic" (an article is nobody's).
_POSSESSIVE_WORDS = frozenset({"their", "his", "its"})
_POSSESSIVE = "*'s"
_POSSESSIVE_FILLERS = frozenset({"his", "her", "their", "its"})
_ANY_WILDCARD = frozenset({_WILDCARD, _POSSESSIVE})
# What a pronoun in a phrase may match: another pronoun, or the start of a noun phrase (the
# gap allowance takes the noun: "hear [the] client out"). Not any word: "backed it" must not
# match "go back next year".
_WILDCARD_FILLERS = frozenset(
    str.split(
        """
    him her them it he she they me us you his their its this that these those someone somebody
    everyone everybody anyone the a an my our your one each
    """
    )
)
# Words that turn what follows into someone's fear, not the speaker's practice.
_FEAR_WORDS = frozenset(
    {"worry", "worried", "afraid", "fear", "feared", "scared", "suspect", "nervous", "anxious"}
)
# Words that make prose prose; a bare list of keywords has almost none of them.
FUNCTION_WORDS = frozenset(
    str.split(
        """
    a an the i we you he she they it me us him her them my our your his their its this that
    these those is am are was were be been being have has had do does did will would can could
    should may might must shall to of in on at for with by from about into over after before
    as than then so and but or because if when while who which what how why not no there here
    just also very really
    """
    )
)

# Words any story uses; sharing them with the rubric says nothing about the topic.
EVERYDAY_WORDS = frozenset(
    str.split(
        """
    go come get make take give put say tell know think want like see look feel find keep let
    back next last first one two three four five six seven eight nine ten every day week month
    year time thing way lot good great bad well new old many much more most some any all other
    same each only even still again never always often sometimes people person
    """
    )
)


@dataclass(frozen=True)
class _Phrase:
    text: str
    lemmas: tuple[str, ...]
    contradicts: bool = True  # whether a negated match counts as contrary evidence


@dataclass(frozen=True)
class _Group:
    meaning: str
    phrases: tuple[_Phrase, ...]


@dataclass(frozen=True)
class _CompiledCompetency:
    competency: Competency
    groups: tuple[_Group, ...]
    depth: tuple[_Phrase, ...]
    red_flags: tuple[_Phrase, ...]


@dataclass(frozen=True)
class _CompiledQuestion:
    question: Question
    competencies: tuple[_CompiledCompetency, ...]
    exemplars: tuple[tuple[str, ...], ...]  # per competency
    references: tuple[str, ...]  # question text + every exemplar: the relevance target
    vocabulary: frozenset[str]  # content lemmas of the rubric (lexical relevance)


@dataclass(frozen=True)
class _Occurrence:
    sentence: Sentence
    start: int  # token index
    end: int  # token index, exclusive
    # "positive" | "contrary" | "other" (negated, but about someone else or too generic to say)
    polarity: str
    first_negator: int | None = None  # token index of the negator that governs it, if any


@dataclass
class _CompetencyFindings:
    """What one competency collected while the sentences were read (internal, mutable)."""

    evidence: list[Evidence] = field(default_factory=list)
    groups: dict[int, Sentence] = field(default_factory=dict)  # group index -> first sentence
    exemplars: dict[int, tuple[Sentence, float]] = field(default_factory=dict)
    contrary_quotes: list[str] = field(default_factory=list)  # the words that contradict
    depth: dict[str, Sentence] = field(default_factory=dict)
    supporting: set[int] = field(default_factory=set)  # sentence indices with positive evidence
    similar: set[int] = field(default_factory=set)  # sentences resembling an exemplar
    matched_at: dict[int, list[int]] = field(default_factory=dict)  # sentence -> match starts
    own_shows_it: bool = False  # an own action's clause holds the evidence
    contrary: list[Evidence] = field(default_factory=list)


_compiled_cache: dict[int, _CompiledQuestion] = {}
_compiled_lock = threading.Lock()


def _phrase(text: str, question_lemmas: frozenset[str] = frozenset()) -> _Phrase:
    tokens = tokenize(text)
    lemmas = tuple(_pattern_word(t) for t in tokens)
    # A phrase made only of pronouns would match anything; keep it literal.
    if lemmas and all(lemma in _ANY_WILDCARD for lemma in lemmas):
        lemmas = tuple(t.lemma for t in tokens)
    content = [t.lemma for t in tokens if _is_content(t) and _pattern_word(t) not in _ANY_WILDCARD]
    # Negating a lone generic word or a word of the question says nothing against the
    # competency: "a signal about the relationship, not about the client" is no contradiction.
    contradicts = len(content) >= 2 or (
        len(content) == 1 and content[0] not in GENERIC_WORDS and content[0] not in question_lemmas
    )
    return _Phrase(text, lemmas, contradicts)


def _pattern_word(token: Token) -> str:
    if token.lower in _WILDCARD_WORDS:
        return _WILDCARD
    if token.lower in _POSSESSIVE_WORDS:
        return _POSSESSIVE
    return token.lemma


def _compile(question: Question) -> _CompiledQuestion:
    # Questions are frozen, and the cache keeps each one alive, so its id cannot be reused.
    cached = _compiled_cache.get(id(question))
    if cached is not None and cached.question is question:
        return cached
    question_lemmas = frozenset(t.lemma for t in tokenize(question.text) if _is_content(t))
    competencies = tuple(
        _CompiledCompetency(
            competency=c,
            groups=tuple(
                _Group(
                    g.meaning,
                    tuple(p for p in (_phrase(t, question_lemmas) for t in g.phrases) if p.lemmas),
                )
                for g in c.indicators
            ),
            depth=tuple(p for p in (_phrase(d) for d in c.depth) if p.lemmas),
            red_flags=tuple(p for p in (_phrase(r) for r in c.red_flags) if p.lemmas),
        )
        for c in question.competencies
    )
    exemplars = tuple(
        tuple(e for e in c.exemplars if not _is_placeholder(e)) for c in question.competencies
    )
    references = (question.text, *(e for group in exemplars for e in group))
    vocabulary_texts = [
        *references,
        *(p for c in question.competencies for g in c.indicators for p in g.phrases),
        *(d for c in question.competencies for d in c.depth),
    ]
    vocabulary = frozenset(
        t.lemma for text in vocabulary_texts for t in tokenize(text) if _is_content(t)
    )
    compiled = _CompiledQuestion(question, competencies, exemplars, references, vocabulary)
    with _compiled_lock:
        if len(_compiled_cache) > 256:
            _compiled_cache.clear()
        _compiled_cache[id(question)] = compiled
    return compiled


def _is_placeholder(exemplar: str) -> bool:
    return exemplar.strip().upper().startswith(PLACEHOLDER_PREFIX)


def _is_content(token: Token) -> bool:
    """A word that says what the answer is about (not a function word or an everyday word)."""
    return (
        token.lower not in FUNCTION_WORDS
        and token.lemma not in FUNCTION_WORDS
        and token.lemma not in EVERYDAY_WORDS
        and not token.lemma[:1].isdigit()
    )


# --- Matching ------------------------------------------------------------------------------------


def _token_matches(pattern: str, token: Token) -> bool:
    if pattern == _WILDCARD:
        return token.lower in _WILDCARD_FILLERS
    if pattern == _POSSESSIVE:
        return token.lower in _POSSESSIVE_FILLERS or _is_possessive_noun(token)
    return pattern == token.lemma or pattern == token.lower


def _is_possessive_noun(token: Token) -> bool:
    """ "client's" (not "it's", "that's" or "he's", where 's is "is")."""
    surface = token.text.lower().replace("’", "'")
    return surface.endswith("'s") and token.lower not in FUNCTION_WORDS


def _may_match(sentence: Sentence, phrase: _Phrase) -> bool:
    """Cheap pre-check: the phrase's first word occurs in the sentence at all."""
    first = phrase.lemmas[0]
    return first in _ANY_WILDCARD or first in sentence.positions


def _find_phrase(sentence: Sentence, phrase: _Phrase) -> list[tuple[int, int]]:
    """Every (start, end) token span where the phrase's lemmas appear in order, small gaps ok."""
    tokens = sentence.tokens
    pattern = phrase.lemmas
    found: list[tuple[int, int]] = []
    if pattern[0] in _ANY_WILDCARD:
        starts: Sequence[int] = range(len(tokens))
    else:
        starts = sentence.positions.get(pattern[0], ())
    for start in starts:
        if not _token_matches(pattern[0], tokens[start]):
            continue
        end = _match_rest(tokens, pattern, 1, start + 1)
        if end is not None:
            found.append((start, end))
    return found


def _match_rest(tokens: Sequence[Token], pattern: Sequence[str], k: int, pos: int) -> int | None:
    if k == len(pattern):
        return pos
    for j in range(pos, min(pos + MAX_PHRASE_GAP + 1, len(tokens))):
        if _has_clause_punct(tokens[j]):
            break  # a phrase never spans a comma: "hides shame, and a ..." is not "shame them"
        if _token_matches(pattern[k], tokens[j]):
            end = _match_rest(tokens, pattern, k + 1, j + 1)
            if end is not None:
                return end
    return None


def _has_clause_punct(token: Token) -> bool:
    return token.clause_break


def _is_clause_start(token: Token) -> bool:
    return _has_clause_punct(token) or token.lower in _CLAUSE_BREAK_WORDS


def _negators_before(sentence: Sentence, index: int) -> list[int]:
    """Token indices of the negators that govern token ``index``.

    A negator reaches ``NEGATION_WINDOW`` tokens forward within its clause. When one does,
    every negator earlier in the same clause is returned too, so that "never share anything
    a client tells me without their consent" counts two negators, which cancel.
    """
    tokens = sentence.tokens
    found: list[int] = []
    j = index - 1
    while j >= 0:
        if _is_negator(tokens, j) and (found or index - j <= NEGATION_WINDOW):
            found.append(j)
        if _is_clause_start(tokens[j]) or (not found and index - j >= NEGATION_WINDOW):
            break
        j -= 1
    return found


def _is_negator(tokens: Sequence[Token], j: int) -> bool:
    token = tokens[j]
    if token.lemma not in NEGATORS and token.lower not in NEGATORS:
        return False
    following = tokens[j + 1] if j + 1 < len(tokens) else None
    if following is not None and following.lower in _NOT_NEGATING_NEXT:
        return False
    # "no-show", "no-one" are compounds, not a negated phrase.
    return not (token.lower == "no" and following is not None and "-" in following.punct_before)


def _subject_before(sentence: Sentence, index: int) -> str | None:
    """Who the clause ending at ``index`` is about: "speaker", "other" or None (no subject).

    Object pronouns (me, him, them) are never subjects; a noun counts only at the head of a
    clause ("The client refused ..."), not as an object ("I called the family ...").
    """
    tokens = sentence.tokens
    for j in range(index - 1, -1, -1):
        token = tokens[j]
        previous = tokens[j - 1].lower if j > 0 else ""
        if token.lower in _SPEAKER_SUBJECTS:
            return "speaker"
        if token.lower in _OTHER_PRONOUNS:
            if previous in _RELATIVE_OBJECTS:
                continue  # "everything they said": a relative clause inside the speaker's
            return "other"
        if token.lemma in _OTHER_NOUNS and _heads_clause(tokens, j):
            return "other"
    return None


def _heads_clause(tokens: Sequence[Token], j: int) -> bool:
    """True when the noun at ``j`` opens its clause: [det] [adjective] noun after a boundary."""
    k = j - 1
    if k >= 0 and tokens[k].lower not in _DETERMINERS and not _is_clause_start(tokens[j]):
        k -= 1  # one adjective: "my new colleague"
    if k < 0 or (k == j - 1 and _is_clause_start(tokens[j])):
        return True
    if tokens[k].lower not in _DETERMINERS:
        return False
    if k == 0 or _is_clause_start(tokens[k]):
        return True
    # "... before the team discussed ...": a subordinate clause opens with its own subject.
    return tokens[k - 1].lower in _SUBORDINATORS


def _occurrences(sentence: Sentence, phrase: _Phrase) -> list[_Occurrence]:
    out: list[_Occurrence] = []
    for start, end in _find_phrase(sentence, phrase):
        negators = _negators_before(sentence, start)
        # Two negators cancel: "never share anything without consent" is a good practice.
        if len(negators) % 2 == 0:
            out.append(_Occurrence(sentence, start, end, "positive"))
            continue
        about = _subject_before(sentence, negators[-1] + 1)
        contrary = about != "other" and phrase.contradicts
        polarity = "contrary" if contrary else "other"
        out.append(_Occurrence(sentence, start, end, polarity, min(negators)))
    return out


def _span(occurrence: _Occurrence) -> tuple[int, int]:
    """Where the answer's own matching words are (from the negator, for a negated match)."""
    tokens = occurrence.sentence.tokens
    first = occurrence.start if occurrence.first_negator is None else occurrence.first_negator
    return tokens[first].start_char, tokens[occurrence.end - 1].end_char


def _snippet(occurrence: _Occurrence, before: int = 8) -> str:
    """The words of a match and a few before it, as written in the sentence."""
    sentence = occurrence.sentence
    tokens = sentence.tokens
    first = tokens[max(0, occurrence.start - before)]
    last = tokens[occurrence.end - 1]
    return sentence.text[
        first.start_char - sentence.start_char : last.end_char - sentence.start_char
    ]


def _red_flag_occurrences(sentence: Sentence, phrase: _Phrase) -> list[_Occurrence]:
    out: list[_Occurrence] = []
    for start, end in _find_phrase(sentence, phrase):
        if len(_negators_before(sentence, start)) % 2 == 1:
            continue  # "I never force clients" rejects the red flag
        # Someone else's bad practice, told as part of a story, is not the speaker's.
        if _subject_before(sentence, start) == "other":
            continue
        # Nor is what someone feared would happen: "she worried I would tell her employer".
        if _feared_before(sentence, start):
            continue
        out.append(_Occurrence(sentence, start, end, "contrary"))
    return out


def _feared_before(sentence: Sentence, index: int) -> bool:
    """True when a word of fear or suspicion earlier in the clause governs token ``index``."""
    tokens = sentence.tokens
    for j in range(index - 1, -1, -1):
        if tokens[j].lemma in _FEAR_WORDS or tokens[j].lower in _FEAR_WORDS:
            return True
        if _is_clause_start(tokens[j]):
            return False
    return False


def _has_negation(sentence: Sentence) -> bool:
    return any(_is_negator(sentence.tokens, j) for j in range(len(sentence.tokens)))


def is_keyword_list(sentence: Sentence) -> bool:
    """True for a bare list of keywords: mostly nouns separated by commas, few function words."""
    words = sentence.words
    n = len(words)
    if n == 0:
        return False
    function = sum(1 for t in words if t.lower in FUNCTION_WORDS)
    ratio = function / n
    commas = sum(1 for t in words if "," in t.punct_before or ";" in t.punct_before)
    if n <= 4:
        return function == 0 and (n >= 2 or commas > 0)
    if commas >= 2 and commas >= (n - 1) / 4 and ratio < 0.25:
        return True
    return n >= 6 and ratio < 0.1


# --- Scoring -------------------------------------------------------------------------------------


def score_answer(
    transcript: Transcript,
    question: Question,
    *,
    rubric_version: str = "",
    use_embeddings: bool = True,
    embedder: Embedder | None = None,
) -> ScoreReport:
    """Score one answer against a question's rubric (same input -> same report)."""
    text = transcript.text
    compiled = _compile(question)
    sentences = split_sentences(text)
    timeline = WordTimeline(transcript, text)
    total_words = sum(s.word_count for s in sentences)

    list_sentences = frozenset(s.index for s in sentences if is_keyword_list(s))
    list_words = sum(s.word_count for s in sentences if s.index in list_sentences)
    prose = [s for s in sentences if s.index not in list_sentences]
    star = analyze_star(text, sentences, timeline, ignore=list_sentences)

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

    sentence_vectors: Vectors | None = None
    question_vector: Vectors | None = None
    relevance: float | None = None
    if embedder is not None and sentences:
        sentence_vectors = embedder.embed([s.text for s in sentences])
        reference_vectors = embedder.embed_cached(compiled.references)
        question_vector = reference_vectors[0]
        relevance = _relevance(sentence_vectors, reference_vectors)

    findings = [
        _collect(
            cc,
            prose,
            compiled.exemplars[i],
            sentence_vectors,
            question_vector,
            embedder,
            star,
            timeline,
        )
        for i, cc in enumerate(compiled.competencies)
    ]
    scored = [
        _competency_score(cc, f) for cc, f in zip(compiled.competencies, findings, strict=True)
    ]
    scores = [score for score, _ in scored]
    steps = [s for _, s in scored]

    weight_sum = sum(c.weight for c in scores)
    overall_exact = sum(c.score * c.weight for c in scores) / weight_sum if weight_sum else 0.0
    overall = int(overall_exact + 0.5)

    gates: list[str] = []
    any_indicator = any(f.groups or f.depth for f in findings)
    if total_words < TOO_SHORT_WORDS:
        gates.append("too_short")
        overall = min(overall, TOO_SHORT_CAP)
    if total_words and list_words / total_words >= KEYWORD_LIST_SHARE:
        gates.append("keyword_list")
        overall = min(overall, KEYWORD_LIST_CAP)
    # A keyword list is on topic by construction; its own gate already says what is wrong.
    if total_words and not any_indicator and "keyword_list" not in gates:
        if relevance is not None:
            off_topic = relevance < OFF_TOPIC_RELEVANCE
        else:
            off_topic = _lexical_overlap(sentences, compiled.vocabulary) < OFF_TOPIC_LEXICAL_OVERLAP
        if off_topic:
            gates.append("off_topic")
            overall = min(overall, OFF_TOPIC_CAP)
    if not total_words:
        gates.append("too_short")

    next_steps = _overall_next_steps(question, scores, steps, star, gates)
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
        used_embeddings=sentence_vectors is not None,
    )


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
    content = [t.lemma for s in sentences for t in s.tokens if _is_content(t)]
    if not content:
        return 0.0
    return sum(1 for lemma in content if lemma in vocabulary) / len(content)


def _evidence(
    kind: EvidenceKind,
    sentence: Sentence,
    reason: str,
    span: tuple[int, int],
    timeline: WordTimeline,
) -> Evidence:
    """Evidence quoting ``sentence``; ``span`` is where the speaker's matching words are."""
    times = timeline.times(sentence.start_char, sentence.end_char)
    start, end = span
    return Evidence(
        kind=kind,
        sentence=sentence.text,
        start_char=sentence.start_char,
        end_char=sentence.end_char,
        reason=reason,
        matched=sentence.text[start - sentence.start_char : end - sentence.start_char],
        start_s=None if times is None else times[0],
        end_s=None if times is None else times[1],
        matched_start_char=start,
        matched_end_char=end,
    )


def _collect(
    cc: _CompiledCompetency,
    prose: Sequence[Sentence],
    exemplars: Sequence[str],
    sentence_vectors: Vectors | None,
    question_vector: Vectors | None,
    embedder: Embedder | None,
    star: StarAnalysis,
    timeline: WordTimeline,
) -> _CompetencyFindings:
    found = _CompetencyFindings()
    flagged_sentences: set[int] = set()
    indicator_sentences: set[int] = set()

    for sentence in prose:
        for phrase in cc.red_flags:
            if not _may_match(sentence, phrase):
                continue
            flags = _red_flag_occurrences(sentence, phrase)
            if flags:
                flagged_sentences.add(sentence.index)
                found.contrary_quotes.append(_snippet(flags[0]))
                found.contrary.append(
                    _evidence(
                        "red_flag",
                        sentence,
                        f"red flag '{phrase.text}'",
                        _span(flags[0]),
                        timeline,
                    )
                )
                break  # one red flag per sentence is enough to quote it
        for g, group in enumerate(cc.groups):
            for phrase in group.phrases:
                if not _may_match(sentence, phrase):
                    continue
                occurrences = _occurrences(sentence, phrase)
                contrary = [o for o in occurrences if o.polarity == "contrary"]
                positive = [o for o in occurrences if o.polarity == "positive"]
                if contrary:
                    flagged_sentences.add(sentence.index)
                    found.contrary_quotes.append(_snippet(contrary[0]))
                    found.contrary.append(
                        _evidence(
                            "negated",
                            sentence,
                            f"negated indicator '{phrase.text}' ({group.meaning})",
                            _span(contrary[0]),
                            timeline,
                        )
                    )
                    break
                if positive:
                    indicator_sentences.add(sentence.index)
                    found.supporting.add(sentence.index)
                    found.matched_at.setdefault(sentence.index, []).extend(
                        o.start for o in positive
                    )
                    if g not in found.groups:
                        found.groups[g] = sentence
                        found.evidence.append(
                            _evidence(
                                "indicator",
                                sentence,
                                f"indicator '{phrase.text}' ({group.meaning})",
                                _span(positive[0]),
                                timeline,
                            )
                        )
                    break
        for phrase in cc.depth:
            if phrase.text in found.depth or not _may_match(sentence, phrase):
                continue
            positive = [o for o in _occurrences(sentence, phrase) if o.polarity == "positive"]
            if positive:
                found.depth[phrase.text] = sentence
                found.supporting.add(sentence.index)
                found.matched_at.setdefault(sentence.index, []).extend(o.start for o in positive)
                found.evidence.append(
                    _evidence(
                        "depth",
                        sentence,
                        f"depth concept '{phrase.text}'",
                        _span(positive[0]),
                        timeline,
                    )
                )

    if (
        sentence_vectors is not None
        and question_vector is not None
        and embedder is not None
        and exemplars
    ):
        exemplar_vectors = embedder.embed_cached(exemplars)
        for sentence in prose:
            # Embeddings cannot tell "I listen" from "I don't listen": only clean sentences.
            # A scene-setting sentence resembles story-shaped exemplars without showing
            # anything, so the situation of a story does not count either.
            if (
                sentence.index in flagged_sentences
                or _has_negation(sentence)
                or star.labels[sentence.index] == "S"
            ):
                continue
            similarities = exemplar_vectors @ sentence_vectors[sentence.index]
            best = int(similarities.argmax())
            cosine = round(float(similarities[best]), 3)
            echo = float(question_vector @ sentence_vectors[sentence.index])
            if cosine < EXEMPLAR_THRESHOLD or cosine - echo < QUESTION_ECHO_MARGIN:
                continue
            found.supporting.add(sentence.index)
            found.similar.add(sentence.index)
            if sentence.index in indicator_sentences:
                continue  # already counted through its indicator
            previous = found.exemplars.get(best)
            if previous is None or cosine > previous[1]:
                found.exemplars[best] = (sentence, cosine)
        for e, (sentence, cosine) in sorted(found.exemplars.items(), key=lambda i: i[1][0].index):
            found.evidence.append(
                _evidence(
                    "exemplar",
                    sentence,
                    f"similar to exemplar: '{exemplars[e]}' ({cosine:.2f})",
                    (sentence.start_char, sentence.end_char),
                    timeline,
                )
            )

    # The speaker's own action shows the competency when the evidence sits in the action's own
    # clause; an action elsewhere in the same sentence only supports it (see competency_level).
    supporting = sorted(found.supporting)
    linked = [(i, _linked_action(star.all_actions.get(i, ()), found, i)) for i in supporting]
    chosen = next(((i, a) for i, a in linked if a is not None), None)
    found.own_shows_it = chosen is not None
    if chosen is None:
        chosen = next(((i, star.own_actions[i]) for i in supporting if i in star.own_actions), None)
    if chosen is not None:
        index, action = chosen
        assert action is not None
        sentence = next(s for s in prose if s.index == index)
        where = "" if found.own_shows_it else ", in the same sentence"
        found.evidence.append(
            _evidence(
                "own_action",
                sentence,
                f"your own past action{where}: '{action.quote}'",
                (action.start_char, action.end_char),
                timeline,
            )
        )
    found.evidence.sort(key=lambda e: (e.start_char, _KIND_ORDER[e.kind]))
    return found


def _linked_action(
    actions: Sequence[OwnAction], found: _CompetencyFindings, index: int
) -> OwnAction | None:
    """The speaker's own action in sentence ``index`` that shows this competency, if any.

    A phrase shows it only inside the action's own clause: in "I asked him what he wanted,
    and it stayed private" the asking is no confidentiality action. A sentence that resembles
    an exemplar as a whole shows it through any of its actions.
    """
    if not actions:
        return None
    if index in found.similar:
        return actions[0]
    starts = found.matched_at.get(index, [])
    return next((a for a in actions if any(a.covers(t) for t in starts)), None)


_KIND_ORDER: dict[str, int] = {
    "red_flag": 0,
    "negated": 1,
    "indicator": 2,
    "exemplar": 3,
    "depth": 4,
    "own_action": 5,
}


def competency_level(units: int, has_depth: bool, has_own: bool, own_shows_it: bool = True) -> int:
    """The level from the evidence, by the fixed meanings of the levels.

    ``units`` is the distinct evidence (indicator groups + exemplars) and ``has_own`` says that
    a sentence with some of it also tells the speaker's own past action. One unit is
    "mentioned" (1), two are "described" (2); a depth concept adds one (so one unit with a
    depth concept also reads as described), and so does an own past action. When the evidence
    sits in the action's own clause (``own_shows_it``: "I kept what he told me private"), the
    action shows the competency, which is at least 3; an action elsewhere in the sentence
    ("we agreed on a goal, and it stayed private") only adds its one. 4 needs all three: two
    units, a depth concept and an own action.
    """
    level = min(units, 2) + int(has_depth) + int(has_own)
    if has_own and own_shows_it:
        level = max(level, 3)
    return min(level, 4)


def _competency_score(
    cc: _CompiledCompetency,
    found: _CompetencyFindings,
) -> tuple[CompetencyScore, tuple[tuple[str, str], ...]]:
    competency = cc.competency
    units = len(found.groups) + len(found.exemplars)
    has_depth = bool(found.depth)
    has_own = any(e.kind == "own_action" for e in found.evidence)
    level = competency_level(units, has_depth, has_own, found.own_shows_it)
    flagged = bool(found.contrary)
    flag_reasons: tuple[str, ...] = ()
    if flagged:
        level = 0
        flag_reasons = tuple(dict.fromkeys(f'{e.reason}: "{e.sentence}"' for e in found.contrary))
    evidence = sorted(
        [*found.contrary, *found.evidence], key=lambda e: (e.start_char, _KIND_ORDER[e.kind])
    )
    steps = _competency_steps(cc, found, level, units, has_depth, has_own)
    return CompetencyScore(
        competency_id=competency.id,
        label=competency.label,
        level=level,
        score=level * LEVEL_POINTS,
        weight=competency.weight,
        evidence=tuple(evidence),
        flagged=flagged,
        flag_reasons=flag_reasons,
        next_step=steps[0][1] if steps else "",
    ), tuple(steps)


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _competency_steps(
    cc: _CompiledCompetency,
    found: _CompetencyFindings,
    level: int,
    units: int,
    has_depth: bool,
    has_own: bool,
) -> list[tuple[str, str]]:
    """(kind, text) steps that would lift this competency, the most useful first."""
    competency = cc.competency
    name = competency.label[0].lower() + competency.label[1:]
    # A draft's placeholder exemplar ("EDIT ME: ...") is an instruction to its author, never
    # advice to the speaker.
    exemplar = next((e for e in competency.exemplars if not _is_placeholder(e)), None)
    if found.contrary_quotes:
        said = _quote(found.contrary_quotes[0])
        instead = (
            f'say instead something like: "{exemplar}"'
            if exemplar is not None
            else f"say what you do that shows {name}"
        )
        return [("contrary", f'You said "{said}", which contradicts {name} — {instead}')]
    if level == 0:
        example = (
            f'for example, "{exemplar}"'
            if exemplar is not None
            else "say what you did that shows it, in one specific example"
        )
        return [("show", competency.next_step or f"Show {name}: {example}")]
    steps: list[tuple[str, str]] = []
    missing = [g.meaning for i, g in enumerate(cc.groups) if i not in found.groups]
    if units < 2 and missing:
        steps.append(
            ("describe", f"Describe {name} in more detail: also cover {_or_join(missing[:2])}")
        )
    if not has_own:
        steps.append(
            (
                "example",
                f"Add a specific time from your own work that shows {name}, and its outcome",
            )
        )
    elif not found.own_shows_it:
        steps.append(("example", f"Say what you yourself did in your example that showed {name}"))
    if not has_depth and cc.depth:
        hint = " or ".join(f"'{d.text}'" for d in cc.depth[:2])
        steps.append(("depth", f"Name a depth concept such as {hint} and say why it matters here"))
    if not steps and level < 4:
        steps.append(("describe", competency.next_step or f"Describe {name} in more detail"))
    return steps


def _or_join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _overall_next_steps(
    question: Question,
    scores: Sequence[CompetencyScore],
    steps: Sequence[Sequence[tuple[str, str]]],
    star: StarAnalysis,
    gates: Sequence[str],
) -> tuple[str, ...]:
    """The three most valuable steps: gates first, then contradictions, a story, weak spots."""
    candidates: list[tuple[float, int, str]] = []  # (priority, order, text)

    def add(priority: float, text: str) -> None:
        if text:
            candidates.append((priority, len(candidates), text))

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
            60,
            "Add a specific past example with its outcome: when it was, what you did"
            " and what happened as a result",
        )
    elif "R" in star.breakdown.missing:
        add(55, "Finish your example with its result: what changed because of what you did")
    elif "S" in star.breakdown.missing:
        add(40, "Set the scene of your example in a sentence: when, where and who")
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
