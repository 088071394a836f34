"""Conduct any interviewer objects to, whatever the question (``rubrics/library/conduct.yaml``).

A bank's own red flags and harms belong to one competency of one question. Some conduct is
wrong in every answer: keeping a problem from the people it affects, brushing feedback off,
going around a colleague, taking the credit, crossing a client's boundary. Said calmly and in
everyday words it still earns an answer a low rating, so every question is checked for it.

A conduct phrase counts when the speaker says it of themselves and not negated (the rules of
a red flag phrase, :func:`voicemock.core.phrases.red_flag_occurrences`), and not when a later
sentence tells it as something put right ("looking back, I should have told her").
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voicemock import paths
from voicemock.core.phrases import (
    Occurrence,
    Phrase,
    compile_phrase,
    may_match,
    occurrences,
    red_flag_occurrences,
    subject_before,
)
from voicemock.core.text import Sentence, lemma_of

CONDUCT_FILE = "conduct.yaml"


@dataclass(frozen=True)
class ConductRule:
    """One kind of conduct: what it is, in words the user reads, and the phrases that tell it."""

    says: str
    phrases: tuple[Phrase, ...]
    # counts whoever the sentence's subject is ("the dentist never found out it was me")
    anyone: bool = False
    # counts only in an answer that names one of these (lemmas): a client's boundary is not
    # a customer's ("I gave her my number" is fine for a supplier)
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ConductRules:
    rules: tuple[ConductRule, ...]
    put_right: tuple[Phrase, ...]


@dataclass(frozen=True)
class ConductHit:
    """A sentence in which the speaker tells conduct of a rule."""

    sentence: Sentence
    occurrence: Occurrence
    rule: ConductRule
    phrase: str


_cache: dict[Path, tuple[int, ConductRules]] = {}
_lock = threading.Lock()
_EMPTY = ConductRules((), ())


def conduct_path() -> Path:
    """The shipped file, beside the competency library (never read as a question bank)."""
    return paths.SHIPPED_RUBRICS_DIR / "library" / CONDUCT_FILE


def load_conduct(path: Path | None = None) -> ConductRules:
    """The rules, compiled once per file version; none when the file is missing or unusable."""
    path = path or conduct_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return _EMPTY
    with _lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    rules = _read(path)
    with _lock:
        _cache[path] = (stamp, rules)
    return rules


def _read(path: Path) -> ConductRules:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return _EMPTY
    if not isinstance(data, dict):
        return _EMPTY
    rules: list[ConductRule] = []
    for entry in data.get("conduct") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("says"), str):
            continue
        compiled = _phrases(entry.get("phrases"))
        needs = entry.get("needs")
        words = (
            frozenset(lemma_of(w.lower()) for w in needs if isinstance(w, str))
            if isinstance(needs, list)
            else frozenset()
        )
        if compiled:
            rules.append(
                ConductRule(entry["says"].strip(), compiled, entry.get("anyone") is True, words)
            )
    return ConductRules(tuple(rules), _phrases(data.get("put_right")))


def _phrases(items: object) -> tuple[Phrase, ...]:
    if not isinstance(items, list):
        return ()
    compiled = (compile_phrase(p) for p in items if isinstance(p, str))
    return tuple(p for p in compiled if p.lemmas)


def conduct_hits(prose: Sequence[Sentence], rules: ConductRules | None = None) -> list[ConductHit]:
    """The sentences that tell objectionable conduct of the speaker's own, one hit each."""
    rules = rules if rules is not None else load_conduct()
    said = frozenset(t.lemma for s in prose for t in s.tokens)
    usable = [r for r in rules.rules if not r.needs or r.needs & said]
    hits: list[ConductHit] = []
    for position, sentence in enumerate(prose):
        hit = _first_hit(sentence, usable)
        if hit is not None and not put_right_after(prose[position:], rules.put_right):
            hits.append(hit)
    return hits


def _first_hit(sentence: Sentence, rules: Sequence[ConductRule]) -> ConductHit | None:
    for rule in rules:
        for phrase in rule.phrases:
            if not may_match(sentence, phrase):
                continue
            found = (
                _said_outright(sentence, phrase)
                if rule.anyone
                else red_flag_occurrences(sentence, phrase)
            )
            # A remark on what happened is not turned against by "but I ...", which only goes
            # on to justify it: "which he hadn't exactly, but I knew he'd want one".
            found = [
                o
                for o in found
                if (rule.anyone or not _turned_against(sentence, o.end))
                and not _learned(sentence, o.start)
            ]
            if found:
                return ConductHit(sentence, found[0], rule, phrase.text)
    return None


_TURNS = frozenset({"but", "yet"})


def _learned(sentence: Sentence, start: int) -> bool:
    """A habit the speaker has learned: "I've learned to keep it to myself"."""
    before = [t.lemma for t in sentence.tokens[max(0, start - 3) : start]]
    return "to" in before and "learn" in before


def _turned_against(sentence: Sentence, end: int) -> bool:
    """The speaker goes on to do otherwise in the same sentence: "It wasn't my job, but I ..."."""
    tokens = sentence.tokens
    for j in range(end, len(tokens) - 1):
        if tokens[j].lower in _TURNS:
            following = [t.lower for t in tokens[j + 1 : j + 4]]
            return "i" in following or "we" in following
    return False


def _said_outright(sentence: Sentence, phrase: Phrase) -> list[Occurrence]:
    """Matches not negated by a word before them, whoever they are about."""
    return [o for o in occurrences(sentence, phrase) if o.polarity == "positive"]


def put_right_after(rest: Sequence[Sentence], put_right: Sequence[Phrase]) -> bool:
    """A sentence from here on owns the conduct as a lesson, in the speaker's own voice."""
    return any(
        subject_before(sentence, o.start) != "other"
        for sentence in rest
        for phrase in put_right
        if may_match(sentence, phrase)
        for o in _said_outright(sentence, phrase)
    )
