"""A corrected transcript: the user's text, aligned with what the engine heard.

Whisper mishears domain words ("naloxone" becomes "an alic zone"); the user types the right
words and the answer is measured and scored again. :func:`apply_edit` aligns the engine's words
with the typed ones (``difflib`` on normalised words: case and surrounding punctuation do not
count as a change). A word that did not change keeps its timing; a new or changed word gets a
time interpolated between the kept words around it and is marked ``Word.edited``. The original
transcript is kept by the store (``original_transcript``), so an edit can be reverted.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import replace

from voicemock.core.metrics import normalize_token
from voicemock.core.models import Segment, Transcript, Word

__all__ = ["apply_edit", "edited_word_count", "is_edited", "same_words"]

# A new word never lasts more than this when there is time to spread over.
_MAX_NEW_WORD_S = 0.6


def _norm(text: str) -> str:
    return normalize_token(text)


def same_words(transcript: Transcript, text: str) -> bool:
    """Whether ``text`` says exactly what the transcript says (words and punctuation)."""
    return [w.text.strip() for w in transcript.words] == text.split()


def is_edited(transcript: Transcript) -> bool:
    """Whether any word of the transcript was typed in by the user."""
    return any(w.edited for w in transcript.words)


def edited_word_count(transcript: Transcript) -> int:
    """How many words of the transcript were typed in by the user."""
    return sum(1 for w in transcript.words if w.edited)


def _spread(tokens: Sequence[str], start_s: float, end_s: float, fill: bool) -> list[Word]:
    """New words spread evenly over [start_s, end_s] (a point in time when there is none).

    With ``fill`` they take the whole span (they replace words said there); otherwise each
    takes at most ``_MAX_NEW_WORD_S``, centred in the gap.
    """
    if not tokens:
        return []
    span = max(0.0, end_s - start_s)
    step = span / len(tokens) if span > 0 else 0.0
    if not fill:
        step = min(step, _MAX_NEW_WORD_S)
    # Centre the words in the gap when they need less than all of it.
    lead = (span - step * len(tokens)) / 2 if span > 0 else 0.0
    words = []
    for i, token in enumerate(tokens):
        a = start_s + lead + i * step
        words.append(Word(token, round(a, 3), round(a + step, 3), 1.0, edited=True))
    return words


def apply_edit(original: Transcript, text: str) -> Transcript:
    """``original`` with its words replaced by ``text``'s, keeping the timing of kept words.

    Words equal after normalisation keep their times and probability (their spelling and
    punctuation follow ``text``; a word already marked edited stays so); inserted and changed
    words get times interpolated between their neighbours and ``edited=True``; deleted words
    go. Segments keep their time spans and take the words inside them; a typed transcript stays
    untimed. Silences, engine, model and duration are kept.
    """
    tokens = text.split()
    old = list(original.words)
    matcher = difflib.SequenceMatcher(
        a=[_norm(w.text) for w in old], b=[_norm(t) for t in tokens], autojunk=False
    )
    timed = original.timed
    # Some engines start each word with a space: new words follow the transcript's style.
    lead = " " if old and old[0].text.startswith(" ") else ""
    words: list[Word] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            for w, token in zip(old[a0:a1], tokens[b0:b1], strict=True):
                words.append(replace(w, text=lead + token))
            continue
        if op == "delete":
            continue
        new_tokens = tokens[b0:b1]
        if not timed:
            words.extend(Word(lead + t, 0.0, 0.0, 1.0, edited=True) for t in new_tokens)
            continue
        # The time they take: a replaced word's own span, or the gap between the words kept
        # around an inserted one (never before the last kept word).
        before = words[-1].end_s if words else (old[0].start_s if old else 0.0)
        if a1 > a0:
            start, end = max(before, old[a0].start_s), old[a1 - 1].end_s
        elif a0 < len(old):
            start, end = before, old[a0].start_s
        else:  # added at the end
            start = before
            end = min(before + _MAX_NEW_WORD_S * len(new_tokens), original.audio_duration_s)
        words.extend(_spread([lead + t for t in new_tokens], start, end, fill=a1 > a0))
    segment_lead = " " if original.segments and original.segments[0].text.startswith(" ") else ""
    return replace(
        original,
        words=tuple(words),
        segments=_segments(original.segments, words, timed, segment_lead),
    )


def _segments(
    segments: Sequence[Segment], words: Sequence[Word], timed: bool, lead: str
) -> tuple[Segment, ...]:
    """The words regrouped into the original segments' time spans (one segment if untimed)."""
    if not words:
        return ()
    if not timed or not segments:
        text = " ".join(w.text.strip() for w in words)
        start = words[0].start_s
        return (Segment(lead + text, start, words[-1].end_s, tuple(words)),)
    groups: list[list[Word]] = [[] for _ in segments]
    k = 0
    for word in words:
        middle = (word.start_s + word.end_s) / 2
        while k + 1 < len(segments) and middle >= segments[k + 1].start_s:
            k += 1
        groups[k].append(word)
    result = []
    for segment, group in zip(segments, groups, strict=True):
        if not group:
            continue
        text = lead + " ".join(w.text.strip() for w in group)
        result.append(
            Segment(
                text,
                min(segment.start_s, group[0].start_s),
                max(segment.end_s, group[-1].end_s),
                tuple(group),
            )
        )
    return tuple(result)
