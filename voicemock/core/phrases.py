"""Lexical evidence: rubric phrases matched on lemma sequences, with negation and who-did-it.

A phrase ("hear them out") matches the answer's words in order with small gaps, pronouns
standing for anyone; a negator earlier in the clause ("never", "without") turns a match into
a negated one, and two negators cancel. Red flags (bad practice) count only in the speaker's
own voice: someone else's bad practice told in a story, or a feared one, is not theirs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from voicemock.core.text import FILLER_SOUNDS, GENERIC_WORDS, Sentence, Token, tokenize

# Phrase words may be this many tokens apart in the answer ("ask [him] questions").
MAX_PHRASE_GAP = 2
# A negator reaches this many tokens forward within its clause.
NEGATION_WINDOW = 6


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
# Negators that deny an action outright ("I don't ask", "I never explain", "I refuse to").
_DENIALS = frozenset({"not", "never", "refuse"})
# Someone else's pronouns that, right before a verb, make it their action: "got them arguing".
_AGENT_PRONOUNS = frozenset({"them", "him", "they", "he", "she"})  # not "her": "her family"
# "instead of X", "rather than X": X is what the speaker did not do.
_PREFERRING = frozenset({("instead", "of"), ("rather", "than")})
# Subjects that open a clause of their own when a phrase starts with them.
_CLAUSE_SUBJECTS = frozenset({"i", "we", "he", "she", "they", "that", "this", "it"})
# Subjects that, met before any negator, mark the start of the phrase's own clause.
_NEW_CLAUSE_SUBJECTS = frozenset({"i", "we", "he", "she", "they"})
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
        "kid",
        "child",
        "pupil",
        "resident",
        "tenant",
        "guest",
        "staff",
        "director",
        "engineer",
        "developer",
        "landlord",
        "owner",
        "member",
        "volunteer",
        "teacher",
        "lead",
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
ANY_WILDCARD = frozenset({_WILDCARD, _POSSESSIVE})
# What a pronoun in a phrase may match: another pronoun, or the start of a noun phrase (the
# gap allowance takes the noun: "hear [the] client out"). Not any word: "backed it" must not
# match "go back next year".
_WILDCARD_FILLERS = frozenset(
    str.split(
        """
    him her them it he she they me us you his their its this that these those someone somebody
    everyone everybody anyone people the a an my our your one each
    """
    )
)
# Words that turn what follows into someone's fear, not the speaker's practice.
_FEAR_WORDS = frozenset(
    {"worry", "worried", "afraid", "fear", "feared", "scared", "suspect", "nervous", "anxious"}
    # ... or what the speaker once believed and tells as a belief: "at first I thought the
    # feedback was wrong, but ..." is the start of a good answer, not a red flag.
    | {"thought", "assumed", "figured", "believed", "felt"}
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
class Phrase:
    """A rubric phrase compiled to lemmas; pronouns and possessives stand for anyone's."""

    text: str
    lemmas: tuple[str, ...]
    contradicts: bool = True  # whether a negated match counts as contrary evidence


@dataclass(frozen=True)
class Occurrence:
    """Where a phrase matched in a sentence, and whether it was said outright."""

    sentence: Sentence
    start: int  # token index
    end: int  # token index, exclusive
    # "positive" | "contrary" | "other" (negated, but about someone else or too generic to say)
    polarity: str
    first_negator: int | None = None  # token index of the negator that governs it, if any


def compile_phrase(text: str, question_lemmas: frozenset[str] = frozenset()) -> Phrase:
    """Compile a rubric phrase; ``question_lemmas`` are words whose negation says nothing."""
    tokens = tokenize(text)
    lemmas = tuple(_pattern_word(t) for t in tokens)
    # A phrase made only of pronouns would match anything; keep it literal.
    if lemmas and all(lemma in ANY_WILDCARD for lemma in lemmas):
        lemmas = tuple(t.lemma for t in tokens)
    content = [t.lemma for t in tokens if is_content(t) and _pattern_word(t) not in ANY_WILDCARD]
    # Negating a lone generic word or a word of the question says nothing against the
    # competency: "a signal about the relationship, not about the client" is no contradiction.
    contradicts = len(content) >= 2 or (
        len(content) == 1 and content[0] not in GENERIC_WORDS and content[0] not in question_lemmas
    )
    return Phrase(text, lemmas, contradicts)


def _pattern_word(token: Token) -> str:
    if token.lower in _WILDCARD_WORDS:
        return _WILDCARD
    if token.lower in _POSSESSIVE_WORDS:
        return _POSSESSIVE
    return token.lemma


def is_content(token: Token) -> bool:
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


def may_match(sentence: Sentence, phrase: Phrase) -> bool:
    """Cheap pre-check: the phrase's first word occurs in the sentence at all."""
    first = phrase.lemmas[0]
    return first in ANY_WILDCARD or first in sentence.positions


