"""How an answer sounded: pitch, volume and pace over time, and where the pauses fell.

Pure functions over the recording's samples (16 kHz mono float) and the transcript's word
timings. Pitch is tracked with Praat's autocorrelation method (through praat-parselmouth,
imported only when pitch is measured) in two passes, the second with a floor and ceiling fitted
to the speaker (De Looze & Hirst); it is reported in semitones around the speaker's own median,
so a low and a high voice are judged alike. Volume is in dB relative to the answer's own speech
level, so the microphone's gain does not matter. Results are frozen dataclasses that turn into
JSON-able dicts (``to_dict``), delivery metrics (``metrics``) and flagged moments (``flags``).
"""

from __future__ import annotations

import atexit
import math
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from voicemock.core.models import (
    SAMPLE_RATE_HZ,
    Band,
    Flag,
    FlagKind,
    Metric,
    Transcript,
    Word,
    audio_buffer_samples,
)

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

# --- pitch ---
PITCH_FIRST_PASS_FLOOR_HZ = 60.0  # wide enough for low male voices and creak-free speech
PITCH_FIRST_PASS_CEILING_HZ = 700.0
PITCH_FIRST_PASS_STEP_S = 0.08  # only its quartiles are used, so a coarse pass is enough
# De Looze & Hirst's second pass: floor 0.75 x 1st quartile, ceiling 1.5 x 3rd quartile.
PITCH_FLOOR_FACTOR = 0.75
PITCH_CEILING_FACTOR = 1.5
PITCH_MIN_FLOOR_HZ = 40.0
PITCH_MAX_CEILING_HZ = 1000.0
# Praat's default is 15 candidates per frame; 5 give the same figures (within 0.01 st on the
# project's clips) at about two thirds of the time.
PITCH_MAX_CANDIDATES = 5
PITCH_STEP_S = 0.02  # 50 frames a second: the same figures as 100 (within 0.1 st), half the time
MIN_VOICED_S = 1.0  # less voiced speech than this gives no pitch figures
MONOTONE_SD_ST = 2.0  # below: "watch" (little variation)
FLAT_SD_ST = 1.0  # below: "fix" (flat); also the bar for a flat stretch
FLAT_STRETCH_MIN_S = 10.0
FLAT_WINDOW_MIN_VOICED_S = 2.0  # a 10 s window needs this much voiced speech to be judged
# --- volume ---
HOP_S = 0.01
FRAME_HOPS = 3  # 30 ms frames, every 10 ms: long enough to span a low voice's pitch period
SPEECH_FLOOR_DB = 30.0  # frames this far under the loud end of the answer are not speech
TRAILING_DROP_DB = 10.0  # a sentence's end this much under the sentence: trailing off
TRAILING_END_S = 0.4  # the end of a sentence: its last 0.4 s of voiced speech
TRAILING_MIN_WORDS = 3
QUIET_DB = -10.0  # speech this far under the answer's level, for QUIET_MIN_S: too quiet
QUIET_MIN_S = 2.0
QUIET_SMOOTH_S = 1.0
CLIP_LEVEL = 0.999  # of full scale
CLIP_MIN_RUN = 3  # consecutive samples at full scale: a clipped peak, not a loud sample
CLIP_MERGE_S = 0.5
# --- pace ---
PACE_WINDOW_S = 10.0
PACE_STEP_S = 1.0
PACE_MIN_ANSWER_S = 20.0  # shorter answers have no "over time" worth showing
SPED_UP_PCT = 15.0  # a change listeners notice (the tempo JND is about 10 %)
FAST_WPM = 180.0  # the speaking-rate band's "needs work" edges
SLOW_WPM = 100.0
# --- pauses ---
PAUSE_MIN_S = 0.25
MID_PHRASE_WATCH_PCT = 50.0
MID_PHRASE_MIN_PAUSES = 3  # fewer pauses than this are too few to judge where they fall
# --- the series for plots ---
SERIES_STEP_S = 0.25

SOURCE_PITCH = (
    "semitones around the speaker's own median (Traunmüller & Eriksson 1995, JASA 97); F0 "
    "standard deviation as the liveliness measure (Hincks 2005, Interspeech; Hincks & "
    "Edlund 2009, Language Learning & Technology 13(3)); bands: voicemock's own calibration"
)
SOURCE_PITCH_TRACKER = "Praat autocorrelation pitch, two-pass floor/ceiling (De Looze & Hirst)"
SOURCE_VOLUME = (
    "sentence-final lowering is normal (Herman, Beckman & Honda 1996, ICSLP); the 10 dB bar is "
    "voicemock's own, above that natural fall"
)
SOURCE_PACE = (
    "speaking-rate bands as for the whole answer; a tempo change of about 10 % is noticeable "
    "(Quené, 'What is the just noticeable difference for tempo in speech?')"
)
SOURCE_PAUSE_PLACEMENT = (
    "pauses inside clauses lower perceived fluency (Kahng 2018, 'The effect of pause location "
    "on perceived fluency', Applied Psycholinguistics); fluent speakers pause at clause "
    "boundaries (Huensch 2023, Studies in Second Language Acquisition)"
)

_SENTENCE_END = (".", "!", "?")
_CLAUSE_END = (",", ";", ":", "-", "–", "—", "…")
_CLOSERS = "\"')]}”’»"


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A pause right before one of these starts a new clause even when no comma was written.
_CLAUSE_STARTERS = _word_set(
    """and but or so because then which who whom whose when while where if although though
    unless until since after before as whereas"""
)
# A phrase cannot end on one of these: a pause right after one is inside the phrase, even
# where the recogniser wrote punctuation (Whisper tends to put a full stop at any pause).
_PHRASE_OPENERS = _word_set(
    """a an the my your his her its our their to of in on at for with from by into than i we
    they he she i'm we're you're they're it's and but or because if very"""
)
_EDGE = "\"'()[]{}.,;:!?…—–-“”‘’«»"


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """A stretch of the answer that stands out, e.g. a flat 12 s, with the figure behind it."""

    start_s: float
    end_s: float
    value: float  # semitones SD for flat pitch, dB for quiet, wpm for pace
    word_index: int = -1  # the first word in it, or -1


@dataclass(frozen=True)
class SentenceEnd:
    """A sentence whose last word fell well under the sentence's own level."""

    start_s: float  # the last word
    end_s: float
    drop_db: float
    word_index: int
    text: str  # the last word as spoken


@dataclass(frozen=True)
class PitchSummary:
    """Pitch over the voiced frames, in semitones around the speaker's median."""

    median_hz: float | None
    sd_st: float | None
    range_p5_p95_st: float | None
    voiced_s: float
    floor_hz: float  # the tracker's fitted range
    ceiling_hz: float
    flat_stretches: tuple[Stretch, ...] = ()


