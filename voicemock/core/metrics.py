"""Delivery metrics of one answer (rate, fillers, pauses, hedges, repetition), as pure functions.

Everything here works on ``Transcript.words``; it never touches audio, the UI or a model. The
figures are a table of small definitions (:data:`METRIC_DEFINITIONS`), each measured on the
counts and timings of one answer (:class:`Measured`). Each figure carries a band
("good"/"watch"/"fix"/"info") with the rule behind it and the published source of that rule,
and every flagged moment keeps its time and word index so a UI can jump to it.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from voicemock.core.lexicon import HEDGE_PHRASES, STOP_WORDS, is_filler_token
from voicemock.core.models import Band, DeliveryMetrics, Flag, FlagKind, Metric, Transcript, Word

if TYPE_CHECKING:
    from voicemock.core.prosody import ProsodyReport

PAUSE_MIN_S = 0.25  # silent gaps shorter than this are part of normal articulation
LONG_PAUSE_S = 2.0
MATTR_WINDOW = 50
TARGET_LENGTH_S = (60.0, 120.0)
REPEATED_PHRASE_MIN_USES = 3
_MIN_RATE_WORDS = 2  # one word has no rate worth showing
# A rate over less time than this says nothing (and a vanishing one would be infinite).
_MIN_RATE_SECONDS = 0.1
# Word and silence timings are given to the millisecond or so; closer than this is touching.
_TIME_TOLERANCE_S = 0.005

NOTE_FILLERS_LOWER_BOUND = (
    "Filler counts from Whisper are a lower bound: Whisper leaves out many um/uh sounds."
)
NOTE_UNTIMED = (
    "Timings are unknown (typed text or no word timestamps), so speaking rate, pauses, answer "
    "length and other time-based figures are not shown."
)
NOTE_NO_WORDS = "No words were recognised in this answer."
NOTE_TOO_SHORT = "The answer is too short to measure a speaking rate."

SOURCE_RATE = "Microsoft Speaker Coach uses 100-165 wpm; Read.ai 130-175; TED talks average ~163"
SOURCE_ARTICULATION = '"speech tempo" literature (speaking vs articulation rate)'
SOURCE_FILLERS = "Laske & DiGennaro Reed 2024, J. Applied Behavior Analysis, doi 10.1002/jaba.1093"
SOURCE_DISCOURSE = "Speaker Coach filler list; common coaching practice"
SOURCE_DISFLUENCY = "Bortfeld et al. 2001, Language and Speech 44(2)"
SOURCE_FILLER_SHARE = "Read.ai help pages"
SOURCE_PAUSES = "De Jong & Bosker 2013 (DiSS); product rules"
SOURCE_LENGTH = "interview coaching sources; HireVue caps answers at 90 s-3 min"
SOURCE_HEDGES = (
    '"powerless language" research (Bradac & Mulac 1984; Hosman 1989); the 1 and 3 per 100 '
    "words lines are voicemock's own (docs/speaking-norms.md)"
)
# Hedges per 100 words: up to HEDGES_GOOD is fine, from HEDGES_FIX on they clearly weaken it.
HEDGES_GOOD_PER_100 = 1.0
HEDGES_FIX_PER_100 = 3.0
SOURCE_REPEATED_PHRASES = 'Speaker Coach "repetitive language"'
SOURCE_MATTR = "Covington & McFall 2010 (MATTR); plain TTR depends on length"

# Punctuation around a word: stripped for matching, but kept as a signal (a comma after "like"
# marks a filler; a full stop ends a sentence).
_EDGE_CHARS = string.punctuation + "…—–“”‘’«»"
_CLOSERS = "\"')]}”’»"
_CLAUSE_END = (",", ";", ":", "-", "–", "—", "…", "...")
_SENTENCE_END = (".", "!", "?")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class _Token:
    """A word of the transcript reduced to what the rules look at."""

    word_index: int  # index into Transcript.words
    norm: str  # lower case, no surrounding punctuation
    display: str  # as spoken, surrounding punctuation removed
    start_s: float
    end_s: float
    sentence_end: bool  # followed by . ! ?
    clause_end: bool  # followed by , ; : dash or ellipsis
    question: bool  # followed by ?


def normalize_token(text: str) -> str:
    """Lower-case a recogniser word and strip surrounding punctuation (" Think," -> "think")."""
    return text.replace("’", "'").replace("‘", "'").strip().strip(_EDGE_CHARS).lower()


def _tokenize(words: Sequence[Word]) -> list[_Token]:
    tokens: list[_Token] = []
    for index, word in enumerate(words):
        raw = word.text.replace("’", "'").strip()
        tail = raw.rstrip(_CLOSERS)
        clause_end = tail.endswith(_CLAUSE_END)
        sentence_end = tail.endswith(_SENTENCE_END) and not tail.endswith("...")
        question = tail.endswith("?")
        norm = normalize_token(raw)
        if not norm:
            # A bare punctuation "word" belongs to the word before it.
            if tokens and (clause_end or sentence_end):
                last = tokens[-1]
                tokens[-1] = replace(
                    last,
                    sentence_end=last.sentence_end or sentence_end,
                    clause_end=last.clause_end or clause_end,
                    question=last.question or question,
                )
            continue
        tokens.append(
            _Token(
                word_index=index,
                norm=norm,
                display=raw.strip(_EDGE_CHARS),
                # float(): engines hand over numpy scalars, which JSON and SQLite reject.
                start_s=float(word.start_s),
                end_s=float(word.end_s),
                sentence_end=sentence_end,
                clause_end=clause_end,
                question=question,
            )
        )
    return tokens


def _gap_s(earlier: _Token, later: _Token) -> float:
    # Rounded to the millisecond so a 250 ms gap is not lost to float error (0.35 - 0.1).
    return round(later.start_s - earlier.end_s, 3)


class _Context:
    """Neighbourhood queries over a token list, shared by the filler and hedge rules."""

    def __init__(self, tokens: Sequence[_Token]) -> None:
        self.tokens = tokens
        self.n = len(tokens)

    def norm(self, k: int) -> str:
        return self.tokens[k].norm if 0 <= k < self.n else ""

    def punct_after(self, k: int) -> bool:
        tok = self.tokens[k]
        return tok.clause_end or tok.sentence_end

    def punct_before(self, k: int) -> bool:
        return k > 0 and self.punct_after(k - 1)

    def pause_before(self, k: int) -> bool:
        return k > 0 and _gap_s(self.tokens[k - 1], self.tokens[k]) >= PAUSE_MIN_S

    def pause_after(self, k: int) -> bool:
        return k + 1 < self.n and _gap_s(self.tokens[k], self.tokens[k + 1]) >= PAUSE_MIN_S

    def break_before(self, k: int) -> bool:
        return k == 0 or self.punct_before(k) or self.pause_before(k)

    def break_after(self, k: int) -> bool:
        return k == self.n - 1 or self.punct_after(k) or self.pause_after(k)

    def sentence_start(self, k: int) -> bool:
        return k == 0 or self.tokens[k - 1].sentence_end

    def answer_start(self, k: int) -> bool:
        """Only filled pauses come before token k ("Um, so ...")."""
        return all(is_filler_token(t.norm) for t in self.tokens[:k])

    def prev_attached(self, k: int) -> str:
        """The previous token when nothing (punctuation) separates it from token k."""
        return self.norm(k - 1) if k > 0 and not self.punct_before(k) else ""

    def next_attached(self, k: int) -> str:
        """The next token when nothing (punctuation) separates it from token k."""
        return self.norm(k + 1) if k + 1 < self.n and not self.punct_after(k) else ""

    def is_filler(self, k: int) -> bool:
        return 0 <= k < self.n and is_filler_token(self.tokens[k].norm)


# --- discourse markers -------------------------------------------------------------------------

# "I like", "would like", "don't like": the verb.
_LIKE_VERB_PREV = _word_set(
    """
    i you we they he she people who everyone everybody someone somebody nobody anyone
    would i'd you'd we'd they'd he'd she'd do does did don't didn't doesn't dont didnt doesnt
    to really also still always never genuinely particularly especially truly definitely might
    may will i'll we'll you'll they'll wouldn't not"""
)
# "looks like", "something like", "just like": the preposition of comparison.
_LIKE_COMPARE_PREV = _word_set(
    """
    look looks looked looking seem seems seemed seeming sound sounds sounded sounding feel
    feels felt feeling act acts acted acting something anything nothing everything things
    stuff exactly just more much less lot smell smells taste tastes behave behaved treat
    treated think talk talked dress dressed"""
)
# "like a", "like my dad", "like this": a noun phrase follows, so "like" compares.
_NOUN_PHRASE_START = _word_set(
    """
    a an the this that these those my your his her its our their me him them us it someone
    somebody something anything everyone everything when how"""
)
# "it was like really hard", "like five people": "like" before an intensifier or a number.
_LIKE_FILLER_NEXT = _word_set(
    """
    really very so super totally completely literally actually basically honestly kind sort
    kinda sorta almost pretty just maybe about around two three four five six seven eight nine
    ten twenty thirty forty fifty hundred"""
)
_CONJUNCTIONS = _word_set("and but or so because cause 'cause then")
_SAID_VERBS = _word_set("said say mentioned mention told was were")