def find_phrase(sentence: Sentence, phrase: Phrase) -> list[tuple[int, int]]:
    """Every (start, end) token span where the phrase's lemmas appear in order, small gaps ok."""
    tokens = sentence.tokens
    pattern = phrase.lemmas
    found: list[tuple[int, int]] = []
    if pattern[0] in ANY_WILDCARD:
        starts: Sequence[int] = range(len(tokens))
    else:
        starts = sentence.positions.get(pattern[0], ())
    # A phrase of a verb and its object ("sprang it on them") names a doing: its first word
    # after an article or a preposition is a noun ("by the spring everybody on the team ...").
    verb_led = len(pattern) > 1 and pattern[1] in ANY_WILDCARD and pattern[0] not in ANY_WILDCARD
    for start in starts:
        if not _token_matches(pattern[0], tokens[start]):
            continue
        if verb_led and start > 0 and tokens[start - 1].lower in _NOUN_MARKERS:
            continue
        # At the head of its clause with words before its object, the first word is the
        # clause's subject: "and shame usually makes it worse" is not "shame them".
        if (
            verb_led
            and _opens_clause(tokens, start)
            and (start + 1 == len(tokens) or not _token_matches(pattern[1], tokens[start + 1]))
        ):
            continue
        end = _match_rest(tokens, pattern, 1, start + 1)
        if end is not None:
            found.append((start, end))
    return found


def _opens_clause(tokens: Sequence[Token], j: int) -> bool:
    """The word at ``j`` is the first of its clause (a sentence start, after a comma or a
    linking word such as "and" or "because")."""
    return j == 0 or is_clause_start(tokens[j]) or tokens[j - 1].lower in _CLAUSE_BREAK_WORDS


# Words after which a word is a noun, not a verb: "the spring", "last spring", "in spring".
_NOUN_MARKERS = frozenset(
    {"the", "a", "an", "this", "last", "next", "every", "each", "in", "by", "of", "until"}
)


def _match_rest(tokens: Sequence[Token], pattern: Sequence[str], k: int, pos: int) -> int | None:
    if k == len(pattern):
        return pos
    for j in range(pos, min(pos + MAX_PHRASE_GAP + 1, len(tokens))):
        if _has_clause_punct(tokens[j]):
            break  # a phrase never spans a comma: "hides shame, and a ..." is not "shame them"
        if j > pos and tokens[j - 1].lower in _GAP_BREAKERS:
            break  # "he didn't think much of us" is not "let them think we"
        if j > pos and tokens[j].punct_before == "-":
            continue  # the end of a compound is not a word of its own: "covering the follow-up"
        if (
            pattern[k] in ANY_WILDCARD
            and j > pos
            and tokens[j - 1].lower in _GAP_PREPOSITIONS
            and pattern[k - 1] not in _GAP_PREPOSITIONS
        ):
            continue  # "shame in his family": his family is not whom the shame is done to
        if j == pos and pattern[k - 1] == _WILDCARD and tokens[pos - 1].lower in _ARTICLES:
            continue  # an article stands for a noun phrase: "let the talk" is not "let them talk"
        if _token_matches(pattern[k], tokens[j]):
            end = _match_rest(tokens, pattern, k + 1, j + 1)
            if end is not None:
                return end
    return None


_ARTICLES = frozenset({"the", "a", "an"})
# A gap between a phrase's words never holds a negation (it would reverse what the phrase
# says) ...
_GAP_BREAKERS = frozenset({"not", "never", "no"})
# ... nor, before a pronoun that stands for anyone, a preposition: that pronoun is then not the
# object of the phrase's verb.
_GAP_PREPOSITIONS = frozenset(
    {"in", "of", "at", "on", "about", "for", "from", "with", "by", "into", "among", "within"}
)


def _has_clause_punct(token: Token) -> bool:
    return token.clause_break


def is_clause_start(token: Token) -> bool:
    return _has_clause_punct(token) or token.lower in _CLAUSE_BREAK_WORDS


def negators_before(sentence: Sentence, index: int) -> list[int]:
    """Token indices of the negators that govern token ``index``.

    A negator reaches ``NEGATION_WINDOW`` tokens forward within its clause. When one does,
    every negator earlier in the same clause is returned too, so that "never share anything
    a client tells me without their consent" counts two negators, which cancel.
    """
    tokens = sentence.tokens
    found: list[int] = []
    # ", reflect back ..." and "... that makes sense" open a clause of their own, out of the
    # reach of a negator before them.
    if index < len(tokens) and (
        _has_clause_punct(tokens[index]) or tokens[index].lower in _CLAUSE_SUBJECTS
    ):
        return found
    j = index - 1
    while j >= 0:
        if (
            is_negator(tokens, j)
            and (found or index - j <= NEGATION_WINDOW)
            and not (found and _restarted(tokens, j, found[-1]))
        ):
            found.append(j)
        # A negator reaches over "or": "never shout or swear", "instead of waiting or ...".
        reaches_over = tokens[j].lower == "or" and not tokens[j].clause_break
        if (is_clause_start(tokens[j]) and not reaches_over) or (
            not found and index - j >= NEGATION_WINDOW
        ):
            break
        # Run-on speech: "i try not to argue i try to figure out ...": a new subject before
        # any negator starts the phrase's own clause; so does the negator's own subject ("he
        # was like no its quality we dont cut corners": the "no" is in another clause).
        if tokens[j].lower in _NEW_CLAUSE_SUBJECTS and (
            not found or found[-1] - j <= _SUBJECT_REACH
        ):
            break
        j -= 1
    return found


