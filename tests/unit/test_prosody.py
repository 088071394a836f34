"""How an answer sounded, on audio the tests make: tones of known pitch, fades, clipping."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from voicemock.core import prosody
from voicemock.core.metrics import compute_metrics
from voicemock.core.models import SAMPLE_RATE_HZ, DeliveryMetrics, Transcript, Word
from voicemock.core.prosody import analyse_prosody, sounded

SR = SAMPLE_RATE_HZ


def tone(f0_hz: np.ndarray, amplitude: float | np.ndarray = 0.3) -> np.ndarray:
    """A voice-like harmonic tone following ``f0_hz`` (one value per sample)."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / SR
    wave = sum(np.sin(k * phase) / k for k in range(1, 6))
    return (amplitude * wave / 1.5).astype(np.float64)


def words_over(
    start_s: float, end_s: float, count: int, sentence_every: int = 8
) -> tuple[Word, ...]:
    """``count`` evenly timed words, every ``sentence_every``-th ending a sentence."""
    step = (end_s - start_s) / count
    return tuple(
        Word(
            f"word{k}{'.' if (k + 1) % sentence_every == 0 or k == count - 1 else ''}",
            start_s + k * step,
            start_s + k * step + step * 0.8,
        )
        for k in range(count)
    )


def timed(words: tuple[Word, ...], silences: tuple[tuple[float, float], ...] = ()) -> Transcript:
    return Transcript(words=words, engine="faster-whisper", silences=silences)


def test_a_flat_tone_is_monotone_and_a_glide_spans_its_semitones() -> None:
    duration_s = 12.0
    n = int(duration_s * SR)
    flat = tone(np.full(n, 150.0))
    # 100 -> 200 Hz, even in semitones: one octave, so 5th-95th is 0.9 x 12 st, SD 12/sqrt(12).
    glide = tone(100.0 * 2 ** (np.arange(n) / n))
    words = timed(words_over(0.0, duration_s, 30))

    flat_report = analyse_prosody(flat, words)
    glide_report = analyse_prosody(glide, words)

    assert flat_report.pitch.median_hz == pytest.approx(150.0, rel=0.01)
    assert flat_report.pitch.sd_st is not None and flat_report.pitch.sd_st < 0.1
    assert flat_report.monotone
    assert len(flat_report.pitch.flat_stretches) == 1
    stretch = flat_report.pitch.flat_stretches[0]
    assert stretch.end_s - stretch.start_s >= prosody.FLAT_STRETCH_MIN_S
    assert glide_report.pitch.range_p5_p95_st == pytest.approx(10.8, abs=0.5)
    assert glide_report.pitch.sd_st == pytest.approx(12 / np.sqrt(12), abs=0.2)
    assert glide_report.pitch.median_hz == pytest.approx(100 * 2**0.5, rel=0.03)
    assert not glide_report.monotone
    assert glide_report.pitch.flat_stretches == ()
    bands = {m.key: m.band for m in flat_report.metrics()}
    assert bands["pitch_sd_st"] == "fix"
    assert bands["flat_pitch_count"] == "watch"
    assert {m.key: m.band for m in glide_report.metrics()}["pitch_sd_st"] == "good"


def test_pitch_is_relative_to_the_speakers_own_median() -> None:
    n = 6 * SR
    vibrato = 2 ** (1.5 * np.sin(2 * np.pi * 0.5 * np.arange(n) / SR) / 12)  # +-1.5 st
    words = timed(words_over(0.0, 6.0, 15))
    low = analyse_prosody(tone(90.0 * vibrato), words).pitch
    high = analyse_prosody(tone(240.0 * vibrato), words).pitch
    assert low.sd_st == pytest.approx(high.sd_st or 0, abs=0.1)
    assert low.range_p5_p95_st == pytest.approx(high.range_p5_p95_st or 0, abs=0.2)
    assert low.median_hz is not None and high.median_hz is not None
    assert 12 * np.log2(high.median_hz / low.median_hz) == pytest.approx(17.0, abs=0.3)


def syllables(
    count: int, *, start_s: float = 0.0, levels_db: list[float] | None = None
) -> tuple[np.ndarray, tuple[Word, ...]]:
    """``count`` 0.3 s voiced words with 0.1 s gaps, sentences of 5, at the given levels."""
    levels = levels_db or [0.0] * count
    parts, words = [np.zeros(int(start_s * SR))], []
    t = start_s
    rng = np.random.default_rng(0)
    for k in range(count):
        f0 = 120.0 * 2 ** (rng.uniform(-3, 3) / 12)
        parts.append(tone(np.full(int(0.3 * SR), f0), 0.3 * 10 ** (levels[k] / 20)))
        parts.append(np.zeros(int(0.1 * SR)))
        end = "." if (k + 1) % 5 == 0 else ""
        words.append(Word(f"w{k}{end}", t, t + 0.3))
        t += 0.4
    return np.concatenate(parts), tuple(words)


