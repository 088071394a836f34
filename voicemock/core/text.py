"""Text plumbing for scoring: sentences with char offsets, word tokens, lemmas, word timings.

Every offset points into the exact string that was split, so a sentence's ``text`` is always
``source[start_char:end_char]`` and can be quoted back to the user as evidence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from voicemock.core.models import Transcript, Word

# Sentences longer than this are cut at a clause boundary near the middle: an unpunctuated
# transcript would otherwise be one "sentence" and every quote would be the whole answer.
MAX_SENTENCE_WORDS = 32

# Sounds and phrases that fill a pause in speech; they carry no meaning for scoring.
FILLER_SOUNDS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm", "mhm", "uhm"})
_FILLER_RE = re.compile(
    r"(?<![\w'’])(?:" + "|".join(sorted(FILLER_SOUNDS, key=len, reverse=True)) + r")(?![\w'’])"
    r"|(?<![\w'’])(?:you know|i mean)(?![\w'’])"
    r"|(?:(?<=[,.]\s)|(?<=^))like(?=,)|,\s*like,",
    re.IGNORECASE,
)
_REPEAT_RE = re.compile(r"\b(\w+)(?:[\s,]+\1\b)+", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s*,(?:\s*,)+|\s{2,}")

_WORD_RE = re.compile(r"[^\W_]+(?:[.,][0-9]+)*%?(?:['’][^\W_]+)*")
_SENTENCE_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)|\n\s*\n|\n")
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "prof", "st", "vs", "e.g", "i.e", "eg", "ie", "approx", "dept"}
)
_PUNCT_CHARS = ',;:—–()"“”'
_CLAUSE_PUNCT = frozenset(",;:—–(")

# Contractions are split into the words they stand for so that lemma sequences and negation
# work the same whether someone typed "do not" or "don't".
_CONTRACTION_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("n't", ("not",)),
    ("'ve", ("have",)),
    ("'re", ("be",)),
    ("'ll", ("will",)),
    ("'d", ("would",)),
    ("'m", ("be",)),
    ("'s", ("'s",)),
)
_NEGATIVE_STEMS = {"won": "will", "can": "can", "shan": "shall", "ain": "be", "don": "do"}
# The same contractions as speech-to-text often writes them, without the apostrophe ("i didnt
# want to go behind her back"): only forms that are no other English word.
_BARE_CONTRACTIONS: dict[str, tuple[str, ...]] = {
    "dont": ("do", "not"),
    "didnt": ("did", "not"),
    "doesnt": ("does", "not"),
    "isnt": ("is", "not"),
    "arent": ("are", "not"),
    "wasnt": ("was", "not"),
    "werent": ("were", "not"),
    "cant": ("can", "not"),
    "couldnt": ("could", "not"),
    "wouldnt": ("would", "not"),
    "shouldnt": ("should", "not"),
    "havent": ("have", "not"),
    "hasnt": ("has", "not"),
    "hadnt": ("had", "not"),
    "mustnt": ("must", "not"),
    "neednt": ("need", "not"),
    "aint": ("be", "not"),
    "im": ("i", "be"),
    "ive": ("i", "have"),
    "youre": ("you", "be"),
    "theyre": ("they", "be"),
    "weve": ("we", "have"),
    "theyve": ("they", "have"),
}

# Lemmas that name the people and stuff of almost any job, or competence in general: on its own
# such a word is no evidence for (or against) a competency. "patient" is here as the noun; as
# the adjective it is a weak signal anyway.
GENERIC_WORDS = frozenset(
    str.split(
        """
    client patient customer user people person individual population member problem issue
    work job ability skill experience knowledge situation process thing way role task
    """
    )
)

# British spellings mapped to one form so a rubric written in either matches answers in either.
_SPELLING = {
    "judgement": "judgment",
    "judgemental": "judgmental",
    "nonjudgemental": "nonjudgmental",
    "centre": "center",
    "centred": "centered",
    "behaviour": "behavior",
    "behavioural": "behavioral",
    "honour": "honor",
    "favour": "favor",
    "colour": "color",
    "labour": "labor",
    "counsellor": "counselor",
    "counselling": "counseling",
    "programme": "program",
    "analyse": "analyze",
    "defence": "defense",
    "licence": "license",
    "practise": "practice",
}
_ISE_EXCEPTIONS = frozenset(
    {
        "advise",
        "exercise",
        "otherwise",
        "promise",
        "expertise",
        "premise",
        "compromise",
        "enterprise",
        "surprise",
        "supervise",
        "revise",
        "concise",
        "precise",
        "franchise",
        "merchandise",
        "devise",
        "improvise",
        "televise",
        "comprise",
        "despise",
        "disguise",
        "raise",
        "praise",
        "noise",
        "wise",
        "rise",
        "arise",
        "cruise",
        "paradise",
        "likewise",
        "clockwise",
        "chaise",
        "poise",
        "treatise",
        "incise",
        "excise",
        "demise",
        "reprise",
    }
)


@dataclass(frozen=True)
class Token:
    """One word of a sentence: surface form, lowercase form, lemma and char offsets.

    ``punct_before`` holds the punctuation between the previous word and this one (a clause
    boundary when it contains , ; : or a dash). A contraction yields several tokens with the
    same offsets ("don't" -> "do" + "not").
    """

    text: str
    lower: str
    lemma: str
    start_char: int
    end_char: int
    punct_before: str = ""
    clause_break: bool = False  # punct_before holds , ; : ( or a dash


@dataclass(frozen=True)
class Sentence:
    """A sentence of the scored text: ``text == source[start_char:end_char]``."""

    index: int
    text: str
    start_char: int
    end_char: int
    tokens: tuple[Token, ...]
    # lemma or lowercase form -> token indices; lets phrase matching skip sentences quickly.
    positions: dict[str, tuple[int, ...]] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        found: dict[str, list[int]] = {}
        for i, token in enumerate(self.tokens):
            found.setdefault(token.lemma, []).append(i)
            if token.lower != token.lemma:
                found.setdefault(token.lower, []).append(i)
        self.positions.update({k: tuple(v) for k, v in found.items()})

    @property
    def lemmas(self) -> tuple[str, ...]:
        """The lemma of every token, in order."""
        return tuple(t.lemma for t in self.tokens)

    @property
    def words(self) -> tuple[Token, ...]:
        """One token per written word (a contraction's extra tokens, "don't" -> "not", dropped)."""
        seen: set[int] = set()
        words: list[Token] = []
        for token in self.tokens:
            if token.start_char not in seen:
                seen.add(token.start_char)
                words.append(token)
        return tuple(words)

    @property
    def word_count(self) -> int:
        """Words as written (a contraction counts once)."""
        return len({t.start_char for t in self.tokens})


@lru_cache(maxsize=65536)
def normalize_spelling(word: str) -> str:
    """Map British spellings (centred, judgement, prioritise) to one form."""
    word = _SPELLING.get(word, word)
    if word in _ISE_EXCEPTIONS:
        return word
    for suffix, replacement in (
        ("isation", "ization"),
        ("isations", "izations"),
        ("ising", "izing"),
        ("ised", "ized"),
        ("ises", "izes"),
        ("ise", "ize"),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if stem + "ise" in _ISE_EXCEPTIONS:
                return word
            return stem + replacement
    return word


# Lemmas simplemma gets wrong, one "e" too many: "fixed", "fixing" -> "fixe", "thinking" ->
# "thinke", "thanked" -> "thanke"; the verb itself ("fix") keeps its own form.
_LEMMA_FIXES = {
    "fixe": "fix",
    "thinke": "think",
    "thanke": "thank",
    "mixe": "mix",
    "growe": "grow",
    "develope": "develop",
    "playe": "play",
    "evene": "even",
    "springe": "spring",
}


@lru_cache(maxsize=65536)
def lemma_of(word: str) -> str:
    """The English lemma of a lowercase word (simplemma), with spelling normalised.

    simplemma's low-memory dictionary reads its compressed word list on demand (~3 MB) where
    the default one builds a Python dict of it (~21 MB); the lemmas are the same, a lookup
    takes ~25 µs instead of ~5 µs, and each word is looked up once (the cache above).
    """
    import simplemma

    if not word or word[0].isdigit():
        return word
    normalized = normalize_spelling(word)
    lemma = simplemma.lemmatize(normalized, lang="en", low_memory=True).lower()
    lemma = _LEMMA_FIXES.get(lemma, lemma)
    return normalize_spelling(lemma)


def _split_contraction(lower: str) -> tuple[str, ...]:
    lower = lower.replace("’", "'")
    if "'" not in lower:
        return _BARE_CONTRACTIONS.get(lower, (lower,))
    for suffix, expansion in _CONTRACTION_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            stem = lower[: -len(suffix)]
            if suffix == "n't":
                stem = _NEGATIVE_STEMS.get(stem, stem)
            if suffix == "'s":
                # Possessive or "is": either way the noun/pronoun is what matters for matching.
                return (stem,)
            return (stem, *expansion)
    return (lower.replace("'", ""),)


def tokenize(text: str, offset: int = 0) -> tuple[Token, ...]:
    """Word tokens of ``text`` with offsets shifted by ``offset`` (into the source string)."""
    tokens: list[Token] = []
    previous_end = 0
    for match in _WORD_RE.finditer(text):
        gap = text[previous_end : match.start()]
        punct = "".join(ch for ch in gap if ch in _PUNCT_CHARS or ch in ".!?")
        if "-" in gap:
            # A spaced or doubled hyphen is a dash (a clause break); a bare one joins a compound.
            punct += "—" if (" -" in gap or "- " in gap or "--" in gap) else "-"
        previous_end = match.end()
        surface = match.group(0)
        start, end = offset + match.start(), offset + match.end()
        for i, part in enumerate(_split_contraction(surface.lower())):
            if not part:
                continue
            tokens.append(
                Token(
                    text=surface,
                    lower=part,
                    lemma=part if part in {"not", "'s"} else lemma_of(part),
                    start_char=start,
                    end_char=end,
                    punct_before=punct if i == 0 else "",
                    clause_break=i == 0 and any(ch in _CLAUSE_PUNCT for ch in punct),
                )
            )
    return tuple(tokens)


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        if match.group(0).startswith("."):
            before = text[start : match.start()].rsplit(None, 1)
            last_word = before[-1].lower().lstrip("(\"'") if before else ""
            if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                continue
        end = match.end()
        bounds.append((start, end))
        start = end
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def _strip_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_CLAUSE_WORDS = frozenset(
    {"and", "but", "so", "because", "which", "then", "while", "when", "after", "until"}
)


_NEW_SUBJECTS = frozenset({"i", "we", "he", "she", "they", "i'd", "i'm", "we'd"})


def _split_long(text: str, start: int, end: int, tokens: tuple[Token, ...]) -> list[int]:
    """Cut points (char offsets) that break an over-long sentence at clause boundaries."""
    words = sorted({t.start_char for t in tokens})
    if len(words) <= MAX_SENTENCE_WORDS:
        return []
    middle = len(words) // 2
    best: tuple[float, int] | None = None  # (distance from the middle, index)
    for i in range(3, len(words) - 3):
        gap = text[words[i - 1] : words[i]]
        word, following = [*text[words[i] :].split(None, 2), "", ""][:2]
        # Punctuation inside a number ("6:10", "1,000") has no space after it: no boundary.
        punctuated = any(ch in gap for ch in ",;:") and any(ch.isspace() for ch in gap)
        if punctuated or word.lower() in _CLAUSE_WORDS:
            # A new subject after the clause word ("... and I told the nurse") is a surer
            # boundary than a list ("... the washes and the paperwork"): it may lie twice as far.
            strong = following.lower().strip(",.") in _NEW_SUBJECTS
            distance = abs(i - middle) / (2 if strong else 1)
            if best is None or distance < best[0]:
                best = (distance, i)
    cut_index = middle if best is None else best[1]
    cut = words[cut_index]
    left = tuple(t for t in tokens if t.start_char < cut)
    right = tuple(t for t in tokens if t.start_char >= cut)
    return [*_split_long(text, start, cut, left), cut, *_split_long(text, cut, end, right)]


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences of ``text`` (offsets into ``text``), empty ones dropped, long ones cut."""
    pieces: list[tuple[int, int, tuple[Token, ...]]] = []
    for raw_start, raw_end in _sentence_bounds(text):
        start, end = _strip_bounds(text, raw_start, raw_end)
        if start >= end:
            continue
        tokens = tokenize(text[start:end], start)
        cuts = _split_long(text, start, end, tokens)
        if not cuts:
            if tokens:
                pieces.append((start, end, tokens))
            continue
        edges = [start, *cuts, end]
        for a, b in itertools.pairwise(edges):
            s, e = _strip_bounds(text, a, b)
            piece_tokens = tokenize(text[s:e], s) if s < e else ()
            if piece_tokens:
                pieces.append((s, e, piece_tokens))
    return tuple(
        Sentence(i, text[start:end], start, end, tokens)
        for i, (start, end, tokens) in enumerate(pieces)
    )


def spoken_text(text: str) -> str:
    """``text`` without filler sounds ("um", "you know") and stammered repeats ("I I").

    What is compared by meaning; offsets and quotes always use the text as spoken.
    """
    cleaned = _FILLER_RE.sub(" ", text)
    cleaned = _REPEAT_RE.sub(r"\1", cleaned)
    cleaned = _SPACES_RE.sub(lambda m: "," if "," in m.group(0) else " ", cleaned)
    return cleaned.strip(" ,") or text


def phrase_lemmas(phrase: str) -> tuple[str, ...]:
    """The lemma sequence of a rubric phrase (tokenised like an answer)."""
    return tuple(t.lemma for t in tokenize(phrase))


def word_count(text: str) -> int:
    """Number of words as written."""
    return sum(1 for _ in _WORD_RE.finditer(text))


class WordTimeline:
    """Maps char spans of ``transcript.text`` to the audio time of the words inside them."""

    def __init__(self, transcript: Transcript, text: str | None = None) -> None:
        self._timed = transcript.timed
        self._spans: list[tuple[int, int, float, float]] = []
        if not self._timed:
            return
        source = transcript.text if text is None else text
        cursor = 0
        lowered = source.lower()
        for word in _all_words(transcript):
            needle = word.text.strip()
            if not needle:
                continue
            # Look only a little ahead so one unmatched word cannot swallow the rest.
            window_end = cursor + len(needle) + 40
            found = source.find(needle, cursor, window_end)
            if found < 0:
                found = lowered.find(needle.lower(), cursor, window_end)
            if found < 0:
                continue
            self._spans.append((found, found + len(needle), word.start_s, word.end_s))
            cursor = found + len(needle)

    @property
    def timed(self) -> bool:
        """True when the transcript has real word timings."""
        return self._timed and bool(self._spans)

    def times(self, start_char: int, end_char: int) -> tuple[float, float] | None:
        """(start_s, end_s) of the words overlapping ``[start_char, end_char)``, or None."""
        if not self.timed:
            return None
        starts = [s for a, b, s, _ in self._spans if a < end_char and b > start_char]
        ends = [e for a, b, _, e in self._spans if a < end_char and b > start_char]
        if not starts:
            return None
        return min(starts), max(ends)


def _all_words(transcript: Transcript) -> tuple[Word, ...]:
    """Words in text order: segment words when segments carry them, else transcript.words."""
    if transcript.segments and any(s.words for s in transcript.segments):
        return tuple(w for s in transcript.segments for w in s.words)
    return transcript.words
