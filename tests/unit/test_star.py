"""The specific-example (STAR) detector: own past actions, S/T/A/R spans, seconds per part."""

from __future__ import annotations

import pytest

from tests.unit.test_text import timed_transcript
from voicemock.core.models import Transcript
from voicemock.core.star import (
    StarAnalysis,
    analyze_star,
    find_own_action,
    find_own_actions,
    is_past_form,
)
from voicemock.core.text import WordTimeline, split_sentences, tokenize

STORY = (
    "Two years ago, during my placement at a community clinic, one patient kept missing her "
    "physiotherapy appointments. I needed to find out why before she lost her place. "
    "I phoned her and asked what made the mornings hard. She told me she looked after her "
    "grandson until ten. I moved her sessions to the afternoon and sent her a reminder the "
    "day before. By the end of the month she had attended every session, and her pain "
    "score dropped from 7 to 4."
)
GENERIC = (
    "I always listen to patients and explain why the exercises matter. I try to be flexible "
    "with times and I encourage them to keep going. Communication is key in this job."
)


def star_of(text: str, timed: bool = False) -> tuple[str, StarAnalysis]:
    transcript = timed_transcript(text) if timed else Transcript.from_text(text)
    source = transcript.text
    analysis = analyze_star(source, split_sentences(source), WordTimeline(transcript, source))
    return source, analysis


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("I asked him what worried him most.", "I asked him what worried him most"),
        ("Then we quickly agreed on a new date.", "we quickly agreed on a new date"),
        ("So I sat down with her, and we talked.", "I sat down with her"),
        ("I did check the notes twice.", "I did check the notes twice"),
        # "had" as a meeting held is something done
        ("We had three sessions together.", "We had three sessions together"),
        ("I had a quiet word with him after group.", "I had a quiet word with him after group"),
    ],
)
def test_own_past_action_is_found_and_quoted(sentence: str, expected: str) -> None:
    (parsed,) = split_sentences(sentence)
    action = find_own_action(parsed)
    assert action is not None
    assert action.quote == expected
    assert action.quote in sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "I ask clients what worries them.",  # present habit
        "I would ask what worries them.",  # hypothetical
        "I have helped many clients with this.",  # general experience, not one event
        "I didn't ask him anything.",  # negated
        "I was worried about him.",  # a state, not an action
        "He asked me to call back.",  # someone else acted
        "I need to listen more.",  # "need" is not a past form
        "I had a lot of sessions booked that week.",  # "had" as a state, nothing held
    ],
)
def test_not_an_own_past_action(sentence: str) -> None:
    (parsed,) = split_sentences(sentence)
    assert find_own_action(parsed) is None


@pytest.mark.parametrize(
    ("sentence", "clauses"),
    [
        # One action per clause; the clause is what the speaker did there.
        (
            "I asked him what he wanted, and I kept what he told me private.",
            ["I asked him what he wanted", "I kept what he told me private"],
        ),
        # More verbs of the same subject stay in its clause ...
        (
            "I took a breath, stayed calm and asked for a call.",
            ["I took a breath, stayed calm and asked for a call"],
        ),
        # ... a new subject or a clause word ends it.
        (
            "I went through the limits and she signed a release because she trusted me.",
            ["I went through the limits"],
        ),
    ],
)
def test_every_own_action_has_its_clause(sentence: str, clauses: list[str]) -> None:
    (parsed,) = split_sentences(sentence)
    actions = find_own_actions(parsed)
    spans = []
    for action in actions:
        first = parsed.tokens[action.start_token]
        last = parsed.tokens[action.end_token - 1]
        spans.append(sentence[first.start_char : last.end_char])
        assert sentence[action.start_char : action.end_char] == action.quote
        assert action.covers(action.start_token) and not action.covers(action.end_token)
    assert spans == clauses


def test_past_forms() -> None:
    forms = {
        t.lower: is_past_form(t) for t in tokenize("went listened need red bed asked set kept")
    }
    assert forms == {
        "kept": True,
        "went": True,
        "listened": True,
        "need": False,
        "red": False,
        "bed": False,
        "asked": True,
        "set": False,  # also present tense: not evidence of a past event on its own
    }