# "you know that/how ...": the verb with an object, not the filler.
_YOU_KNOW_OBJECT = _word_set(
    """
    that how what why when where who if the whether which about him them me us each
    everyone everything someone something anything exactly"""
)
_YOU_KNOW_VERB_PREV = _word_set(
    "do did don't didn't does doesn't if as let would could should will won't what"
)
_SO_KEEPS_MEANING = _word_set("far much many long that")
_WELL_KEEPS_MEANING = _word_set("done known enough")
_I_MEAN_VERB_PREV = _word_set("what whatever if do did which")

_DETERMINERS = _word_set(
    """
    a an the this that these those what which whatever any some every each no one same
    another other different certain my your his her its our their what's right wrong only first
    best new particular specific similar all many"""
)


def _like_is_filler(ctx: _Context, k: int) -> bool:
    prev = ctx.prev_attached(k)
    nxt = ctx.norm(k + 1)
    if prev in _LIKE_VERB_PREV or prev in _LIKE_COMPARE_PREV:
        return False
    # "like I said" means "as I said": a conjunction, not a filler.
    if (
        nxt in ("i", "we", "you")
        and not ctx.punct_after(k)
        and ctx.norm(k + 2) in _SAID_VERBS
        and (ctx.norm(k + 2) not in ("was", "were") or ctx.norm(k + 3) == "saying")
    ):
        return False
    if ctx.break_after(k) or ctx.is_filler(k + 1) or ctx.is_filler(k - 1):
        return True
    if nxt in _LIKE_FILLER_NEXT or nxt.isdigit():
        return True
    if nxt in _NOUN_PHRASE_START:
        return False
    return ctx.sentence_start(k) or ctx.break_before(k) or ctx.norm(k - 1) in _CONJUNCTIONS


def _you_know_is_filler(ctx: _Context, k: int) -> bool:
    # k is "you", k + 1 is "know".
    if ctx.prev_attached(k) in _YOU_KNOW_VERB_PREV:
        return False
    if ctx.break_after(k + 1):
        return True
    return ctx.norm(k + 2) not in _YOU_KNOW_OBJECT


def _i_mean_is_filler(ctx: _Context, k: int) -> bool:
    # k is "i", k + 1 is "mean".
    if ctx.prev_attached(k) in _I_MEAN_VERB_PREV:
        return False
    if ctx.break_after(k + 1):
        return True
    nxt = ctx.norm(k + 2)
    if nxt == "it":
        # "I mean it." is the verb; "I mean it was hard" is the filler.
        return not ctx.break_after(k + 2)
    return nxt not in ("that", "to", "by")


