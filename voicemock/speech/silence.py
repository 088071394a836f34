"""Silent stretches of a recording, found from short-frame energy relative to its own levels.

Whisper's word timings stretch a word over the silence next to it, so gaps between words miss
many pauses. The audio itself does not: a pause is a run of frames far below the speaker's own
speech level. Levels are taken from the recording (percentiles of frame energy), so the same
rule works for a quiet or a loud microphone, room noise or digital silence.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from voicemock.core.models import SAMPLE_RATE_HZ, Segment, Transcript, Word

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.floating[Any]]
    LevelArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]

Interval = tuple[float, float]

FRAME_S = 0.025  # long enough to average over a pitch period, short enough to place a pause
HOP_S = 0.010
MIN_SILENCE_S = 0.25  # shorter silences are stop closures and ordinary articulation
# Speech is held this long after its last loud frame, so a weak word ending (a released stop,
# a trailing fricative) is not cut off into the pause.
HANGOVER_S = 0.03
# A loud blip shorter than this inside a silence (a click, a lip smack) does not split it.
MIN_BURST_S = 0.05
NOISE_PERCENTILE = 10.0  # the recording's background level
SPEECH_PERCENTILE = 95.0  # the recording's speech level
# Where between the background and the speech level (in dB) a frame stops being silent.
THRESHOLD_FRACTION = 0.3
# Silence is always at least this far below the speech level, so quiet stretches of speech in a
# recording with little background (a studio, TTS) are not taken for pauses.
MIN_DEPTH_DB = 18.0
# With less spread than this between background and speech, only digital silence is trusted.
MIN_CONTRAST_DB = 12.0
# Frames below this are digital silence (zeros, or dither of a few LSB): left out of the level
# estimates so zero padding does not pull the background level down to nothing.
DIGITAL_SILENCE_DB = -80.0
_POWER_FLOOR = 1e-12  # -120 dB, so log10 never sees zero


def frame_energy_db(
    samples: FloatArray,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    *,
    frame_s: float = FRAME_S,
    hop_s: float = HOP_S,
) -> LevelArray:
    """Mean power in dBFS of each frame (frame i starts at sample i * hop), for plots and tests."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float64).ravel()
    frame = max(1, round(frame_s * sample_rate_hz))
    hop = max(1, round(hop_s * sample_rate_hz))
    if x.size < frame:
        return np.zeros(0, dtype=np.float64)
    count = 1 + (x.size - frame) // hop
    # A running sum of squares gives every frame's energy without a frames x samples copy.
    cumulative = np.concatenate(([0.0], np.cumsum(x * x)))
    starts = np.arange(count) * hop
    power = (cumulative[starts + frame] - cumulative[starts]) / frame
    # Rounding in the running sum can leave a tiny negative for an all-zero frame.
    result: LevelArray = 10.0 * np.log10(np.maximum(power, 0.0) + _POWER_FLOOR)
    return result


def silence_threshold_db(levels_db: LevelArray) -> float | None:
    """The energy (dBFS) below which a frame is silent, from the recording's own frame levels.

    None when the recording shows too little contrast between background and speech to tell
    them apart (then only digital silence counts).
    """
    import numpy as np

    real = levels_db[levels_db > DIGITAL_SILENCE_DB]
    if real.size == 0:
        return None
    noise_db = float(np.percentile(real, NOISE_PERCENTILE))
    speech_db = float(np.percentile(real, SPEECH_PERCENTILE))
    if speech_db - noise_db < MIN_CONTRAST_DB:
        return None
    return min(noise_db + THRESHOLD_FRACTION * (speech_db - noise_db), speech_db - MIN_DEPTH_DB)


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the runs of True in a boolean array."""
    import numpy as np

    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def detect_silences(
    samples: FloatArray,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    *,
    min_silence_s: float = MIN_SILENCE_S,
    hangover_s: float = HANGOVER_S,
) -> tuple[Interval, ...]:
    """The silent intervals (start_s, end_s) of mono audio lasting at least ``min_silence_s``.

    Includes silence before the first and after the last sound; the caller decides which
    silences are pauses. Empty for audio shorter than one frame.
    """
    import numpy as np

    levels_db = frame_energy_db(samples, sample_rate_hz)
    if levels_db.size == 0:
        return ()
    frame = max(1, round(FRAME_S * sample_rate_hz))
    hop = max(1, round(HOP_S * sample_rate_hz))
    duration_s = np.asarray(samples).size / sample_rate_hz
    threshold_db = silence_threshold_db(levels_db)
    silent: BoolArray = levels_db < (DIGITAL_SILENCE_DB if threshold_db is None else threshold_db)

    # A click inside a pause is not speech: short loud runs between silent ones become silent.
    min_burst = max(1, round(MIN_BURST_S / HOP_S))
    for start, stop in _runs(~silent):
        if start > 0 and stop < silent.size and stop - start < min_burst:
            silent[start:stop] = True

    hangover = max(0, round(hangover_s / HOP_S))
    intervals: list[Interval] = []
    for start, stop in _runs(silent):
        if start > 0:
            start = min(stop, start + hangover)
        # The silent frames' windows cover [start * hop, (stop - 1) * hop + frame) samples.
        start_s = start * hop / sample_rate_hz
        end_s = min(duration_s, ((stop - 1) * hop + frame) / sample_rate_hz)
        if stop == silent.size:
            end_s = duration_s  # the last partial frame belongs to a silence that reaches the end
        if end_s - start_s >= min_silence_s - 1e-9:
            intervals.append((round(start_s, 3), round(end_s, 3)))
    return tuple(intervals)


def with_silences(
    transcript: Transcript, samples: FloatArray, sample_rate_hz: int = SAMPLE_RATE_HZ
) -> Transcript:
    """The transcript of ``samples`` with the audio's silent intervals attached (for pauses)."""
    return replace(transcript, silences=detect_silences(samples, sample_rate_hz))


