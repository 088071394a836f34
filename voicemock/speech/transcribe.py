"""Offline speech-to-text with word timings: faster-whisper (default) or openai-whisper."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from voicemock.core.models import SAMPLE_RATE_HZ, Segment, Transcript, Word
from voicemock.defaults import (
    DEFAULT_ENGINE,
    DEFAULT_MODEL,
    ENGINES,
    FASTER_WHISPER,
    OPENAI_WHISPER,
)
from voicemock.errors import AudioFileError, EngineNotAvailableError
from voicemock.memory import release_free_memory
from voicemock.speech.whisper_models import ResolvedModel, ensure_offline

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float32]

ensure_offline()


# Whisper writes what the speaker meant and drops "um"/"uh" unless the prompt spells them out;
# a long prompt makes it drop or loop text, so this stays short.
INITIAL_PROMPT = "Um, uh, so, uh, I mean, like, you know, um, I was, uh, thinking... Hmm."
LANGUAGE = "en"
BEAM_SIZE = 5
# Decoding options both engines get, so that the same weights give the same words.
_DECODE_OPTIONS: dict[str, Any] = {
    "language": LANGUAGE,
    "task": "transcribe",
    "beam_size": BEAM_SIZE,
    "condition_on_previous_text": False,
    "word_timestamps": True,
    "initial_prompt": INITIAL_PROMPT,
}

# Whisper decodes 30 s at a time. When a window's last word ends before its audio does (a chunk
# ending in a pause, an answer stopped mid-word), faster-whisper decodes the rest in a window of
# its own: a whole encoder pass (~0.5 s on two cores) that finds nothing, or words on silence
# that drop_unheard_words removes later. So once the segments reach the end of the voice, the
# rest is not decoded. Whisper ends a word up to ~0.15 s before its sound fades, so a segment
# ending this close to the end of the voice reaches it.
SILENT_REST_S = 0.2

FASTER_INSTALL_HINT = "faster-whisper is not installed: pip install faster-whisper"
OPENAI_INSTALL_HINT = (
    "the openai-whisper engine is not installed: pip install torch==2.13.0 openai-whisper "
    "(CPU build of torch first), or use --engine faster-whisper"
)

ProgressCallback = Callable[[float], None]
RawWord = tuple[str, float, float, float]  # text, start_s, end_s, probability
RawSegment = tuple[str, float, float, list[RawWord]]  # text, start_s, end_s, words


@runtime_checkable
class Transcriber(Protocol):
    """A speech-to-text engine with a model; loads lazily, transcribes 16 kHz mono audio."""

    @property
    def name(self) -> str:
        """The engine name, e.g. "faster-whisper"."""
        ...

    @property
    def model_name(self) -> str:
        """The model name, e.g. "tiny.en"."""
        ...

    def load(self) -> None:
        """Load the model now (otherwise the first transcribe does it)."""
        ...

    def transcribe(
        self, audio: Path | FloatArray, *, progress: ProgressCallback | None = None
    ) -> Transcript:
        """Transcribe a file or float32 16 kHz mono samples; ``progress`` gets 0..1."""
        ...


def _samples_of(audio: Path | str | FloatArray) -> FloatArray:
    """Decoded 16 kHz mono samples of a file, or checked samples given directly."""
    import numpy as np

    from voicemock.speech.audio_io import check_samples, load_audio

    if isinstance(audio, str | Path):
        return load_audio(audio)
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim != 1:
        raise AudioFileError(
            f"the recording has shape {samples.shape}; expected 16 kHz mono samples"
        )
    check_samples(samples, "the recording")
    return np.ascontiguousarray(samples)


def _clean_words(raw: Iterable[RawWord], duration_s: float) -> list[Word]:
    """Words with stripped text and timings clamped inside the audio."""
    words: list[Word] = []
    for text, start_s, end_s, probability in raw:
        stripped = text.strip()
        if not stripped:
            continue
        start = min(max(0.0, float(start_s)), duration_s)
        end = min(max(start, float(end_s)), duration_s)
        words.append(Word(stripped, round(start, 3), round(end, 3), float(probability)))
    return words


def _build_transcript(
    segments: list[tuple[str, list[Word]]],
    segment_times: list[tuple[float, float]],
    *,
    engine: str,
    model: str,
    duration_s: float,
) -> Transcript:
    """Assemble a Transcript, dropping the zero-length words Whisper invents at the very end."""
    all_words = [w for _, words in segments for w in words]
    keep = len(all_words)
    while keep and all_words[keep - 1].end_s - all_words[keep - 1].start_s <= 0.0:
        keep -= 1
    out_segments: list[Segment] = []
    seen = 0
    for (text, words), (start_s, end_s) in zip(segments, segment_times, strict=True):
        kept = [w for i, w in enumerate(words, start=seen) if i < keep]
        dropped = len(kept) < len(words)
        seen += len(words)
        if words and not kept:
            continue
        seg_text = " ".join(w.text for w in kept) if dropped else text.strip()
        seg_end = kept[-1].end_s if dropped else end_s
        out_segments.append(
            Segment(
                seg_text,
                round(max(0.0, start_s), 3),
                round(min(seg_end, duration_s), 3),
                tuple(kept),
            )
        )
    return Transcript(
        words=tuple(all_words[:keep]),
        segments=tuple(out_segments),
        language=LANGUAGE,
        engine=engine,
        model=model,
        audio_duration_s=round(duration_s, 3),
    )


class _LazyModel:
    """What both engines share: lazy thread-safe loading, and turning segments into a Transcript.

    An engine supplies ``_load`` (the model) and ``_decode`` (its raw segments).
    """

    engine = ""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self._requested = model
        self._resolved: ResolvedModel | None = None
        self._model: Any = None
        self._load_lock = threading.Lock()
        # One transcription at a time per model: bounded memory, and openai-whisper's
        # word-timing hooks are not re-entrant.
        self._run_lock = threading.Lock()

    @property
    def name(self) -> str:
        """The engine name."""
        return self.engine

    @property
    def model_name(self) -> str:
        """The model's name (the directory name for a model given by path)."""
        return self._resolved.name if self._resolved else self._requested

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now; later calls return at once."""
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is None:
                from voicemock.speech.whisper_models import resolve_model

                resolved = resolve_model(self._requested)
                self._model = self._load(resolved)
                self._resolved = resolved
                # Loading converts the weights (float16 on disk to int8): ~100 MB of buffers
                # freed now but held by malloc until given back.
                release_free_memory()

    def _load(self, resolved: ResolvedModel) -> Any:
        raise NotImplementedError

    def _decode(
        self, samples: FloatArray, duration_s: float, progress: ProgressCallback | None
    ) -> Iterable[RawSegment]:
        """The engine's segments of ``samples``; runs under the run lock."""
        raise NotImplementedError

    def transcribe(
        self, audio: Path | FloatArray, *, progress: ProgressCallback | None = None
    ) -> Transcript:
        """Transcribe a file or float32 16 kHz mono samples; ``progress`` gets 0..1."""
        samples = _samples_of(audio)
        self.load()
        duration_s = samples.shape[0] / SAMPLE_RATE_HZ
        segments: list[tuple[str, list[Word]]] = []
        times: list[tuple[float, float]] = []
        with self._run_lock:
            for text, start_s, end_s, raw_words in self._decode(samples, duration_s, progress):
                segments.append((text, _clean_words(raw_words, duration_s)))
                times.append((float(start_s), float(end_s)))
        # The engine's working buffers are freed now but kept by malloc: give them back before
        # the next step (scoring, the next chunk) adds its own to the resident set.
        release_free_memory()
        if progress is not None:
            progress(1.0)
        return _build_transcript(
            segments, times, engine=self.engine, model=self.model_name, duration_s=duration_s
        )