# How far before its negator a subject still opens the negator's clause ("we did not ...").
_SUBJECT_REACH = 3


# What a speaker says again before the negator when they restart: "i don't, i don't ...".
_RESTART_WORDS = _SPEAKER_SUBJECTS | frozenset(
    {"do", "does", "did", "would", "will", "can", "could", "should", "am", "is", "are", "was"}
)


def _restarted(tokens: Sequence[Token], j: int, later: int) -> bool:
    """The negator at ``j`` is said again at ``later`` as speech restarts ("i don't i don't
    friend them"): one negation, not two that cancel."""
    between = tokens[j + 1 : later]
    return (
        tokens[j].lower == tokens[later].lower
        and len(between) <= 3
        and all(t.lower in _RESTART_WORDS or t.lower in FILLER_SOUNDS for t in between)
    )


def is_negator(tokens: Sequence[Token], j: int) -> bool:
    token = tokens[j]
    following_word = tokens[j + 1].lower if j + 1 < len(tokens) else ""
    if (token.lower, following_word) in _PREFERRING:
        return True  # "instead of going over her head" rules it out
    if token.lemma not in NEGATORS and token.lower not in NEGATORS:
        return False
    following = tokens[j + 1] if j + 1 < len(tokens) else None
    if following is not None and following.lower in _NOT_NEGATING_NEXT:
        return False
    # "no-show", "no-one" are compounds, not a negated phrase.
    return not (token.lower == "no" and following is not None and "-" in following.punct_before)