def _kind_of_role(ctx: _Context, k: int) -> str:
    """How "kind of"/"sort of" at k is used: "noun", "hedge" or "discourse"."""
    if ctx.prev_attached(k) in _DETERMINERS:
        return "noun"  # "what kind of", "that sort of thing"
    if ctx.punct_after(k + 1) or ctx.is_filler(k + 2):
        return "discourse"  # "and, sort of, ..." / "kind of, um"
    return "hedge"


def _discourse_length_at(ctx: _Context, k: int) -> int:
    """How many tokens from k form a discourse-marker filler (0 when none does)."""
    word, nxt = ctx.norm(k), ctx.norm(k + 1)
    two_word = k + 1 < ctx.n and not ctx.punct_after(k)
    if word in ("y'know", "yknow"):
        return 1
    if word in ("ya", "you") and nxt == "know" and two_word:
        return 2 if word == "ya" or _you_know_is_filler(ctx, k) else 0
    if word == "i" and nxt == "mean" and two_word:
        return 2 if _i_mean_is_filler(ctx, k) else 0
    if word == "like":
        return 1 if _like_is_filler(ctx, k) else 0
    if word in ("actually", "basically", "literally"):
        set_off = ctx.punct_before(k) or ctx.punct_after(k)
        return 1 if set_off or ctx.sentence_start(k) or ctx.answer_start(k) else 0
    if word in ("so", "well"):
        if ctx.answer_start(k):
            # "So far ...", "Well done ..." keep their meaning even at the start.
            keeps_meaning = _SO_KEEPS_MEANING if word == "so" else _WELL_KEEPS_MEANING
            return 0 if nxt in keeps_meaning else 1
        initial = ctx.sentence_start(k) or ctx.pause_before(k)
        return 1 if initial and (ctx.punct_after(k) or ctx.is_filler(k + 1)) else 0
    if word == "right":
        if ctx.tokens[k].question:  # a tag question: "..., right?"
            return 0 if ctx.norm(k - 1) in ("that", "that's", "is", "it's") else 1
        initial = ctx.sentence_start(k) or ctx.pause_before(k)
        return 1 if initial and ctx.punct_after(k) else 0
    if word in ("kind", "sort") and nxt == "of" and two_word:
        return 2 if _kind_of_role(ctx, k) == "discourse" else 0
    return 0


def _discourse_spans(ctx: _Context) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    k = 0
    while k < ctx.n:
        length = _discourse_length_at(ctx, k)
        if length:
            spans.append((k, k + length - 1))
            k += length
        else:
            k += 1
    return spans


# --- hedges ------------------------------------------------------------------------------------

_JUST_NOT_HEDGE_PREV = _word_set("had have has i've we've you've they've 've i'd we'd a the")
_JUST_NOT_HEDGE_NEXT = _word_set(
    """
    now then before after when as in like because since started finished joined arrived
    moved graduated begun"""
)


def _hedge_allowed(ctx: _Context, phrase: str, k: int, length: int) -> bool:
    prev = ctx.prev_attached(k)
    nxt = ctx.next_attached(k + length - 1)
    if phrase == "just":
        return prev not in _JUST_NOT_HEDGE_PREV and nxt not in _JUST_NOT_HEDGE_NEXT
    if phrase == "might":
        return prev not in ("the", "his", "her", "my", "our", "their", "its", "with", "all")
    if phrase == "a bit":
        return prev != "quite"
    if phrase in ("kind of", "sort of"):
        return _kind_of_role(ctx, k) == "hedge"
    if phrase == "i think":
        return nxt not in ("about", "of", "back")
    return True


def _hedge_table() -> list[tuple[str, tuple[str, ...]]]:
    table = [(phrase, tuple(phrase.split())) for phrase in HEDGE_PHRASES]
    return sorted(table, key=lambda item: -len(item[1]))  # longest match first


_HEDGES = _hedge_table()