@dataclass(frozen=True)
class VolumeSummary:
    """Loudness relative to the answer's own speech level (0 dB)."""

    speech_level_dbfs: float | None
    trailing_off: tuple[SentenceEnd, ...] = ()
    sentence_count: int = 0  # sentences long enough to judge their ends
    quiet_stretches: tuple[Stretch, ...] = ()
    clipped_samples: int = 0
    clipping: tuple[Stretch, ...] = ()  # value: clipped samples in it


@dataclass(frozen=True)
class PaceSummary:
    """Words per minute in a moving window, and how the end compares with the start."""

    window_s: float
    fastest: Stretch | None = None
    slowest: Stretch | None = None
    first_third_wpm: float | None = None
    last_third_wpm: float | None = None
    change_pct: float | None = None  # last third against the first
    last_third_start_s: float | None = None  # where the last third begins
    last_third_end_s: float | None = None
    last_third_word_index: int = -1  # its first word


@dataclass(frozen=True)
class PausePlacement:
    """Silent pauses at sentence or clause ends, and those inside a phrase.

    A pause is at a boundary after a full stop or a clause mark (not an ellipsis: Whisper's
    sign of a hesitation) or before a word that opens a clause ("and", "because", "which"),
    unless the word before it cannot end a phrase ("the", "to", "we", "and").
    """

    at_boundaries: int = 0
    inside_phrases: tuple[Stretch, ...] = ()  # value: the pause's length in seconds

    @property
    def total(self) -> int:
        """All pauses counted."""
        return self.at_boundaries + len(self.inside_phrases)

    @property
    def inside_pct(self) -> float | None:
        """The share of pauses that fall inside a phrase, in percent (None without pauses)."""
        return None if self.total == 0 else 100.0 * len(self.inside_phrases) / self.total


@dataclass(frozen=True)
class ProsodySeries:
    """Pitch, level and pace every ``step_s`` seconds, for plots (None where unknown)."""

    step_s: float
    times_s: tuple[float, ...] = ()
    pitch_st: tuple[float | None, ...] = ()
    level_db: tuple[float | None, ...] = ()
    pace_wpm: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class ProsodyReport:
    """How the answer sounded: pitch, volume, pace over time and pause placement."""

    duration_s: float
    pitch: PitchSummary
    volume: VolumeSummary
    pace: PaceSummary
    pauses: PausePlacement
    series: ProsodySeries

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (floats rounded; None stays null)."""
        data = _rounded(asdict(self))
        data["pauses"]["inside_pct"] = _rounded(self.pauses.inside_pct)
        return data  # type: ignore[no-any-return]

    @property
    def monotone(self) -> bool:
        """True when the pitch varies too little (or stays flat for 10 s or more)."""
        sd = self.pitch.sd_st
        return (sd is not None and sd < MONOTONE_SD_ST) or bool(self.pitch.flat_stretches)

    def metrics(self) -> tuple[Metric, ...]:
        """The figures as delivery metrics, each with its band, rule and source."""
        return prosody_metrics(self)

    def flags(self) -> tuple[Flag, ...]:
        """Every flagged stretch or moment as a delivery flag, in time order."""
        return prosody_flags(self)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


# --- the analysis -------------------------------------------------------------------------------


def analyse_prosody(
    samples: Any,
    transcript: Transcript,
    *,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    pitch_track: PitchTrack | tuple[FloatArray, FloatArray] | None = None,
) -> ProsodyReport:
    """Pitch, volume, pace and pause placement of one recorded answer.

    ``samples`` is mono float audio at ``sample_rate_hz``; the transcript gives the word
    timings (and the audio's silences, when known). ``pitch_track`` (a :class:`PitchTrack`, or
    times_s and f0_hz with 0 for unvoiced frames) skips the pitch tracker, e.g. when
    :class:`IncrementalPitch` ran while the answer was recorded.
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    duration_s = len(x) / float(sample_rate_hz)
    words = _spoken(transcript.words)
    if pitch_track is None:
        times_s, f0_hz, floor_hz, ceiling_hz = track_pitch(x, sample_rate_hz)
    elif isinstance(pitch_track, PitchTrack):
        times_s, f0_hz, floor_hz, ceiling_hz = pitch_track
    else:
        times_s, f0_hz = (np.asarray(a, dtype=np.float64) for a in pitch_track)
        floor_hz, ceiling_hz = PITCH_FIRST_PASS_FLOOR_HZ, PITCH_FIRST_PASS_CEILING_HZ
    pitch = _pitch_summary(times_s, f0_hz, floor_hz, ceiling_hz, words)
    frame_times_s, level_db = frame_levels_db(x, sample_rate_hz)
    voiced_times_s = times_s[f0_hz > 0]
    volume = _volume_summary(x, sample_rate_hz, frame_times_s, level_db, voiced_times_s, words)
    pace = _pace_summary(words)
    pauses = _pause_placement(transcript)
    series = _series(
        duration_s, times_s, f0_hz, frame_times_s, level_db, volume.speech_level_dbfs, words
    )
    return ProsodyReport(duration_s, pitch, volume, pace, pauses, series)


def sounded(
    samples: Any,
    transcript: Transcript,
    *,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    pitch_track: PitchTrack | None = None,
) -> ProsodyReport | None:
    """:func:`analyse_prosody` of a recorded answer, or None when it cannot be measured.

    None for a typed transcript or one without words, and when the pitch tracker
    (praat-parselmouth) is not installed: the rest of the analysis goes on without it.
    """
    if not transcript.timed or not transcript.words:
        return None
    try:
        _parselmouth()
    except ImportError:
        return None
    return analyse_prosody(
        samples, transcript, sample_rate_hz=sample_rate_hz, pitch_track=pitch_track
    )


@dataclass(frozen=True)
class _SpokenWord:
    index: int  # into Transcript.words
    text: str
    norm: str
    start_s: float
    end_s: float
    sentence_end: bool
    clause_end: bool


def _spoken(words: Sequence[Word]) -> list[_SpokenWord]:
    """The words with letters or digits, with the punctuation that follows them noted."""
    spoken: list[_SpokenWord] = []
    for index, word in enumerate(words):
        raw = word.text.strip()
        tail = raw.rstrip(_CLOSERS)
        sentence_end = tail.endswith(_SENTENCE_END) and not tail.endswith("...")
        clause_end = tail.endswith(_CLAUSE_END) and not tail.endswith(("...", "…"))
        norm = raw.strip(_EDGE).lower().replace("’", "'")
        if not any(ch.isalnum() for ch in norm):
            if spoken and (sentence_end or clause_end):  # punctuation belongs to the word before
                last = spoken[-1]
                spoken[-1] = _SpokenWord(
                    last.index,
                    last.text,
                    last.norm,
                    last.start_s,
                    last.end_s,
                    last.sentence_end or sentence_end,
                    last.clause_end or clause_end,
                )
            continue
        spoken.append(
            _SpokenWord(
                index,
                raw.strip(_EDGE),
                norm,
                float(word.start_s),
                float(word.end_s),
                sentence_end,
                clause_end,
            )
        )
    return spoken