def test_a_sentence_whose_last_word_fades_trails_off() -> None:
    levels = [0.0] * 15
    levels[9] = -16.0  # the end of the second sentence
    audio, words = syllables(15, levels_db=levels)
    report = analyse_prosody(audio, timed(words))
    assert [end.word_index for end in report.volume.trailing_off] == [9]
    assert report.volume.trailing_off[0].drop_db >= prosody.TRAILING_DROP_DB
    assert report.volume.sentence_count == 3
    flags = [f for f in report.flags() if f.kind == "trailing_off"]
    assert len(flags) == 1 and flags[0].word_index == 9

    steady, steady_words = syllables(15)
    assert analyse_prosody(steady, timed(steady_words)).volume.trailing_off == ()


def test_a_stretch_of_quiet_speech_is_flagged_with_its_times() -> None:
    levels = [0.0] * 10 + [-18.0] * 8 + [0.0] * 7
    audio, words = syllables(25, levels_db=levels)
    quiet = analyse_prosody(audio, timed(words)).volume.quiet_stretches
    assert len(quiet) == 1
    assert quiet[0].start_s == pytest.approx(4.0, abs=0.6)
    assert quiet[0].end_s == pytest.approx(7.2, abs=0.6)
    assert quiet[0].value <= prosody.QUIET_DB


def test_clipping_is_noted_where_the_recording_hit_full_scale() -> None:
    audio, words = syllables(10)
    clipped = audio.copy()
    clipped[int(1.0 * SR) : int(1.3 * SR)] = np.clip(
        clipped[int(1.0 * SR) : int(1.3 * SR)] * 6, -1, 1
    )
    report = analyse_prosody(clipped, timed(words))
    assert report.volume.clipped_samples > 0
    assert len(report.volume.clipping) == 1
    assert report.volume.clipping[0].start_s == pytest.approx(1.0, abs=0.1)
    assert analyse_prosody(audio, timed(words)).volume.clipping == ()


def test_pace_over_time_finds_the_speed_up_at_the_end() -> None:
    # 40 s: 130 wpm for the first 30 s, then 200 wpm.
    times = list(np.arange(0.0, 30.0, 60 / 130)) + list(np.arange(30.0, 40.0, 60 / 200))
    words = tuple(Word(f"w{k}", t, t + 0.2) for k, t in enumerate(times))
    audio = np.zeros(int(41 * SR))
    pace = analyse_prosody(audio, timed(words)).pace
    assert pace.first_third_wpm == pytest.approx(130, abs=8)
    assert pace.change_pct is not None and pace.change_pct >= prosody.SPED_UP_PCT
    assert pace.fastest is not None and pace.fastest.start_s >= 28.0
    assert pace.fastest.value == pytest.approx(200, abs=10)
    assert pace.slowest is not None and pace.slowest.end_s <= 31.0
    bands = {m.key: m.band for m in analyse_prosody(audio, timed(words)).metrics()}
    assert bands["pace_change_pct"] == "watch"
    assert bands["fastest_wpm"] == "watch"
    # The speed-up is a flagged moment with its time, for replay and the next steps.
    report = analyse_prosody(audio, timed(words))
    (sped_up,) = [f for f in report.flags() if f.kind == "sped_up"]
    assert sped_up.start_s == pytest.approx(40.0 - 40.0 / 3, abs=0.5)
    assert words[sped_up.word_index].start_s >= sped_up.start_s


def test_short_answers_have_no_pace_over_time() -> None:
    words = tuple(Word(f"w{k}", k * 0.4, k * 0.4 + 0.3) for k in range(20))
    pace = analyse_prosody(np.zeros(9 * SR), timed(words)).pace
    assert pace.fastest is None and pace.change_pct is None