def _hedge_spans(ctx: _Context, discourse: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    in_discourse = {k for start, end in discourse for k in range(start, end + 1)}
    spans: list[tuple[int, int]] = []
    k = 0
    while k < ctx.n:
        matched = 0
        for phrase, parts in _HEDGES:
            length = len(parts)
            if k + length > ctx.n:
                continue
            if any(ctx.norm(k + j) != part for j, part in enumerate(parts)):
                continue
            # A hedge phrase does not run across punctuation ("I, think").
            if any(ctx.punct_after(k + j) for j in range(length - 1)):
                continue
            if any(k + j in in_discourse for j in range(length)):
                continue
            if _hedge_allowed(ctx, phrase, k, length):
                matched = length
                break
        if matched:
            spans.append((k, k + matched - 1))
            k += matched
        else:
            k += 1
    return spans


# --- repetition --------------------------------------------------------------------------------

# Doubled words that are grammatical or emphatic ("that that", "very very", "had had").
_REPEAT_OK = _word_set("that had very really no yes yeah bye ha hey much many far okay ok")


def _repetition_spans(ctx: _Context) -> list[tuple[int, int]]:
    # Fillers between the copies do not break a repetition: "I, um, I think".
    content = [k for k in range(ctx.n) if not ctx.is_filler(k)]
    norms = [ctx.norm(k) for k in content]

    def crosses_sentence(first: int, last: int) -> bool:
        return any(ctx.tokens[content[j]].sentence_end for j in range(first, last))

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(content):
        end = i
        while (
            end + 1 < len(content)
            and norms[end + 1] == norms[i]
            and not crosses_sentence(end, end + 1)
        ):
            end += 1
        if end > i and norms[i] not in _REPEAT_OK:
            spans.append((content[i], content[end]))
            i = end  # the last copy may still start a two-word repetition
            continue
        end = i + 1
        while (
            end + 2 < len(content)
            and norms[i] != norms[i + 1]
            and norms[end + 1] == norms[i]
            and norms[end + 2] == norms[i + 1]
            and not crosses_sentence(i, end + 2)
        ):
            end += 2
        if end > i + 1:
            spans.append((content[i], content[end]))
            i = end
            continue
        i += 1
    return spans


@dataclass(frozen=True)
class _RepeatedPhrase:
    phrase: str
    length: int
    starts: tuple[int, ...]  # token positions of each use


def _repeated_phrases(ctx: _Context, min_uses: int) -> list[_RepeatedPhrase]:
    norms = [t.norm for t in ctx.tokens]
    usable = [not ctx.is_filler(k) for k in range(ctx.n)]
    covered = [False] * ctx.n

    def joinable(k: int) -> bool:
        """Token k may be followed by token k + 1 inside one phrase."""
        return k + 1 < ctx.n and usable[k] and usable[k + 1] and not ctx.tokens[k].sentence_end

    found: list[_RepeatedPhrase] = []
    for size in (4, 3, 2):
        uses: dict[tuple[str, ...], list[int]] = {}
        for k in range(ctx.n - size + 1):
            if not all(joinable(k + j) for j in range(size - 1)):
                continue
            gram = tuple(norms[k : k + size])
            if all(word in STOP_WORDS for word in gram):
                continue
            uses.setdefault(gram, []).append(k)
        ranked = sorted(
            (item for item in uses.items() if len(item[1]) >= min_uses),
            key=lambda item: (-len(item[1]), item[1][0]),
        )
        for _gram, starts in ranked:
            chosen: list[int] = []
            for k in starts:
                overlaps_previous = bool(chosen) and k < chosen[-1] + size
                if not overlaps_previous and not any(covered[k : k + size]):
                    chosen.append(k)
            if len(chosen) < min_uses:
                continue
            first, length = _extend_phrase(chosen, size, norms, covered, joinable)
            use_starts = tuple(k - (chosen[0] - first) for k in chosen)
            for k in use_starts:
                for j in range(k, k + length):
                    covered[j] = True
            found.append(
                _RepeatedPhrase(" ".join(norms[first : first + length]), length, use_starts)
            )
    return sorted(found, key=lambda p: p.starts[0])


def _extend_phrase(
    starts: list[int],
    size: int,
    norms: Sequence[str],
    covered: Sequence[bool],
    joinable: Callable[[int], bool],
) -> tuple[int, int]:
    """Grow a repeated phrase while every use continues with the same word (left, then right)."""
    left = 0
    while True:
        cand = [k - left - 1 for k in starts]
        if any(c < 0 or covered[c] or not joinable(c) for c in cand):
            break
        if len({norms[c] for c in cand}) != 1:
            break
        if any(cand[i + 1] < starts[i] + size for i in range(len(starts) - 1)):
            break
        left += 1
    length = size + left
    while True:
        ends = [k - left + length for k in starts]  # the token each use would take in
        if any(e >= len(norms) or covered[e] or not joinable(e - 1) for e in ends):
            break
        if len({norms[e] for e in ends}) != 1:
            break
        if any(ends[i] >= starts[i + 1] - left for i in range(len(starts) - 1)):
            break
        length += 1
    return starts[0] - left, length


# --- public helpers ----------------------------------------------------------------------------


def _span_flag(ctx: _Context, kind: FlagKind, first: int, last: int, text: str = "") -> Flag:
    tokens = ctx.tokens
    return Flag(
        kind=kind,
        text=text or " ".join(t.display for t in tokens[first : last + 1]),
        start_s=tokens[first].start_s,
        end_s=tokens[last].end_s,
        word_index=tokens[first].word_index,
    )


def _filler_flags(ctx: _Context) -> list[Flag]:
    return [_span_flag(ctx, "filler", k, k) for k in range(ctx.n) if ctx.is_filler(k)]


def _pause_flag(
    start_s: float, end_s: float, word_index: int, long_pause_s: float, length_s: float
) -> Flag:
    kind: FlagKind = "long_pause" if length_s >= round(long_pause_s, 3) else "pause"
    label = "long pause" if kind == "long_pause" else "pause"
    return Flag(kind, f"{length_s:.2f} s {label}", start_s, end_s, word_index)


def _gap_pause_flags(ctx: _Context, min_pause_s: float, long_pause_s: float) -> list[Flag]:
    flags: list[Flag] = []
    for k in range(1, ctx.n):
        before, after = ctx.tokens[k - 1], ctx.tokens[k]
        gap_s = _gap_s(before, after)
        if gap_s < round(min_pause_s, 3) or gap_s <= 0:
            continue
        flags.append(
            _pause_flag(before.end_s, after.start_s, after.word_index, long_pause_s, gap_s)
        )
    return flags


def _word_after(tokens: Sequence[_Token], start_s: float, end_s: float) -> int | None:
    """The token heard right after the pause [start_s, end_s], or None when none follows it.

    A word whose timing straddles the pause end was stretched by the recogniser: it comes
    after the pause when more of its timing lies after the pause than before it.
    """
    for k, token in enumerate(tokens):
        if token.start_s >= end_s - _TIME_TOLERANCE_S:
            return k
        if token.end_s > end_s:
            before_s = max(0.0, min(token.end_s, start_s) - token.start_s)
            if token.end_s - max(token.start_s, end_s) > before_s:
                return k
    return None


def _pause_flags(
    ctx: _Context,
    min_pause_s: float,
    long_pause_s: float,
    silences: Sequence[tuple[float, float]] | None = None,
) -> list[Flag]:
    gap_flags = _gap_pause_flags(ctx, min_pause_s, long_pause_s)
    tokens = ctx.tokens
    if silences is None or not tokens:
        return gap_flags
    span_start_s = tokens[0].start_s
    span_end_s = max(t.end_s for t in tokens)
    # (start_s, end_s, the word-gap flag or None for a silence of the audio)
    spans: list[tuple[float, float, Flag | None]] = [(f.start_s, f.end_s, f) for f in gap_flags]
    for start_s, end_s in silences:
        # Silence before the first word is response latency; after the last word, the end of
        # the recording: neither is a pause, so only the part inside the answer counts.
        start_s, end_s = max(float(start_s), span_start_s), min(float(end_s), span_end_s)
        if end_s > start_s:
            spans.append((start_s, end_s, None))
    spans.sort(key=lambda span: (span[0], span[1]))
    groups: list[list[tuple[float, float, Flag | None]]] = []
    for span in spans:
        # Word gaps never join each other (a zero-length word keeps them apart, as without
        # silences); a silence joins whatever it overlaps or touches.
        last = groups[-1] if groups else []
        touches = bool(last) and span[0] <= max(end_s for _, end_s, _ in last)
        if touches and (span[2] is None or any(flag is None for _, _, flag in last)):
            last.append(span)
        else:
            groups.append([span])
    flags: list[Flag] = []
    for group in groups:
        quiet = [(a, b) for a, b, flag in group if flag is None]
        gaps = [flag for _, _, flag in group if flag is not None]
        if not quiet:
            flags.extend(gaps)  # a word gap the audio does not show as silence still counts
            continue
        # Where the audio shows the silence, its edges are exact to a frame; the recogniser's
        # word edges are often 0.1-0.3 s off.
        start_s, end_s = min(a for a, _ in quiet), max(b for _, b in quiet)
        length_s = round(end_s - start_s, 3)
        k = _word_after(tokens, start_s, end_s)
        # With no word heard before it, a silence is the start of the answer; with none after
        # it, the end: neither is a pause (though a word gap there still is).
        leading = k == 0 or tokens[0].start_s >= start_s - _TIME_TOLERANCE_S
        if length_s < round(min_pause_s, 3) or k is None or leading:
            flags.extend(gaps)
            continue
        flags.append(_pause_flag(start_s, end_s, tokens[k].word_index, long_pause_s, length_s))
    return flags


def find_fillers(words: Sequence[Word]) -> list[Flag]:
    """Filled pauses (um, uh, er, ah, hmm, mm and their spellings), one flag per word."""
    return _filler_flags(_Context(_tokenize(words)))


def find_discourse_fillers(words: Sequence[Word]) -> list[Flag]:
    """Discourse markers used as fillers ("it was, like, hard"; "you know,"), not "I like it"."""
    ctx = _Context(_tokenize(words))
    return [_span_flag(ctx, "discourse_filler", a, b) for a, b in _discourse_spans(ctx)]


def find_hedges(words: Sequence[Word]) -> list[Flag]:
    """Hedges that soften a claim ("I think", "maybe", "just", "kind of"), one flag per use."""
    ctx = _Context(_tokenize(words))
    spans = _hedge_spans(ctx, _discourse_spans(ctx))
    return [_span_flag(ctx, "hedge", a, b) for a, b in spans]


def find_pauses(
    words: Sequence[Word],
    *,
    min_pause_s: float = PAUSE_MIN_S,
    long_pause_s: float = LONG_PAUSE_S,
    silences: Sequence[tuple[float, float]] | None = None,
) -> list[Flag]:
    """Silent gaps between words: "pause" from min_pause_s, "long_pause" from long_pause_s.

    The flag spans the gap; its word_index is the word after it. Silence before the first word
    is response latency, not a pause. ``silences`` are silent intervals of the audio (from its
    energy): those inside the answer count too, even where a word's timing covers them.
    """
    return _pause_flags(_Context(_tokenize(words)), min_pause_s, long_pause_s, silences)


def find_repetitions(words: Sequence[Word]) -> list[Flag]:
    """Immediate repetitions ("I I think", "the the", "in the in the"), one flag per run."""
    ctx = _Context(_tokenize(words))
    return [_span_flag(ctx, "repetition", a, b) for a, b in _repetition_spans(ctx)]


def find_repeated_phrases(
    words: Sequence[Word], *, min_uses: int = REPEATED_PHRASE_MIN_USES
) -> list[Flag]:
    """Each use of a 2-4 word phrase said min_uses times or more, one flag per use.

    A phrase inside a longer repeated phrase is not counted again, and phrases made only of
    stop words ("and then I") are ignored. The flag text is the phrase in lower case.
    """
    ctx = _Context(_tokenize(words))
    return _phrase_flags(ctx, _repeated_phrases(ctx, min_uses))


def _phrase_flags(ctx: _Context, phrases: Sequence[_RepeatedPhrase]) -> list[Flag]:
    return [
        _span_flag(ctx, "repeated_phrase", k, k + p.length - 1, text=p.phrase)
        for p in phrases
        for k in p.starts
    ]


def mattr(tokens: Sequence[str], window: int = MATTR_WINDOW) -> float | None:
    """Moving-average type/token ratio; the window shrinks to the text length (then plain TTR).

    None for no tokens. Unlike plain TTR it does not fall just because an answer is longer.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    count = len(tokens)
    if count == 0:
        return None
    size = min(window, count)
    seen = Counter(tokens[:size])
    total = len(seen)
    for k in range(size, count):
        leaving = tokens[k - size]
        seen[leaving] -= 1
        if seen[leaving] == 0:
            del seen[leaving]
        seen[tokens[k]] += 1
        total += len(seen)
    return total / size / (count - size + 1)


# --- the metrics -------------------------------------------------------------------------------


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _per_100(count: int, words: int) -> float | None:
    return None if words == 0 else 100.0 * count / words


def _band_rate(value: float | None) -> Band:
    if value is None:
        return "info"
    if value < 100 or value > 180:
        return "fix"
    return "good" if 130 <= value <= 165 else "watch"


def _band_fillers_per_min(value: float | None) -> Band:
    if value is None:
        return "info"
    if value <= 5:
        return "good"
    return "fix" if value >= 12 else "watch"


def _band_hedges_per_100(value: float | None) -> Band:
    if value is None:
        return "info"
    if value <= HEDGES_GOOD_PER_100:
        return "good"
    return "fix" if value >= HEDGES_FIX_PER_100 else "watch"


def _band_length(value: float | None, target_s: tuple[float, float]) -> Band:
    if value is None:
        return "info"
    low, high = target_s
    if value < low / 2 or value > high * 1.5:
        return "fix"
    return "good" if low <= value <= high else "watch"


def _band_at_most(value: float | None, limit: float) -> Band:
    if value is None:
        return "info"
    return "good" if value <= limit else "watch"


def _band_below(value: float | None, limit: float) -> Band:
    if value is None:
        return "info"
    return "good" if value < limit else "watch"


@dataclass(frozen=True)
class Measured:
    """What the metric definitions read: one answer's counts and timings, already rounded."""

    word_count: int
    timed: bool  # the words have real timings
    target_length_s: tuple[float, float]
    long_pause_s: float
    filler_count: int
    discourse_count: int
    hedge_count: int
    repetition_count: int
    phrase_count: int
    pause_count: int
    long_pause_count: int
    answer_s: float | None
    speaking_rate: float | None
    articulation_rate: float | None
    fillers_per_min: float | None
    longest_pause_s: float | None
    latency_s: float | None
    fillers_per_100: float | None
    filler_share: float | None
    disfluencies_per_100: float | None
    hedges_per_100: float | None
    diversity: float | None

    @property
    def has_words(self) -> bool:
        """Whether anything was said (an empty answer has counts of 0, but nothing to judge)."""
        return self.word_count > 0

    def counted(self, count: int, band: Band) -> tuple[float | None, Band]:
        """A count, judged only when there are words."""
        return float(count), (band if self.has_words else "info")

    def timed_count(self, count: int, band: Band) -> tuple[float | None, Band]:
        """A count that needs timings (pauses): unknown without them."""
        return (float(count), band) if self.timed and self.has_words else (None, "info")


Figure = tuple[float | None, Band]  # a metric's value and band


def _info(value: Callable[[Measured], float | None]) -> Callable[[Measured], Figure]:
    """A figure shown without a band."""
    return lambda m: (value(m), "info")


@dataclass(frozen=True)
class MetricDefinition:
    """One delivery figure: its key, label and unit, how it is measured and judged, and why."""

    key: str
    label: str
    unit: str
    figure: Callable[[Measured], Figure]  # (value, band) of one answer
    guidance: str | Callable[[Measured], str] = ""  # the band's rule in words
    source: str = ""
    flag_kinds: tuple[FlagKind, ...] = ()

    def measure(self, measured: Measured) -> Metric:
        """This figure of one answer."""
        value, band = self.figure(measured)
        guidance = self.guidance if isinstance(self.guidance, str) else self.guidance(measured)
        return Metric(
            self.key, self.label, value, self.unit, band, guidance, self.source, self.flag_kinds
        )


def _length_guidance(m: Measured) -> str:
    low_s, high_s = m.target_length_s
    return (
        f"{low_s:g}-{high_s:g} s is good for a behavioural answer (a STAR answer fits "
        f"about 90 s); under {low_s / 2:g} s or over {high_s * 1.5:g} s needs work"
    )


# Every delivery figure, in the order reports show them.
METRIC_DEFINITIONS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "answer_time_s",
        "Answer length",
        "s",
        lambda m: (m.answer_s, _band_length(m.answer_s, m.target_length_s)),
        _length_guidance,
        SOURCE_LENGTH,
    ),
    MetricDefinition("word_count", "Words", "words", _info(lambda m: float(m.word_count))),
    MetricDefinition(
        "speaking_rate_wpm",
        "Speaking rate",
        "wpm",
        lambda m: (m.speaking_rate, _band_rate(m.speaking_rate)),
        "130-165 wpm is good; under 100 or over 180 needs work",
        SOURCE_RATE,
    ),
    MetricDefinition(
        "articulation_rate_wpm",
        "Articulation rate",
        "wpm",
        _info(lambda m: m.articulation_rate),
        "words per minute of speaking time, with silent pauses of 250 ms or more taken "
        "out; read it beside the speaking rate",
        SOURCE_ARTICULATION,
        ("pause", "long_pause"),
    ),
    MetricDefinition(
        "filler_count",
        "Fillers (um, uh)",
        "",
        lambda m: m.counted(m.filler_count, _band_fillers_per_min(m.fillers_per_min)),
        "judged per minute: 5 or fewer per minute is fine; 12 or more clearly hurts",
        SOURCE_FILLERS,
        ("filler",),
    ),
    MetricDefinition(
        "fillers_per_min",
        "Fillers per minute",
        "per min",
        lambda m: (m.fillers_per_min, _band_fillers_per_min(m.fillers_per_min)),
        "5 or fewer per minute showed no listener penalty; about 12 per minute clearly "
        "hurt ratings",
        SOURCE_FILLERS,
        ("filler",),
    ),
    MetricDefinition(
        "fillers_per_100_words",
        "Fillers per 100 words",
        "per 100 words",
        _info(lambda m: m.fillers_per_100),
        "um/uh per 100 words; ordinary spontaneous speech has about 6 disfluencies "
        "(fillers, repetitions, restarts) per 100 words",
        SOURCE_DISFLUENCY,
        ("filler",),
    ),
    MetricDefinition(
        "discourse_filler_count",
        "Discourse fillers (like, you know)",
        "",
        _info(lambda m: float(m.discourse_count)),
        "like / you know / I mean ... used as fillers; weighed lower than um/uh, so shown "
        "without a band",
        SOURCE_DISCOURSE,
        ("discourse_filler",),
    ),
    MetricDefinition(
        "filler_share_pct",
        "Filler share",
        "%",
        lambda m: (m.filler_share, _band_below(m.filler_share, 4.0)),
        "filler words (um/uh and like/you know used as fillers) as a share of all words; "
        "under 4 % is the target",
        SOURCE_FILLER_SHARE,
        ("filler", "discourse_filler"),
    ),
    MetricDefinition(
        "disfluencies_per_100_words",
        "Disfluencies per 100 words",
        "per 100 words",
        lambda m: (m.disfluencies_per_100, _band_at_most(m.disfluencies_per_100, 6.0)),
        "fillers plus repeated words; ordinary spontaneous speech has about 6 per 100 "
        "words, so more than that needs a look",
        SOURCE_DISFLUENCY,
        ("filler", "repetition"),
    ),
    MetricDefinition(
        "pause_count",
        "Pauses",
        "",
        lambda m: m.timed_count(m.pause_count, "info"),
        "silences of 250 ms or more within the answer; found from the word timings and "
        "from the loudness of the recording",
        SOURCE_PAUSES,
        ("pause", "long_pause"),
    ),
    MetricDefinition(
        "long_pause_count",
        "Long pauses",
        "",
        lambda m: m.timed_count(m.long_pause_count, "watch" if m.long_pause_count else "good"),
        lambda m: (
            f"gaps of {m.long_pause_s:g} s or more; each one is worth a look (1.2 s "
            "mid-sentence already reads as uncertain)"
        ),
        SOURCE_PAUSES,
        ("long_pause",),
    ),
    MetricDefinition(
        "longest_pause_s",
        "Longest pause",
        "s",
        lambda m: (m.longest_pause_s, _band_below(m.longest_pause_s, m.long_pause_s)),
        lambda m: (
            f"under {m.long_pause_s:g} s is good; 1.2 s mid-sentence already reads as uncertain"
        ),
        SOURCE_PAUSES,
        ("pause", "long_pause"),
    ),
    MetricDefinition(
        "response_latency_s",
        "Time to first word",
        "s",
        _info(lambda m: m.latency_s),
        "from the end of the question to the first word of the answer",
    ),
    MetricDefinition(
        "hedge_count",
        "Hedges",
        "",
        lambda m: m.counted(m.hedge_count, _band_hedges_per_100(m.hedges_per_100)),
        "maybe, I think, I guess, kind of, just ...: each one softens a claim; judged per "
        f"100 words: {HEDGES_GOOD_PER_100:g} or fewer is fine, {HEDGES_FIX_PER_100:g} or more "
        "sounds unsure",
        SOURCE_HEDGES,
        ("hedge",),
    ),
    MetricDefinition(
        "hedges_per_100_words",
        "Hedges per 100 words",
        "per 100 words",
        lambda m: (m.hedges_per_100, _band_hedges_per_100(m.hedges_per_100)),
        f"{HEDGES_GOOD_PER_100:g} or fewer per 100 words is fine; {HEDGES_FIX_PER_100:g} or "
        "more sounds unsure: say what you did plainly",
        SOURCE_HEDGES,
        ("hedge",),
    ),
    MetricDefinition(
        "repetition_count",
        "Repeated words",
        "",
        _info(lambda m: float(m.repetition_count)),
        'immediate repetitions such as "I I think"; they count as disfluencies',
        SOURCE_DISFLUENCY,
        ("repetition",),
    ),
    MetricDefinition(
        "repeated_phrase_count",
        "Repeated phrases",
        "",
        lambda m: m.counted(m.phrase_count, "watch" if m.phrase_count else "good"),
        "the same 2-4 word phrase used 3 or more times; vary the wording",
        SOURCE_REPEATED_PHRASES,
        ("repeated_phrase",),
    ),
    MetricDefinition(
        "lexical_diversity_mattr",
        "Lexical diversity (MATTR)",
        "ratio",
        _info(lambda m: m.diversity),
        f"moving-average type/token ratio over {MATTR_WINDOW}-word windows; shown, "
        "not judged on its own",
        SOURCE_MATTR,
    ),
)