class FasterWhisperTranscriber(_LazyModel):
    """faster-whisper (CTranslate2), int8 on the CPU, with VAD and word timestamps."""

    engine = FASTER_WHISPER

    def __init__(self, model: str = DEFAULT_MODEL, *, cpu_threads: int = 0) -> None:
        super().__init__(model)
        self._cpu_threads = cpu_threads

    def _load(self, resolved: ResolvedModel) -> Any:
        ensure_offline()
        _defer_pyav()
        try:
            from faster_whisper import WhisperModel
        except ImportError as error:
            raise EngineNotAvailableError(FASTER_INSTALL_HINT) from error

        class _Model(WhisperModel):  # type: ignore[misc,valid-type]
            def encode(self, features: Any) -> Any:
                # The encoder briefly needs ~100 MB (tiny.en, a 30 s window) on top of what
                # is resident: what the VAD, the features and other threads freed since
                # goes back first, so the two do not add up.
                release_free_memory()
                return super().encode(features)

        return _Model(
            str(resolved.path),
            device="cpu",
            compute_type="int8",
            cpu_threads=self._cpu_threads,
            local_files_only=True,
        )

    def _decode(
        self, samples: FloatArray, duration_s: float, progress: ProgressCallback | None
    ) -> Iterable[RawSegment]:
        """Segments as faster-whisper yields them (progress: 0..1 by segment end).

        Decoding stops once the segments reach the end of the voice in ``samples``: what is
        left is silence (see SILENT_REST_S). Audio with no voiced frame at all is decoded to
        its end.
        """
        from voicemock.speech.silence import voice_end_s

        last_voice_s = voice_end_s(samples)
        segment_iter, _info = self._model.transcribe(samples, vad_filter=True, **_DECODE_OPTIONS)
        # The work happens while the generator is iterated.
        for segment in segment_iter:
            raw = [(w.word, w.start, w.end, w.probability) for w in segment.words or ()]
            yield segment.text, segment.start, segment.end, raw
            if progress is not None and duration_s > 0:
                progress(min(1.0, float(segment.end) / duration_s))
            if last_voice_s is not None and float(segment.end) + SILENT_REST_S >= last_voice_s:
                break