# --- pitch --------------------------------------------------------------------------------------


class PitchTrack(NamedTuple):
    """A pitch track: frame times, F0 (0 when unvoiced) and the tracker's fitted range."""

    times_s: FloatArray
    f0_hz: FloatArray
    floor_hz: float
    ceiling_hz: float


def track_pitch(samples: Any, sample_rate_hz: int = SAMPLE_RATE_HZ) -> PitchTrack:
    """F0 every PITCH_STEP_S with Praat's autocorrelation method, over the whole recording.

    Unvoiced frames have f0 0. A coarse first pass over a wide range finds the speaker's
    quartiles; the second pass runs between 0.75 x Q1 and 1.5 x Q3, which keeps octave errors
    out (De Looze & Hirst). Frames are centred at (k + 0.5) x step, the grid
    :class:`IncrementalPitch` tracks on too.
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    empty = PitchTrack(
        np.zeros(0), np.zeros(0), PITCH_FIRST_PASS_FLOOR_HZ, PITCH_FIRST_PASS_CEILING_HZ
    )
    if len(x) < int(0.1 * sample_rate_hz):
        return empty
    peak = _peak_around_mean(x)
    first_pass = _first_pass()
    first_f0 = _track_frames(
        x,
        sample_rate_hz,
        _first_frame(first_pass),
        _frame_stop(len(x), sample_rate_hz, first_pass),
        first_pass,
        peak,
    )
    floor_hz, ceiling_hz = fitted_pitch_range(first_f0)
    second = _PitchPass(PITCH_STEP_S, floor_hz, ceiling_hz, PITCH_MAX_CANDIDATES)
    first, stop = _first_frame(second), _frame_stop(len(x), sample_rate_hz, second)
    if stop <= first:
        return empty
    f0_hz = _track_frames(x, sample_rate_hz, first, stop, second, peak)
    times_s = (np.arange(first, stop, dtype=np.float64) + 0.5) * PITCH_STEP_S
    return PitchTrack(times_s, f0_hz, floor_hz, ceiling_hz)


def semitones(f0_hz: Any, reference_hz: float) -> FloatArray:
    """F0 in semitones relative to ``reference_hz`` (12 per octave)."""
    return 12.0 * np.log2(np.asarray(f0_hz, dtype=np.float64) / reference_hz)


# --- pitch while the answer is recorded ---------------------------------------------------------

# The tracker runs on the new audio every LIVE_PITCH_CHUNK_S, with LIVE_PITCH_MARGIN_S of audio on
# either side so the path through each chunk's frames is chosen as it would be in the whole file.
LIVE_PITCH_CHUNK_S = 3.0
LIVE_PITCH_MARGIN_S = 0.5
LIVE_PITCH_MIN_VOICED_FRAMES = 40  # first-pass frames (3.2 s of voice) before the range is fitted
# A chunk tracked with a fitted range (or a loudest sample) this far from the whole answer's is
# tracked again: the figures then stay within 0.05 st of tracking the whole file at once.
LIVE_PITCH_RANGE_TOLERANCE = 0.02
LIVE_PITCH_PEAK_TOLERANCE = 1.5
PRAAT_SILENCE_THRESHOLD = 0.03  # Praat's default: relative to the loudest sample of the sound
PRAAT_PERIODS_PER_WINDOW = 3.0  # Praat's autocorrelation window: three periods of the floor


def fitted_pitch_range(first_pass_f0_hz: Any) -> tuple[float, float]:
    """The second pass's (floor, ceiling) from the first pass's voiced F0 (De Looze & Hirst)."""
    f0 = np.asarray(first_pass_f0_hz, dtype=np.float64)
    voiced = f0[f0 > 0]
    if len(voiced) < 5:
        return PITCH_FIRST_PASS_FLOOR_HZ, PITCH_FIRST_PASS_CEILING_HZ
    q1, q3 = np.percentile(voiced, [25, 75])
    return (
        float(max(PITCH_MIN_FLOOR_HZ, PITCH_FLOOR_FACTOR * q1)),
        float(min(PITCH_MAX_CEILING_HZ, PITCH_CEILING_FACTOR * q3)),
    )


@dataclass(frozen=True)
class _PitchPass:
    """One pass's settings: frame step, range and candidates per frame."""

    step_s: float
    floor_hz: float
    ceiling_hz: float
    candidates: int

    @property
    def window_s(self) -> float:
        return PRAAT_PERIODS_PER_WINDOW / self.floor_hz


def _first_pass() -> _PitchPass:
    """The coarse first pass over a wide range (Praat's default 15 candidates a frame)."""
    return _PitchPass(
        PITCH_FIRST_PASS_STEP_S, PITCH_FIRST_PASS_FLOOR_HZ, PITCH_FIRST_PASS_CEILING_HZ, 15
    )


def _first_frame(pitch_pass: _PitchPass) -> int:
    """The first frame (centred at (k + 0.5) x step) whose window starts inside the audio."""
    return max(0, math.ceil(pitch_pass.window_s / (2 * pitch_pass.step_s) - 0.5))


def _frame_stop(n_samples: int, sample_rate_hz: int, pitch_pass: _PitchPass) -> int:
    """One past the last frame whose window ends inside ``n_samples`` of audio."""
    end_s = n_samples / sample_rate_hz - pitch_pass.window_s / 2
    return max(0, math.floor(end_s / pitch_pass.step_s - 0.5) + 1)


def _chunk_bounds(
    first: int, stop: int, sample_rate_hz: int, pitch_pass: _PitchPass
) -> tuple[int, int, int]:
    """(first sample, one past the last, margin frames) of the audio to track frames first:stop.

    Praat centres its frames in the sound it is given; a sound of (frames x step + a slack just
    under one window) samples starting half a slack before frame ``first - margin`` puts every
    frame on the same grid as the other chunks: centre (k + 0.5) x step.
    """
    margin = math.ceil(LIVE_PITCH_MARGIN_S / pitch_pass.step_s)
    slack = 2 * round((pitch_pass.window_s - pitch_pass.step_s / 2) * sample_rate_hz / 2)
    start = round((first - margin) * pitch_pass.step_s * sample_rate_hz) - slack // 2
    end = round((stop + margin) * pitch_pass.step_s * sample_rate_hz) + slack // 2
    return start, end, margin


# Praat analyses on threads of its own: a process that exits while a pitch track is being made
# (in a background thread) is aborted. One track at a time, and at exit the one under way is
# waited for and no other starts.
_PRAAT_BUSY = threading.Lock()
PRAAT_EXIT_WAIT_S = 10.0
_PRAAT_IMPORT_LOCK = threading.Lock()
_praat_module: Any = None


