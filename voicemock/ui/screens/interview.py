"""Interview: speak the question, let the user think, record the answer, then analyse it.

After a main answer the interviewer may ask follow-ups (``Settings.followups``): each is shown
with its reason, spoken and recorded on a screen of its own, like the main answer, and stored
under it. A mock interview opens with a greeting, runs its questions with their follow-ups and
ends with a closing question and the interview report (``interview_report.py``).

Every blocking step (speaking, opening the microphone, waiting for it to stop, transcribing and
scoring) runs in a thread worker that posts messages; the screen itself only reacts to them and
polls the recorder's level, so keys keep working the whole time.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import get_current_worker

from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain
from voicemock.ui.messages import (
    AnalysisFailed,
    AnalysisFinished,
    AnalysisProgress,
    FollowupChosen,
    PreviousAttempt,
    QuestionSpoken,
    RecordingFailed,
    RecordingFinished,
)
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.screens.dialogs import ConfirmDialog, ErrorDialog
from voicemock.ui.widgets.level_meter import LevelMeter
from voicemock.ui.widgets.transcript_view import format_clock

if TYPE_CHECKING:
    from voicemock.core.followups import Followup
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord
    from voicemock.pipeline import Answer, FollowupRound
    from voicemock.ui.host import InterviewPlan
    from voicemock.ui.services import Recorder, RecordingResult, Speaker

Phase = Literal[
    "speaking", "thinking", "opening", "recording", "stopping", "analysing", "failed", "done"
]

RECORDING_PHASES: tuple[Phase, ...] = ("opening", "recording", "stopping")
LEVEL_POLL_S = 1 / 15  # the meter looks live at 15 frames a second
# When the question ended, on the recording's clock. The question is on screen (and spoken, and
# any thinking time is over) before the microphone opens, so the recording's first sample is
# the moment the user may start answering: the time to the first word counts from 0.
QUESTION_END_S = 0.0
MIN_ANSWER_S = 0.5  # a device failure before this much audio leaves nothing to analyse
STAGE_LABELS = {
    "loading model": "Loading the speech model",
    "transcribing": "Transcribing",
    "scoring": "Measuring delivery and scoring competencies",
    "save": "Saving the attempt",
}


# Share of the whole analysis each stage takes, to show one bar for all of them.
STAGE_SPANS = {
    "loading model": (0.0, 0.1),
    "transcribing": (0.1, 0.85),
    "scoring": (0.85, 0.98),
    "save": (0.98, 1.0),
}


def overall_fraction(stage: str, fraction: float) -> float:
    """Progress through the whole analysis, from a stage and the progress within it."""
    start, end = STAGE_SPANS.get(stage.lower(), (0.0, 1.0))
    return start + (end - start) * max(0.0, min(1.0, fraction))


def stage_label(stage: str) -> str:
    """A readable label for a pipeline stage name."""
    return STAGE_LABELS.get(stage.lower(), stage.replace("_", " ").capitalize())


def analysis_failure_text(message: AnalysisFailed) -> str:
    """The failure in words, then where the recording is kept (its long path said once)."""
    text = message.message
    path = message.audio_path
    if not path or not Path(path).exists():
        return text
    prefix = f"{path}: "
    if text.startswith(prefix):
        text = text[len(prefix) :]
        text = text[:1].upper() + text[1:]
    from voicemock.pipeline import recover_command

    return (
        f"{text}\n\nYour recording is kept. Score and save it later with:\n"
        f"{recover_command(Path(path))}"
    )


class InterviewScreen(VoicemockScreen):
    """One question of a practice session (or one follow-up of it), from prompt to analysis."""

    DEFAULT_CSS = """
    InterviewScreen #interview-opening { color: $text-muted; text-style: italic; }
    """

    # One key, three meanings: check_action enables the one that fits the phase.
    BINDINGS = [
        Binding("space,enter", "stop", "Stop", key_display="space"),
        Binding("space,enter", "answer_now", "Answer now", key_display="space"),
        Binding("space,enter", "record_again", "Record again", key_display="space"),
        Binding("r", "replay_question", "Replay question"),
        Binding("escape", "discard", "Discard"),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(
        self,
        plan: InterviewPlan,
        index: int,
        *,
        conversation: FollowupRound | None = None,
        followup: Followup | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.index = index
        self.question: LoadedQuestion = plan.questions[index]
        # A follow-up turn: the question's turns so far and what the interviewer asks now.
        self.conversation = conversation
        self.followup = followup
        self.opening = ""  # a mock interview's greeting, said before its first question
        if plan.is_mock and index == 0 and followup is None and not plan.opened:
            from voicemock.core.interview import opening_line

            self.opening = opening_line(len(plan.questions))
        self.phase: Phase = "speaking"
        self.recording: RecordingResult | None = None
        self._speaker: Speaker | None = None
        self.answer: Answer | None = None  # the answer being recorded or analysed
        self._poll: Timer | None = None
        self._countdown: Timer | None = None
        self._shown_clock = ""  # the recording clock as last drawn
        self._think_left_s = 0.0
        self._cancelled = False
        self.stop_requested_at: float | None = None  # monotonic time of the stop key, for timing
        self._previous: PreviousAttempt | None = None  # read with the answer, for its results

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        q = self.question.question
        yield Header()
        with Vertical(id="interview"):
            if self.plan.is_mock:
                where = f"Mock interview · question {self.index + 1} of {len(self.plan.questions)}"
            else:
                where = "Single question"
            if self.followup is not None:
                where += f" · follow-up {self.turn}"
            yield Static(where, id="interview-where")
            if self.opening:
                yield Static(plain(self.opening), id="interview-opening")
            yield Static(plain(self.asked_text), id="question-text")
            if self.followup is not None:
                worded = (
                    " (worded by your language model)" if self.followup.source == "model" else ""
                )
                yield Static(plain(f"Why: {self.followup.reason}{worded}"), id="question-meta")
            else:
                target = q.target_length_s
                yield Static(
                    plain(
                        f"Aim for {format_clock(target.min)}-{format_clock(target.max)} · {q.level}"
                    ),
                    id="question-meta",
                )
            with Horizontal(id="status-line"):
                yield Static("● REC", id="rec-indicator")
                yield Static("", id="status")
                yield Static("", id="timer")
            yield LevelMeter(id="level")
            yield ProgressBar(total=100, show_eta=False, id="analysis-progress")
            yield Static("", id="hint")
        yield Footer(compact=True)

    @property
    def turn(self) -> int:
        """This screen's turn of the question: 0 the main answer, 1.. a follow-up."""
        if self.followup is None or self.conversation is None:
            return 0
        return len(self.conversation.turns)

    @property
    def asked_text(self) -> str:
        """What the interviewer asks on this screen: the question, or the follow-up."""
        return self.followup.text if self.followup is not None else self.question.question.text

    def on_mount(self) -> None:
        self.plan.opened = True
        self.query_one("#rec-indicator").display = False
        self.query_one("#analysis-progress").display = False
        self.query_one("#level").display = False
        if self.vm.settings.speak_questions:
            self._set_phase("speaking")
            self.speak_question()
        else:
            self._after_question()

    def on_unmount(self) -> None:
        self._stop_everything()

    # -- phases ---------------------------------------------------------------------------------

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        status = self.query_one("#status", Static)
        hint = self.query_one("#hint", Static)
        self.query_one("#level").display = phase in ("opening", "recording")
        self.query_one("#analysis-progress").display = phase == "analysing"
        if phase != "recording":
            self.query_one("#rec-indicator").display = False
        if phase == "speaking":
            status.update("Listen to the question…")
            hint.update("space: skip to your answer · r: hear it again")
        elif phase == "thinking":
            hint.update("space: start answering now · r: hear the question again")
        elif phase == "opening":
            status.update("Opening the microphone…")
            hint.update("")
        elif phase == "recording":
            silence = self.vm.settings.silence_stop_s
            extra = f" or stay silent {silence:.0f} s" if silence else ""
            hint.update(f"space or enter: stop{extra} · esc: discard")
        elif phase == "stopping":
            status.update("Finishing the recording…")
            hint.update("")
        elif phase == "analysing":
            status.update("Transcribing and scoring your answer (offline)…")
            hint.update("This runs in the background; keys keep working.")
        elif phase == "failed":
            hint.update("space: record again · esc: back")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something in the current phase."""
        if action == "stop":
            return self.phase == "recording"
        if action == "answer_now":
            return self.phase in ("speaking", "thinking")
        if action == "record_again":
            return self.phase == "failed"
        if action == "replay_question":
            return self.phase in ("speaking", "thinking", "failed")
        if action == "discard":
            return self.phase in RECORDING_PHASES
        if action == "cancel":
            return self.phase not in RECORDING_PHASES
        return True

    def _after_question(self) -> None:
        thinking_s = self.vm.settings.thinking_time_s
        if thinking_s > 0:
            self._think_left_s = thinking_s
            self._set_phase("thinking")
            self._show_countdown()
            self._countdown = self.set_interval(1.0, self._tick_countdown)
        else:
            self.start_recording()

    def _show_countdown(self) -> None:
        self.query_one("#status", Static).update(
            f"Think about your answer: recording starts in {self._think_left_s:.0f} s"
        )

    def _tick_countdown(self) -> None:
        self._think_left_s -= 1.0
        if self._think_left_s <= 0:
            self._stop_countdown()
            self.start_recording()
        else:
            self._show_countdown()

    def _stop_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.stop()
            self._countdown = None

    # -- speaking -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="speak")
    def speak_question(self) -> None:
        """Speak the question on the output device, then post QuestionSpoken."""
        said = f"{self.opening} {self.asked_text}" if self.opening else self.asked_text
        self.speak_and_report(self._question_speaker, said)

    def _question_speaker(self) -> Speaker:
        """The speaker of this screen's questions (made the first time)."""
        if self._speaker is None:
            self._speaker = self.vm.services.make_speaker(self.vm.settings)
        return self._speaker

    def on_question_spoken(self, message: QuestionSpoken) -> None:
        if message.error:
            self.notify(
                f"{message.error}. Read the question on screen.",
                title="Could not speak the question",
                severity="warning",
                markup=False,
                timeout=10,
            )
        if self.phase == "speaking":
            self._after_question()

    def _stop_speaking(self) -> None:
        speaker = self._speaker
        if speaker is not None:
            with contextlib.suppress(Exception):
                speaker.stop()

    def action_replay_question(self) -> None:
        """Hear the question again (before recording starts)."""
        if self.phase not in ("speaking", "thinking", "failed"):
            return
        self._stop_speaking()
        if self.phase == "thinking":
            # Hearing it again should not eat the thinking time.
            self._stop_countdown()
            self._set_phase("speaking")
        elif self.phase == "failed":
            self._set_phase("speaking")
        self.speak_question()

    # -- recording ------------------------------------------------------------------------------

    def start_recording(self) -> None:
        """Open the microphone (in a thread) and start polling its level."""
        self._stop_speaking()
        self._stop_countdown()
        self.recording = None
        self.stop_requested_at = None
        self._shown_clock = ""
        self._set_phase("opening")
        from voicemock.pipeline import Answer

        services = self.vm.services
        try:
            if self.conversation is not None and self.followup is not None:
                answer = self.conversation.followup_answer(
                    self.followup, question_end_s=QUESTION_END_S
                )
            else:
                answer = Answer(
                    self.question,
                    self.vm.settings,
                    load_transcriber=services.load_transcriber,
                    question_end_s=QUESTION_END_S,
                )
        except OSError as error:
            self.post_message(
                RecordingFailed(f"cannot create the folder for recordings: {error.strerror}")
            )
            return
        if self.answer is not None:
            self.answer.close()  # an earlier take that failed
        self.answer = answer
        self.record_answer(answer)
        if self._poll is None:
            self._poll = self.set_interval(LEVEL_POLL_S, self._poll_recorder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record")
    def record_answer(self, answer: Answer) -> None:
        """Record until stopped (key, silence, time limit, device error); post the result."""
        worker = get_current_worker()
        try:
            answer.make_recorder(self.vm.services.make_recorder).start()
        except VoicemockError as error:
            self.post_message(RecordingFailed(str(error)))
            return
        # The results screen's modules load while the user speaks, not after the stop key.
        import voicemock.ui.screens.results  # noqa: F401

        while True:
            result = answer.wait(0.1)
            if result is not None:
                break
            if worker.is_cancelled:
                with contextlib.suppress(Exception):
                    answer.stop()
                return
        if not worker.is_cancelled:
            self.post_message(RecordingFinished(result))

    @property
    def _recorder(self) -> Recorder | None:
        return self.answer.recorder if self.answer is not None else None

    def _poll_recorder(self) -> None:
        recorder = self._recorder
        if recorder is None or self.phase not in ("opening", "recording"):
            return
        live = recorder.is_recording
        if live and self.phase == "opening":
            self._set_phase("recording")
        self.query_one("#rec-indicator").display = live
        if self.phase == "recording":
            elapsed = recorder.elapsed_s
            limit = self.vm.settings.max_answer_s
            # Only what changed is redrawn: the meter moves every frame, the clock each second,
            # and every redraw takes time from the transcription running meanwhile.
            clock = f"{format_clock(elapsed)} / {format_clock(limit)}"
            if clock != self._shown_clock:
                self._shown_clock = clock
                self.query_one("#status", Static).update("Recording your answer")
                self.query_one("#timer", Static).update(Text(clock, style="bold"))
            rms_dbfs, peak_dbfs = recorder.level
            self.query_one(LevelMeter).set_level(rms_dbfs, peak_dbfs)

    def action_answer_now(self) -> None:
        """Skip the rest of the prompt or the thinking time and start recording."""
        if self.phase in ("speaking", "thinking"):
            self.start_recording()

    def action_record_again(self) -> None:
        """After a failure, record the answer again."""
        if self.phase == "failed":
            self.start_recording()

    def action_stop(self) -> None:
        """Stop recording and analyse the answer."""
        if self.phase == "recording":
            self.stop_requested_at = time.monotonic()
            self._set_phase("stopping")
            self.stop_recorder()

    @work(thread=True, exclusive=True, exit_on_error=False, group="stop")
    def stop_recorder(self) -> None:
        """Stop the recorder; the recording worker then posts RecordingFinished."""
        answer = self.answer
        if answer is not None:
            try:
                answer.stop()
            except VoicemockError as error:
                self.post_message(RecordingFailed(str(error)))

    def on_recording_failed(self, message: RecordingFailed) -> None:
        self._set_phase("failed")
        self.query_one("#status", Static).update(Text("The answer was not recorded.", "bold"))
        self.app.push_screen(ErrorDialog("Microphone", message.message))

    def on_recording_finished(self, message: RecordingFinished) -> None:
        if self._cancelled:
            return
        recording = message.recording
        self.recording = recording
        self.query_one("#timer", Static).update(format_clock(recording.duration_s))
        recorder = self._recorder
        error = recorder.error if recorder is not None else None
        if error is not None and recording.duration_s < MIN_ANSWER_S:
            self.post_message(RecordingFailed(str(error)))
            return
        if error is not None:
            # The device failed mid-answer: what was recorded is still analysed.
            self.notify(str(error), title="Microphone", severity="warning", markup=False)
        if recording.stopped_by == "silence":
            self.notify("Stopped after the silence.", timeout=6)
        elif recording.stopped_by == "max_duration":
            self.notify("Stopped at the time limit.", timeout=6)
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
        self._set_phase("analysing")
        if self.answer is not None:
            self.analyse_answer(self.answer)

    # -- analysis -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="analysis")
    def analyse_answer(self, answer: Answer) -> None:
        """Finish transcribing, score and save the answer; post the attempt or the failure."""

        def progress(stage: str, fraction: float) -> None:
            self.post_message(AnalysisProgress(stage, fraction))

        try:
            analysed = answer.analyse(progress)
            if self._cancelled:
                # The user discarded the answer while it was being analysed: keep nothing.
                answer.discard()
                return
            self.post_message(AnalysisProgress("save", 1.0))
            attempt = self.plan.session.save(self.vm.store, answer)
        except VoicemockError as error:
            self.post_message(AnalysisFailed(str(error), str(answer.audio_path)))
            return
        except Exception as error:  # shown in words, the traceback goes to the log file
            from voicemock.ui.errors import describe_unexpected

            self.post_message(AnalysisFailed(describe_unexpected(error), str(answer.audio_path)))
            return
        self.post_message(AnalysisFinished(attempt, analysed, self._read_previous(attempt)))

    def _read_previous(self, attempt: AttemptRecord) -> PreviousAttempt | None:
        """The attempt before ``attempt`` at its question, for the results this screen opens.

        Read here, in the analysis worker (a millisecond), the change since last time is in the
        results' first frame; read by the results, it came a frame or two later and held up
        their first paint. None where this screen opens no results of a main answer (a mock
        interview, a follow-up) or the store cannot say: the results then read it themselves.
        """
        if self.plan.is_mock or attempt.is_followup:
            return None
        try:
            return PreviousAttempt(attempt.id, self.vm.store.previous_attempt(attempt.id))
        except Exception:  # a courtesy: the answer is saved and its results must still open
            return None

    def on_analysis_progress(self, message: AnalysisProgress) -> None:
        if self.phase != "analysing":
            return
        # The status line is one row whatever it says: a repaint, not a layout of the whole
        # screen, which would take the GIL from the analysis it reports on.
        self.query_one("#status", Static).update(f"{stage_label(message.stage)}…", layout=False)
        bar = self.query_one("#analysis-progress", ProgressBar)
        bar.update(progress=overall_fraction(message.stage, message.fraction) * 100)

    def on_analysis_failed(self, message: AnalysisFailed) -> None:
        if self._cancelled:
            return  # the answer was discarded meanwhile (its file too): nothing to report
        self._set_phase("failed")
        self.query_one("#status", Static).update(Text("The answer could not be analysed.", "bold"))
        self.app.push_screen(ErrorDialog("Analysis", analysis_failure_text(message)))

    def on_analysis_finished(self, message: AnalysisFinished) -> None:
        if self._cancelled:
            return
        self._previous = message.previous
        self._stop_poll()
        self.phase = "done"
        self.refresh_bindings()
        if self.conversation is None and self.answer is not None and self.plan.followups > 0:
            from voicemock.pipeline import FollowupRound

            self.conversation = FollowupRound(
                self.answer,
                self.plan.followups,
                phraser=self.plan.phraser,
                load_transcriber=self.vm.services.load_transcriber,
            )
        if self.conversation is None:
            self._question_done()
            return
        self.query_one("#status", Static).update("The interviewer has a moment to think…")
        self.query_one("#analysis-progress").display = False
        self.choose_followup(self.conversation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="followup")
    def choose_followup(self, conversation: FollowupRound) -> None:
        """Choose (and word, when a language model is set up) the next follow-up, or None."""
        try:
            followup = conversation.next_followup()
        except Exception:  # a follow-up is a courtesy: without one the question is done
            followup = None
        self.post_message(FollowupChosen(followup))

    def on_followup_chosen(self, message: FollowupChosen) -> None:
        if self._cancelled:
            return
        if message.followup is None or self.conversation is None:
            self._question_done()
            return
        self.app.switch_screen(
            InterviewScreen(
                self.plan, self.index, conversation=self.conversation, followup=message.followup
            )
        )

    def _question_turns(self) -> tuple[AttemptRecord | None, list[AttemptRecord]]:
        """The question's main attempt and its follow-up attempts, as saved."""
        if self.conversation is None:
            return (self.answer.attempt if self.answer is not None else None), []
        main = self.conversation.main.attempt
        followups = [a.attempt for a in self.conversation.answers if a.attempt is not None]
        return main, followups

    def _question_done(self) -> None:
        """The question and its follow-ups are answered: the next question, or the results."""
        from voicemock.ui.screens.results import ResultsScreen

        if self.plan.is_mock:
            if self.index + 1 < len(self.plan.questions):
                self.app.switch_screen(InterviewScreen(self.plan, self.index + 1))
            else:
                from voicemock.ui.screens.interview_report import ClosingScreen

                self.app.switch_screen(ClosingScreen(self.plan))
            return
        main, followups = self._question_turns()
        if main is None:
            self._leave()
            return
        self.app.switch_screen(
            ResultsScreen(
                main,
                plan=self.plan,
                index=self.index,
                followups=followups,
                previous=self._previous,
            )
        )

    # -- leaving --------------------------------------------------------------------------------

    def _stop_poll(self) -> None:
        if self._poll is not None:
            self._poll.stop()
            self._poll = None

    def _stop_everything(self) -> None:
        self._stop_poll()
        self._stop_countdown()
        self._stop_speaking()
        if self.answer is not None:
            self.answer.close()  # no more live transcription for an answer left behind
        self.workers.cancel_group(self, "speak")
        self.workers.cancel_group(self, "record")

    def action_discard(self) -> None:
        """Ask, then throw away the answer being recorded and leave the question."""
        if self.phase not in RECORDING_PHASES:
            self.action_cancel()
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self._discard_and_leave()

        dialog = ConfirmDialog(
            "Discard this answer?",
            "Discard",
            "Keep recording",
            yes_keys=("y", "d"),
            no_keys=("n", "escape"),
            detail="The recording so far is deleted and nothing is saved.",
        )
        self.app.push_screen(dialog, answer)

    def action_cancel(self) -> None:
        """Leave the question (a recording in progress is discarded after asking)."""
        if self.phase in RECORDING_PHASES:
            self.action_discard()
            return
        if self.phase == "analysing":
            self.notify("Wait a moment: your answer is being analysed.", severity="warning")
            return
        self._leave()

    def _discard_and_leave(self) -> None:
        self._cancelled = True
        answer = self.answer
        if answer is not None:
            self.app.run_worker(answer.discard, thread=True, group="discard", exit_on_error=False)
        self._leave()

    def _leave(self) -> None:
        self._cancelled = True
        self._stop_everything()
        if self.followup is not None and self.conversation is not None:
            # Leaving a follow-up ends the question, not the session: its results (or the
            # next question of a mock interview) come as if nothing more was asked.
            self._question_done()
            return
        if self.plan.is_mock and self.plan.session_id is not None:
            from voicemock.ui.screens.interview_report import InterviewReportScreen

            self.app.switch_screen(InterviewReportScreen(self.plan))  # the answers so far
            return
        self.vm.finish_session(self.plan)
        self.dismiss()