class _DeferredModule(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until an attribute of it is first read.

    Then the module is imported for real (replacing this one in ``sys.modules``) and every
    attribute read here is passed on to it.
    """

    def __getattr__(self, name: str) -> Any:
        with _DEFER_LOCK:
            module = sys.modules.get(self.__name__)
            if module is None or module is self:
                sys.modules.pop(self.__name__, None)
                try:
                    module = importlib.import_module(self.__name__)
                except BaseException:
                    sys.modules.setdefault(self.__name__, self)
                    raise
        return getattr(module, name)


_DEFER_LOCK = threading.RLock()


def _defer_pyav() -> None:
    """Let ``import av`` (faster-whisper imports it) load PyAV only when it is first used.

    faster-whisper needs PyAV only to decode files; voicemock hands it samples. PyAV's FFmpeg
    libraries otherwise add ~17 MB to every session's resident set (and ~70 ms to the load).
    """
    with _DEFER_LOCK:
        if "av" in sys.modules:
            return
        spec = importlib.util.find_spec("av")
        if spec is None:
            return  # faster-whisper's own import then says what is missing
        stand_in = _DeferredModule("av")
        stand_in.__spec__ = spec
        sys.modules["av"] = stand_in


class _ProgressBar:
    """Stands in for tqdm inside openai-whisper, turning its frame counts into 0..1 calls."""

    def __init__(
        self, callback: ProgressCallback | None, total: float = 0.0, **_kwargs: Any
    ) -> None:
        self._callback = callback
        self._total = float(total or 0.0)
        self._done = 0.0

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def update(self, n: float = 1) -> None:
        self._done += float(n)
        if self._callback is not None and self._total > 0:
            self._callback(min(1.0, self._done / self._total))


# openai-whisper reads ``tqdm.tqdm`` from its module globals; swapping it is process-wide.
_OPENAI_PATCH_LOCK = threading.Lock()
# Silence appended to what openai-whisper hears (see OpenAIWhisperTranscriber._decode).
_OPENAI_TAIL_PAD_S = 2.0


class OpenAIWhisperTranscriber(_LazyModel):
    """openai-whisper (PyTorch) on the CPU, with the same embedded weights, converted once."""

    engine = OPENAI_WHISPER

    def _load(self, resolved: ResolvedModel) -> Any:
        try:
            import torch  # noqa: F401
            import whisper
        except ImportError as error:
            raise EngineNotAvailableError(OPENAI_INSTALL_HINT) from error
        from voicemock.speech.ct2_to_openai import (
            alignment_heads,
            alignment_heads_dump,
            ensure_checkpoint,
        )

        checkpoint = ensure_checkpoint(resolved.path, resolved.name)
        model = whisper.load_model(str(checkpoint), device="cpu")
        heads = alignment_heads(resolved.path)
        if heads:
            dims = model.dims
            model.set_alignment_heads(
                alignment_heads_dump(heads, dims.n_text_layer, dims.n_text_head)
            )
        self._warm_up_word_timing()
        return model

    @staticmethod
    def _warm_up_word_timing() -> None:
        """Compile openai-whisper's numba DTW now (~2 s), not during the first transcription."""
        try:
            import torch
            from whisper.timing import dtw

            dtw(torch.zeros((2, 2), dtype=torch.float32))
        except Exception:  # a failed warm-up only moves the cost to the first call
            return

    def _decode(
        self, samples: FloatArray, duration_s: float, progress: ProgressCallback | None
    ) -> Iterable[RawSegment]:
        """Segments of openai-whisper's result (given samples, never a path: that needs ffmpeg)."""
        import numpy as np
        import torch

        module: Any = importlib.import_module("whisper.transcribe")
        # openai-whisper has no VAD: a short tail after the last word makes it retry that tail at
        # every temperature and invent words (30 s for a 3 s clip with base). Trailing silence
        # lets it see the tail as no speech, and its hallucination check drops a segment of
        # improbable words that silence surrounds; segments inside the padding are dropped below.
        pad = np.zeros(round(_OPENAI_TAIL_PAD_S * SAMPLE_RATE_HZ), dtype=np.float32)
        padded = np.concatenate([samples, pad])

        def make_bar(*_args: Any, **kwargs: Any) -> _ProgressBar:
            return _ProgressBar(progress, **kwargs)

        with _OPENAI_PATCH_LOCK:
            original = module.tqdm
            module.tqdm = SimpleNamespace(tqdm=make_bar)
            # Retries at a higher temperature sample: a fixed seed keeps one answer's words the
            # same from run to run.
            torch.manual_seed(0)
            try:
                result = module.transcribe(
                    self._model,
                    padded,
                    # False (not None) makes it drive the progress bar; it prints nothing else
                    # when the language is given.
                    verbose=False,
                    best_of=BEAM_SIZE,
                    fp16=False,
                    hallucination_silence_threshold=_OPENAI_TAIL_PAD_S,
                    **_DECODE_OPTIONS,
                )
            finally:
                module.tqdm = original
        for segment in result.get("segments", []):
            if segment["start"] >= duration_s:
                continue
            raw = [
                (w["word"], w["start"], w["end"], w.get("probability", 1.0))
                for w in segment.get("words", [])
            ]
            yield str(segment["text"]), segment["start"], segment["end"], raw


def check_available(engine: str = DEFAULT_ENGINE, model: str = DEFAULT_MODEL) -> None:
    """Raise now what loading would raise later (unknown or missing engine, model not here).

    Cheap: it finds the engine package and the model files but loads neither.
    """
    from voicemock.speech.whisper_models import resolve_model

    packages = {FASTER_WHISPER: ("faster_whisper", FASTER_INSTALL_HINT)}
    packages[OPENAI_WHISPER] = ("whisper", OPENAI_INSTALL_HINT)
    if engine not in packages:
        raise _unknown_engine(engine)
    package, hint = packages[engine]
    if importlib.util.find_spec(package) is None:
        raise EngineNotAvailableError(hint)
    resolve_model(model)


def _unknown_engine(engine: str) -> EngineNotAvailableError:
    return EngineNotAvailableError(
        f"unknown transcription engine {engine!r}: use {' or '.join(ENGINES)}"
    )


_CACHE: dict[tuple[str, str], Transcriber] = {}
_CACHE_LOCK = threading.Lock()


def get_transcriber(engine: str = DEFAULT_ENGINE, model: str = DEFAULT_MODEL) -> Transcriber:
    """The (cached, lazily loaded) transcriber for this engine and model."""
    key = (engine, model)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        transcriber: Transcriber
        if engine == FASTER_WHISPER:
            transcriber = FasterWhisperTranscriber(model)
        elif engine == OPENAI_WHISPER:
            transcriber = OpenAIWhisperTranscriber(model)
        else:
            raise _unknown_engine(engine)
        _CACHE[key] = transcriber
        return transcriber