def _parselmouth() -> Any:
    """The parselmouth module (raises ImportError when it is not installed).

    Loading it writes zeros over all of Praat's static data, ~39 MB left resident for nothing:
    those pages are given back once, before any of its code runs (every use comes here first).
    """
    global _praat_module
    if _praat_module is None:
        with _PRAAT_IMPORT_LOCK:
            if _praat_module is None:
                import parselmouth  # type: ignore[import-untyped,import-not-found,unused-ignore]

                from voicemock.memory import release_zero_pages

                release_zero_pages(parselmouth.__file__)
                _praat_module = parselmouth
    return _praat_module


@atexit.register
def _no_pitch_tracking_at_exit() -> None:
    _PRAAT_BUSY.acquire(timeout=PRAAT_EXIT_WAIT_S)  # held until the process ends


def _peak_around_mean(x: FloatArray) -> float:
    """The largest distance of a sample from the mean: Praat's peak of a sound (no copies)."""
    if len(x) == 0:
        return 0.0
    mean = float(x.mean())
    return max(float(x.max()) - mean, mean - float(x.min()))


def _track_frames(
    x: Any, sample_rate_hz: int, first: int, stop: int, pitch_pass: _PitchPass, peak: float
) -> FloatArray:
    """F0 of frames ``first:stop`` of the grid, from the audio around them (zeros past its ends).

    ``peak`` is the loudest sample of the whole answer (so far): Praat judges silence against
    the loudest sample of the sound it is given, so the threshold is scaled to the answer's.
    """
    parselmouth = _parselmouth()
    start, end, margin = _chunk_bounds(first, stop, sample_rate_hz, pitch_pass)
    lo, hi = max(0, start), min(len(x), end)
    if lo == start and hi == end:
        segment = np.asarray(x[lo:hi], dtype=np.float64)
    else:
        segment = np.zeros(end - start, dtype=np.float64)
        if hi > lo:
            segment[lo - start : hi - start] = x[lo:hi]
    own_peak = _peak_around_mean(segment)
    threshold = PRAAT_SILENCE_THRESHOLD * (peak / own_peak if own_peak > 0 else 1.0)
    sound = parselmouth.Sound(
        segment, sampling_frequency=float(sample_rate_hz), start_time=start / sample_rate_hz
    )
    with _PRAAT_BUSY:
        pitch = sound.to_pitch_ac(
            time_step=pitch_pass.step_s,
            pitch_floor=pitch_pass.floor_hz,
            pitch_ceiling=pitch_pass.ceiling_hz,
            max_number_of_candidates=pitch_pass.candidates,
            silence_threshold=threshold,
        )
    f0 = np.nan_to_num(np.asarray(pitch.selected_array["frequency"], dtype=np.float64))
    return f0[margin : margin + stop - first]


@dataclass
class _TrackedChunk:
    first: int  # frames first:stop of a pass's grid
    stop: int
    peak: float  # the loudest sample of the answer when it was tracked
    f0_hz: FloatArray


class IncrementalPitch:
    """:func:`track_pitch` of an answer, computed a few seconds at a time while it is recorded.

    :meth:`add` the samples as they come and call :meth:`advance` now and then (both from one
    thread): each pass tracks the new audio in chunks of LIVE_PITCH_CHUNK_S. The second pass
    starts once the first has heard enough voice to fit the speaker's range, and starts again
    if that range moves. :meth:`finish` takes the saved recording and tracks only what is left:
    the tail, and any chunk tracked with a range or loudest sample too far from the whole
    answer's. If the recording is not the audio that was added, it is tracked afresh.
    """

    def __init__(self, sample_rate_hz: int = SAMPLE_RATE_HZ) -> None:
        """An empty track; nothing is imported or tracked before :meth:`advance`."""
        self.sample_rate_hz = sample_rate_hz
        self._buffer = np.zeros(0, dtype=np.float32)
        self._total = 0
        self._used = 0  # samples the chunks tracked so far depend on
        self._low, self._high, self._sum = 0.0, 0.0, 0.0
        self._first_pass = _first_pass()
        self._first_chunks: list[_TrackedChunk] = []
        self._second_pass: _PitchPass | None = None
        self._second_chunks: list[_TrackedChunk] = []

    @property
    def tracked_s(self) -> float:
        """How much of the answer the second pass has tracked (0 before it starts)."""
        if not self._second_chunks or self._second_pass is None:
            return 0.0
        return self._second_chunks[-1].stop * self._second_pass.step_s

    def add(self, samples: Any) -> None:
        """Append a block of mono samples (int16, or float in -1..1)."""
        block = np.asarray(samples).ravel()
        if block.dtype == np.int16:
            block = block.astype(np.float32) / 32768.0
        block = block.astype(np.float32, copy=False)
        if block.size == 0:
            return
        end = self._total + block.size
        if end > self._buffer.size:
            grown = np.zeros(audio_buffer_samples(end), np.float32)
            grown[: self._total] = self._buffer[: self._total]
            self._buffer = grown
        self._buffer[self._total : end] = block
        self._total = end
        self._low = min(self._low, float(block.min()))
        self._high = max(self._high, float(block.max()))
        self._sum += float(block.sum(dtype=np.float64))

    def advance(self) -> None:
        """Track every chunk the audio added so far is long enough for."""
        self._run_pass(self._first_pass, self._first_chunks, final=False)
        voiced = self._first_voiced()
        if len(voiced) < LIVE_PITCH_MIN_VOICED_FRAMES:
            return
        self._refit(voiced)
        assert self._second_pass is not None
        self._run_pass(self._second_pass, self._second_chunks, final=False)

    def finish(self, samples: Any) -> PitchTrack:
        """The pitch track of ``samples`` (the saved recording), reusing the chunks tracked."""
        x = np.asarray(samples).ravel()
        if x.dtype == np.int16:
            x = x.astype(np.float32) / 32768.0
        fed = self._buffer[: self._used]
        if x.size < self._used or not np.array_equal(x[: self._used].astype(np.float32), fed):
            return track_pitch(x, self.sample_rate_hz)  # not the audio that was added
        self._buffer = np.asarray(x, dtype=np.float32)
        self._total = int(x.size)
        if x.size:
            self._low, self._high = float(x.min()), float(x.max())
            self._sum = float(np.sum(x, dtype=np.float64))
        if x.size < int(0.1 * self.sample_rate_hz):
            return track_pitch(x, self.sample_rate_hz)
        self._run_pass(self._first_pass, self._first_chunks, final=True)
        floor_hz, ceiling_hz = fitted_pitch_range(self._first_voiced())
        self._refit_to(floor_hz, ceiling_hz)
        second = self._second_pass
        assert second is not None
        peak = self._peak()
        # Chunks tracked before a much louder moment came judged silence too leniently.
        self._second_chunks = [
            chunk for chunk in self._second_chunks if chunk.peak * LIVE_PITCH_PEAK_TOLERANCE >= peak
        ]
        self._retrack_gaps(second)
        self._run_pass(second, self._second_chunks, final=True)
        chunks = self._second_chunks
        f0 = np.concatenate([c.f0_hz for c in chunks]) if chunks else np.zeros(0)
        first = chunks[0].first if chunks else 0
        times = (np.arange(first, first + len(f0), dtype=np.float64) + 0.5) * second.step_s
        return PitchTrack(times, f0, second.floor_hz, second.ceiling_hz)

    # -- the passes ------------------------------------------------------------------------------

    def _peak(self) -> float:
        """The loudest sample around the mean so far, as Praat measures a sound's peak."""
        if self._total == 0:
            return 0.0
        mean = self._sum / self._total
        return max(self._high - mean, mean - self._low)

    def _first_voiced(self) -> FloatArray:
        if not self._first_chunks:
            return np.zeros(0)
        f0 = np.concatenate([c.f0_hz for c in self._first_chunks])
        return f0[f0 > 0]

    def _refit(self, voiced: FloatArray) -> None:
        self._refit_to(*fitted_pitch_range(voiced))

    def _refit_to(self, floor_hz: float, ceiling_hz: float) -> None:
        """Use this range for the second pass; chunks tracked with one too far from it go."""
        current = self._second_pass
        if current is not None and (
            abs(floor_hz / current.floor_hz - 1.0) <= LIVE_PITCH_RANGE_TOLERANCE
            and abs(ceiling_hz / current.ceiling_hz - 1.0) <= LIVE_PITCH_RANGE_TOLERANCE
        ):
            return
        self._second_pass = _PitchPass(PITCH_STEP_S, floor_hz, ceiling_hz, PITCH_MAX_CANDIDATES)
        self._second_chunks = []

    def _retrack_gaps(self, pitch_pass: _PitchPass) -> None:
        """Track again the frames between the chunks kept (dropped ones), in place."""
        kept: list[_TrackedChunk] = []
        expected = _first_frame(pitch_pass)
        peak = self._peak()
        x = self._buffer[: self._total]
        for chunk in self._second_chunks:
            if chunk.first > expected:
                f0 = _track_frames(x, self.sample_rate_hz, expected, chunk.first, pitch_pass, peak)
                kept.append(_TrackedChunk(expected, chunk.first, peak, f0))
            kept.append(chunk)
            expected = chunk.stop
        self._second_chunks = kept

    def _run_pass(
        self, pitch_pass: _PitchPass, chunks: list[_TrackedChunk], *, final: bool
    ) -> None:
        """Track the next chunks of one pass: full chunks, or (``final``) all that is left."""
        sr = self.sample_rate_hz
        chunk_frames = max(1, round(LIVE_PITCH_CHUNK_S / pitch_pass.step_s))
        x = self._buffer[: self._total]
        while True:
            first = chunks[-1].stop if chunks else _first_frame(pitch_pass)
            last = _frame_stop(self._total, sr, pitch_pass)
            if final:
                stop = last
                if stop <= first:
                    return
            else:
                stop = first + chunk_frames
                if stop > last or _chunk_bounds(first, stop, sr, pitch_pass)[1] > self._total:
                    return
            peak = self._peak()
            f0 = _track_frames(x, sr, first, stop, pitch_pass, peak)
            chunks.append(_TrackedChunk(first, stop, peak, f0))
            end = _chunk_bounds(first, stop, sr, pitch_pass)[1]
            self._used = max(self._used, min(self._total, end))