def test_pauses_inside_phrases_are_told_from_pauses_at_clause_ends() -> None:
    texts = "When a client pushed back, I asked him what he wanted and we agreed on one goal."
    tokens = texts.split()
    # A 0.6 s gap after "back," (clause end), before "and" (a new clause), and inside
    # "asked [gap] him" and "one [gap] goal".
    gaps_after = {"back,": 0.6, "wanted": 0.6, "asked": 0.7, "one": 0.8}
    words, t = [], 0.0
    for token in tokens:
        words.append(Word(token, t, t + 0.25))
        t += 0.3 + gaps_after.get(token, 0.0)
    report = analyse_prosody(np.zeros(int((t + 1) * SR)), timed(tuple(words)))
    pauses = report.pauses
    assert pauses.at_boundaries == 2
    inside = [tokens[s.word_index] for s in pauses.inside_phrases]
    assert inside == ["him", "goal."]
    assert pauses.inside_pct == pytest.approx(50.0)
    flags = [f for f in report.flags() if f.kind == "mid_phrase_pause"]
    assert [f.word_index for f in flags] == [s.word_index for s in pauses.inside_phrases]
    assert {m.key: m.band for m in report.metrics()}["mid_phrase_pause_pct"] == "watch"


def test_the_report_is_json_and_joins_the_delivery_metrics() -> None:
    audio, words = syllables(15)
    audio = np.concatenate([audio, np.zeros(SR)])
    transcript = timed(words)
    report = analyse_prosody(audio, transcript)
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) == {"duration_s", "pitch", "volume", "pace", "pauses", "series"}
    assert data["pitch"]["sd_st"] == report.pitch.sd_st
    series = data["series"]
    assert len(series["times_s"]) == len(series["pitch_st"]) == len(series["level_db"])
    assert len(series["times_s"]) == int(report.duration_s / series["step_s"])
    assert series["pitch_st"][-1] is None  # the silence after the last word

    plain = compute_metrics(transcript)
    with_sound = compute_metrics(transcript, prosody=report)
    added = {m.key for m in with_sound.metrics} - {m.key for m in plain.metrics}
    assert added == {m.key for m in report.metrics()}
    assert "pitch_sd_st" in added
    # Stored and read back as any other delivery figures (the kinds are known to the model).
    assert DeliveryMetrics.from_dict(json.loads(json.dumps(with_sound.to_dict()))) == with_sound
    # A typed answer has no sound.
    typed = Transcript.from_text("we shipped it on time")
    assert sounded(audio, typed) is None
    assert compute_metrics(typed, prosody=report).get("pitch_sd_st") is None


def test_silence_and_tiny_clips_give_no_pitch_figures() -> None:
    words = timed((Word("yes.", 0.1, 0.3),))
    for audio in (np.zeros(SR), np.zeros(100)):
        report = analyse_prosody(audio, words)
        assert report.pitch.sd_st is None and report.pitch.median_hz is None
        assert {m.key: m.band for m in report.metrics()}["pitch_sd_st"] == "info"
        json.dumps(report.to_dict())


def test_the_audio_kept_while_tracking_grows_in_steps_not_by_doubling() -> None:
    tracker = prosody.IncrementalPitch()
    for _ in range(61):  # a 61 s answer, a second at a time
        tracker.add(np.zeros(SAMPLE_RATE_HZ, dtype=np.int16))
    assert tracker._buffer.size == 90 * SAMPLE_RATE_HZ  # not 120 s


