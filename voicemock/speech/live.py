"""Transcribe an answer while it is being recorded, so its results are ready soon after it ends.

The recorder hands every block it writes to :meth:`LiveTranscription.feed`. A background thread
cuts the audio at pauses into chunks of at least ``min_chunk_s`` and transcribes each one as soon
as it is complete. While there is too little audio for the next chunk, the thread transcribes
ahead what was said since the last chunk up to the speaker's latest pause (once per pause): a
provisional piece, for the answer may end there. When the answer ends,
:meth:`LiveTranscription.finish` receives the samples of the saved file (the file is what
counts), keeps the chunks and the provisional piece as far as their audio matches it exactly,
transcribes only what is left (often nothing but the silence before the stop) and returns one
transcript of the whole answer, with every word timed from the start of the recording. If
anything went wrong on the way (the model failed, the audio differs from the file), the whole
file is transcribed as usual.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicemock.core.models import (
    SAMPLE_RATE_HZ,
    Segment,
    Transcript,
    Word,
    audio_buffer_samples,
)
from voicemock.errors import AudioFileError
from voicemock.speech.feed import FedWorker

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from voicemock.speech.transcribe import ProgressCallback, Transcriber

    FloatArray = npt.NDArray[np.float32]

# A chunk is cut at the first pause after this much audio: long enough for Whisper to have
# context, short enough that little is left to transcribe when the answer ends.
MIN_CHUNK_S = 8.0
# With no pause at all, a chunk is cut at its quietest moment before Whisper's 30 s window fills.
MAX_CHUNK_S = 25.0
# Only a pause this long is a safe place to cut (shorter ones can fall inside a phrase).
MIN_CUT_PAUSE_S = 0.4
_QUIET_WINDOW_S = 0.2
# With no place to cut yet, look again once this much more audio has come.
_RESEARCH_S = 0.5
# A provisional piece needs this much audio since the last chunk: a shorter rest costs the end
# about as little to transcribe as it would cost now.
AHEAD_MIN_S = 1.5
# ... and a pause at least this long after it: shorter than a place to cut a chunk, so that the
# silence before the stop is noticed soon. When the speaker goes on, the piece serves only if
# the answer ends before the next chunk (then only the rest is transcribed at the end; no loss
# of accuracy was measured) or that chunk is cut in the same pause. Each new piece starts at
# the last chunk again: pieces from pause to pause were quicker but lost accuracy.
AHEAD_PAUSE_S = 0.3
# With no new pause yet, look again once this much more audio has come; a silence going on at
# the end is looked at again as soon as it may be long enough to be a pause.
_LOOK_S = 0.2


@dataclass(frozen=True)
class Chunk:
    """One transcribed stretch of the answer: where it lies and what was heard in it."""

    start: int  # first sample
    stop: int  # one past the last sample
    transcript: Transcript | None  # None: nothing was said in it


class LiveTranscription(FedWorker):
    """Chunks of an answer transcribed during the recording; see the module docstring.

    ``load`` returns the (loaded) transcriber; it is called in the background thread, so the
    model may still be loading when the recording starts.
    """

    def __init__(
        self,
        load: Callable[[], Transcriber],
        *,
        min_chunk_s: float = MIN_CHUNK_S,
        max_chunk_s: float = MAX_CHUNK_S,
        on_text: Callable[[str], None] | None = None,
    ) -> None:
        """Start the background thread; nothing is transcribed before ``min_chunk_s`` of audio.

        ``on_text`` gets the text heard so far after each chunk (in the background thread), so
        later stages can prepare while the user speaks; what it raises is ignored.
        """
        self._load = load
        self._on_text = on_text
        self._min_chunk = round(min_chunk_s * SAMPLE_RATE_HZ)
        self._max_chunk = round(max(max_chunk_s, min_chunk_s + 1.0) * SAMPLE_RATE_HZ)
        self._buffer: FloatArray | None = None  # grown in steps; [: self._total] is audio
        self._total = 0
        self._ahead_min = round(AHEAD_MIN_S * SAMPLE_RATE_HZ)
        self._research = round(_RESEARCH_S * SAMPLE_RATE_HZ)
        self._look = round(_LOOK_S * SAMPLE_RATE_HZ)
        self._chunks: list[Chunk] = []
        self._committed = 0
        # What was said since the last chunk up to a pause, transcribed ahead (starts at
        # _committed; dropped when the next chunk is cut elsewhere).
        self._provisional: Chunk | None = None
        self._failed: BaseException | None = None
        self._start("voicemock-live")

    # -- the recorder's side (feed) --------------------------------------------------------------

    def _add(self, block: Any) -> None:
        import numpy as np

        samples = np.asarray(block).ravel()
        if samples.dtype == np.int16:
            samples = samples.astype(np.float32) / 32768.0
        end = self._total + samples.size
        capacity = 0 if self._buffer is None else self._buffer.size
        if end > capacity:
            # Earlier views of the buffer stay valid: written samples never change.
            grown = np.zeros(audio_buffer_samples(end), np.float32)
            grown[: self._total] = self._joined()
            self._buffer = grown
        buffer = self._buffer
        assert buffer is not None
        buffer[self._total : end] = samples
        self._total = end

    # -- figures ---------------------------------------------------------------------------------

    @property
    def transcribed_s(self) -> float:
        """How much of the answer (from its start) is already transcribed."""
        with self._condition:
            return self._committed / SAMPLE_RATE_HZ

    @property
    def chunk_count(self) -> int:
        """How many chunks were transcribed during the recording."""
        with self._condition:
            return len(self._chunks)

    # -- the end ---------------------------------------------------------------------------------

    def finish(
        self, samples: FloatArray, *, progress: ProgressCallback | None = None
    ) -> Transcript:
        """The transcript of ``samples`` (the saved recording), reusing the chunks done so far.

        ``progress`` gets 0..1 over what is still to transcribe. Raises what the transcriber
        raises when the whole file has to be transcribed and that fails.
        """
        import numpy as np

        self.close()  # a piece in hand is completed first: sooner than doing it again
        transcriber = self._load()
        provisional = [] if self._provisional is None else [self._provisional]
        pieces = [*self._chunks, *provisional] if self._failed is None else []
        fed = self._joined()
        # Where the file is not what was fed, trust the file: keep only the pieces before that.
        while pieces and not (
            samples.shape[0] >= pieces[-1].stop
            and np.array_equal(samples[: pieces[-1].stop], fed[: pieces[-1].stop])
        ):
            pieces.pop()
        # The fed audio is not needed any more: let it go (``fed`` is a view of it).
        del fed
        with self._condition:
            self._buffer = None
            self._total = 0
        if not pieces:
            return transcriber.transcribe(samples, progress=progress)
        start = pieces[-1].stop
        rest = samples[start:]
        tail = self._transcribe(transcriber, rest, progress) if rest.size else None
        if progress is not None:
            progress(1.0)
        pieces.append(Chunk(start, int(samples.shape[0]), tail))
        return _merge(pieces, transcriber, samples.shape[0] / SAMPLE_RATE_HZ)

    # -- background thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            transcriber: Transcriber | None = None
            searched = 0  # how much audio there was when no place to cut was found
            look_at = 0  # how much audio there must be to look for a new pause again
            while True:
                with self._condition:
                    # Once the answer has ended, finish() transcribes the rest in one go.
                    while not self._ended and not self._due(searched, look_at):
                        self._condition.wait()
                    if self._ended:
                        return
                    audio = self._joined()
                    start = self._committed
                    provisional = self._provisional
                window = audio[start:]
                ahead_to = 0 if provisional is None else provisional.stop - start
                cut = None
                if self._cut_due(window.size, audio.size, searched):
                    cut = find_cut(window, self._min_chunk, self._max_chunk)
                    searched = audio.size
                if cut is not None:
                    if provisional is not None and _same_pause(window, ahead_to, cut):
                        # Already transcribed up to this pause (the rest of it is silence).
                        chunk = Chunk(start, start + cut, provisional.transcript)
                    else:
                        if transcriber is None:
                            transcriber = self._load()
                        transcript = self._transcribe(transcriber, window[:cut], None)
                        chunk = Chunk(start, start + cut, transcript)
                    with self._condition:
                        self._chunks.append(chunk)
                        self._committed = chunk.stop
                        self._provisional = None
                        heard = " ".join(c.transcript.text for c in self._chunks if c.transcript)
                    searched = 0
                    if self._on_text is not None and chunk.transcript is not None:
                        with contextlib.suppress(Exception):  # a head start only, never a failure
                            self._on_text(heard)
                    continue
                if audio.size < look_at:
                    continue
                pause, growing = _pauses(window, self._ahead_min, ahead_to)
                # A silence at the end not yet long enough: look again once it may be.
                wait = round(AHEAD_PAUSE_S * SAMPLE_RATE_HZ) - growing if growing else self._look
                look_at = audio.size + max(1, min(self._look, wait))
                if pause is not None and not self._ended:
                    if transcriber is None:
                        transcriber = self._load()
                    transcript = self._transcribe(transcriber, window[:pause], None)
                    with self._condition:
                        self._provisional = Chunk(start, start + pause, transcript)
        except BaseException as error:  # finish() then transcribes the whole file
            with self._condition:
                self._failed = error

    def _due(self, searched: int, look_at: int) -> bool:
        """Whether there is new audio to look for a place to cut, or for a new pause, in."""
        ahead = self._total - self._committed
        return self._cut_due(ahead, self._total, searched) or (
            ahead >= self._ahead_min and self._total >= look_at
        )

    def _cut_due(self, ahead: int, total: int, searched: int) -> bool:
        """Whether ``ahead`` samples since the last chunk (``total`` in all) are enough for a
        chunk and more than there were when no place to cut was found (``searched``)."""
        return ahead >= self._min_chunk and total >= searched + self._research

    @staticmethod
    def _transcribe(
        transcriber: Transcriber, samples: FloatArray, progress: ProgressCallback | None
    ) -> Transcript | None:
        try:
            return transcriber.transcribe(samples, progress=progress)
        except AudioFileError:
            return None  # silent (or too short to hold a word): nothing was said in it

    def _joined(self) -> FloatArray:
        """Every sample fed so far, as a view of the buffer (no copy)."""
        import numpy as np

        with self._condition:
            if self._buffer is None:
                return np.zeros(0, dtype=np.float32)
            return self._buffer[: self._total]


def find_cut(audio: FloatArray, min_chunk: int, max_chunk: int) -> int | None:
    """Where to end the next chunk of ``audio`` (a sample index), or None to wait for more.

    The middle of the first pause of at least MIN_CUT_PAUSE_S that starts after ``min_chunk``
    samples and ends before the audio does; failing that, once ``max_chunk`` samples are there,
    the quietest moment between ``min_chunk`` and ``max_chunk``.
    """
    import numpy as np

    from voicemock.speech.silence import HOP_S, detect_silences, frame_energy_db

    if audio.size <= min_chunk:
        return None
    window = audio[: max_chunk + round(MIN_CUT_PAUSE_S * SAMPLE_RATE_HZ)]
    for start_s, end_s in detect_silences(window, min_silence_s=MIN_CUT_PAUSE_S):
        start = round(start_s * SAMPLE_RATE_HZ)
        end = round(end_s * SAMPLE_RATE_HZ)
        if start >= min_chunk and end < window.size:
            return (start + end) // 2
    if audio.size < max_chunk:
        return None
    quiet = round(_QUIET_WINDOW_S * SAMPLE_RATE_HZ)
    levels = frame_energy_db(audio[min_chunk:max_chunk], frame_s=_QUIET_WINDOW_S)
    if levels.size == 0:
        return max_chunk
    hop = round(HOP_S * SAMPLE_RATE_HZ)  # frame_energy_db's hop
    return min_chunk + int(np.argmin(levels)) * hop + quiet // 2


def find_pause(audio: FloatArray, least: int, after: int = 0) -> int | None:
    """Where a provisional piece of ``audio`` may end (a sample index), or None.

    The middle of the last pause of at least AHEAD_PAUSE_S that starts after ``least``
    samples and after ``after`` (where the last provisional piece ended, inside an earlier
    pause); a pause still going on at the end of ``audio`` counts, for the answer may end in it.
    """
    return _pauses(audio, least, after)[0]


def _pauses(audio: FloatArray, least: int, after: int = 0) -> tuple[int | None, int]:
    """What :func:`find_pause` finds, and how many samples long a silence at the end of
    ``audio`` that may yet become such a pause is (0 when there is none)."""
    from voicemock.speech.silence import detect_silences

    if audio.size <= least:
        return None, 0
    found = None
    growing = 0
    for start_s, end_s in detect_silences(audio, min_silence_s=0.0):
        start = round(start_s * SAMPLE_RATE_HZ)
        if start < least or start <= after:
            continue
        stop = round(end_s * SAMPLE_RATE_HZ)
        if end_s - start_s >= AHEAD_PAUSE_S - 1e-9:
            found = (start + stop) // 2
        elif stop >= audio.size:
            growing = stop - start
    return found, growing


def _same_pause(audio: FloatArray, first: int, second: int) -> bool:
    """Whether the sample indices ``first`` and ``second`` of ``audio`` lie in one pause."""
    from voicemock.speech.silence import detect_silences

    if first <= 0:
        return False
    low, high = min(first, second), max(first, second)
    window = audio[: high + round(MIN_CUT_PAUSE_S * SAMPLE_RATE_HZ)]
    for start_s, end_s in detect_silences(window):
        if start_s * SAMPLE_RATE_HZ <= low and high <= end_s * SAMPLE_RATE_HZ:
            return True
    return False


def _merge(chunks: list[Chunk], transcriber: Transcriber, duration_s: float) -> Transcript:
    """One transcript of the whole answer from its chunks, every time shifted to the recording."""
    words: list[Word] = []
    segments: list[Segment] = []
    language = "en"
    for chunk in chunks:
        if chunk.transcript is None:
            continue
        offset_s = chunk.start / SAMPLE_RATE_HZ
        language = chunk.transcript.language

        def shift(word: Word, offset_s: float = offset_s) -> Word:
            return Word(
                word.text,
                round(word.start_s + offset_s, 3),
                round(word.end_s + offset_s, 3),
                word.probability,
            )

        words.extend(shift(w) for w in chunk.transcript.words)
        for segment in chunk.transcript.segments:
            segments.append(
                Segment(
                    segment.text,
                    round(segment.start_s + offset_s, 3),
                    round(segment.end_s + offset_s, 3),
                    tuple(shift(w) for w in segment.words),
                )
            )
    return Transcript(
        words=tuple(words),
        segments=tuple(segments),
        language=language,
        engine=transcriber.name,
        model=transcriber.model_name,
        audio_duration_s=round(duration_s, 3),
    )
