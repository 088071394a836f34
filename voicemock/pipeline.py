"""One answer from audio (or text) to a stored, scored attempt: transcribe, measure, score, save.

The CLI and the TUI both go through here, so the steps are wired in one place. No UI imports;
the speech engines are imported only when audio is analysed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from voicemock import paths
from voicemock.config import Settings
from voicemock.core.models import DeliveryMetrics, ScoreReport, Transcript

if TYPE_CHECKING:
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord, SessionStore
    from voicemock.speech.live import LiveTranscription
    from voicemock.speech.recorder import Recorder
    from voicemock.speech.transcribe import Transcriber

Progress = Callable[[str, float], None]

STAGE_LOADING = "loading model"
STAGE_TRANSCRIBING = "transcribing"
STAGE_SCORING = "scoring"
PENDING_DIR_NAME = "pending"  # recordings not yet saved as attempts live here, never in /tmp

_TRANSCRIBER_LOCK = threading.Lock()
# Answers being transcribed while they are recorded, by recording path (see live_transcription).
_LIVE: dict[Path, LiveTranscription] = {}
_LIVE_LOCK = threading.Lock()
_LIVE_KEPT = 3  # older ones belong to answers that were discarded


@dataclass(frozen=True)
class AnalysedAnswer:
    """What one answer turned into: its transcript, delivery metrics and rubric score."""

    transcript: Transcript
    metrics: DeliveryMetrics
    score: ScoreReport | None  # None when there is no question to score against


def _report(progress: Progress | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, max(0.0, min(1.0, fraction)))


def load_transcriber(settings: Settings) -> Transcriber:
    """The transcriber for the settings' engine and model, loaded (kept for the process)."""
    from voicemock.speech.transcribe import get_transcriber

    # One load at a time: the TUI warms up the model while the user may already be answering.
    with _TRANSCRIBER_LOCK:
        transcriber = get_transcriber(engine=settings.engine, model=settings.model)
        transcriber.load()
    return transcriber


def check_transcriber(settings: Settings) -> None:
    """Fail now if the settings' engine or model cannot be loaded (cheap: loads nothing)."""
    from voicemock.speech.transcribe import check_available

    check_available(settings.engine, settings.model)


def warm_up(settings: Settings) -> None:
    """Import and load everything an analysis needs (model, embedder, store), e.g. in a thread.

    Run during the question and the answer, so nothing is left to load when the answer ends
    (and a Ctrl+C then never lands in the middle of loading a native library).
    """
    import voicemock.core.scoring
    import voicemock.core.store
    import voicemock.speech.audio_io
    import voicemock.speech.silence  # noqa: F401

    load_transcriber(settings)
    if settings.use_embeddings:
        warm_up_embedder()


def warm_up_embedder() -> None:
    """Load the sentence-embedding model now so the first scoring is quick (no-op if absent)."""
    from voicemock.core.embeddings import get_embedder

    get_embedder()


def live_transcription(audio_path: Path, settings: Settings) -> Callable[[object], None]:
    """Start transcribing the answer being recorded to ``audio_path`` while it is recorded.

    Returns the recorder's ``on_audio`` tap. :func:`analyse_audio` of the same path then only
    transcribes what is left once the answer ends (and the whole file if the two differ).
    """
    from voicemock.speech.live import LiveTranscription

    live = LiveTranscription(lambda: load_transcriber(settings))
    with _LIVE_LOCK:
        _LIVE[Path(audio_path)] = live
        while len(_LIVE) > _LIVE_KEPT:
            _LIVE.pop(next(iter(_LIVE))).close(wait=False)
    return live.feed


def answer_recorder(out_path: Path, settings: Settings) -> Recorder:
    """The microphone recorder for one answer, per the settings, transcribing as it records."""
    from voicemock.speech.recorder import Recorder

    return Recorder(
        out_path,
        device=settings.input_device,
        max_duration_s=settings.max_answer_s,
        silence_stop_s=settings.silence_stop_s,
        on_audio=live_transcription(out_path, settings),
    )


def _take_live(audio_path: Path) -> LiveTranscription | None:
    with _LIVE_LOCK:
        return _LIVE.pop(Path(audio_path), None)