def test_importing_the_module_loads_no_pitch_tracker() -> None:
    code = (
        "import sys, voicemock.core.prosody; "
        "print('parselmouth' in sys.modules, 'textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_markdown_report_says_how_it_sounded() -> None:
    from voicemock.core.report import sound_lines

    levels = [0.0] * 15
    levels[9] = -16.0
    audio, words = syllables(15, levels_db=levels)
    transcript = timed(words)
    lines = sound_lines(compute_metrics(transcript, prosody=analyse_prosody(audio, transcript)))
    assert lines[0] == "## How it sounded"
    assert any(line.startswith("| Pitch variation |") for line in lines)
    assert any("trailing off" in line and line.startswith("- 0:03") for line in lines)
    assert sound_lines(compute_metrics(transcript)) == []


def speech_like(duration_s: float, seed: int = 3) -> np.ndarray:
    """A voice that moves in pitch and stops for breath: phrases of 1.5-3 s, pauses between."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * SR)
    t = np.arange(n) / SR
    # Intonation: a slow wander of a few semitones around 140 Hz, with a fall in each phrase.
    wander = 3.0 * np.sin(2 * np.pi * 0.11 * t) + 1.5 * np.sin(2 * np.pi * 0.37 * t + 1.0)
    f0 = 140.0 * 2 ** (wander / 12)
    envelope = np.zeros(n)
    at = 0.4
    while at < duration_s - 0.5:
        length = float(rng.uniform(1.5, 3.0))
        a, b = int(at * SR), min(n, int((at + length) * SR))
        envelope[a:b] = np.hanning(b - a) ** 0.3 * rng.uniform(0.5, 1.0)
        f0[a:b] *= 2 ** (-np.linspace(0, 2.5, b - a) / 12)  # each phrase falls 2.5 st
        at += length + float(rng.uniform(0.3, 0.9))
    return tone(f0, 0.4 * envelope) + 0.002 * rng.standard_normal(n)


def as_recorded(samples: np.ndarray) -> np.ndarray:
    """The samples as a 16-bit recording holds them."""
    return np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16)


def fed_in_blocks(pcm: np.ndarray, block: int = 1600) -> prosody.IncrementalPitch:
    tracker = prosody.IncrementalPitch()
    for at in range(0, pcm.size, block):
        tracker.add(pcm[at : at + block])
        tracker.advance()
    return tracker


def pitch_figures(track: prosody.PitchTrack) -> prosody.PitchSummary:
    return prosody._pitch_summary(track.times_s, track.f0_hz, track.floor_hz, track.ceiling_hz, [])


def test_pitch_tracked_while_recording_equals_the_whole_file_within_tolerance() -> None:
    pcm = as_recorded(speech_like(40.0))
    # A louder last phrase: chunks tracked before it judged silence against a lower peak.
    pcm[-4 * SR :] = np.clip(pcm[-4 * SR :].astype(np.int32) * 2, -32767, 32767)
    recorded = pcm.astype(np.float32) / 32768.0
    tracker = fed_in_blocks(pcm)
    assert tracker.tracked_s >= 40.0 - prosody.LIVE_PITCH_CHUNK_S - 2 * prosody.LIVE_PITCH_MARGIN_S

    live = tracker.finish(recorded)
    whole = prosody.track_pitch(recorded)

    # One grid, no frame twice or missing, over the same stretch as the whole file.
    assert np.allclose(np.diff(live.times_s), prosody.PITCH_STEP_S)
    assert abs(len(live.times_s) - len(whole.times_s)) <= 2
    assert live.floor_hz == pytest.approx(whole.floor_hz, rel=prosody.LIVE_PITCH_RANGE_TOLERANCE)
    assert live.ceiling_hz == pytest.approx(whole.ceiling_hz, rel=0.02)
    a, b = pitch_figures(live), pitch_figures(whole)
    assert a.median_hz == pytest.approx(b.median_hz, rel=0.005)
    assert a.sd_st == pytest.approx(b.sd_st, abs=0.05)
    assert a.range_p5_p95_st == pytest.approx(b.range_p5_p95_st, abs=0.1)
    assert a.voiced_s == pytest.approx(b.voiced_s, rel=0.02)
    # Frame by frame: where both are voiced they agree (no octave slips at chunk edges).
    f0 = np.interp(live.times_s, whole.times_s, whole.f0_hz)
    both = (live.f0_hz > 0) & (f0 > 0)
    assert (
        np.median(np.abs(prosody.semitones(live.f0_hz[both], 1) - prosody.semitones(f0[both], 1)))
        < 0.1
    )
    # The whole report from the live track matches the report from the file.
    words = timed(words_over(0.4, 39.5, 100))
    from_live = analyse_prosody(recorded, words, pitch_track=live)
    from_file = analyse_prosody(recorded, words)
    assert from_live.pitch.sd_st == pytest.approx(from_file.pitch.sd_st, abs=0.05)
    assert len(from_live.pitch.flat_stretches) == len(from_file.pitch.flat_stretches)


def test_a_recording_that_is_not_what_was_fed_is_tracked_afresh() -> None:
    pcm = as_recorded(speech_like(12.0))
    tracker = fed_in_blocks(pcm)
    other = as_recorded(speech_like(12.0, seed=9)).astype(np.float32) / 32768.0
    track = tracker.finish(other)
    whole = prosody.track_pitch(other)
    assert np.array_equal(track.f0_hz, whole.f0_hz)
    assert track.floor_hz == whole.floor_hz


def test_a_short_or_silent_answer_tracked_live_has_no_voice() -> None:
    for pcm in (np.zeros(SR // 20, np.int16), np.zeros(5 * SR, np.int16)):
        track = fed_in_blocks(pcm).finish(pcm.astype(np.float32) / 32768.0)
        assert not (track.f0_hz > 0).any()
