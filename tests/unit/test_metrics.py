"""Delivery metrics on hand-built transcripts: each figure, its band, and where each flag points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicemock.core.lexicon import HEDGE_PHRASES, is_filler_token
from voicemock.core.metrics import (
    NOTE_FILLERS_LOWER_BOUND,
    NOTE_NO_WORDS,
    NOTE_UNTIMED,
    compute_metrics,
    find_discourse_fillers,
    find_fillers,
    find_hedges,
    find_pauses,
    find_repeated_phrases,
    find_repetitions,
    mattr,
    normalize_token,
)
from voicemock.core.models import DeliveryMetrics, Flag, Transcript, Word

METRIC_KEYS = {
    "answer_time_s",
    "word_count",
    "speaking_rate_wpm",
    "articulation_rate_wpm",
    "filler_count",
    "fillers_per_min",
    "fillers_per_100_words",
    "filler_share_pct",
    "discourse_filler_count",
    "disfluencies_per_100_words",
    "pause_count",
    "long_pause_count",
    "longest_pause_s",
    "response_latency_s",
    "hedge_count",
    "hedges_per_100_words",
    "repetition_count",
    "repeated_phrase_count",
    "lexical_diversity_mattr",
}
TIME_BASED_KEYS = {
    "answer_time_s",
    "speaking_rate_wpm",
    "articulation_rate_wpm",
    "fillers_per_min",
    "pause_count",
    "long_pause_count",
    "longest_pause_s",
    "response_latency_s",
}
WORD_FLAG_KINDS = {"filler", "discourse_filler", "hedge", "repetition", "repeated_phrase"}


# --- helpers ------------------------------------------------------------------------------------


def words_at(*items: tuple[str, float, float]) -> list[Word]:
    """Words with explicit (text, start_s, end_s) timings."""
    return [Word(text, start, end) for text, start, end in items]


def spoken(
    text: str, *, start_s: float = 0.0, word_s: float = 0.3, gap_s: float = 0.05
) -> list[Word]:
    """The words of text, one after another, each word_s long with gap_s of silence between."""
    out: list[Word] = []
    t = start_s
    for token in text.split():
        out.append(Word(token, round(t, 6), round(t + word_s, 6)))
        t += word_s + gap_s
    return out


def evenly(tokens: Sequence[str], duration_s: float) -> list[Word]:
    """Words spread over exactly [0, duration_s] with 10 ms gaps (no pauses)."""
    step = duration_s / len(tokens)
    out = [Word(tok, i * step, (i + 1) * step - 0.01) for i, tok in enumerate(tokens)]
    out[-1] = Word(tokens[-1], out[-1].start_s, duration_s)
    return out


def audio(words: Sequence[Word]) -> Transcript:
    """A transcript as a recogniser returns it (timed)."""
    end_s = max((w.end_s for w in words), default=0.0)
    return Transcript(words=tuple(words), engine="faster-whisper", audio_duration_s=end_s + 0.5)


def texts(flags: Sequence[Flag]) -> list[str]:
    return [f.text for f in flags]


def value(metrics: DeliveryMetrics, key: str) -> float | None:
    metric = metrics.get(key)
    assert metric is not None, key
    return metric.value


def band(metrics: DeliveryMetrics, key: str) -> str:
    metric = metrics.get(key)
    assert metric is not None, key
    return metric.band


def assert_flags_point_at_words(metrics: DeliveryMetrics, words: Sequence[Word]) -> None:
    """Every flag's word_index names a word whose timing is the flag's timing."""
    for flag in metrics.flags:
        assert 0 <= flag.word_index < len(words), flag
        word = words[flag.word_index]
        if flag.kind in ("pause", "long_pause"):
            assert flag.end_s == word.start_s, flag
            assert flag.start_s < flag.end_s, flag
        else:
            assert flag.start_s == word.start_s, flag
            # A multi-word flag ends where one of its later words ends.
            assert any(w.end_s == flag.end_s for w in words[flag.word_index :]), flag


# --- tokenisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Um,", "um"),
        ("UH.", "uh"),
        (" think,", "think"),
        ("I'm", "i'm"),
        ("I’m", "i'm"),
        (" don't", "don't"),
        ('"Hello!"', "hello"),
        ("...", ""),
        ("well-known", "well-known"),
    ],
)
def test_normalize_token_strips_case_and_surrounding_punctuation(raw: str, expected: str) -> None:
    assert normalize_token(raw) == expected


def test_punctuation_only_words_are_not_counted_but_keep_their_punctuation() -> None:
    words = words_at(
        ("It", 0.0, 0.2),
        ("was", 0.25, 0.4),
        ("like", 0.45, 0.6),
        (",", 0.6, 0.6),
        ("hard", 0.65, 0.9),
    )
    metrics = compute_metrics(audio(words))
    assert value(metrics, "word_count") == 4
    # The bare comma after "like" still marks it as a filler.
    assert [(f.text, f.word_index) for f in metrics.flags_of("discourse_filler")] == [("like", 2)]


# --- empty, one word, only fillers ---------------------------------------------------------------


@pytest.mark.parametrize("transcript", [audio([]), Transcript.from_text(""), Transcript(words=())])
def test_empty_transcript_gives_nothing_but_zeros_and_unknowns(transcript: Transcript) -> None:
    metrics = compute_metrics(transcript, question_end_s=1.0)
    assert {m.key for m in metrics.metrics} == METRIC_KEYS
    for metric in metrics.metrics:
        assert metric.value is None or metric.value == 0, metric
        assert metric.band == "info", metric
    assert metrics.flags == ()
    assert NOTE_NO_WORDS in metrics.notes
    assert (NOTE_FILLERS_LOWER_BOUND in metrics.notes) == transcript.timed


def test_one_word_has_a_length_but_no_rate() -> None:
    metrics = compute_metrics(audio(words_at(("Yes.", 1.0, 1.4))), question_end_s=0.5)
    assert value(metrics, "word_count") == 1
    assert value(metrics, "answer_time_s") == pytest.approx(0.4)
    assert value(metrics, "speaking_rate_wpm") is None
    assert band(metrics, "speaking_rate_wpm") == "info"
    assert value(metrics, "pause_count") == 0
    assert value(metrics, "longest_pause_s") == 0
    assert value(metrics, "response_latency_s") == pytest.approx(0.5)
    assert value(metrics, "lexical_diversity_mattr") == 1.0


def test_only_fillers() -> None:
    words = spoken("Um, uh... UMM Hmm.")
    metrics = compute_metrics(audio(words))
    assert value(metrics, "filler_count") == 4
    assert value(metrics, "fillers_per_100_words") == 100
    assert value(metrics, "filler_share_pct") == 100
    assert value(metrics, "discourse_filler_count") == 0
    assert value(metrics, "hedge_count") == 0
    assert value(metrics, "repetition_count") == 0  # "um ... umm" is fillers, not a repetition
    # Fillers are not vocabulary, so there is no lexical diversity to measure.
    assert value(metrics, "lexical_diversity_mattr") is None
    assert [f.word_index for f in metrics.flags] == [0, 1, 2, 3]


# --- fillers ------------------------------------------------------------------------------------


def test_filler_spellings_and_punctuation() -> None:
    words = spoken("Um, so uhh I erm said Hmm. mhm ah, er... and mm umm then Uh-huh")
    assert texts(find_fillers(words)) == ["Um", "uhh", "erm", "Hmm", "mhm", "ah", "er", "mm", "umm"]


@pytest.mark.parametrize("word", ["umbrella", "hum", "ahead", "her", "summer", "mmr", "uh-huh"])
def test_words_that_only_look_like_fillers(word: str) -> None:
    assert not is_filler_token(word)


# --- discourse markers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fillers"),
    [
        ("I like my job.", []),
        ("I would like to lead the project.", []),
        ("I'd like to add one thing.", []),
        ("It looks like a good plan.", []),
        ("It felt like a turning point.", []),
        ("We had tools like a shared board.", []),
        ("Leaders like her are rare.", []),
        ("We don't like surprises.", []),
        ("It was, like, really hard.", ["like"]),
        ("It was like really hard.", ["like"]),
        ("We waited like five hours.", ["like"]),
        ("And then, like, um, nobody answered.", ["like"]),
        ("It was like, um, a mess.", ["like"]),
        ("Like, we had no plan.", ["Like"]),
        ("and like we just kept going", ["like"]),
        ("And like I said, the plan worked.", []),
        ("Like my manager, I prefer data.", []),
        ("I like, um, solving puzzles.", []),
    ],
)
def test_like_as_verb_or_preposition_versus_filler(text: str, fillers: list[str]) -> None:
    assert texts(find_discourse_fillers(spoken(text))) == fillers


@pytest.mark.parametrize(
    ("text", "fillers"),
    [
        ("You know that it matters.", []),
        ("You know how deadlines go.", []),
        ("Do you know what happened?", []),
        ("As you know the budget was cut.", []),
        ("I will let you know.", []),
        ("You know, it matters.", ["You know"]),
        ("You know, that was the hard part.", ["You know"]),
        ("It was hard, you know?", ["you know"]),
        ("and you know we just did it", ["you know"]),
        ("I mean, it was hard.", ["I mean"]),
        ("I mean it was hard.", ["I mean"]),
        ("I mean that we shipped late.", []),
        ("I mean it.", []),
        ("That is what I mean.", []),
        ("I didn't mean to.", []),
    ],
)
def test_you_know_and_i_mean(text: str, fillers: list[str]) -> None:
    assert texts(find_discourse_fillers(spoken(text))) == fillers


@pytest.mark.parametrize(
    ("text", "fillers"),
    [
        ("Actually, I led it.", ["Actually"]),
        ("I actually led it.", []),
        ("We shipped it, basically, on time.", ["basically"]),
        ("Basically we rewrote it.", ["Basically"]),
        ("We basically rewrote it.", []),
        ("So, I led the team.", ["So"]),
        ("So I led the team.", ["So"]),
        ("Um, so I led the team.", ["so"]),
        ("So far we have shipped twice.", []),
        ("We won. So we celebrated.", []),
        ("We won. So, we celebrated.", ["So"]),
        ("I was tired and so, we stopped.", []),
        ("Well, I think it went fine.", ["Well"]),
        ("It went well.", []),
        ("We agreed on scope, right?", ["right"]),
        ("Is that right?", []),
        ("Turn right, then left.", []),
        ("It was kind of hard.", []),  # a hedge, not a filler
        ("It was, kind of, a mess.", ["kind of"]),
        ("I sort of, um, froze.", ["sort of"]),
    ],
)
def test_sentence_adverbs_openers_and_tags(text: str, fillers: list[str]) -> None:
    assert texts(find_discourse_fillers(spoken(text))) == fillers


def test_so_and_well_after_a_pause_count_as_fillers() -> None:
    words = words_at(
        ("We", 0.0, 0.2),
        ("shipped", 0.25, 0.6),
        ("it", 0.65, 0.8),
        ("so,", 1.6, 1.8),  # 0.8 s pause before
        ("we", 1.85, 2.0),
        ("so,", 2.05, 2.2),  # no pause before
        ("moved", 2.25, 2.6),
        ("on", 2.65, 2.8),
    )
    flags = find_discourse_fillers(words)
    assert [(f.text, f.word_index) for f in flags] == [("so", 3)]


def test_discourse_fillers_are_reported_apart_from_um_and_uh() -> None:
    words = spoken("Um, I mean, it was like, really hard, you know?")
    metrics = compute_metrics(audio(words))
    assert value(metrics, "filler_count") == 1
    assert value(metrics, "discourse_filler_count") == 3
    # The share counts filler words: um + "I mean" + like + "you know" = 6 of 10 words.
    assert value(metrics, "word_count") == 10
    assert value(metrics, "filler_share_pct") == pytest.approx(60.0)
    assert value(metrics, "fillers_per_100_words") == pytest.approx(10.0)


# --- hedges -------------------------------------------------------------------------------------


def test_every_hedge_phrase_is_found_on_its_own() -> None:
    for phrase in HEDGE_PHRASES:
        words = spoken(f"We {phrase} did it.")
        found = texts(find_hedges(words))
        assert [t.lower() for t in found] == [phrase], phrase


@pytest.mark.parametrize(
    ("text", "hedges"),
    [
        ("I just wanted to help.", ["just"]),
        ("It was just a small bug.", ["just"]),
        ("I had just started there.", []),
        ("We finished just in time.", []),
        ("It works just like the old one.", []),
        ("We learned quite a bit.", []),
        ("It was a little bit late.", ["a little bit"]),
        ("What kind of team was it?", []),
        ("That sort of thing happens.", []),
        ("It was kind of hard.", ["kind of"]),
        ("I think about it often.", []),
        ("I think we won.", ["I think"]),
        ("I feel like it helped.", ["I feel like"]),
        ("With all his might he pushed.", []),
        ("It might help, probably.", ["might", "probably"]),
        ("Maybe. Perhaps. Hopefully!", ["Maybe", "Perhaps", "Hopefully"]),
    ],
)
def test_hedges_in_context(text: str, hedges: list[str]) -> None:
    assert texts(find_hedges(spoken(text))) == hedges


def test_hedge_rate_per_100_words() -> None:
    words = spoken("I think maybe we could probably ship it next week if the tests pass")
    metrics = compute_metrics(audio(words))
    assert value(metrics, "hedge_count") == 3
    assert value(metrics, "hedges_per_100_words") == pytest.approx(round(300 / 14, 1))


# --- repetition ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "repetitions"),
    [
        ("I I think we won.", ["I I"]),
        ("I think the the plan worked.", ["the the"]),
        ("We we we started over.", ["We we we"]),
        ("I, um, I called her.", ["I um I"]),
        ("It was in the in the end.", ["in the in the"]),
        ("I knew that that was wrong.", []),
        ("It was very very good.", []),
        ("We won. We celebrated.", []),
        ("We agreed. Agreed.", []),
    ],
)
def test_immediate_repetitions(text: str, repetitions: list[str]) -> None:
    assert texts(find_repetitions(spoken(text))) == repetitions


def test_repetition_flag_spans_the_whole_run() -> None:
    words = spoken("so I I I think")
    (flag,) = find_repetitions(words)
    assert (flag.word_index, flag.start_s, flag.end_s) == (1, words[1].start_s, words[3].end_s)


# --- repeated phrases ---------------------------------------------------------------------------


def test_phrase_used_three_times_is_flagged_at_each_use() -> None:
    text = (
        "We met the client team on Monday. The client team wanted changes. "
        "I called the client team again on Friday."
    )
    words = spoken(text)
    flags = find_repeated_phrases(words)
    assert {f.text for f in flags} == {"the client team"}
    assert [f.word_index for f in flags] == [2, 7, 14]
    for flag in flags:
        assert normalize_token(words[flag.word_index].text) == "the"
        assert flag.end_s == words[flag.word_index + 2].end_s
    metrics = compute_metrics(audio(words))
    assert value(metrics, "repeated_phrase_count") == 1
    assert band(metrics, "repeated_phrase_count") == "watch"


def test_phrase_used_twice_is_not_flagged() -> None:
    words = spoken("The client team called. Then the client team left.")
    assert find_repeated_phrases(words) == []
    assert band(compute_metrics(audio(words)), "repeated_phrase_count") == "good"


def test_phrase_inside_a_longer_repeated_phrase_counts_once() -> None:
    # "end of the day" is part of "at the end of the day": one phrase, not several.
    text = (
        "At the end of the day we shipped. At the end of the day the client paid. "
        "At the end of the day I learned a lot."
    )
    flags = find_repeated_phrases(spoken(text))
    assert {f.text for f in flags} == {"at the end of the day"}
    assert len(flags) == 3


def test_shorter_phrase_still_counts_when_used_three_times_elsewhere() -> None:
    text = (
        "I worked with the team daily. I worked with the team again. I worked with the team "
        "late. Later the team grew and the team moved and the team split."
    )
    phrases = {f.text for f in find_repeated_phrases(spoken(text))}
    assert phrases == {"i worked with the team", "the team"}


def test_stop_word_only_phrases_are_ignored() -> None:
    text = "and then I went. and then I came. and then I left. and then I stayed."
    assert find_repeated_phrases(spoken(text)) == []


def test_phrases_do_not_run_across_sentences() -> None:
    text = "alpha bravo charlie delta echo bravo charlie foxtrot golf bravo charlie hotel"
    assert {f.text for f in find_repeated_phrases(spoken(text))} == {"bravo charlie"}
    split = "Alpha bravo. Charlie delta. Echo bravo. Charlie foxtrot. Golf bravo. Charlie hotel."
    assert find_repeated_phrases(spoken(split)) == []


# --- lexical diversity --------------------------------------------------------------------------


def naive_mattr(tokens: Sequence[str], window: int) -> float:
    size = min(window, len(tokens))
    ratios = [len(set(tokens[i : i + size])) / size for i in range(len(tokens) - size + 1)]
    return sum(ratios) / len(ratios)


def test_mattr_is_stable_on_a_long_repetitive_text_where_plain_ttr_collapses() -> None:
    vocabulary = [f"word{i}" for i in range(20)]
    tokens = vocabulary * 25  # 500 tokens, 20 types
    plain_ttr = len(set(tokens)) / len(tokens)
    assert plain_ttr == pytest.approx(0.04)
    # Every 50-token window holds all 20 types.
    assert mattr(tokens) == pytest.approx(20 / 50)
    # Doubling the text halves the plain TTR but leaves MATTR where it was.
    assert mattr(tokens * 2) == pytest.approx(mattr(tokens) or 0)
    assert len(set(tokens * 2)) / len(tokens * 2) == pytest.approx(plain_ttr / 2)


def test_mattr_on_short_text_is_plain_ttr() -> None:
    tokens = ["we", "won", "and", "we", "celebrated"]
    assert mattr(tokens) == pytest.approx(4 / 5)
    assert mattr([]) is None
    with pytest.raises(ValueError):
        mattr(tokens, window=0)


@given(
    st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), min_size=1, max_size=120),
    st.integers(min_value=1, max_value=60),
)
def test_mattr_matches_the_definition(tokens: list[str], window: int) -> None:
    assert mattr(tokens, window) == pytest.approx(naive_mattr(tokens, window))


def test_lexical_diversity_metric_ignores_fillers_and_case() -> None:
    words = spoken("Um, we WON and we won. uh")
    metrics = compute_metrics(audio(words))
    assert value(metrics, "lexical_diversity_mattr") == pytest.approx(round(3 / 5, 3))


# --- pauses and timing --------------------------------------------------------------------------


def test_pause_thresholds_at_250_ms_and_2_s() -> None:
    words = words_at(
        ("one", 0.0, 1.0),
        ("two", 1.249, 1.5),  # 249 ms: no pause
        ("three", 1.75, 2.0),  # 250 ms: a pause
        ("four", 3.999, 4.2),  # 1.999 s: a pause, not long
        ("five", 6.2, 6.5),  # 2.0 s: long
        ("six", 6.4, 6.6),  # overlaps: no pause
        ("seven", 6.6, 6.9),  # touching: no pause
    )
    flags = find_pauses(words)
    assert [(f.kind, f.word_index) for f in flags] == [
        ("pause", 2),
        ("pause", 3),
        ("long_pause", 4),
    ]
    for flag in flags:
        assert flag.start_s == words[flag.word_index - 1].end_s
        assert flag.end_s == words[flag.word_index].start_s
    metrics = compute_metrics(audio(words))
    assert value(metrics, "pause_count") == 3
    assert value(metrics, "long_pause_count") == 1
    assert value(metrics, "longest_pause_s") == pytest.approx(2.0)
    assert band(metrics, "longest_pause_s") == "watch"
    assert band(metrics, "long_pause_count") == "watch"


def test_pause_thresholds_hold_despite_float_rounding() -> None:
    # In binary floating point 0.35 - 0.1 and 3.01 - 1.01 come out just under 0.25 and 2.0.
    assert 0.35 - 0.1 < 0.25 and 3.01 - 1.01 < 2.0
    words = words_at(
        ("one", 0.0, 0.1), ("two", 0.35, 0.6), ("three", 0.6, 1.01), ("four", 3.01, 3.4)
    )
    assert [f.kind for f in find_pauses(words)] == ["pause", "long_pause"]


def test_long_pause_threshold_is_a_parameter() -> None:
    words = words_at(("one", 0.0, 0.5), ("two", 1.7, 2.0), ("three", 2.2, 2.5))
    assert [f.kind for f in find_pauses(words)] == ["pause"]
    assert [f.kind for f in find_pauses(words, long_pause_s=1.2)] == ["long_pause"]
    metrics = compute_metrics(audio(words), long_pause_s=1.2)
    assert value(metrics, "long_pause_count") == 1
    assert band(metrics, "longest_pause_s") == "watch"
    assert band(compute_metrics(audio(words)), "longest_pause_s") == "good"


def test_silence_before_the_first_word_is_latency_not_a_pause() -> None:
    words = words_at(("Sure.", 4.0, 4.4), ("I", 4.5, 4.6), ("can", 4.65, 4.9))
    with_question = compute_metrics(audio(words), question_end_s=1.5)
    assert value(with_question, "pause_count") == 0
    assert value(with_question, "response_latency_s") == pytest.approx(2.5)
    without = compute_metrics(audio(words))
    assert value(without, "response_latency_s") is None
    assert band(without, "response_latency_s") == "info"
    assert value(without, "answer_time_s") == pytest.approx(0.9)


def test_speaking_and_articulation_rate() -> None:
    # 10 words in 12 s, with one 3 s and one 1 s silent pause: 9 s of speaking.
    words = evenly(["we", "planned", "the", "launch"], 4.0)
    words += [Word(w.text, w.start_s + 7.0, w.end_s + 7.0) for w in evenly(["and", "then"], 1.0)]
    words += [
        Word(w.text, w.start_s + 9.0, w.end_s + 9.0) for w in evenly(["it", "went", "well"], 3.0)
    ]
    words.append(Word("today", 11.99, 12.0))
    words = [Word(w.text, round(w.start_s, 6), round(w.end_s, 6)) for w in words]
    metrics = compute_metrics(audio(words))
    assert value(metrics, "word_count") == 10
    assert value(metrics, "answer_time_s") == pytest.approx(12.0)
    assert value(metrics, "speaking_rate_wpm") == pytest.approx(50.0)
    paused_s = (7.0 - 4.0) + (9.0 - 8.0)
    assert value(metrics, "articulation_rate_wpm") == pytest.approx(
        round(10 / ((12 - paused_s) / 60), 1)
    )
    assert value(metrics, "pause_count") == 2
    assert value(metrics, "long_pause_count") == 1


# --- bands --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word_count", "expected_band"),
    [
        (99, "fix"),
        (100, "watch"),
        (129, "watch"),
        (130, "good"),
        (165, "good"),
        (166, "watch"),
        (180, "watch"),
        (181, "fix"),
    ],
)
def test_speaking_rate_bands(word_count: int, expected_band: str) -> None:
    words = evenly([f"w{i}" for i in range(word_count)], 60.0)
    metrics = compute_metrics(audio(words))
    assert value(metrics, "speaking_rate_wpm") == pytest.approx(word_count)
    assert band(metrics, "speaking_rate_wpm") == expected_band
    metric = metrics.get("speaking_rate_wpm")
    assert metric is not None and "130-165" in metric.guidance and "Speaker Coach" in metric.source


@pytest.mark.parametrize(
    ("filler_total", "expected_band"),
    [(0, "good"), (5, "good"), (6, "watch"), (11, "watch"), (12, "fix")],
)
def test_fillers_per_minute_bands(filler_total: int, expected_band: str) -> None:
    tokens = [f"w{i}" for i in range(140 - filler_total)]
    for i in range(filler_total):
        tokens.insert(i * 11, "um")  # spread the fillers through the answer
    metrics = compute_metrics(audio(evenly(tokens, 60.0)))
    assert value(metrics, "fillers_per_min") == pytest.approx(filler_total)
    assert band(metrics, "fillers_per_min") == expected_band
    assert band(metrics, "filler_count") == expected_band
    assert value(metrics, "filler_count") == filler_total
    assert len(metrics.flags_of("filler")) == filler_total


@pytest.mark.parametrize(
    ("duration_s", "expected_band"),
    [
        (29.0, "fix"),
        (30.0, "watch"),
        (59.0, "watch"),
        (60.0, "good"),
        (120.0, "good"),
        (121.0, "watch"),
        (180.0, "watch"),
        (181.0, "fix"),
    ],
)
def test_answer_length_bands(duration_s: float, expected_band: str) -> None:
    words = evenly([f"w{i}" for i in range(int(duration_s * 2.5))], duration_s)
    metrics = compute_metrics(audio(words))
    assert value(metrics, "answer_time_s") == pytest.approx(duration_s)
    assert band(metrics, "answer_time_s") == expected_band


def test_answer_length_follows_the_question_target() -> None:
    words = evenly([f"w{i}" for i in range(100)], 45.0)
    assert band(compute_metrics(audio(words)), "answer_time_s") == "watch"
    targeted = compute_metrics(audio(words), target_length_s=(30.0, 60.0))
    assert band(targeted, "answer_time_s") == "good"
    metric = targeted.get("answer_time_s")
    assert metric is not None and "30-60 s" in metric.guidance


@pytest.mark.parametrize(("fillers", "expected_band"), [(3, "good"), (4, "watch")])
def test_filler_share_band_at_4_percent(fillers: int, expected_band: str) -> None:
    tokens = [f"w{i}" for i in range(100 - fillers)] + ["uh"] * fillers
    metrics = compute_metrics(audio(evenly(tokens, 40.0)))
    assert value(metrics, "filler_share_pct") == pytest.approx(fillers)
    assert band(metrics, "filler_share_pct") == expected_band


@pytest.mark.parametrize(("repeats", "expected_band"), [(6, "good"), (7, "watch")])
def test_disfluency_band_at_6_per_100_words(repeats: int, expected_band: str) -> None:
    tokens: list[str] = []
    for i in range(repeats):
        tokens += [f"r{i}", f"r{i}"]
    tokens += [f"w{i}" for i in range(100 - len(tokens))]
    metrics = compute_metrics(audio(evenly(tokens, 40.0)))
    assert value(metrics, "repetition_count") == repeats
    assert value(metrics, "disfluencies_per_100_words") == pytest.approx(repeats)
    assert band(metrics, "disfluencies_per_100_words") == expected_band


def test_every_banded_metric_says_its_rule_and_source() -> None:
    words = spoken("Um, I think we, like, shipped the the release on time after a long wait")
    metrics = compute_metrics(audio(words), question_end_s=0.0)
    assert {m.key for m in metrics.metrics} == METRIC_KEYS
    for metric in metrics.metrics:
        if metric.band in ("good", "watch", "fix"):
            assert metric.guidance and metric.source, metric.key
    kinds = {f.kind for f in metrics.flags}
    backed = {k for m in metrics.metrics for k in m.flag_kinds}
    assert kinds <= backed


# --- untimed transcripts ------------------------------------------------------------------------


def test_untimed_transcript_reports_counts_but_no_time_figures() -> None:
    transcript = Transcript.from_text(
        "Um, I think I I like my job, you know, and I, like, love it."
    )
    assert not transcript.timed
    metrics = compute_metrics(transcript, question_end_s=2.0)
    for key in TIME_BASED_KEYS:
        assert value(metrics, key) is None, key
        assert band(metrics, key) == "info", key
    assert NOTE_UNTIMED in metrics.notes
    assert NOTE_FILLERS_LOWER_BOUND not in metrics.notes
    assert value(metrics, "word_count") == 15
    assert value(metrics, "filler_count") == 1
    assert value(metrics, "discourse_filler_count") == 2
    assert value(metrics, "hedge_count") == 1
    assert value(metrics, "repetition_count") == 1
    assert metrics.flags_of("pause", "long_pause") == ()
    words = transcript.words
    assert [(f.kind, normalize_token(words[f.word_index].text)) for f in metrics.flags] == [
        ("filler", "um"),
        ("hedge", "i"),
        ("repetition", "i"),
        ("discourse_filler", "you"),
        ("discourse_filler", "like"),
    ]


def test_timed_engine_without_word_timestamps_is_treated_as_untimed() -> None:
    words = [Word(t, 0.0, 0.0) for t in ["we", "shipped", "it"]]
    metrics = compute_metrics(audio(words))
    assert value(metrics, "speaking_rate_wpm") is None
    assert NOTE_UNTIMED in metrics.notes
    assert NOTE_FILLERS_LOWER_BOUND in metrics.notes


def test_audio_transcript_always_says_fillers_are_a_lower_bound() -> None:
    metrics = compute_metrics(audio(spoken("We shipped the release on time.")))
    assert NOTE_FILLERS_LOWER_BOUND in metrics.notes
    assert NOTE_UNTIMED not in metrics.notes


# --- flag positions -----------------------------------------------------------------------------


def test_every_flag_points_at_the_right_words() -> None:
    words = words_at(
        ("Um,", 0.5, 0.7),  # 0 filler
        ("I", 0.8, 0.9),  # 1 hedge "I think" / repetition "I I"
        ("I", 1.0, 1.1),  # 2
        ("think", 1.15, 1.4),  # 3
        ("it", 1.45, 1.55),  # 4
        ("was,", 1.6, 1.8),  # 5
        ("like,", 1.85, 2.0),  # 6 discourse filler
        ("hard.", 2.0, 2.3),  # 7
        ("Then", 4.6, 4.8),  # 8 long pause before (2.3 s)
        ("we", 4.85, 5.0),  # 9
        ("maybe", 5.4, 5.7),  # 10 pause before (0.4 s), hedge
        ("won.", 5.75, 6.0),  # 11
    )
    metrics = compute_metrics(audio(words), question_end_s=0.0)
    got = [(f.kind, f.word_index, f.start_s, f.end_s) for f in metrics.flags]
    assert got == [
        ("filler", 0, 0.5, 0.7),
        ("repetition", 1, 0.8, 1.1),
        ("hedge", 2, 1.0, 1.4),
        ("discourse_filler", 6, 1.85, 2.0),
        ("long_pause", 8, 2.3, 4.6),
        ("pause", 10, 5.0, 5.4),
        ("hedge", 10, 5.4, 5.7),
    ]
    assert_flags_point_at_words(metrics, words)
    assert value(metrics, "response_latency_s") == pytest.approx(0.5)
    assert value(metrics, "answer_time_s") == pytest.approx(5.5)
    assert value(metrics, "longest_pause_s") == pytest.approx(2.3)


def test_flags_survive_a_json_round_trip() -> None:
    metrics = compute_metrics(
        audio(spoken("Um, I I think it was, like, fine.")), question_end_s=0.0
    )
    assert DeliveryMetrics.from_dict(metrics.to_dict()) == metrics


def test_engine_number_types_become_plain_floats() -> None:
    class EngineFloat(float):
        """Stands for the numpy scalars an engine returns (numpy.float64 subclasses float)."""

    words = [
        Word(w.text, EngineFloat(w.start_s), EngineFloat(w.end_s)) for w in spoken("Um, we won")
    ]
    metrics = compute_metrics(audio(words), question_end_s=EngineFloat(0.0))
    for metric in metrics.metrics:
        assert metric.value is None or type(metric.value) is float, metric.key
    for flag in metrics.flags:
        assert type(flag.start_s) is float and type(flag.end_s) is float


# --- property test ------------------------------------------------------------------------------

VOCABULARY = [
    "I",
    "i",
    "I'm",
    "like",
    "like,",
    "Like",
    "you",
    "know",
    "know,",
    "mean",
    "mean,",
    "um",
    "Um,",
    "uh",
    "UHH...",
    "hmm.",
    "so",
    "So,",
    "well",
    "Well,",
    "right?",
    "right",
    "kind",
    "sort",
    "of",
    "of,",
    "just",
    "maybe",
    "think",
    "think,",
    "the",
    "the",
    "team",
    "we",
    "shipped.",
    "it",
    "actually,",
    "basically",
    "a",
    "bit",
    "little",
    ",",
    "...",
    "-",
    "that",
    "don't",
    "I-",
]
word_texts = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8))
word_specs = st.lists(st.tuples(word_texts, st.floats(0.0, 1.5), st.floats(-0.3, 3.0)), max_size=60)


def build_words(specs: list[tuple[str, float, float]]) -> list[Word]:
    out: list[Word] = []
    start_s = 0.0
    for text, duration_s, gap_s in specs:
        if out:
            start_s = max(out[-1].start_s, out[-1].end_s + gap_s)
        out.append(Word(text, start_s, start_s + duration_s))
    return out


@settings(max_examples=300, deadline=None)
@given(word_specs, st.booleans(), st.one_of(st.none(), st.floats(-5.0, 5.0)))
def test_any_word_list_gives_consistent_metrics(
    specs: list[tuple[str, float, float]], timed: bool, question_end_s: float | None
) -> None:
    words = build_words(specs)
    transcript = audio(words) if timed else Transcript(words=tuple(words), engine="text")
    metrics = compute_metrics(transcript, question_end_s=question_end_s)
    assert {m.key for m in metrics.metrics} == METRIC_KEYS
    assert_flags_point_at_words(metrics, words)
    starts = [f.start_s for f in metrics.flags]
    assert starts == sorted(starts)
    for metric in metrics.metrics:
        if metric.value is not None:
            assert math.isfinite(metric.value), metric
            if metric.key != "response_latency_s":
                assert metric.value >= 0, metric
    assert value(metrics, "filler_count") == len(metrics.flags_of("filler"))
    assert value(metrics, "discourse_filler_count") == len(metrics.flags_of("discourse_filler"))
    assert value(metrics, "hedge_count") == len(metrics.flags_of("hedge"))
    assert value(metrics, "repetition_count") == len(metrics.flags_of("repetition"))
    if value(metrics, "pause_count") is not None:
        assert value(metrics, "pause_count") == len(metrics.flags_of("pause", "long_pause"))
    else:
        assert metrics.flags_of("pause", "long_pause") == ()
    # Filler flags and the word-level helpers agree with the full computation.
    assert find_fillers(words) == list(metrics.flags_of("filler"))
    assert find_hedges(words) == list(metrics.flags_of("hedge"))


# --- pauses from the audio's silences ----------------------------------------------------------


def pauses_of(metrics: DeliveryMetrics) -> list[tuple[str, float, float, int]]:
    return [
        (f.kind, f.start_s, f.end_s, f.word_index) for f in metrics.flags_of("pause", "long_pause")
    ]


# As Whisper times "And so my fellow Americans, ask not what": "ask" and "what" are stretched
# back over the silences before them, so no word gap shows those pauses.
STRETCHED = words_at(
    ("And", 0.3, 0.76),
    ("so,", 0.76, 1.08),
    ("my", 1.08, 1.42),
    ("fellow", 1.42, 1.78),
    ("Americans,", 1.78, 2.26),
    ("ask", 2.26, 3.88),
    ("not", 3.88, 4.3),
    ("what", 4.3, 5.7),
    ("your", 5.7, 6.02),
    ("country.", 6.02, 6.9),
)
# Energy silences: before the answer, two inside stretched words, and after the last word.
STRETCHED_SILENCES = [(0.0, 0.3), (2.05, 3.29), (4.32, 5.42), (6.5, 7.4)]


def test_a_silence_inside_a_stretched_word_is_a_pause() -> None:
    without = compute_metrics(audio(STRETCHED))
    assert value(without, "pause_count") == 0
    metrics = compute_metrics(audio(STRETCHED), silences=STRETCHED_SILENCES)
    assert pauses_of(metrics) == [("pause", 2.05, 3.29, 5), ("pause", 4.32, 5.42, 7)]
    assert value(metrics, "pause_count") == 2
    assert value(metrics, "longest_pause_s") == pytest.approx(1.24)
    assert band(metrics, "longest_pause_s") == "good"
    # Answer length still runs from the first word's start to the last word's end ...
    assert value(metrics, "answer_time_s") == pytest.approx(6.6)
    assert value(metrics, "speaking_rate_wpm") == pytest.approx(round(10 / (6.6 / 60), 1))
    # ... while speaking time leaves the pauses out.
    speaking_s = 6.6 - 1.24 - 1.1
    assert value(metrics, "articulation_rate_wpm") == pytest.approx(
        round(10 / (speaking_s / 60), 1)
    )
    assert value(without, "articulation_rate_wpm") == value(without, "speaking_rate_wpm")


def test_a_silence_under_a_word_stretched_forward_points_at_the_next_word() -> None:
    # "team." is stretched over the silence after it; the gap before "And" is Whisper's.
    words = words_at(
        ("with", 0.82, 1.04), ("the", 1.04, 1.18), ("team.", 1.18, 2.66), ("And", 3.36, 3.62),
        ("then", 3.62, 3.82),
    )  # fmt: skip
    metrics = compute_metrics(audio(words), silences=[(1.38, 3.335)])
    # One pause, with the silence's own edges rather than the word gap's 2.66-3.36.
    assert pauses_of(metrics) == [("pause", 1.38, 3.335, 3)]
    assert value(metrics, "longest_pause_s") == pytest.approx(1.96)
    assert [f.kind for f in find_pauses(words, long_pause_s=1.5, silences=[(1.38, 3.335)])] == [
        "long_pause"
    ]


def test_silences_outside_the_answer_are_not_pauses() -> None:
    words = words_at(("We", 1.0, 1.2), ("shipped", 1.2, 1.7), ("it.", 1.7, 2.0))
    silences = [(0.0, 0.95), (2.05, 3.0), (3.5, 4.0)]
    metrics = compute_metrics(audio(words), silences=silences, question_end_s=0.0)
    assert value(metrics, "pause_count") == 0
    assert value(metrics, "longest_pause_s") == 0.0
    assert value(metrics, "response_latency_s") == pytest.approx(1.0)


def test_leading_and_trailing_silence_inside_stretched_edge_words_is_not_a_pause() -> None:
    # Whisper starts the first word at 0.0 and ends the last at the end of the audio.
    words = words_at(("And", 0.0, 0.76), ("so", 0.76, 1.0), ("country.", 1.0, 2.5))
    metrics = compute_metrics(audio(words), silences=[(0.0, 0.33), (1.6, 2.45)])
    assert value(metrics, "pause_count") == 0
    assert value(metrics, "answer_time_s") == pytest.approx(2.5)


def test_a_word_gap_the_audio_does_not_show_still_counts() -> None:
    # A breath or a quiet "um" Whisper left out: a gap in the words, sound in the audio.
    words = words_at(("one", 0.0, 0.5), ("two", 1.0, 1.3), ("three", 1.3, 2.5), ("four", 2.5, 3.0))
    metrics = compute_metrics(audio(words), silences=[(1.6, 2.4)])
    assert pauses_of(metrics) == [("pause", 0.5, 1.0, 1), ("pause", 1.6, 2.4, 3)]


def test_a_long_silence_is_a_long_pause() -> None:
    # "waited" is mostly heard after the silence, so the pause comes before it.
    words = words_at(("I", 0.0, 0.2), ("waited", 0.2, 3.5), ("then", 3.5, 3.8))
    metrics = compute_metrics(audio(words), silences=[(0.3, 2.9)])
    assert pauses_of(metrics) == [("long_pause", 0.3, 2.9, 1)]
    assert value(metrics, "long_pause_count") == 1
    assert band(metrics, "long_pause_count") == "watch"
    assert band(metrics, "longest_pause_s") == "watch"


def test_silences_shorter_than_a_pause_after_clipping_are_ignored() -> None:
    words = words_at(("yes", 0.0, 0.5), ("we", 0.5, 0.8), ("did", 0.8, 1.2))
    # 0.2 s inside the answer (the rest lies after the last word).
    assert compute_metrics(audio(words), silences=[(1.0, 1.9)]).flags_of("pause") == ()


def test_the_transcript_silences_are_used_by_default() -> None:
    transcript = replace(audio(STRETCHED), silences=tuple(STRETCHED_SILENCES))
    assert compute_metrics(transcript) == compute_metrics(
        audio(STRETCHED), silences=STRETCHED_SILENCES
    )
    # An explicit empty list means "no silences": word gaps only.
    assert value(compute_metrics(transcript, silences=[]), "pause_count") == 0


def test_typed_text_has_no_pauses_even_with_silences() -> None:
    metrics = compute_metrics(Transcript.from_text("we shipped it"), silences=[(0.0, 5.0)])
    assert value(metrics, "pause_count") is None


silence_specs = st.lists(st.tuples(st.floats(-1.0, 40.0), st.floats(0.0, 4.0)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(word_specs, silence_specs)
def test_pauses_with_any_silences_stay_consistent(
    specs: list[tuple[str, float, float]], silence_items: list[tuple[float, float]]
) -> None:
    words = build_words(specs)
    silences = [(start_s, start_s + length_s) for start_s, length_s in silence_items]
    # Without silences (None or empty) the word-gap pauses are unchanged.
    assert find_pauses(words, silences=[]) == find_pauses(words)
    metrics = compute_metrics(audio(words), silences=silences)
    pauses = metrics.flags_of("pause", "long_pause")
    tokens = [k for k, w in enumerate(words) if normalize_token(w.text)]
    if value(metrics, "pause_count") is None:  # no words, or no timings (all at 0 s)
        assert pauses == ()
        return
    first_s = words[tokens[0]].start_s
    last_s = max(words[k].end_s for k in tokens)
    previous_end_s = first_s
    for flag in pauses:
        assert flag.end_s - flag.start_s >= 0.25 - 1e-9, flag
        assert previous_end_s - 1e-9 <= flag.start_s < flag.end_s <= last_s + 1e-9, flag
        previous_end_s = flag.end_s
        # The word after the pause is heard (at least partly) after it.
        assert flag.word_index in tokens[1:], flag
        assert words[flag.word_index].end_s >= flag.end_s - 0.005, flag
    assert value(metrics, "pause_count") == len(pauses)
    answer_s = value(metrics, "answer_time_s")
    assert answer_s == pytest.approx(max(0.0, last_s - first_s), abs=0.01)
    speaking = value(metrics, "speaking_rate_wpm")
    articulation = value(metrics, "articulation_rate_wpm")
    if speaking is not None and articulation is not None:
        assert articulation >= speaking - 0.1