def _word_at(words: Sequence[_SpokenWord], time_s: float) -> int:
    """The index (into Transcript.words) of the first word ending after ``time_s``, or -1."""
    for word in words:
        if word.end_s > time_s:
            return word.index
    return -1


def _pitch_summary(
    times_s: FloatArray,
    f0_hz: FloatArray,
    floor_hz: float,
    ceiling_hz: float,
    words: Sequence[_SpokenWord],
) -> PitchSummary:
    voiced = f0_hz > 0
    step_s = float(np.median(np.diff(times_s))) if len(times_s) > 1 else PITCH_STEP_S
    voiced_s = float(voiced.sum()) * step_s
    if voiced_s < MIN_VOICED_S:
        return PitchSummary(None, None, None, round(voiced_s, 2), floor_hz, ceiling_hz)
    median_hz = float(np.median(f0_hz[voiced]))
    st = semitones(f0_hz[voiced], median_hz)
    p5, p95 = np.percentile(st, [5, 95])
    flat = _flat_stretches(times_s[voiced], st, step_s, words)
    return PitchSummary(
        median_hz=round(median_hz, 1),
        sd_st=round(float(np.std(st)), 2),
        range_p5_p95_st=round(float(p95 - p5), 2),
        voiced_s=round(voiced_s, 2),
        floor_hz=round(floor_hz, 1),
        ceiling_hz=round(ceiling_hz, 1),
        flat_stretches=flat,
    )


def _flat_stretches(
    voiced_times_s: FloatArray, st: FloatArray, step_s: float, words: Sequence[_SpokenWord]
) -> tuple[Stretch, ...]:
    """Stretches of FLAT_STRETCH_MIN_S or more whose pitch SD stays under FLAT_SD_ST."""
    if len(voiced_times_s) == 0:
        return ()
    start_s, end_s = float(voiced_times_s[0]), float(voiced_times_s[-1])
    if end_s - start_s < FLAT_STRETCH_MIN_S:
        return ()
    min_frames = FLAT_WINDOW_MIN_VOICED_S / step_s
    flat_windows: list[tuple[float, float]] = []
    t = start_s
    while t + FLAT_STRETCH_MIN_S <= end_s + 1e-9:
        lo, hi = np.searchsorted(voiced_times_s, [t, t + FLAT_STRETCH_MIN_S])
        if hi - lo >= min_frames and float(np.std(st[lo:hi])) < FLAT_SD_ST:
            flat_windows.append((float(voiced_times_s[lo]), float(voiced_times_s[hi - 1])))
        t += PACE_STEP_S
    merged: list[list[float]] = []
    for a, b in flat_windows:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    stretches = []
    for a, b in merged:
        lo, hi = np.searchsorted(voiced_times_s, [a, b], side="left")
        sd = float(np.std(st[lo : hi + 1]))
        stretches.append(Stretch(round(a, 2), round(b, 2), round(sd, 2), _word_at(words, a)))
    return tuple(stretches)


# --- volume -------------------------------------------------------------------------------------