def compute_metrics(
    transcript: Transcript,
    *,
    question_end_s: float | None = None,
    long_pause_s: float = LONG_PAUSE_S,
    target_length_s: tuple[float, float] = TARGET_LENGTH_S,
    silences: Sequence[tuple[float, float]] | None = None,
    prosody: ProsodyReport | None = None,
) -> DeliveryMetrics:
    """All delivery figures of one answer, each with its band, plus every flagged moment.

    ``question_end_s`` is when the spoken question ended, on the answer audio's clock (for the
    response latency); ``target_length_s`` is the question's (min, max) answer length.
    ``silences`` are the audio's silent intervals (start_s, end_s); None takes the
    transcript's own (``Transcript.silences``), and without any, pauses come from word gaps.
    ``prosody`` (``voicemock.core.prosody.analyse_prosody`` of the recording) adds how the
    answer sounded: pitch variation, trailing off, pace over time, pauses inside phrases.
    The figures are :data:`METRIC_DEFINITIONS` measured on the answer.
    """
    tokens = _tokenize(transcript.words)
    ctx = _Context(tokens)
    timed = transcript.timed and any(t.end_s > 0 for t in tokens)

    filler_flags = _filler_flags(ctx)
    discourse = _discourse_spans(ctx)
    discourse_flags = [_span_flag(ctx, "discourse_filler", a, b) for a, b in discourse]
    hedge_flags = [_span_flag(ctx, "hedge", a, b) for a, b in _hedge_spans(ctx, discourse)]
    repetition_flags = [_span_flag(ctx, "repetition", a, b) for a, b in _repetition_spans(ctx)]
    phrases = _repeated_phrases(ctx, REPEATED_PHRASE_MIN_USES)
    phrase_flags = _phrase_flags(ctx, phrases)
    if silences is None:
        silences = transcript.silences or None
    pause_flags = _pause_flags(ctx, PAUSE_MIN_S, long_pause_s, silences) if timed else []
    measured = _measure(
        tokens,
        timed,
        filler_count=len(filler_flags),
        discourse=discourse,
        hedge_count=len(hedge_flags),
        repetition_count=len(repetition_flags),
        phrase_count=len(phrases),
        pause_flags=pause_flags,
        question_end_s=question_end_s,
        long_pause_s=long_pause_s,
        target_length_s=target_length_s,
    )
    metrics = tuple(definition.measure(measured) for definition in METRIC_DEFINITIONS)

    sounded = prosody is not None and timed and measured.has_words
    if prosody is not None and sounded:
        metrics = (*metrics, *prosody.metrics())
    order = {"filler": 0, "discourse_filler": 1, "hedge": 2, "repetition": 3}
    flags = sorted(
        [
            *filler_flags,
            *discourse_flags,
            *hedge_flags,
            *repetition_flags,
            *phrase_flags,
            *pause_flags,
            *(prosody.flags() if prosody is not None and sounded else ()),
        ],
        key=lambda f: (f.start_s, f.word_index, order.get(f.kind, 4)),
    )

    notes: list[str] = []
    if transcript.timed:
        notes.append(NOTE_FILLERS_LOWER_BOUND)
    if not measured.has_words:
        notes.append(NOTE_NO_WORDS)
    elif not timed:
        notes.append(NOTE_UNTIMED)
    elif measured.speaking_rate is None:
        notes.append(NOTE_TOO_SHORT)
    return DeliveryMetrics(metrics=metrics, flags=tuple(flags), notes=tuple(notes))