def test_concrete_story_gets_all_four_parts_as_exact_substrings() -> None:
    source, analysis = star_of(STORY)
    star = analysis.breakdown
    parts = [span.part for span in star.spans]
    assert set(parts) == {"S", "T", "A", "R"}
    assert parts.index("S") < parts.index("A") < parts.index("R")
    assert star.missing == ()
    assert star.score == 100
    for span in star.spans:
        assert source[span.start_char : span.end_char] == span.text
    situation = next(s for s in star.spans if s.part == "S")
    result = next(s for s in star.spans if s.part == "R")
    assert situation.text.startswith("Two years ago")
    assert "By the end of the month" in result.text
    # Untimed text: no seconds.
    assert star.seconds == {}
    assert all(span.start_s is None for span in star.spans)


def test_timed_story_reports_seconds_per_part() -> None:
    _, analysis = star_of(STORY, timed=True)
    star = analysis.breakdown
    assert set(star.seconds) == {"S", "T", "A", "R"}
    for span in star.spans:
        assert span.start_s is not None and span.end_s is not None
        assert span.end_s > span.start_s
    # Each part's seconds are the sum of its spans' durations.
    for part, seconds in star.seconds.items():
        spans = [s for s in star.spans if s.part == part]
        total = sum((s.end_s or 0.0) - (s.start_s or 0.0) for s in spans)
        assert seconds == pytest.approx(total, abs=0.01)
    # The action part of this story is its longest part.
    assert star.seconds["A"] == max(star.seconds.values())


def test_generic_answer_is_not_a_specific_example() -> None:
    _, analysis = star_of(GENERIC)
    star = analysis.breakdown
    assert star.score == 0
    assert star.spans == ()
    assert star.missing == ("S", "T", "A", "R")


def test_story_without_result_misses_r() -> None:
    text = (
        "Last spring one customer complained that the invoices were wrong. "
        "I went through every invoice with him and I corrected the two that were wrong."
    )
    _, analysis = star_of(text)
    star = analysis.breakdown
    assert "R" in star.missing
    assert {s.part for s in star.spans} == {"S", "A"}
    assert 0 < star.score < 100


def test_ignored_sentences_are_not_labelled() -> None:
    source = STORY
    sentences = split_sentences(source)
    everything = frozenset(s.index for s in sentences)
    analysis = analyze_star(source, sentences, None, ignore=everything)
    assert analysis.breakdown.score == 0
    assert analysis.own_actions == {}


@pytest.mark.parametrize(
    "outcome",
    [
        "And he went for it, so we kept three people on the night crew.",
        "By week six he was telling me he had been drinking before work.",
        "It worked, and the morning shelves were full again.",
        "My overtime went up a bit, but the complaints came down.",
        "After that he started showing up on time.",
    ],
)
def test_an_outcome_told_as_the_other_side_giving_way_is_a_result(outcome: str) -> None:
    story = (
        "Last spring my store manager wanted to cut the night crew from four to two. "
        "I pulled the overtime figures from the last time we tried it and showed him. "
    )
    text = story + outcome
    sentences = split_sentences(text)
    assert "R" not in {s.part for s in analyze_star(story, split_sentences(story)).breakdown.spans}
    assert "R" in {s.part for s in analyze_star(text, sentences).breakdown.spans}


def parts(text: str) -> set[str]:
    """The STAR parts found in ``text``."""
    return {s.part for s in analyze_star(text, split_sentences(text)).breakdown.spans}


@pytest.mark.parametrize(
    ("story", "general"),
    [
        # a scene set in the second sentence, and where things stand now
        (
            "Honestly, it's handing things over. I was a sous chef for four years and I did the "
            "sauces myself every service. So I started giving one dish a week to a junior cook. "
            "Now he does it better than me.",
            "Honestly, it's handing things over. I try to give one dish a week to a junior cook.",
        ),
        # an example announced in an approach answer, and a meeting held
        (
            "I start with consent and ask who the client counts as family. For example, I had a "
            "twenty-two-year-old whose mother checked his phone every night. We had three "
            "sessions together. Within a month the fighting had calmed down.",
            "I start with consent and ask who the client counts as family. For example, a parent.",
        ),
    ],
)
def test_a_story_in_the_usual_words_is_found_and_a_general_answer_is_none(
    story: str, general: str
) -> None:
    assert {"S", "A", "R"} <= parts(story)
    assert analyze_star(general, split_sentences(general)).breakdown.score == 0


def test_a_change_that_lasted_is_a_result() -> None:
    lasted = (
        "There was one man who joked whenever things got heavy. After the group I went out with "
        "him and said I'd noticed it. He was different after that."
    )
    assert "R" in parts(lasted)
    plain = "There was one man who joked a lot. After the group I went out with him and said so."
    assert "R" not in parts(plain)