def frame_levels_db(
    samples: Any, sample_rate_hz: int = SAMPLE_RATE_HZ
) -> tuple[FloatArray, FloatArray]:
    """(centre times_s, RMS level in dBFS) of 30 ms frames every 10 ms."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    hop = max(1, round(HOP_S * sample_rate_hz))
    blocks = len(x) // hop
    if blocks < FRAME_HOPS:
        return np.zeros(0), np.zeros(0)
    # Sums over 10 ms blocks, then over three blocks: one pass over the samples.
    framed = x[: blocks * hop].reshape(blocks, hop)
    block_energy = np.einsum("ij,ij->i", framed, framed)
    energy = sum(block_energy[k : blocks - FRAME_HOPS + 1 + k] for k in range(FRAME_HOPS))
    power = energy / (FRAME_HOPS * hop)
    level_db = 10.0 * np.log10(np.maximum(power, 1e-12))
    starts = np.arange(len(power)) * hop
    return (starts + FRAME_HOPS * hop / 2) / sample_rate_hz, level_db


def _speech_level_db(level_db: FloatArray) -> float | None:
    """The answer's typical speech level: the median of frames near its loud end."""
    if len(level_db) == 0:
        return None
    loud = float(np.percentile(level_db, 95))
    speech = level_db[level_db > loud - SPEECH_FLOOR_DB]
    return float(np.median(speech)) if len(speech) else None


def _voiced_levels_db(
    frame_times_s: FloatArray, level_db: FloatArray, voiced_times_s: FloatArray
) -> FloatArray:
    """The level of the frame nearest each voiced pitch frame."""
    if len(frame_times_s) == 0:
        return np.zeros(0)
    k = np.clip(np.searchsorted(frame_times_s, voiced_times_s), 0, len(frame_times_s) - 1)
    return level_db[k]


