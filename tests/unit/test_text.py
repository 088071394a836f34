"""Sentence splitting, tokens, lemmas and word timings used by the scorer."""

from __future__ import annotations

import pytest

from voicemock.core.models import Segment, Transcript, Word
from voicemock.core.text import (
    MAX_SENTENCE_WORDS,
    WordTimeline,
    lemma_of,
    normalize_spelling,
    phrase_lemmas,
    split_sentences,
    tokenize,
    word_count,
)


def timed_transcript(text: str, word_s: float = 0.4, gap_s: float = 0.1) -> Transcript:
    """A transcript as an engine returns it: words with leading spaces and times."""
    words = []
    t = 0.0
    for token in text.split():
        words.append(Word(" " + token, t, t + word_s))
        t += word_s + gap_s
    segment = Segment(" " + text, 0.0, t, tuple(words))
    return Transcript(
        words=tuple(words),
        segments=(segment,),
        engine="faster-whisper",
        model="tiny.en",
        audio_duration_s=t,
    )


def test_sentences_are_exact_substrings_with_offsets() -> None:
    text = "  First I listened.  Then, Dr. Lee asked why!\nA new line here? Yes"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "First I listened.",
        "Then, Dr. Lee asked why!",
        "A new line here?",
        "Yes",
    ]
    for s in sentences:
        assert text[s.start_char : s.end_char] == s.text
    assert [s.index for s in sentences] == [0, 1, 2, 3]


def test_abbreviations_and_decimals_do_not_end_a_sentence() -> None:
    text = "We cut waiting times by 2.5 days, e.g. by calling ahead. It worked."
    assert [s.text for s in split_sentences(text)] == [
        "We cut waiting times by 2.5 days, e.g. by calling ahead.",
        "It worked.",
    ]


def test_unpunctuated_run_on_is_cut_into_shorter_pieces() -> None:
    clause = "I talked to the client about the plan and we looked at the options together"
    text = ", ".join([clause] * 6)
    sentences = split_sentences(text)
    assert len(sentences) > 1
    assert all(s.word_count <= MAX_SENTENCE_WORDS for s in sentences)
    for s in sentences:
        assert text[s.start_char : s.end_char] == s.text
    # Nothing is lost between the pieces.
    assert sum(s.word_count for s in sentences) == word_count(text)


def test_contractions_expand_to_their_words() -> None:
    lemmas = [t.lemma for t in tokenize("I don't listen, she can't, we've agreed")]
    assert lemmas == ["i", "do", "not", "listen", "she", "can", "not", "we", "have", "agree"]
    # Both halves of a contraction point at the written word.
    dont = [t for t in tokenize("I don't") if t.text == "don't"]
    assert len(dont) == 2 and dont[0].start_char == dont[1].start_char == 2


def test_curly_apostrophes_and_possessives() -> None:
    assert [t.lemma for t in tokenize("the client’s plan isn’t final")] == [
        "the",
        "client",
        "plan",
        "be",
        "not",
        "final",
    ]


def test_lemmas_and_spelling_variants_meet() -> None:
    assert lemma_of("listened") == "listen"
    assert lemma_of("feelings") == "feeling"
    assert normalize_spelling("prioritised") == "prioritized"
    assert normalize_spelling("exercise") == "exercise"
    assert phrase_lemmas("client-centred approach") == phrase_lemmas("client-centered approaches")
    assert phrase_lemmas("non-judgemental") == phrase_lemmas("non-judgmental")


@pytest.mark.parametrize(
    ("forms", "lemma"),
    [
        (("fix", "fixed", "fixes", "fixing"), "fix"),
        (("think", "thinking"), "think"),
        (("thank", "thanked", "thanking"), "thank"),
        (("grow", "growing"), "grow"),
    ],
)
def test_every_form_of_a_verb_has_the_verbs_lemma(forms: tuple[str, ...], lemma: str) -> None:
    assert {lemma_of(form) for form in forms} == {lemma}


def test_punctuation_before_a_word_is_kept_for_clause_boundaries() -> None:
    tokens = tokenize("Calmly, I asked; then - we agreed")
    assert [t.punct_before for t in tokens] == ["", ",", "", ";", "—", ""]


def test_word_timeline_maps_sentences_to_audio_time() -> None:
    transcript = timed_transcript("I listened first. Then I asked what worried him.")
    text = transcript.text
    timeline = WordTimeline(transcript, text)
    assert timeline.timed
    first, second = split_sentences(text)
    assert timeline.times(first.start_char, first.end_char) == (0.0, 1.4)
    start_s, end_s = timeline.times(second.start_char, second.end_char) or (0.0, 0.0)
    assert start_s == 1.5
    assert abs(end_s - 4.4) < 1e-9


def test_word_timeline_skips_words_missing_from_the_text() -> None:
    words = (Word(" Hello", 0.0, 0.5), Word(" ???", 0.5, 0.6), Word(" world.", 0.6, 1.0))
    transcript = Transcript(
        words=words,
        segments=(Segment(" Hello world.", 0.0, 1.0, words),),
        engine="faster-whisper",
    )
    timeline = WordTimeline(transcript)
    assert timeline.times(6, 12) == (0.6, 1.0)


def test_untimed_transcript_has_no_times() -> None:
    transcript = Transcript.from_text("I listened first. Then I asked.")
    timeline = WordTimeline(transcript)
    assert not timeline.timed
    assert timeline.times(0, 10) is None


def test_empty_and_symbol_only_text() -> None:
    assert split_sentences("") == ()
    assert split_sentences(" ... !!! ") == ()
    assert word_count("— … —") == 0


def test_a_run_on_sentence_is_cut_where_a_new_subject_starts_rather_than_inside_a_list() -> None:
    # "and the washes" lies nearer the middle than "and i told", but it would cut a list.
    said = (
        "on that night shift i went round every one of the eleven patients quickly and i told "
        "the nurse in charge straight away about the obs and the washes the paperwork the beds "
        "the lunches the notes the bloods the calls that waited"
    )
    pieces = [s.text for s in split_sentences(said)]
    assert len(pieces) == 2
    assert pieces[1].startswith("and i told the nurse")


def test_a_long_sentence_is_not_cut_inside_a_time_or_a_number() -> None:
    text = (
        "Then I mapped out what the merged route would look like for the drivers on the north "
        "side and figured the last pickup for the little ones would be at 6:10 in the morning "
        "for the kids on the far end of the valley road near the old mill with 1,000 riders a "
        "week on the whole line"
    )
    pieces = [s.text for s in split_sentences(text)]
    assert len(pieces) > 1
    assert not any(p.endswith(("6:", "1,")) for p in pieces), pieces
    assert any("6:10" in p for p in pieces) and any("1,000" in p for p in pieces)
