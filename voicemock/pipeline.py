"""One answer from the microphone (or a file, or text) to a stored, scored attempt.

:class:`Answer` owns one answer: the recorder writing it to a file, the transcription that runs
while it is recorded, its analysis (transcript, delivery metrics, rubric score) and saving it
into a :class:`PracticeSession`. The CLI and the TUI both hold one per answer, so the steps are
wired in one place. No UI imports; the speech engines are imported only when audio is handled,
and the transcriber is injected (a stand-in in tests that are about something else).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from voicemock.core.models import SAMPLE_RATE_HZ, DeliveryMetrics, ScoreReport, Transcript
from voicemock.core.pending import PENDING_DIR_NAME, new_pending_path, recover_command
from voicemock.errors import NoSpeechError, VoicemockError

if TYPE_CHECKING:
    from voicemock.config import Settings
    from voicemock.core.followups import Followup, FollowupPhraser
    from voicemock.core.prosody import ProsodyReport
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptContent, AttemptRecord, SessionStore
    from voicemock.speech.live import LiveTranscription
    from voicemock.speech.live_pitch import LivePitch
    from voicemock.speech.recorder import Recorder as MicrophoneRecorder
    from voicemock.speech.transcribe import Transcriber

__all__ = [
    "PENDING_DIR_NAME",
    "AnalysedAnswer",
    "Answer",
    "FollowupRound",
    "PracticeSession",
    "analyse_audio",
    "check_transcriber",
    "edit_transcript",
    "load_transcriber",
    "measure_and_score",
    "recover_command",
    "revert_transcript",
    "warm_up",
]

Progress = Callable[[str, float], None]
# A recorder's tap: every block of 16 kHz int16 samples as it is written, then None at the end.
AudioTap = Callable[[Any], None]
TranscriberLoader = Callable[["Settings"], "Transcriber"]

STAGE_LOADING = "loading model"
STAGE_TRANSCRIBING = "transcribing"
STAGE_SCORING = "scoring"

_TRANSCRIBER_LOCK = threading.Lock()
# A take this short in which nothing was heard is a false start: it is not kept.
SHORT_TAKE_S = 5.0


class RecordingResult(Protocol):
    """What a finished recording gives back."""

    @property
    def path(self) -> Path: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def stopped_by(self) -> str: ...


class Recorder(Protocol):
    """Records an answer to a file (the real one is ``voicemock.speech.recorder.Recorder``)."""

    def start(self) -> object:
        """Open the microphone and start writing audio."""
        ...

    def stop(self) -> RecordingResult:
        """Stop (if still running) and return the finished recording."""
        ...

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        """Block until the recording ends (stopped or by itself); None on timeout."""
        ...

    @property
    def is_recording(self) -> bool: ...

    @property
    def level(self) -> tuple[float, float]: ...

    @property
    def elapsed_s(self) -> float: ...

    @property
    def error(self) -> BaseException | None: ...


RecorderType = TypeVar("RecorderType", bound=Recorder)
# (file to write, settings, tap for the live transcription) -> a recorder, not yet started.
RecorderFactory = Callable[[Path, "Settings", AudioTap], RecorderType]


@dataclass(frozen=True)
class AnalysedAnswer:
    """What one answer turned into: its transcript, delivery metrics and rubric score."""

    transcript: Transcript
    metrics: DeliveryMetrics
    score: ScoreReport | None  # None when there is no question to score against
    prosody: ProsodyReport | None = None  # how it sounded (pitch, volume, pace), from audio


def _report(progress: Progress | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, max(0.0, min(1.0, fraction)))


def load_transcriber(settings: Settings) -> Transcriber:
    """The transcriber for the settings' engine and model, loaded (kept for the process)."""
    from voicemock.speech.transcribe import get_transcriber

    # One load at a time: the model warms up while the user may already be answering.
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
    from voicemock.memory import configure_malloc

    # Where the process did not start from the voicemock command (the app in tests).
    configure_malloc()
    load_transcriber(settings)
    if settings.use_embeddings:
        from voicemock.core.conduct_reading import get_conduct_reader
        from voicemock.core.embeddings import get_embedder

        if get_embedder() is not None:  # the classifier is only used beside the embedder
            get_conduct_reader()
    _warm_up_pitch_tracker()
    from voicemock.memory import release_free_memory

    # What loading freed (the weights' conversion, the libraries' set-up) goes back now,
    # before the answer's transcription adds its own buffers to the resident set.
    release_free_memory()