def _sentences(words: Sequence[_SpokenWord]) -> list[list[_SpokenWord]]:
    sentences: list[list[_SpokenWord]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if word.sentence_end:
            sentences.append([])
    return [s for s in sentences if s]


def _volume_summary(
    x: FloatArray,
    sample_rate_hz: int,
    frame_times_s: FloatArray,
    level_db: FloatArray,
    voiced_times_s: FloatArray,
    words: Sequence[_SpokenWord],
) -> VolumeSummary:
    speech_db = _speech_level_db(level_db)
    clipped, clipping = _clipping(x, sample_rate_hz, words)
    if speech_db is None:
        return VolumeSummary(None, clipped_samples=clipped, clipping=clipping)
    voiced_db = _voiced_levels_db(frame_times_s, level_db, voiced_times_s)
    trailing: list[SentenceEnd] = []
    judged = 0
    for sentence in _sentences(words):
        if len(sentence) < TRAILING_MIN_WORDS:
            continue
        # Voiced frames, not word timings: the recogniser often places the last word late,
        # in the silence after it; the voice itself is where it is.
        lo, hi = np.searchsorted(voiced_times_s, [sentence[0].start_s, sentence[-1].end_s])
        times, levels = voiced_times_s[lo:hi], voiced_db[lo:hi]
        if len(times) < 2:
            continue
        is_end = times > times[-1] - TRAILING_END_S
        if is_end.all() or not is_end.any():
            continue
        judged += 1
        # The loud part of the end against the typical body: a word that ends in a breath or
        # a room's echo is not trailing off; a whole last word that fades is.
        drop_db = float(np.median(levels[~is_end]) - np.percentile(levels[is_end], 75))
        if drop_db >= TRAILING_DROP_DB:
            last = sentence[-1]
            end_start_s = float(times[is_end][0])
            trailing.append(
                SentenceEnd(
                    round(min(end_start_s, last.start_s), 2),
                    round(float(times[-1]), 2),
                    round(drop_db, 1),
                    last.index,
                    last.text,
                )
            )
    quiet = _quiet_stretches(frame_times_s, level_db - speech_db, words)
    return VolumeSummary(
        speech_level_dbfs=round(speech_db, 1),
        trailing_off=tuple(trailing),
        sentence_count=judged,
        quiet_stretches=quiet,
        clipped_samples=clipped,
        clipping=clipping,
    )


def _speaking_mask(frame_times_s: FloatArray, words: Sequence[_SpokenWord]) -> Any:
    mask = np.zeros(len(frame_times_s), dtype=bool)
    for word in words:
        lo, hi = np.searchsorted(frame_times_s, [word.start_s, word.end_s])
        mask[lo:hi] = True
    return mask


def _runs(mask: Any) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of a boolean array."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _rolling_upper(values: FloatArray, width: int, fraction: float) -> FloatArray:
    """The ``fraction`` quantile of each centred window of ``width`` values, NaN ignored.

    Windows with no value give NaN. Sorting with NaN as -inf keeps it vectorised (numpy's
    nanpercentile loops in Python over the windows).
    """
    half = width // 2
    filled = np.where(np.isnan(values), -np.inf, values)
    padded = np.pad(filled, (half, width - 1 - half), constant_values=-np.inf)
    windows = np.sort(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)
    count = np.isfinite(windows).sum(axis=1)
    pick = width - count + np.floor(fraction * np.maximum(count - 1, 0)).astype(int)
    chosen = np.take_along_axis(windows, np.minimum(pick, width - 1)[:, None], axis=1)[:, 0]
    return np.where(count > 0, chosen, np.nan)


def _quiet_stretches(
    frame_times_s: FloatArray, relative_db: FloatArray, words: Sequence[_SpokenWord]
) -> tuple[Stretch, ...]:
    """Speech held QUIET_DB or more under the answer's level for QUIET_MIN_S or longer."""
    speaking = _speaking_mask(frame_times_s, words)
    if not speaking.any():
        return ()
    # The loud part of each second of speech: pauses and soft consonants inside it do not count.
    smooth = _rolling_upper(
        np.where(speaking, relative_db, np.nan), max(1, round(QUIET_SMOOTH_S / HOP_S)), 0.9
    )
    # Over the gaps between words too (the window holds speech around them), then trimmed
    # to the words' own frames.
    quiet = np.nan_to_num(smooth, nan=0.0) <= QUIET_DB
    stretches = []
    for a, b in _runs(quiet):
        inside = np.flatnonzero(speaking[a:b])
        if len(inside) == 0:
            continue
        a, b = a + int(inside[0]), a + int(inside[-1]) + 1
        start_s, end_s = float(frame_times_s[a]), float(frame_times_s[b - 1])
        if end_s - start_s >= QUIET_MIN_S:
            level = float(np.nanmedian(smooth[a:b]))
            stretches.append(
                Stretch(
                    round(start_s, 2), round(end_s, 2), round(level, 1), _word_at(words, start_s)
                )
            )
    return tuple(stretches)


def _clipping(
    x: FloatArray, sample_rate_hz: int, words: Sequence[_SpokenWord]
) -> tuple[int, tuple[Stretch, ...]]:
    """Samples in clipped runs (at full scale for CLIP_MIN_RUN samples or more), and where."""
    if len(x) == 0 or (x.max() < CLIP_LEVEL and x.min() > -CLIP_LEVEL):
        return 0, ()
    at_top = np.abs(x) >= CLIP_LEVEL
    runs = [(a, b) for a, b in _runs(at_top) if b - a >= CLIP_MIN_RUN]
    merged: list[list[int]] = []
    gap = round(CLIP_MERGE_S * sample_rate_hz)
    for a, b in runs:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
            merged[-1][2] += b - a
        else:
            merged.append([a, b, b - a])
    stretches = tuple(
        Stretch(
            round(a / sample_rate_hz, 2),
            round(b / sample_rate_hz, 2),
            float(n),
            _word_at(words, a / sample_rate_hz),
        )
        for a, b, n in merged
    )
    return int(sum(b - a for a, b in runs)), stretches


# --- pace ---------------------------------------------------------------------------------------


def _moving_wpm(words: Sequence[_SpokenWord], centres_s: FloatArray) -> FloatArray:
    mids = np.array([(w.start_s + w.end_s) / 2 for w in words])
    half = PACE_WINDOW_S / 2
    counts = np.searchsorted(mids, centres_s + half) - np.searchsorted(mids, centres_s - half)
    return counts.astype(np.float64) * (60.0 / PACE_WINDOW_S)


def _pace_summary(words: Sequence[_SpokenWord]) -> PaceSummary:
    if len(words) < 2:
        return PaceSummary(PACE_WINDOW_S)
    start_s, end_s = words[0].start_s, max(w.end_s for w in words)
    if end_s - start_s < PACE_MIN_ANSWER_S:
        return PaceSummary(PACE_WINDOW_S)
    half = PACE_WINDOW_S / 2
    centres = np.arange(start_s + half, end_s - half + 1e-9, PACE_STEP_S)
    wpm = _moving_wpm(words, centres)
    fast, slow = int(np.argmax(wpm)), int(np.argmin(wpm))

    def stretch(k: int) -> Stretch:
        a = float(centres[k] - half)
        return Stretch(round(a, 2), round(a + PACE_WINDOW_S, 2), float(wpm[k]), _word_at(words, a))

    third_s = (end_s - start_s) / 3
    mids = np.array([(w.start_s + w.end_s) / 2 for w in words])
    first = float(np.sum(mids < start_s + third_s)) / (third_s / 60)
    last = float(np.sum(mids >= end_s - third_s)) / (third_s / 60)
    change = None if first <= 0 else round(100.0 * (last / first - 1.0), 1)
    return PaceSummary(
        window_s=PACE_WINDOW_S,
        fastest=stretch(fast),
        slowest=stretch(slow),
        first_third_wpm=round(first, 1),
        last_third_wpm=round(last, 1),
        change_pct=change,
        last_third_start_s=round(end_s - third_s, 2),
        last_third_end_s=round(end_s, 2),
        last_third_word_index=_word_at(words, end_s - third_s),
    )


# --- pauses -------------------------------------------------------------------------------------


def _pause_placement(transcript: Transcript) -> PausePlacement:
    """Each silent pause of the answer, at a sentence/clause end or inside a phrase."""
    from voicemock.core.metrics import find_pauses  # the same pauses as the delivery table

    if not transcript.timed:
        return PausePlacement()
    words = _spoken(transcript.words)
    if len(words) < 2:
        return PausePlacement()
    by_index = {w.index: k for k, w in enumerate(words)}
    pauses = find_pauses(
        transcript.words, min_pause_s=PAUSE_MIN_S, silences=transcript.silences or None
    )
    at_boundaries = 0
    inside: list[Stretch] = []
    for pause in pauses:
        k = by_index.get(pause.word_index)
        if k is None or k == 0:
            continue
        before, after = words[k - 1], words[k]
        punctuated = before.sentence_end or before.clause_end
        opens = before.norm in _PHRASE_OPENERS
        if not opens and (punctuated or after.norm in _CLAUSE_STARTERS):
            at_boundaries += 1
        else:
            length_s = round(pause.end_s - pause.start_s, 2)
            inside.append(Stretch(pause.start_s, pause.end_s, length_s, after.index))
    return PausePlacement(at_boundaries, tuple(inside))


# --- series -------------------------------------------------------------------------------------


def _bin_means(values: FloatArray, bins: Any, keep: Any, n: int) -> list[float | None]:
    """The mean of ``values[keep]`` in each of ``n`` bins, None for an empty bin."""
    counts = np.bincount(bins[keep], minlength=n)[:n]
    sums = np.bincount(bins[keep], weights=values[keep], minlength=n)[:n]
    return [None if c == 0 else float(v / c) for v, c in zip(sums, counts, strict=True)]


def _series(
    duration_s: float,
    pitch_times_s: FloatArray,
    f0_hz: FloatArray,
    frame_times_s: FloatArray,
    level_db: FloatArray,
    speech_db: float | None,
    words: Sequence[_SpokenWord],
) -> ProsodySeries:
    n = math.floor(duration_s / SERIES_STEP_S)
    if n <= 0:
        return ProsodySeries(SERIES_STEP_S)
    times = tuple(round((k + 0.5) * SERIES_STEP_S, 3) for k in range(n))
    voiced = f0_hz > 0
    pitch: list[float | None] = [None] * n
    if voiced.any():
        median_hz = float(np.median(f0_hz[voiced]))
        st = semitones(np.where(voiced, f0_hz, median_hz), median_hz)
        bins = np.minimum((pitch_times_s / SERIES_STEP_S).astype(int), n - 1)
        pitch = [None if v is None else round(v, 2) for v in _bin_means(st, bins, voiced, n)]
    level: list[float | None] = [None] * n
    if speech_db is not None and len(level_db):
        bins = np.minimum((frame_times_s / SERIES_STEP_S).astype(int), n - 1)
        relative = level_db - speech_db
        # Voice only: the silences inside the recogniser's word timings are not the speaker.
        speaking = _speaking_mask(frame_times_s, words) & (relative > -SPEECH_FLOOR_DB)
        level = [
            None if v is None else round(v, 1) for v in _bin_means(relative, bins, speaking, n)
        ]
    pace: list[float | None] = [None] * n
    if len(words) >= 2:
        start_s, end_s = words[0].start_s, max(w.end_s for w in words)
        if end_s - start_s >= PACE_MIN_ANSWER_S:
            centres = np.array(times)
            inside = (centres >= start_s + PACE_WINDOW_S / 2) & (
                centres <= end_s - PACE_WINDOW_S / 2
            )
            wpm = _moving_wpm(words, centres)
            pace = [round(float(w), 1) if ok else None for w, ok in zip(wpm, inside, strict=True)]
    return ProsodySeries(SERIES_STEP_S, times, tuple(pitch), tuple(level), tuple(pace))


# --- metrics and flags --------------------------------------------------------------------------


def _band_pitch_sd(sd_st: float | None) -> Band:
    if sd_st is None:
        return "info"
    if sd_st < FLAT_SD_ST:
        return "fix"
    return "watch" if sd_st < MONOTONE_SD_ST else "good"


def _band_wpm(wpm: float | None) -> Band:
    if wpm is None:
        return "info"
    return "watch" if wpm > FAST_WPM or wpm < SLOW_WPM else "good"


def prosody_metrics(report: ProsodyReport) -> tuple[Metric, ...]:
    """Delivery metrics for the prosody figures (keys are stable, units in the names)."""
    pitch, volume, pace, pauses = report.pitch, report.volume, report.pace, report.pauses
    has_pitch = pitch.sd_st is not None
    flat_count = float(len(pitch.flat_stretches)) if has_pitch else None
    sentences = volume.sentence_count
    trailing = float(len(volume.trailing_off)) if sentences else None
    trailing_band: Band = "info"
    if trailing is not None:
        trailing_band = "good" if trailing == 0 else "watch"
        if sentences >= 3 and trailing / sentences >= 0.5:
            trailing_band = "fix"
    has_level = volume.speech_level_dbfs is not None
    quiet = float(len(volume.quiet_stretches)) if has_level else None
    change = pace.change_pct
    change_band: Band = "info"
    if change is not None:
        change_band = "watch" if change >= SPED_UP_PCT else "good"
    inside_pct = pauses.inside_pct
    inside_band: Band = "info"
    if inside_pct is not None and pauses.total >= MID_PHRASE_MIN_PAUSES:
        inside_band = "watch" if inside_pct >= MID_PHRASE_WATCH_PCT else "good"
    fastest = pace.fastest.value if pace.fastest is not None else None
    slowest = pace.slowest.value if pace.slowest is not None else None
    return (
        Metric(
            "pitch_sd_st",
            "Pitch variation",
            pitch.sd_st,
            "st",
            _band_pitch_sd(pitch.sd_st),
            f"standard deviation of your pitch in semitones around your own median; "
            f"{MONOTONE_SD_ST:g} st or more sounds lively, under {FLAT_SD_ST:g} st flat",
            SOURCE_PITCH,
            ("flat_pitch",),
        ),
        Metric(
            "pitch_range_st",
            "Pitch range",
            pitch.range_p5_p95_st,
            "st",
            "info",
            "from the 5th to the 95th percentile of your pitch, in semitones (12 = an octave)",
            SOURCE_PITCH_TRACKER,
        ),
        Metric(
            "flat_pitch_count",
            "Flat stretches",
            flat_count,
            "",
            "info" if flat_count is None else ("good" if flat_count == 0 else "watch"),
            f"{FLAT_STRETCH_MIN_S:g} s or more with the pitch varying under {FLAT_SD_ST:g} st; "
            "move your voice up on the words that matter",
            SOURCE_PITCH,
            ("flat_pitch",),
        ),
        Metric(
            "trailing_off_count",
            "Trailing off",
            trailing,
            "",
            trailing_band,
            f"sentences whose last word is {TRAILING_DROP_DB:g} dB or more under the rest of the "
            "sentence; keep your voice up to the full stop",
            SOURCE_VOLUME,
            ("trailing_off",),
        ),
        Metric(
            "quiet_stretch_count",
            "Quiet stretches",
            quiet,
            "",
            "info" if quiet is None else ("good" if quiet == 0 else "watch"),
            f"{QUIET_MIN_S:g} s or more of speech {-QUIET_DB:g} dB or more under your own level",
            SOURCE_VOLUME,
            ("quiet",),
        ),
        Metric(
            "clipping_count",
            "Clipping",
            float(len(volume.clipping)),
            "",
            "good" if not volume.clipping else "watch",
            "places where the recording hit full scale (distorted); move back from the "
            "microphone or lower its input level",
            "",
            ("clipping",),
        ),
        Metric(
            "fastest_wpm",
            "Fastest stretch",
            fastest,
            "wpm",
            _band_wpm(fastest),
            f"the fastest {PACE_WINDOW_S:g} s; over {FAST_WPM:g} wpm is hard to follow",
            SOURCE_PACE,
            ("fast_stretch",),
        ),
        Metric(
            "slowest_wpm",
            "Slowest stretch",
            slowest,
            "wpm",
            _band_wpm(slowest),
            f"the slowest {PACE_WINDOW_S:g} s; under {SLOW_WPM:g} wpm drags (long pauses count)",
            SOURCE_PACE,
            ("slow_stretch",),
        ),
        Metric(
            "pace_change_pct",
            "Pace, end vs start",
            change,
            "%",
            change_band,
            f"words per minute in the last third against the first; {SPED_UP_PCT:g} % or more "
            "faster means you sped up under time pressure",
            SOURCE_PACE,
            ("sped_up",),
        ),
        Metric(
            "mid_phrase_pause_pct",
            "Pauses inside phrases",
            None if inside_pct is None else round(inside_pct, 1),
            "%",
            inside_band,
            "share of silent pauses that fall inside a phrase rather than at a sentence or "
            f"clause end; under {MID_PHRASE_WATCH_PCT:g} % is good: pause after the point, not "
            "in the middle of it",
            SOURCE_PAUSE_PLACEMENT,
            ("mid_phrase_pause",),
        ),
    )


def _flag(kind: FlagKind, text: str, stretch: Stretch) -> Flag:
    return Flag(kind, text, stretch.start_s, stretch.end_s, stretch.word_index)


def prosody_flags(report: ProsodyReport) -> tuple[Flag, ...]:
    """The flagged stretches and moments, in time order, for the transcript and replay."""
    flags: list[Flag] = []
    for s in report.pitch.flat_stretches:
        flags.append(_flag("flat_pitch", f"flat pitch for {s.end_s - s.start_s:.0f} s", s))
    for end in report.volume.trailing_off:
        flags.append(
            Flag(
                "trailing_off",
                f"trailing off: “{end.text}” {end.drop_db:.0f} dB under the sentence",
                end.start_s,
                end.end_s,
                end.word_index,
            )
        )
    for s in report.volume.quiet_stretches:
        flags.append(_flag("quiet", f"quiet: {s.value:.0f} dB under your level", s))
    for s in report.volume.clipping:
        flags.append(_flag("clipping", "clipped (distorted) audio", s))
    pace = report.pace
    if pace.fastest is not None and pace.fastest.value > FAST_WPM:
        flags.append(
            _flag("fast_stretch", f"fastest stretch: {pace.fastest.value:.0f} wpm", pace.fastest)
        )
    if pace.slowest is not None and pace.slowest.value < SLOW_WPM:
        flags.append(
            _flag("slow_stretch", f"slowest stretch: {pace.slowest.value:.0f} wpm", pace.slowest)
        )
    if (
        pace.change_pct is not None
        and pace.change_pct >= SPED_UP_PCT
        and pace.last_third_start_s is not None
        and pace.last_third_end_s is not None
    ):
        flags.append(
            Flag(
                "sped_up",
                f"sped up {pace.change_pct:.0f} % in the last third",
                pace.last_third_start_s,
                pace.last_third_end_s,
                pace.last_third_word_index,
            )
        )
    for s in report.pauses.inside_phrases:
        flags.append(_flag("mid_phrase_pause", f"{s.value:.2f} s pause inside a phrase", s))
    return tuple(sorted(flags, key=lambda f: (f.start_s, f.word_index)))