def spoken_span_s(transcript: Transcript) -> tuple[float, float] | None:
    """When the answer's first word starts and its last word ends; None without timed words.

    The answer is measured over this span ("Answer length", the speaking rate): the silence
    before the first word and after the last is not part of it. Replay starts at its start.
    """
    tokens = _tokenize(transcript.words)
    if not transcript.timed or not tokens:
        return None
    end_s = max(t.end_s for t in tokens)
    return (tokens[0].start_s, end_s) if end_s > 0 else None


# The flagged moments replay steps through (the app's [ and ], `voicemock replay --flag N`):
# what was said, then how it sounded.
REPLAY_FLAG_KINDS: tuple[FlagKind, ...] = (
    "filler",
    "discourse_filler",
    "hedge",
    "long_pause",
    "flat_pitch",
    "trailing_off",
    "quiet",
    "fast_stretch",
    "slow_stretch",
    "sped_up",
)


def replay_flags(metrics: DeliveryMetrics) -> list[Flag]:
    """The moments replay steps through, in time order."""
    return sorted(metrics.flags_of(*REPLAY_FLAG_KINDS), key=lambda f: (f.start_s, f.word_index))


def answer_length_s(metrics: DeliveryMetrics, recorded_s: float) -> float:
    """The answer's length as Delivery measures it (first word to last, "answer_time_s").

    ``recorded_s`` (the recording's length) stands in when no word was timed: a typed
    answer, a take with nothing said. Headers and lists show this, so they agree with Delivery.
    """
    value = metrics.value("answer_time_s")
    return float(value) if value is not None else float(recorded_s)


