"""Replay: play an attempt with the word being heard highlighted, and jump between flags.

Playback starts at the first word (the answer as Delivery measures it); Home goes back to the
very start of the recording. ``[`` and ``]`` jump between the flagged moments: fillers, hedges,
long pauses and how it sounded (flat pitch, trailing off, quiet or rushed stretches). ``n`` and
``b`` step through a question's turns: its main answer and the follow-up answers.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Footer, Header, ProgressBar, Static

from voicemock.core.metrics import REPLAY_FLAG_KINDS, replay_flags, spoken_span_s
from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain
from voicemock.ui.messages import PlaybackFailed
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.widgets.transcript_view import (
    TranscriptView,
    format_clock,
    legend,
    word_at_time,
)

if TYPE_CHECKING:
    from voicemock.core.models import Flag
    from voicemock.core.store import AttemptRecord
    from voicemock.ui.services import Player

POSITION_POLL_S = 0.05  # 20 updates a second keeps the highlight on the word being heard
JUMP_KINDS = REPLAY_FLAG_KINDS  # fillers, hedges, long pauses, then how it sounded
FLAG_LEAD_S = 0.4  # start a little before a flag (and the first word) so its context is heard
FLAG_NAMES = {
    "filler": "filler",
    "discourse_filler": "filler",
    "hedge": "hedge",
    "long_pause": "long pause",
    "flat_pitch": "flat pitch",
    "trailing_off": "trailing off",
    "quiet": "quiet",
    "fast_stretch": "rushed stretch",
    "slow_stretch": "slow stretch",
    "sped_up": "sped up",
}


def first_word_start_s(attempt: AttemptRecord) -> float:
    """Where replay starts: a little before the first word (0 without timed words)."""
    span = spoken_span_s(attempt.transcript)
    return 0.0 if span is None else max(0.0, span[0] - FLAG_LEAD_S)


class ReplayScreen(VoicemockScreen):
    """Plays the recording; the transcript follows the audio."""

    # Priority bindings: the focused transcript would otherwise take left, right and home for
    # scrolling (and the footer would not show them); all are, to keep the footer's order.
    BINDINGS = [
        Binding("space", "toggle_pause", "Pause/play", key_display="space", priority=True),
        Binding("left", "seek(-5)", "-5 s", key_display="←", priority=True),
        Binding("right", "seek(5)", "+5 s", key_display="→", priority=True),
        Binding("right_square_bracket", "jump(1)", "Next flag", key_display="]", priority=True),
        Binding("left_square_bracket", "jump(-1)", "Prev flag", key_display="[", priority=True),
        # Not in the footer (no room at 80 columns): the status line names it.
        Binding("home", "restart", "From 0:00", show=False, priority=True),
        # A question answered with follow-ups: step from one turn's recording to the next.
        Binding("n", "turn(1)", "Next turn"),
        Binding("b", "turn(-1)", "Prev turn"),
        Binding("escape", "close", "Back", priority=True),
    ]

    def __init__(self, attempt: AttemptRecord, start_s: float | None = None) -> None:
        """Replay ``attempt`` from ``start_s`` (a moment the results point at; None: the
        first word, so the silence before it is not played)."""
        super().__init__()
        self.attempt = attempt
        self.first_word_s = first_word_start_s(attempt)
        self.start_s = max(0.0, self.first_word_s if start_s is None else start_s)
        self.player: Player | None = None
        self.flags: tuple[Flag, ...] = tuple(replay_flags(attempt.metrics))
        # The shown position (the player's, or a cursor without audio).
        self.position_s = self.start_s
        self.paused = False
        self.has_audio = attempt.audio_path is not None and attempt.audio_status == "ok"
        self._poll: Timer | None = None
        when = attempt.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.sub_title = f"replay of {when}"
        self.turns: tuple[AttemptRecord, ...] = ()  # the question's turns, once read

    @property
    def duration_s(self) -> float:
        """The length of the recording."""
        if self.player is not None:
            with contextlib.suppress(Exception):
                return float(self.player.duration_s) or self.attempt.duration_s
        return self.attempt.duration_s or self.attempt.transcript.audio_duration_s

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="replay"):
            yield Static(plain(self.attempt.question_text), id="replay-question")
            yield Static("", id="replay-status")
            yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="replay-bar")
            yield Static(legend(), classes="legend")
            yield TranscriptView(
                self.attempt.transcript, self.attempt.metrics.flags, id="replay-transcript"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load_turns()
        self.query_one(TranscriptView).focus()
        if not self.has_audio:
            reason = {
                "missing": "the recording file is missing",
                "corrupt": "the recording file is damaged",
                "none": "this attempt has no recording",
            }.get(self.attempt.audio_status, "the recording cannot be played")
            self._show_status(f"No audio: {reason}. [ and ] still step through the flags.")
            self.paused = True
            if self.start_s:
                words = self.attempt.transcript.words
                self.query_one(TranscriptView).set_current_word(word_at_time(words, self.start_s))
            return
        self._show_status("Opening the speaker…")
        self.start_playback(self.start_s)
        self._poll = self.set_interval(POSITION_POLL_S, self._poll_position)

    def on_unmount(self) -> None:
        if self._poll is not None:
            self._poll.stop()
        self._stop_player()

    # -- playback -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="playback")
    def start_playback(self, start_s: float) -> None:
        """Open the output device and start playing from ``start_s`` (a thread: it can block)."""
        path = self.attempt.audio_path
        if path is None:
            return
        try:
            if self.player is None:
                self.player = self.vm.services.make_player(self.vm.settings)
            self.player.play(path, start_s)
        except VoicemockError as error:
            self.post_message(PlaybackFailed(str(error)))

    def on_playback_failed(self, message: PlaybackFailed) -> None:
        self.paused = True
        self._show_status(f"Cannot play the recording: {message.message}")
        self.notify(message.message, title="Playback", severity="error", markup=False)

    def _stop_player(self) -> None:
        if self.player is not None:
            with contextlib.suppress(Exception):
                self.player.stop()

    def _poll_position(self) -> None:
        player = self.player
        if player is None:
            return
        try:
            self.position_s = float(player.position_s)
            playing = bool(player.is_playing)
        except Exception:  # a vanished device shows up as a failed read: stop polling
            return
        self._show_position(playing)

    def _show_position(self, playing: bool) -> None:
        words = self.attempt.transcript.words
        self.query_one(TranscriptView).set_current_word(word_at_time(words, self.position_s))
        duration = self.duration_s
        bar = self.query_one("#replay-bar", ProgressBar)
        bar.update(progress=(self.position_s / duration * 100) if duration > 0 else 0)
        if not self.has_audio:
            state = "(no audio: the cursor shows the place)"
        elif playing:
            state = "▶ playing"
        elif self.paused:
            state = "⏸ paused"
        elif duration and self.position_s >= duration - 0.05:
            state = "■ finished (space plays again)"
        else:
            state = "■ stopped"
        # Playback starts at the first word; the silence before it is one key away.
        start = "  · home: from 0:00" if self.first_word_s >= 0.5 else ""
        self._show_status(
            f"{format_clock(self.position_s)} / {format_clock(duration)}  {state}{start}"
        )

    def _show_status(self, message: str) -> None:
        self.query_one("#replay-status", Static).update(Text(message))

    def action_toggle_pause(self) -> None:
        """Pause or resume (or play again from the start once finished)."""
        player = self.player
        if player is None:
            return
        try:
            if player.is_playing:
                player.pause()
                self.paused = True
            elif self.paused:
                player.resume()
                self.paused = False
            else:
                self.start_playback(self.first_word_s)
        except VoicemockError as error:
            self.vm.report_error(error, "Playback")
        self._show_position(not self.paused)

    def _move_to(self, position_s: float) -> None:
        duration = self.duration_s
        self.position_s = max(0.0, min(position_s, duration if duration > 0 else position_s))
        player = self.player
        if player is not None:
            try:
                if player.is_playing or self.paused:
                    player.seek(self.position_s)
                else:
                    self.start_playback(self.position_s)
            except VoicemockError as error:
                self.vm.report_error(error, "Playback")
        self._show_position(player is not None and not self.paused)

    def action_seek(self, delta_s: float) -> None:
        """Jump ``delta_s`` seconds forwards or backwards."""
        self._move_to(self.position_s + delta_s)

    def action_restart(self) -> None:
        """Back to the very start of the recording (before the first word)."""
        self._move_to(0.0)

    def action_jump(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) flagged moment (see JUMP_KINDS)."""
        if not self.flags:
            self.notify("Nothing flagged in this answer.", timeout=3)
            return
        here = self.position_s
        if direction > 0:
            target = next((f for f in self.flags if f.start_s - FLAG_LEAD_S > here + 0.05), None)
        else:
            earlier = [f for f in self.flags if f.start_s - FLAG_LEAD_S < here - 0.5]
            target = earlier[-1] if earlier else None
        if target is None:
            self.notify("No more flags that way.", timeout=3)
            return
        self._move_to(max(0.0, target.start_s - FLAG_LEAD_S))
        name = FLAG_NAMES.get(target.kind, target.kind)
        self.notify(f"{name}: {target.text}" if target.text else name, timeout=3, markup=False)
        if self.player is None:
            # Without audio the highlight shows where the flag is.
            index = target.word_index if target.word_index >= 0 else None
            self.query_one(TranscriptView).set_current_word(index)

    # -- turns ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="turns")
    def load_turns(self) -> None:
        """Read the question's turns (main answer and follow-ups) for stepping between them."""
        try:
            turns = tuple(self.vm.store.turns(self.attempt.id))
        except VoicemockError:
            return  # stepping between turns is not offered
        self.app.call_from_thread(self._turns_loaded, turns)

    def _turns_loaded(self, turns: tuple[AttemptRecord, ...]) -> None:
        self.turns = turns
        if len(turns) > 1:
            number = next((i for i, a in enumerate(turns) if a.id == self.attempt.id), 0)
            where = "main answer" if number == 0 else f"follow-up {number}"
            self.sub_title = f"{self.sub_title} · {where} of {len(turns)} turns"
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The turn keys only for a question answered with follow-ups."""
        if action == "turn":
            return len(self.turns) > 1
        return True

    def action_turn(self, direction: int) -> None:
        """Replay the next (1) or previous (-1) turn of the question from its first word."""
        ids = [a.id for a in self.turns]
        if self.attempt.id not in ids:
            return
        index = ids.index(self.attempt.id) + direction
        if not 0 <= index < len(self.turns):
            self.notify("No more turns that way.", timeout=3)
            return
        self._stop_player()
        self.app.switch_screen(ReplayScreen(self.turns[index]))

    def action_close(self) -> None:
        """Stop playing and go back."""
        self._stop_player()
        self.dismiss()