def subject_before(
    sentence: Sentence, index: int, *, also_other: frozenset[str] = frozenset()
) -> str | None:
    """Who the clause ending at ``index`` is about: "speaker", "other" or None (no subject).

    Object pronouns (me, him, them) are never subjects; a noun counts only at the head of a
    clause ("The client refused ..."), not as an object ("I called the family ...").
    ``also_other`` are more words that make the subject someone other than the speaker.
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
        if token.lower in also_other or (token.lemma in _OTHER_NOUNS and _heads_clause(tokens, j)):
            return "other"
    return None


def _heads_clause(tokens: Sequence[Token], j: int) -> bool:
    """True when the noun at ``j`` opens its clause: [det] [adjective] noun after a boundary."""
    k = j - 1
    if (
        k >= 0
        and tokens[k].lower in _SUBORDINATORS
        and (
            # "because clients ...", "that kids weren't ...": "that" is a subordinator before a
            # plural; before a singular it may be a determiner ("I called that client").
            tokens[k].lower != "that" or tokens[j].lower != tokens[j].lemma
        )
    ):
        return True
    if k >= 0 and tokens[k].lower not in _DETERMINERS and not is_clause_start(tokens[j]):
        k -= 1  # one adjective: "my new colleague"
    if k < 0 or (k == j - 1 and is_clause_start(tokens[j])):
        return True
    if tokens[k].lower not in _DETERMINERS:
        return False
    if k == 0 or is_clause_start(tokens[k]):
        return True
    # "... before the team discussed ...": a subordinate clause opens with its own subject, and
    # so does a linked one in speech that runs on: "... so my boss was panicking".
    return tokens[k - 1].lower in _SUBORDINATORS or tokens[k - 1].lower in _CLAUSE_BREAK_WORDS


def occurrences(sentence: Sentence, phrase: Phrase) -> list[Occurrence]:
    """Every match of an indicator phrase, with its polarity.

    "positive": said outright (or under two negators, which cancel). "contrary": the speaker
    says they do not do it ("I don't ask for consent"): only a plain "not"/"never"/"refuse"
    with the speaker as the explicit subject, and only for a phrase specific enough to
    contradict (not a generic word or a word of the question). "other": negated in any other
    way ("without", someone else's clause, a word too generic to say anything), which is no
    evidence either way.
    """
    out: list[Occurrence] = []
    for start, end in find_phrase(sentence, phrase):
        negators = negators_before(sentence, start)
        # Two negators cancel: "never share anything without consent" is a good practice.
        if len(negators) % 2 == 0:
            out.append(Occurrence(sentence, start, end, "positive"))
            continue
        last = negators[-1]
        about = subject_before(sentence, last + 1)
        contrary = (
            about == "speaker"
            and sentence.tokens[last].lemma in _DENIALS
            and phrase.contradicts
            and not _knowing(sentence.tokens, last)
            and not _subordinate(sentence.tokens, last)
            and not _scoped(sentence.tokens, end)
            and not (len(phrase.lemmas) == 1 and _other_noun_negated(sentence.tokens, last, start))
        )
        polarity = "contrary" if contrary else "other"
        out.append(Occurrence(sentence, start, end, polarity, min(negators)))
    return out


# Words that narrow a negated practice to a time, place or manner: "I did not try to convince
# him in the meeting" says when the speaker did not, and so that they did it another way.
_SCOPE_WORDS = frozenset(
    {"in", "at", "during", "until", "till", "before", "then", "there", "yet", "directly", "right"}
)


def _scoped(tokens: Sequence[Token], end: int) -> bool:
    """True when the words after a negated phrase (ending at ``end``) narrow it to a time,
    place or manner, within a few words and in the same clause."""
    for k in range(end, min(end + 3, len(tokens))):
        if k > end and is_clause_start(tokens[k]):
            return False
        if tokens[k].lower in _SCOPE_WORDS:
            following = tokens[k + 1].lower if k + 1 < len(tokens) else ""
            return following not in {"all", "any", "anything"}  # "at all" only stresses it
    return False


# A noun phrase that a preposition ties another noun to: "the expert on their culture".
_NOUN_DETERMINERS = frozenset({"the", "a", "an", "any", "some", "much"})
_NOUN_PREPOSITIONS = frozenset({"on", "about", "of", "for", "with", "in", "into", "around", "over"})


def _other_noun_negated(tokens: Sequence[Token], negator: int, start: int) -> bool:
    """True when a one-word indicator sits after another noun that the negation is about: in
    "I'm not the expert on their culture" it is the expert that is negated, not culture."""
    return any(
        tokens[k].lower in _NOUN_DETERMINERS and tokens[k + 2].lower in _NOUN_PREPOSITIONS
        for k in range(negator + 1, start - 2)
    )


def negated_red_flag_occurrences(sentence: Sentence, phrase: Phrase) -> list[Occurrence]:
    """Matches of a red flag that the speaker rules out: "I never tell his employer anything".

    Ruling out a harm is evidence for the competency it would harm, when it is the speaker's
    own practice (not someone else's clause) and the flag is specific (two words or more).
    """
    if len(phrase.lemmas) < 2:
        return []
    out: list[Occurrence] = []
    for start, end in find_phrase(sentence, phrase):
        negators = negators_before(sentence, start)
        if len(negators) % 2 == 0 or subject_before(sentence, negators[-1] + 1) == "other":
            continue
        out.append(Occurrence(sentence, start, end, "positive", min(negators)))
    return out


_QUOTED = re.compile(
    r"[\"“”]([^\"“”]+)[\"“”]"  # "...", “...”
    r"|(?:^|(?<=[\s,:;(]))['‘](.+?)['’](?=[\s,.;:!?)]|$)"  # '...' (not the one in "don't")
)


# At most this many words after ", not" make it a contrast: "about the work, not the person".
_CONTRAST_WORDS = 4


def _contrasting(tokens: Sequence[Token], j: int) -> bool:
    """True for a "not" that sets off what came before: "the plan needs to change, not the
    client" says what does change, it reverses nothing."""
    return (
        tokens[j].lower == "not"
        and tokens[j].clause_break
        and len(tokens) - j - 1 <= _CONTRAST_WORDS
    )


def quoted_spans(sentence: Sentence) -> list[tuple[int, int]]:
    """Where the sentence quotes someone's words, as source offsets: "she said 'you don't get
    it'" quotes a negation that is not the speaker's practice."""
    base = sentence.start_char
    return [(base + m.start(), base + m.end()) for m in _QUOTED.finditer(sentence.text)]


def speaker_negated(sentence: Sentence) -> bool:
    """True when a clause that may be the speaker's is negated (its meaning may be reversed).

    "I do not really have time to listen" is, and so is "I tell their family everything,
    without their consent" ("I rang her instead of emailing" is not: it says what was done);
    "I set up a sheet because people were changing code and not telling anybody" and "nobody
    could figure out why" are not: their negation is about someone else, which is how stories
    set the scene. Two negators in one clause cancel ("never without consent"); in two clauses
    they do not ("I don't think it was fair, so I didn't change anything").
    """
    return bool(negated_clauses(sentence))


_NEW_SUBJECTS = frozenset({"i", "we"})


def negated_clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """The token spans [start, end) of the clauses that :func:`speaker_negated` finds negated.

    What the rest of the sentence says is not reversed: in "I went to each lead on their own,
    not in a big meeting, and showed them the figures" only the middle clause is.
    """
    tokens = sentence.tokens
    quoted = quoted_spans(sentence)
    spans: list[tuple[int, int]] = []
    count = 0
    opened = 0
    for j in range(len(tokens)):
        # A clause ends where the next opens: at a comma or a linking word, or, in speech that
        # runs on, at a new "I": "i didnt make a big deal of it i thanked him".
        new_subject = tokens[j].lower in _NEW_SUBJECTS and j - opened >= 2
        # "or" (and the "that" of "or that") goes on with the clause it joins: in "one slip
        # doesn't mean they failed or that they're out" both are denied.
        joined = tokens[j].lower == "or" or (
            tokens[j].lower == "that" and tokens[j - 1].lower in ("or", "nor", "mean")
        )
        if j > 0 and (is_clause_start(tokens[j]) or new_subject) and not joined:
            if count % 2 == 1:
                spans.append((opened, j))
            count = 0
            opened = j
        if (
            is_negator(tokens, j)
            and not any(a <= tokens[j].start_char < b for a, b in quoted)
            and not _contrasting(tokens, j)
            and (tokens[j].lower, tokens[j + 1].lower if j + 1 < len(tokens) else "")
            not in _PREFERRING
            and (_negated_subject(sentence, j) != "other" or _denies_meaning(tokens, j))
            and not _knowing(tokens, j)
            and not _subordinate(tokens, j)
        ):
            count += 1
    if count % 2 == 1:
        spans.append((opened, len(tokens)))
    return spans


# Verbs of knowing and believing: "I didn't know what the word meant to her" says what the
# speaker knew, not what they did, and reverses no practice.
_KNOWING_VERBS = frozenset(
    {
        "know",
        "think",
        "assume",
        "presume",
        "remember",
        "understand",
        "realize",
        "realise",
        "expect",
        "believe",
        "pretend",
        "suppose",
        "recognize",
        "recognise",
    }
)
_KNOWING_GAP = frozenset({"really", "even", "always", "fully", "actually", "necessarily", "yet"})
# Words that open a clause which only frames the main one: "... when I didn't know something".
_FRAMING_WORDS = frozenset(
    {
        "when",
        "whenever",
        "if",
        "because",
        "since",
        "unless",
        "until",
        "although",
        "though",
        "before",
        "after",
        "once",
        "whether",
        "while",
        "cause",
        "what",
        "whatever",
    }
)


def _denies_meaning(tokens: Sequence[Token], j: int) -> bool:
    """The negator at ``j`` denies what something means ("one slip doesn't mean you're out"):
    what follows is ruled out whoever the subject is."""
    k = j + 1
    while k < len(tokens) and tokens[k].lower in _KNOWING_GAP:
        k += 1
    return k < len(tokens) and tokens[k].lower == "mean"


def _knowing(tokens: Sequence[Token], j: int) -> bool:
    """The negator at ``j`` denies knowing or believing something (or taking it personally),
    not doing it."""
    for k in range(j + 1, min(j + 4, len(tokens))):
        if tokens[k].lower in _KNOWING_GAP or tokens[k].lower in {"do", "did", "to"}:
            continue
        if tokens[k].lemma == "take" and any(
            t.lower == "personally" for t in tokens[k + 1 : k + 5]
        ):
            return True  # "I don't take their mistrust personally": a stance, not a practice
        return tokens[k].lemma in _KNOWING_VERBS or tokens[k].lower in _KNOWING_VERBS
    return False


def _subordinate(tokens: Sequence[Token], j: int) -> bool:
    """The negator at ``j`` sits in a clause that frames the sentence (when, if, because ...),
    so it leaves the main clause's meaning as it is: "I was honest when I didn't know"."""
    for k in range(j - 1, -1, -1):
        if tokens[k].lower in _FRAMING_WORDS:
            return True
        if is_clause_start(tokens[k]) and tokens[k].lower != "or":
            return False
    return False


# Subjects that make a clause about someone or something other than the speaker.
_OTHER_SUBJECT_WORDS = frozenset(
    {"it", "people", "everybody", "everyone", "anybody", "anyone", "somebody", "someone", "there"}
)
# Negators that are the subject of their own clause: "nobody could figure out why".
_NEGATING_SUBJECTS = frozenset({"nobody", "nothing", "none", "noone"})


def _negated_subject(sentence: Sentence, j: int) -> str | None:
    """Who the negator at ``j`` is about: "speaker", "other" or None (not known)."""
    tokens = sentence.tokens
    if tokens[j].lower in _NEGATING_SUBJECTS and (
        j == 0
        or is_clause_start(tokens[j])
        or tokens[j - 1].lower in _CLAUSE_BREAK_WORDS
        or tokens[j - 1].lower in FILLER_SOUNDS
    ):
        return "other"
    return subject_before(sentence, j, also_other=_OTHER_SUBJECT_WORDS)


def match_span(occurrence: Occurrence) -> tuple[int, int]:
    """Where the answer's own matching words are (from the negator, for a negated match)."""
    tokens = occurrence.sentence.tokens
    first = occurrence.start if occurrence.first_negator is None else occurrence.first_negator
    return tokens[first].start_char, tokens[occurrence.end - 1].end_char


def snippet(occurrence: Occurrence, before: int = 8) -> str:
    """The words of a match and a few before it, as written in the sentence."""
    sentence = occurrence.sentence
    tokens = sentence.tokens
    first = tokens[max(0, occurrence.start - before)]
    last = tokens[occurrence.end - 1]
    return sentence.text[
        first.start_char - sentence.start_char : last.end_char - sentence.start_char
    ]


def red_flag_occurrences(sentence: Sentence, phrase: Phrase) -> list[Occurrence]:
    return [
        Occurrence(sentence, start, end, "contrary")
        for start, end in find_phrase(sentence, phrase)
        if not _not_done_by_the_speaker(sentence, phrase, start, end)
    ]


def _not_done_by_the_speaker(sentence: Sentence, phrase: Phrase, start: int, end: int) -> bool:
    """True when the red flag matched at ``start:end`` is not something the speaker does."""
    # Denied: "I never force clients", "I'm not the one who's supposed to argue for change".
    if len(negators_before(sentence, start)) % 2 == 1 or _not_the_one(sentence, start):
        return True
    # A phrase with its own negation, said of the time before the story ("I'd never used
    # anything like it") or of doing more than it ("I didn't want to just complain, so I
    # counted"), is not the practice it names.
    if _negated_before_the_story(sentence, start) or _more_than(sentence, phrase, start, end):
        return True
    # What the speaker would rather not do: "I'd rather we work on it together than me do it
    # behind his back".
    if _rather_than(sentence, start):
        return True
    # Someone else's bad practice, told as part of a story, is not the speaker's; nor is what a
    # pronoun right before it does ("which gets them arguing for change"), nor what was done to
    # the speaker ("my coach told me off in front of everyone").
    if (
        subject_before(sentence, start) == "other"
        or (start > 0 and sentence.tokens[start - 1].lower in _AGENT_PRONOUNS)
        or _done_to_me(sentence, phrase, start, end)
    ):
        return True
    # Nor is what someone feared would happen: "she worried I would tell her employer"; nor
    # what did not happen: "the old me would have argued with him"; nor a condition: "the
    # second you start arguing with them, you've lost", "if I argue for change ..."; nor a
    # habit the speaker says they have left behind: "I used to argue with them, but that
    # doesn't work, so now I let them talk"; nor an urge not followed.
    return (
        _feared_before(sentence, start)
        or counterfactual_before(sentence, start)
        or _conditional(sentence, start)
        or _left_behind(sentence, start, end)
        or _only_wanted(sentence, start, end)
    )


# How far "than" may stand before a red flag, and "rather" before that "than".
_THAN_REACH = 4
_RATHER_REACH = 10


def _rather_than(sentence: Sentence, start: int) -> bool:
    """True when the match at ``start`` follows the "than" of a "rather ... than" with words
    between them (right after "rather", "rather than" is a negator of its own)."""
    tokens = sentence.tokens
    for j in range(start - 1, max(-1, start - 1 - _THAN_REACH), -1):
        if tokens[j].lower == "than":
            return any(t.lower == "rather" for t in tokens[max(0, j - _RATHER_REACH) : j - 1])
    return False


_MODALS = frozenset({"would", "could", "might", "should"})
# "not just X", "never simply X": the speaker did more than X.
_MERELY = frozenset({"just", "only", "simply", "merely"})


def _done_to_me(sentence: Sentence, phrase: Phrase, start: int, end: int) -> bool:
    """True when the phrase's "them" stands for the speaker: someone else did it to them."""
    said = {w.lower() for w in phrase.text.split()}
    return "me" not in said and any(t.lower == "me" for t in sentence.tokens[start:end])


def _not_the_one(sentence: Sentence, start: int) -> bool:
    """True when "not the one who/that ..." before the match denies it: "I'm not the one who's
    supposed to be arguing for change"."""
    words = [t.lower for t in sentence.tokens[max(0, start - 9) : start]]
    return any(
        words[k : k + 3] == ["not", "the", "one"] and words[k + 3] in {"who", "that", "to"}
        for k in range(len(words) - 3)
    )


def _negated_before_the_story(sentence: Sentence, start: int) -> bool:
    """True when the match opens with its own negator in the past perfect: "I'd never used
    anything like it", "I had not done one before" tell what the speaker lacked beforehand."""
    tokens = sentence.tokens
    if start == 0 or start + 1 >= len(tokens) or tokens[start].lemma not in NEGATORS:
        return False
    before, after = tokens[start - 1], tokens[start + 1]
    return before.lower == "had" or (before.lower == "would" and after.lower != after.lemma)


def _more_than(sentence: Sentence, phrase: Phrase, start: int, end: int) -> bool:
    """True when a negated phrase is negated only as "just"/"only" X: "I didn't want to just
    complain" says the speaker did more than complain."""
    if not any(lemma in NEGATORS for lemma in phrase.lemmas):
        return False
    return any(
        t.lower in _MERELY and t.lemma not in phrase.lemmas for t in sentence.tokens[start:end]
    )


# Words after an old habit that say it has ended or turned: "... but that doesn't work",
# "so now I", "I don't any more".
_NOW_WORDS = frozenset({"but", "now", "nowadays", "anymore", "stopped", "learned", "learnt"})


def _left_behind(sentence: Sentence, start: int, end: int) -> bool:
    """True when the match at ``start:end`` is a habit the speaker says they "used to" have,
    and the sentence goes on to turn from it ("..., but that doesn't work, so now I just let
    them talk")."""
    tokens = sentence.tokens
    before = [t.lower for t in tokens[max(0, start - 4) : start]]
    used_to = any(a == "used" and b == "to" for a, b in itertools.pairwise(before))
    after = [t.lower for t in tokens[end:]]
    return used_to and (
        any(w in _NOW_WORDS for w in after)
        or any(a == "these" and b == "days" for a, b in itertools.pairwise(after))
        or any(a == "any" and b == "more" for a, b in itertools.pairwise(after))
    )


# Words of an urge the speaker felt and, by saying so, did not simply follow: "my instinct was
# to push through"; "wanted to" needs the turn said ("I wanted to push through, but ...").
_URGE_WORDS = frozenset({"tempted", "urge", "instinct", "itching", "impulse"})
_WANT_WORDS = frozenset({"wanted", "want"})
# Words after an urge that say it was not followed: someone stepped in, or the speaker did not.
_TURN_WORDS = _NOW_WORDS | frozenset({"instead", "said", "told", "suggested", "reminded"})


def _only_wanted(sentence: Sentence, start: int, end: int) -> bool:
    """True when the match at ``start:end`` is what the speaker was tempted to do, not what
    they did: "i really wanted to just push through and my supervisor said take the afternoon"."""
    tokens = sentence.tokens
    before = {t.lower for t in tokens[max(0, start - 5) : start]}
    if before & _URGE_WORDS:
        return True
    return bool(before & _WANT_WORDS) and any(t.lower in _TURN_WORDS for t in tokens[end:])


def counterfactual_before(sentence: Sentence, index: int) -> bool:
    """True when "would/could/might/should have" in the clause governs token ``index``: what
    the speaker did not do ("I could have gone over her head")."""
    tokens = sentence.tokens
    for j in range(index - 1, 0, -1):
        if tokens[j].lower == "have" and tokens[j - 1].lower in _MODALS:
            return True
        if is_clause_start(tokens[j]):
            return False
    return False


# Openers of a condition on anyone: "if you ...", "the moment you ...", "as soon as you ...".
_CONDITION_OPENERS = frozenset({"if", "when", "whenever", "once", "unless"})
_CONDITION_NOUNS = frozenset({"second", "minute", "moment", "instant"})


# Verbs of noticing: "if I notice I'm arguing with a client" is the speaker watching for it.
_NOTICING = frozenset({"notice", "catch", "find", "realise", "realize", "sense", "feel"})
# Openers of a hypothetical about the speaker: "if I argue for change, they argue back".
_HYPOTHETICAL_OPENERS = frozenset({"if", "unless"})


def _conditional(sentence: Sentence, index: int) -> bool:
    """True when token ``index`` sits in a condition, not in a practice: one whose subject is
    generic "you" ("if you argue with them they dig in" warns against it), or an "if" of the
    speaker's own ("because if I argue for change they'll argue against it", "if I notice I'm
    arguing with a client, I step back")."""
    tokens = sentence.tokens
    for j in range(index - 1, -1, -1):
        word = tokens[j].lower
        if word == "you":
            before = [t.lower for t in tokens[max(0, j - 2) : j]]
            return bool(before) and (
                before[-1] in _CONDITION_OPENERS
                or (len(before) == 2 and before[0] == "the" and before[1] in _CONDITION_NOUNS)
                or before == ["soon", "as"]
                or (before[-1] in {"and", "or"} and _joined_condition(tokens, j - 1))
            )
        if word in _SPEAKER_SUBJECTS:
            if j > 0 and tokens[j - 1].lower in _HYPOTHETICAL_OPENERS:
                return True
            if _moment_opens(tokens, j) and j + 1 < len(tokens) and _present(tokens[j + 1]):
                return True  # "the moment I start arguing for change, she argues against it"
            if j > 0 and tokens[j - 1].lemma in _NOTICING:
                continue  # what the speaker would notice: look for the "if" before it
            return False
        if word in _OTHER_PRONOUNS or is_clause_start(tokens[j]):
            return False
    return False


def _moment_opens(tokens: Sequence[Token], j: int) -> bool:
    """True when "the moment", "the second", "as soon as" or "whenever" stands right before
    the subject at ``j``."""
    before = [t.lower for t in tokens[max(0, j - 2) : j]]
    return bool(before) and (
        before[-1] == "whenever"
        or (len(before) == 2 and before[0] == "the" and before[1] in _CONDITION_NOUNS)
        or before == ["soon", "as"]
    )


def _present(token: Token) -> bool:
    """True for a verb said in the present ("start", "'m"), not the past ("started")."""
    return token.lower == token.lemma or token.lower in {"am", "'m", "will", "'ll", "can"}


def _joined_condition(tokens: Sequence[Token], joint: int) -> bool:
    """True when the "and"/"or" at ``joint`` joins a second part to a condition opened earlier
    in the clause: "when someone's on the fence and you argue for change, ..."."""
    for j in range(joint - 1, max(-1, joint - 12), -1):
        if tokens[j].lower in _CONDITION_OPENERS:
            return True
        if is_clause_start(tokens[j]):
            return False
    return False


def _feared_before(sentence: Sentence, index: int) -> bool:
    """True when a word of fear or suspicion earlier in the clause governs token ``index``."""
    tokens = sentence.tokens
    for j in range(index - 1, -1, -1):
        if tokens[j].lemma in _FEAR_WORDS or tokens[j].lower in _FEAR_WORDS:
            return True
        if is_clause_start(tokens[j]):
            return False
    return False


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
        # "Nobody ever noticed." is a short sentence, not a list: it has a verb in the past.
        past = any(t.lower.endswith("ed") and t.lemma != t.lower for t in words)
        return function == 0 and (commas > 0 or (n >= 2 and not past))
    if commas >= 2 and commas >= (n - 1) / 4 and ratio < 0.25:
        return True
    return n >= 6 and ratio < 0.1


# --- Jargon ----------------------------------------------------------------------------------

# Words of the office and of the helping professions that name a quality or an approach without
# saying what anybody did: "I leveraged my emotional intelligence to drive alignment".
JARGON_WORDS = frozenset(
    str.split(
        """
    leverage synergy synergies alignment align stakeholder socialize socialise holistic
    holistically paradigm robust seamless seamlessly proactive proactively empower empowerment
    mindset transparency transparently bandwidth actionable scalable streamline optimize
    optimise learnings deliverable deliverables initiative impactful impact
    strategic strategically framework methodology iterate iteration agile kpi kpis metrics
    ecosystem visibility cadence champion coalition compelling facilitate
    facilitation collaborative collaboratively culturally
    nonjudgmental rapport validate validation empathize empathise empathy
    consensus accountability ownership resilience resilient excellence
    utilize utilise utilization spearhead foster cultivate navigate journey passion passionate
    dynamic innovative innovation systemic modality modalities intervention psychoeducation
    motivational normalized normalised normalize normalise reflective reinforced processed
    positionality intersectionality intersectional decolonize decolonise decolonized
    decolonised affirming authentically centring centering dismantle dismantling biopsychosocial
    bidirectional interdisciplinary multidisciplinary continuum trajectory operationalize
    operationalise operationalized operationalised touchpoint touchpoints verticals upskill
    upskilling ideate ideation incentivize incentivise granular frictionless strategize
    strategise actioned wraparound attuned intentional intentionally integrate integrates
    integrative wellness ongoing organizational organisational longevity sustainability
    countertransference transference transtheoretical precontemplation evocation containment
    oars elicit
    """
    )
)
# Set phrases of the same kind, over lowercase words separated by single spaces (a hyphen
# separates words: "buy-in" is "buy in").
JARGON_PHRASES = (
    "growth mindset",
    "best practice",
    "continuous improvement",
    "psychological safety",
    "emotional intelligence",
    "servant leadership",
    "active listening",
    "actively listening",
    "common ground",
    "win win",
    "buy in",
    "cross functional",
    "evidence based",
    "client centered",
    "client centred",
    "person centered",
    "person centred",
    "strengths based",
    "trauma informed",
    "non judgmental",
    "solutions oriented",
    "solution oriented",
    "co create",
    "root cause",
    "deep dive",
    "circle back",
    "move the needle",
    "low hanging fruit",
    "north star",
    "value add",
    "lessons learned",
    "fail fast",
    "drive alignment",
    "drive adoption",
    "drive results",
    "measurable impact",
    "open communication",
    "safe space",
    "therapeutic alliance",
    "stages of change",
    "harm reduction",
    "whole person",
    "touch base",
    "end to end",
    "game changer",
    "take ownership",
    "radical ownership",
    "i statements",
    "lean into",
    "self efficacy",
    "lived experience",
    "power dynamics",
    "through a lens",
    "lens of",
    "self reflection",
    "show up authentically",
    "systemic barriers",
    "continuum of care",
    "recovery capital",
    "functional analysis",
    "non linear",
    "course correct",
    "looped in",
    "loop in",
    "growth moment",
    "learning opportunity",
    "going forward",
    "key learnings",
    "high leverage",
    "highest leverage",
    "manage up",
    "managing up",
    "capacity constraints",
    "customer journey",
    "digital transformation",
    "culture of ownership",
    "shared vision",
    "at every level",
    "value proposition",
    "best in class",
    "thought leadership",
    "change management",
    "key stakeholders",
    "protective factors",
    "holding space",
    "hold space",
    "relapse prevention plan",
    "recovery journey",
    "reflective listening",
    "best self",
    "show up as",
    "self assessment",
    "boundary setting",
    "stress reduction",
    "mindfulness based",
    "self care practices",
    "righting reflex",
    "rolling with resistance",
    "roll with resistance",
    "darn cat",
    "spirit of mi",
    "develop discrepancy",
    "developing discrepancy",
    "parallel process",
    "process comment",
    "process comments",
    "here and now",
    "linking and blocking",
    "group development",
    "forming storming",
    "self regulate",
    "co regulate",
    "co construct",
)
# A sentence is jargon when this many of its words or set phrases are, making up at least
# JARGON_SHARE of its content words: a term now and then in a plain sentence is not.
JARGON_HITS = 2
JARGON_SHARE = 0.25


def is_jargon(sentence: Sentence) -> bool:
    """True for a sentence made of jargon: terms that name good practice, no one doing it."""
    tokens = sentence.tokens
    hits = sum(1 for t in tokens if t.lower in JARGON_WORDS or t.lemma in JARGON_WORDS)
    spoken = " " + " ".join(t.lower for t in tokens) + " "
    hits += sum(spoken.count(f" {phrase} ") for phrase in JARGON_PHRASES)
    if hits < JARGON_HITS:
        return False
    content = sum(1 for t in tokens if is_content(t))
    return hits >= JARGON_SHARE * max(content, 1)