def _measure(
    tokens: Sequence[_Token],
    timed: bool,
    *,
    filler_count: int,
    discourse: Sequence[tuple[int, int]],
    hedge_count: int,
    repetition_count: int,
    phrase_count: int,
    pause_flags: Sequence[Flag],
    question_end_s: float | None,
    long_pause_s: float,
    target_length_s: tuple[float, float],
) -> Measured:
    """The counts and timings of one answer that the metric definitions read."""
    word_count = len(tokens)
    answer_s: float | None = None
    speaking_rate: float | None = None
    articulation_rate: float | None = None
    fillers_per_min: float | None = None
    longest_pause: float | None = None
    latency: float | None = None
    if timed and tokens:
        answer_s = max(0.0, max(t.end_s for t in tokens) - tokens[0].start_s)
        longest_pause = max((f.end_s - f.start_s for f in pause_flags), default=0.0)
        if question_end_s is not None:
            latency = tokens[0].start_s - float(question_end_s)
        if answer_s >= _MIN_RATE_SECONDS and word_count >= _MIN_RATE_WORDS:
            fillers_per_min = filler_count / (answer_s / 60.0)
            speaking_rate = word_count / (answer_s / 60.0)
            speaking_s = answer_s - sum(f.end_s - f.start_s for f in pause_flags)
            if speaking_s >= _MIN_RATE_SECONDS:
                articulation_rate = word_count / (speaking_s / 60.0)
    discourse_words = sum(b - a + 1 for a, b in discourse)
    lexical = [t.norm for t in tokens if not is_filler_token(t.norm)]
    return Measured(
        word_count=word_count,
        timed=timed,
        target_length_s=target_length_s,
        long_pause_s=long_pause_s,
        filler_count=filler_count,
        discourse_count=len(discourse),
        hedge_count=hedge_count,
        repetition_count=repetition_count,
        phrase_count=phrase_count,
        pause_count=len(pause_flags),
        long_pause_count=sum(1 for f in pause_flags if f.kind == "long_pause"),
        answer_s=_round(answer_s, 2),
        speaking_rate=_round(speaking_rate, 1),
        articulation_rate=_round(articulation_rate, 1),
        fillers_per_min=_round(fillers_per_min, 1),
        longest_pause_s=_round(longest_pause, 2),
        latency_s=_round(latency, 2),
        fillers_per_100=_round(_per_100(filler_count, word_count), 1),
        filler_share=_round(_per_100(filler_count + discourse_words, word_count), 1),
        disfluencies_per_100=_round(_per_100(filler_count + repetition_count, word_count), 1),
        hedges_per_100=_round(_per_100(hedge_count, word_count), 1),
        diversity=_round(mattr(lexical), 3),
    )


# --- presentation ------------------------------------------------------------------------------


def format_metric_value(metric: Metric) -> str:
    """A metric's value in one format per unit: "33.7 s", "142 wpm", "3.6/min", "1.9/100 words".

    Seconds always carry one decimal, rates per minute and per 100 words one, percentages one,
    ratios two, counts none; "—" when the value is unknown.
    """
    value = metric.value
    if value is None:
        return "—"
    unit = " ".join(metric.unit.split()).lower()
    if unit == "s":
        return f"{value:.1f} s"
    if unit == "wpm":
        return f"{value:.0f} wpm"
    if unit in ("per min", "/min", "per minute"):
        return f"{value:.1f}/min"
    if unit in ("per 100 words", "/100 words"):
        return f"{value:.1f}/100 words"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if float(value).is_integer():
        number = f"{value:.0f}"
    elif abs(value) >= 1:
        number = f"{value:.1f}"
    else:
        number = f"{value:.2f}"
    return f"{number} {metric.unit.strip()}" if unit not in ("", "words", "count") else number