# Whisper invents words on silence ("Thank you.", "Thanks for watching!"). A word is heard
# when voice energy lies under it: frames above the recording's silence threshold (and above
# digital silence) within WORD_SLACK_S of its timing, which Whisper places a few tenths off.
# A recording with no contrast (steady from its quiet to its loud end) is all speech or all
# background: it holds a voice only if it is this loud.
FLAT_RECORDING_VOICE_DB = -40.0
WORD_SLACK_S = 0.3
MIN_VOICE_UNDER_WORD_S = 0.05


def voiced_frames(samples: FloatArray, sample_rate_hz: int = SAMPLE_RATE_HZ) -> BoolArray:
    """For each FRAME_S frame every HOP_S: whether it holds sound louder than silence."""
    import numpy as np

    levels_db = frame_energy_db(samples, sample_rate_hz)
    threshold_db = silence_threshold_db(levels_db) if levels_db.size else None
    bar = FLAT_RECORDING_VOICE_DB if threshold_db is None else max(threshold_db, DIGITAL_SILENCE_DB)
    voiced: BoolArray = np.asarray(levels_db >= bar, dtype=bool)
    return voiced


def voice_end_s(samples: FloatArray, sample_rate_hz: int = SAMPLE_RATE_HZ) -> float | None:
    """Where the last voiced frame of ``samples`` ends, in seconds (None when none is voiced)."""
    import numpy as np

    voiced = np.flatnonzero(voiced_frames(samples, sample_rate_hz))
    if voiced.size == 0:
        return None
    frame = max(1, round(FRAME_S * sample_rate_hz))
    hop = max(1, round(HOP_S * sample_rate_hz))
    return float((int(voiced[-1]) * hop + frame) / sample_rate_hz)


def drop_unheard_words(
    transcript: Transcript, samples: FloatArray, sample_rate_hz: int = SAMPLE_RATE_HZ
) -> Transcript:
    """``transcript`` without the words (and segments) that no sound in ``samples`` supports.

    A word stays when at least MIN_VOICE_UNDER_WORD_S of voiced frames lie within
    WORD_SLACK_S of its start and end; a segment whose words all go goes with them, and a
    segment that loses some is retold from the words it keeps. A typed transcript is returned
    as it is.
    """
    import numpy as np

    if not transcript.timed or not transcript.words:
        return transcript
    voiced = voiced_frames(samples, sample_rate_hz)
    # Voiced frames up to each frame, so a word's count is one subtraction.
    counts = np.concatenate(([0], np.cumsum(voiced)))
    needed = max(1, round(MIN_VOICE_UNDER_WORD_S / HOP_S))

    def heard(word: Word) -> bool:
        first = max(0, int((word.start_s - WORD_SLACK_S) / HOP_S))
        stop = min(voiced.size, int(np.ceil((word.end_s + WORD_SLACK_S) / HOP_S)))
        return stop > first and int(counts[stop] - counts[first]) >= needed

    words = tuple(w for w in transcript.words if heard(w))
    if len(words) == len(transcript.words):
        return transcript
    segments: list[Segment] = []
    for segment in transcript.segments:
        own = tuple(w for w in segment.words if heard(w))
        if segment.words and not own:
            continue
        if len(own) == len(segment.words):
            segments.append(segment)
        else:
            text = " ".join(w.text.strip() for w in own)
            segments.append(Segment(text, own[0].start_s, own[-1].end_s, own))
    return replace(transcript, words=words, segments=tuple(segments))