def measure_and_score(
    transcript: Transcript,
    question: LoadedQuestion | None,
    settings: Settings,
    question_end_s: float | None = None,
    progress: Progress | None = None,
) -> AnalysedAnswer:
    """Delivery metrics (with the question's target length) and, given a question, its score."""
    from voicemock.core.metrics import TARGET_LENGTH_S, compute_metrics

    _report(progress, STAGE_SCORING, 0.0)
    target = question.question.target_length_s if question is not None else None
    metrics = compute_metrics(
        transcript,
        question_end_s=question_end_s,
        long_pause_s=settings.long_pause_s,
        target_length_s=(target.min, target.max) if target is not None else TARGET_LENGTH_S,
    )
    score: ScoreReport | None = None
    if question is not None:
        from voicemock.core.scoring import score_answer

        score = score_answer(
            transcript,
            question.question,
            rubric_version=question.rubric_version,
            use_embeddings=settings.use_embeddings,
        )
    _report(progress, STAGE_SCORING, 1.0)
    return AnalysedAnswer(transcript=transcript, metrics=metrics, score=score)


def analyse_audio(
    audio_path: Path,
    question: LoadedQuestion | None,
    *,
    settings: Settings,
    question_end_s: float | None = None,
    progress: Progress | None = None,
) -> AnalysedAnswer:
    """Transcribe a recorded answer offline, measure its delivery and score it.

    ``progress(stage, fraction)`` is called with the stages "loading model", "transcribing"
    and "scoring". Raises a VoicemockError subclass for unreadable audio or a missing model.
    An answer recorded with :func:`live_transcription` reuses what was transcribed meanwhile.
    """
    from voicemock.speech.audio_io import load_audio
    from voicemock.speech.silence import with_silences

    live = _take_live(Path(audio_path))
    try:
        # The audio first: a silent or broken file fails at once, before a model is loaded.
        samples = load_audio(Path(audio_path))
    except BaseException:
        if live is not None:
            live.close(wait=False)
        raise
    _report(progress, STAGE_LOADING, 0.0)
    transcriber = load_transcriber(settings)
    _report(progress, STAGE_LOADING, 1.0)
    _report(progress, STAGE_TRANSCRIBING, 0.0)

    def transcribing(fraction: float) -> None:
        _report(progress, STAGE_TRANSCRIBING, fraction)

    if live is not None:
        transcript = live.finish(samples, progress=transcribing)
    else:
        transcript = transcriber.transcribe(samples, progress=transcribing)
    # Whisper stretches words over silences, so pauses are also measured on the audio itself.
    transcript = with_silences(transcript, samples)
    _report(progress, STAGE_TRANSCRIBING, 1.0)
    return measure_and_score(transcript, question, settings, question_end_s, progress)


def save_attempt(
    store: SessionStore,
    session_id: int,
    question: LoadedQuestion | None,
    audio_path: Path | None,
    analysed: AnalysedAnswer,
    duration_s: float,
    *,
    move_audio: bool = True,
    notes: str = "",
) -> AttemptRecord:
    """Store an analysed answer with its audio (moved into the store unless ``move_audio``).

    Pass ``move_audio=False`` for a file the user owns (it is copied instead).
    """
    if question is not None:
        question_id = question.question.id
        question_text = question.question.text
        rubric_version = question.rubric_version
    else:
        question_id, question_text, rubric_version = "", "", ""
    transcript = analysed.transcript
    return store.add_attempt(
        int(session_id),
        question_id=question_id,
        question_text=question_text,
        rubric_version=rubric_version,
        audio_source=audio_path,
        transcript=transcript,
        metrics=analysed.metrics,
        score=analysed.score,
        engine=transcript.engine,
        model=transcript.model,
        duration_s=duration_s,
        move_audio=move_audio,
        notes=notes,
    )


def pending_recording_path(question_id: str = "answer") -> Path:
    """A new file name for a recording not yet saved (kept in the data dir, so never lost)."""
    folder = paths.recordings_dir() / PENDING_DIR_NAME
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return folder / f"{stamp}-{question_id or 'answer'}.wav"


def recover_command(path: Path) -> str:
    """The command that scores and saves a recording kept after a failed or interrupted turn."""
    import shlex

    return f"voicemock sessions recover {shlex.quote(str(path))}"