def _warm_up_pitch_tracker() -> None:
    """Load the pitch tracker and run it once (its first run costs a few tenths of a second)."""
    import numpy as np

    from voicemock.core.models import SAMPLE_RATE_HZ

    try:
        from voicemock.core.prosody import track_pitch

        tone = np.sin(np.arange(SAMPLE_RATE_HZ // 2) * (2 * np.pi * 150 / SAMPLE_RATE_HZ))
        track_pitch(0.1 * tone, SAMPLE_RATE_HZ)
    except ImportError:
        pass  # without praat-parselmouth the answer is analysed without its pitch


def prepare_scoring(question: LoadedQuestion, settings: Settings) -> None:
    """Embed what ``question``'s answers are compared with now (kept), so scoring one is quick.

    The first answer to a question otherwise waits for its exemplar sentences to be embedded
    (seconds on two cores). A no-op when embeddings are off.
    """
    if not settings.use_embeddings:
        return
    from voicemock.core.scoring import score_answer

    score_answer(
        Transcript.from_text(question.question.text),
        question.question,
        rubric_version=question.rubric_version,
        use_embeddings=True,
    )


def _prepare_quietly(question: LoadedQuestion, settings: Settings) -> None:
    """prepare_scoring in the background; a failure shows when the answer is scored."""
    with contextlib.suppress(Exception):
        prepare_scoring(question, settings)


def microphone_recorder(
    out_path: Path, settings: Settings, on_audio: AudioTap
) -> MicrophoneRecorder:
    """The microphone recorder for one answer, per the settings."""
    from voicemock.speech.recorder import Recorder as MicrophoneRecorder

    return MicrophoneRecorder(
        out_path,
        device=settings.input_device,
        max_duration_s=settings.max_answer_s,
        silence_stop_s=settings.silence_stop_s,
        on_audio=on_audio,
    )


def measure_and_score(
    transcript: Transcript,
    question: LoadedQuestion | None,
    settings: Settings,
    question_end_s: float | None = None,
    progress: Progress | None = None,
    prosody: ProsodyReport | None = None,
    earlier: Sequence[Transcript] = (),
) -> AnalysedAnswer:
    """Delivery metrics (with the question's target length) and, given a question, its score.

    ``prosody`` (``voicemock.core.prosody.sounded``) adds pitch, volume and pace over time.
    ``earlier`` are the transcripts of the question's earlier turns when this is a follow-up
    answer: its delivery is its own (against a follow-up's target length), its score the
    question's on every turn so far (``voicemock.core.turns.score_turns``).

    An answer longer than ``voicemock.core.limits.MAX_ANSWER_WORDS`` is refused
    (AnswerTooLongError) before any work: scoring grows with every sentence.
    """
    from voicemock.core.limits import check_word_count
    from voicemock.core.metrics import TARGET_LENGTH_S, compute_metrics

    check_word_count(len(transcript.words))
    from voicemock.core.turns import FOLLOWUP_TARGET_S, score_turns

    _report(progress, STAGE_SCORING, 0.0)
    target = question.question.target_length_s if question is not None else None
    target_s = (target.min, target.max) if target is not None else TARGET_LENGTH_S
    metrics = compute_metrics(
        transcript,
        question_end_s=question_end_s,
        long_pause_s=settings.long_pause_s,
        target_length_s=FOLLOWUP_TARGET_S if earlier else target_s,
        prosody=prosody,
    )
    score: ScoreReport | None = None
    if question is not None:
        score = score_turns(
            [*earlier, transcript],
            question.question,
            rubric_version=question.rubric_version,
            use_embeddings=settings.use_embeddings,
        )
    _report(progress, STAGE_SCORING, 1.0)
    return AnalysedAnswer(transcript=transcript, metrics=metrics, score=score, prosody=prosody)


class PracticeSession:
    """The store session a practice's answers go into, created when the first one is saved.

    So leaving before answering (or quitting right after ``voicemock practice``) leaves no
    empty session in the history. Answers may be saved from several threads.
    """

    def __init__(self, title: str, kind: Literal["single", "mock"] = "single") -> None:
        self.title = title[:120]
        self.kind: Literal["single", "mock"] = kind
        self._session_id: int | None = None
        self._lock = threading.Lock()

    @property
    def session_id(self) -> int | None:
        """The store session's id, or None while no answer has been saved."""
        return self._session_id

    def save(
        self,
        store: SessionStore,
        answer: Answer,
        *,
        move_audio: bool = True,
        notes: str = "",
    ) -> AttemptRecord:
        """Store ``answer`` in this session (created now if it is the first answer).

        A session created for an answer that then fails to save is removed again.
        """
        with self._lock:
            created = self._session_id is None
            if self._session_id is None:
                self._session_id = store.create_session(title=self.title, kind=self.kind).id
            session_id = self._session_id
            try:
                return answer.save_into(store, session_id, move_audio=move_audio, notes=notes)
            except BaseException:
                if created:
                    from voicemock.errors import VoicemockError

                    with contextlib.suppress(VoicemockError):
                        store.delete_session(session_id)  # no empty session left behind
                    self._session_id = None
                raise

    def finish(self, store: SessionStore) -> None:
        """Mark the session finished, if it holds an answer."""
        if self._session_id is not None:
            store.finish_session(self._session_id)


class Answer:
    """One answer: recorded into ``audio_path`` and transcribed meanwhile, analysed, saved.

    Made for a recording to come (``audio_path`` defaults to a new pending file) or for a file
    that exists (then :meth:`analyse` at once). ``load_transcriber`` gives the loaded transcriber
    (the real Whisper engine of the settings by default); ``question_end_s`` is when the question
    ended on the recording's clock (None: unknown), for the time to the first word.

    A follow-up answer (made by :meth:`FollowupRound.followup_answer`) has its ``followup``
    (what was asked and why), the ``main`` answer it follows and its ``turn`` (1, 2, ...); it
    is scored with the earlier turns and stored under the main answer's attempt.
    """

    def __init__(
        self,
        question: LoadedQuestion | None,
        settings: Settings,
        *,
        audio_path: Path | None = None,
        load_transcriber: TranscriberLoader = load_transcriber,
        question_end_s: float | None = None,
        followup: Followup | None = None,
        main: Answer | None = None,
        earlier: Sequence[Transcript] = (),
        turn: int = 0,
    ) -> None:
        """Raises OSError when no ``audio_path`` is given and the pending folder is unusable."""
        self.question = question
        self.settings = settings
        self.followup = followup
        self.main = main
        self.earlier = tuple(earlier)
        self.turn = turn
        question_id = question.question.id if question is not None else ""
        self.audio_path = (
            Path(audio_path) if audio_path is not None else new_pending_path(question_id)
        )
        # A take recorded into the pending folder by this answer (not a file the user gave).
        self._own_take = audio_path is None
        self.question_end_s = question_end_s
        self._load_transcriber = load_transcriber
        self._live: LiveTranscription | None = None
        self._pitch: LivePitch | None = None
        self._lock = threading.Lock()
        self.recorder: Recorder | None = None
        self.recording: RecordingResult | None = None
        self.analysed: AnalysedAnswer | None = None
        self.attempt: AttemptRecord | None = None
        self._duration_s: float | None = None

    # -- recording ------------------------------------------------------------------------------

    def listen(self) -> AudioTap:
        """Start transcribing the audio as it comes; returns the tap to feed it to."""
        from voicemock.speech.live import LiveTranscription

        with self._lock:
            if self._live is None:
                self._live = LiveTranscription(
                    lambda: self._load_transcriber(self.settings),
                    on_text=self._prepare_sentences,
                )
            return self._live.feed

    def _prepare_sentences(self, heard: str) -> None:
        """While the user speaks: embed what is already heard, for a quicker score at the end."""
        if self.question is not None and self.settings.use_embeddings:
            from voicemock.core.scoring import prepare_sentences

            prepare_sentences(heard)

    def listen_for_pitch(self) -> AudioTap:
        """Start tracking the pitch of the audio as it comes; returns the tap to feed it to."""
        from voicemock.speech.live_pitch import LivePitch

        with self._lock:
            if self._pitch is None:
                self._pitch = LivePitch()
            return self._pitch.feed

    def _audio_tap(self) -> AudioTap:
        """One tap feeding both the live transcription and the live pitch tracking."""
        feeds = (self.listen(), self.listen_for_pitch())

        def tap(block: Any) -> None:
            for feed in feeds:
                feed(block)

        return tap

    def make_recorder(self, factory: RecorderFactory[RecorderType]) -> RecorderType:
        """The recorder of this answer made by ``factory`` (e.g. :func:`microphone_recorder`).

        What it records is transcribed and its pitch tracked as it comes, and the question's
        scoring is prepared meanwhile, so little is left to do when the answer ends.
        """
        recorder = factory(self.audio_path, self.settings, self._audio_tap())
        self.recorder = recorder
        if self.question is not None and self.settings.use_embeddings:
            threading.Thread(
                target=_prepare_quietly,
                args=(self.question, self.settings),
                name="voicemock-prepare-scoring",
                daemon=True,
            ).start()
        return recorder

    def stop(self) -> RecordingResult | None:
        """Stop the recorder (if there is one); returns the finished recording."""
        if self.recorder is not None:
            self.recording = self.recorder.stop()
        return self.recording

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        """Wait until the recording ends (by a stop or by itself); None on timeout."""
        result = self.recorder.wait(timeout) if self.recorder is not None else None
        if result is not None:
            self.recording = result
        return result

    @property
    def duration_s(self) -> float:
        """The answer's length: as set, or the recording's, or the transcribed audio's."""
        if self._duration_s is not None:
            return self._duration_s
        if self.recording is not None:
            return float(self.recording.duration_s)
        if self.analysed is not None:
            return float(self.analysed.transcript.audio_duration_s)
        return 0.0

    @duration_s.setter
    def duration_s(self, value: float) -> None:
        self._duration_s = float(value)

    # -- analysis and saving --------------------------------------------------------------------

    def analyse(self, progress: Progress | None = None) -> AnalysedAnswer:
        """Transcribe the recorded answer offline, measure its delivery and score it.

        ``progress(stage, fraction)`` is called with the stages "loading model",
        "transcribing" and "scoring". What was transcribed while recording is reused; only
        the rest is transcribed now. Raises a VoicemockError subclass for unreadable audio or a
        missing model.
        """
        from voicemock.speech.audio_io import load_audio
        from voicemock.speech.silence import drop_unheard_words, with_silences

        with self._lock:
            live, self._live = self._live, None
            pitch, self._pitch = self._pitch, None
        try:
            # The audio first: a silent or broken file fails at once, before a model is loaded.
            samples = load_audio(self.audio_path)
        except NoSpeechError as error:
            # Let the background threads end: a native library cut off at exit aborts.
            if live is not None:
                live.close(wait=True)
            if pitch is not None:
                pitch.close(wait=True)
            raise self._no_speech(str(error)) from error
        except BaseException:
            if live is not None:
                live.close(wait=False)
            if pitch is not None:
                pitch.close(wait=False)
            raise
        _report(progress, STAGE_LOADING, 0.0)
        transcriber = self._load_transcriber(self.settings)
        _report(progress, STAGE_LOADING, 1.0)
        _report(progress, STAGE_TRANSCRIBING, 0.0)

        def transcribing(fraction: float) -> None:
            _report(progress, STAGE_TRANSCRIBING, fraction)

        try:
            if live is not None:
                transcript = live.finish(samples, progress=transcribing)
            else:
                transcript = transcriber.transcribe(samples, progress=transcribing)
        except BaseException:
            if pitch is not None:
                pitch.close(wait=True)  # a native library cut off at exit aborts
            raise
        # Whisper invents words on silence ("Thank you."): only words the audio holds stay.
        # It also stretches words over silences, so pauses are measured on the audio itself.
        transcript = with_silences(drop_unheard_words(transcript, samples), samples)
        _report(progress, STAGE_TRANSCRIBING, 1.0)
        if not transcript.words and len(samples) < SHORT_TAKE_S * SAMPLE_RATE_HZ:
            raise self._no_speech(f"{self.audio_path}: no words were heard in this short take")
        from voicemock.core.prosody import sounded

        # Tracked while recording: only the last few seconds are left (None: no tracker).
        pitch_track = None
        if pitch is not None and transcript.timed and transcript.words:
            pitch_track = pitch.finish(samples)
        elif pitch is not None:
            pitch.close(wait=False)

        self.analysed = measure_and_score(
            transcript,
            self.question,
            self.settings,
            self.question_end_s,
            progress,
            prosody=sounded(samples, transcript, pitch_track=pitch_track),
            earlier=self.earlier,
        )
        return self.analysed

    def _no_speech(self, why: str) -> NoSpeechError:
        """The error for a take without speech; a take of this answer's own is deleted."""
        if not self._own_take:
            return NoSpeechError(why)
        with contextlib.suppress(OSError):
            self.audio_path.unlink(missing_ok=True)
        return NoSpeechError(f"{why.removeprefix(f'{self.audio_path}: ')}; nothing was kept")

    def content(self, notes: str = "") -> AttemptContent:
        """What the store keeps of the analysed answer (besides its audio)."""
        from voicemock.core.store import AttemptContent

        analysed = self.analysed
        if analysed is None:
            raise RuntimeError("the answer has not been analysed yet")
        question = self.question
        transcript = analysed.transcript
        parent_id: int | None = None
        if self.main is not None:
            if self.main.attempt is None:
                raise RuntimeError("a follow-up answer is saved after its main answer")
            parent_id = self.main.attempt.id
        asked = self.followup.text if self.followup is not None else None
        return AttemptContent(
            question_id=question.question.id if question is not None else "",
            question_text=asked or (question.question.text if question is not None else ""),
            rubric_version=question.rubric_version if question is not None else "",
            transcript=transcript,
            metrics=analysed.metrics,
            score=analysed.score,
            engine=transcript.engine,
            model=transcript.model,
            duration_s=self.duration_s,
            notes=notes,
            parent_id=parent_id,
            turn=self.turn if parent_id is not None else 0,
            followup_reason=_stored_reason(self.followup),
        )

    def save_into(
        self, store: SessionStore, session_id: int, *, move_audio: bool = True, notes: str = ""
    ) -> AttemptRecord:
        """Store the analysed answer with its audio in the session ``session_id``.

        The audio moves into the store (``move_audio=False`` copies it: a file the user owns).
        Most callers save through :meth:`PracticeSession.save` instead.
        """
        self.attempt = store.save_attempt(
            int(session_id),
            self.content(notes),
            audio_source=self.audio_path,
            move_audio=move_audio,
        )
        return self.attempt

    # -- the end --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop transcribing in the background (the answer will not be analysed)."""
        with self._lock:
            live, self._live = self._live, None
            pitch, self._pitch = self._pitch, None
        if live is not None:
            live.close(wait=False)
        if pitch is not None:
            pitch.close(wait=False)

    def discard(self) -> None:
        """Stop recording and transcribing and delete the audio: nothing of it is kept."""
        with contextlib.suppress(Exception):
            self.stop()
        self.close()
        with contextlib.suppress(OSError):
            self.audio_path.unlink(missing_ok=True)


class FollowupRound:
    """One question as an interviewer asks it: the main answer, then up to ``limit`` follow-ups.

    After each analysed turn :meth:`next_followup` chooses what to ask next from everything
    said so far (``voicemock.core.followups.choose_followups`` on the turns scored together),
    worded by the ``phraser`` when one is given (its ``None`` keeps the offline text);
    :meth:`followup_answer` makes the answer to it, stored under the main answer's attempt.
    """

    def __init__(
        self,
        main: Answer,
        limit: int,
        *,
        phraser: FollowupPhraser | None = None,
        load_transcriber: TranscriberLoader = load_transcriber,
    ) -> None:
        from voicemock.core.followups import MAX_FOLLOWUPS

        self.main = main
        self.limit = max(0, min(MAX_FOLLOWUPS, int(limit)))
        self.phraser = phraser
        self._load_transcriber = load_transcriber
        self.asked: list[Followup] = []
        self.answers: list[Answer] = []  # the follow-up answers, in the order asked

    @property
    def turns(self) -> list[Answer]:
        """The main answer, then every follow-up answer that was analysed."""
        return [self.main, *(a for a in self.answers if a.analysed is not None)]

    @property
    def analysed(self) -> AnalysedAnswer | None:
        """The latest analysed turn: its score is the question's on every turn so far."""
        done = [a.analysed for a in self.turns if a.analysed is not None]
        return done[-1] if done else None

    def transcripts(self) -> list[Transcript]:
        """The analysed turns' transcripts, main answer first."""
        return [a.analysed.transcript for a in self.turns if a.analysed is not None]

    def next_followup(self) -> Followup | None:
        """What the interviewer asks next, or None (limit reached, or nothing left to ask)."""
        from voicemock.core.followups import choose_followups, phrase_followup
        from voicemock.core.turns import join_turns

        question = self.main.question
        analysed = self.analysed
        if len(self.asked) >= self.limit or question is None or analysed is None:
            return None
        if analysed.score is None:
            return None
        said = join_turns(self.transcripts()).text
        chosen = choose_followups(question.question, analysed.score, said, 1, asked=self.asked)
        if not chosen:
            return None
        return phrase_followup(chosen[0], self.phraser, question.question.text, said)

    def followup_answer(
        self,
        followup: Followup,
        *,
        audio_path: Path | None = None,
        question_end_s: float | None = None,
    ) -> Answer:
        """The answer to ``followup`` (asked now): record or analyse it like any answer.

        Raises OSError when no ``audio_path`` is given and the pending folder is unusable.
        """
        answer = Answer(
            self.main.question,
            self.main.settings,
            audio_path=audio_path,
            load_transcriber=self._load_transcriber,
            question_end_s=question_end_s,
            followup=followup,
            main=self.main,
            earlier=self.transcripts(),
            turn=len(self.turns),
        )
        if not self.asked or self.asked[-1] is not followup:  # not a second take of it
            self.asked.append(followup)
        self.answers.append(answer)
        return answer


def _stored_reason(followup: Followup | None) -> str:
    """Why a follow-up was asked, as stored; one worded by the user's model says so."""
    if followup is None:
        return ""
    if followup.source == "model":
        return f"{followup.reason} (Worded by your language model.)"
    return followup.reason


def analyse_audio(
    audio_path: Path,
    question: LoadedQuestion | None,
    *,
    settings: Settings,
    question_end_s: float | None = None,
    progress: Progress | None = None,
) -> AnalysedAnswer:
    """Transcribe a recorded answer file offline, measure its delivery and score it."""
    answer = Answer(question, settings, audio_path=audio_path, question_end_s=question_end_s)
    return answer.analyse(progress)


# -- a corrected transcript ---------------------------------------------------------------------


class TranscriptEditError(VoicemockError):
    """An edited transcript cannot be used (empty, too long) or there is nothing to revert."""


def edit_transcript(
    store: SessionStore,
    attempt_id: int,
    text: str,
    question: LoadedQuestion | None,
    settings: Settings,
) -> AttemptRecord:
    """Replace a stored attempt's transcript with the user's ``text`` and score it again.

    The words are aligned with what the engine heard (``core.transcript_edit``): unchanged
    words keep their timing, new and changed ones are marked edited. The engine's transcript
    is kept (``original_transcript``) for :func:`revert_transcript`; text equal to it reverts.
    Delivery is measured again (with the recording's sound, when it is there) and the answer
    re-scored against ``question`` (a follow-up turn keeps the score of its question).
    """
    from voicemock.core.limits import check_word_count
    from voicemock.core.transcript_edit import apply_edit, same_words

    attempt = store.get_attempt(attempt_id)
    original = attempt.original_transcript or attempt.transcript
    words = text.split()
    if not words:
        raise TranscriptEditError("the edited transcript is empty: nothing was changed")
    check_word_count(len(words))
    if same_words(original, text):
        if attempt.original_transcript is None:
            return attempt  # nothing changed
        return _rescore(store, attempt, original, question, settings, original=None)
    edited = apply_edit(original, " ".join(words))
    return _rescore(store, attempt, edited, question, settings, original=original)


def revert_transcript(
    store: SessionStore, attempt_id: int, question: LoadedQuestion | None, settings: Settings
) -> AttemptRecord:
    """Put back the transcript the engine heard and score the attempt on it again."""
    attempt = store.get_attempt(attempt_id)
    if attempt.original_transcript is None:
        raise TranscriptEditError(f"attempt {attempt_id}'s transcript was never edited")
    return _rescore(store, attempt, attempt.original_transcript, question, settings, original=None)


def _rescore(
    store: SessionStore,
    attempt: AttemptRecord,
    transcript: Transcript,
    question: LoadedQuestion | None,
    settings: Settings,
    *,
    original: Transcript | None,
) -> AttemptRecord:
    """Measure and score ``transcript`` as ``attempt``'s and store it (with ``original``)."""
    prosody = None
    if transcript.timed and attempt.audio_path is not None and attempt.audio_status == "ok":
        from voicemock.core.prosody import sounded
        from voicemock.speech.audio_io import load_audio

        with contextlib.suppress(VoicemockError):
            prosody = sounded(load_audio(attempt.audio_path), transcript)
    question_end_s = None
    latency = attempt.metrics.value("response_latency_s")
    engine_words = (attempt.original_transcript or attempt.transcript).words
    if latency is not None and engine_words:
        question_end_s = engine_words[0].start_s - latency
    if question is not None and question.question.id != attempt.question_id:
        question = None
    analysed = measure_and_score(transcript, question, settings, question_end_s, prosody=prosody)
    score = analysed.score
    if attempt.is_followup or question is None:
        score = attempt.score  # a follow-up's score is its question's, over every turn
    return store.set_analysis(attempt.id, transcript, analysed.metrics, score, original=original)
