"""``voicemock replay``: play a stored attempt with the word being heard highlighted."""

from __future__ import annotations

import argparse
import bisect
import time
from typing import TYPE_CHECKING

from voicemock.errors import AudioDeviceError, AudioFileError, VoicemockError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from voicemock.core.models import Transcript
    from voicemock.core.store import AttemptRecord
    from voicemock.speech.playback import Player

REFRESH_S = 0.05
STALL_S = 5.0  # no audio taken by the speaker for this long: it is stuck or gone
CONTEXT_SEGMENTS = 1  # segments shown before and after the one being heard
CONTEXT_WORDS = 40  # words shown either side when the transcript has no segments
LEAD_S = 0.4  # start a little before the first word or a flagged moment


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``replay`` subcommand."""
    parser = subparsers.add_parser(
        "replay",
        help="play a stored attempt with its transcript following along",
        description=(
            "Play an attempt's recording while its transcript highlights the word being heard. "
            "Ctrl+C stops. Attempt ids are listed by `voicemock sessions show ID`."
        ),
    )
    parser.add_argument("attempt_id", type=int, metavar="ATTEMPT_ID")
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--from",
        dest="from_s",
        type=float,
        default=None,
        metavar="SECONDS",
        help="start this many seconds in (default: the first word; 0: the very start)",
    )
    start.add_argument(
        "--flag",
        type=int,
        default=None,
        metavar="N",
        help="start at the Nth flagged moment (filler, hedge, long pause, flat pitch, "
        "trailing off, quiet or rushed stretch); 0 lists them",
    )
    parser.add_argument(
        "--turns",
        action="store_true",
        help="then play the question's next turns too (its follow-up answers), one after another",
    )
    parser.add_argument("--device", default=None, help="speaker (name or index)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Play the attempt; the transcript follows the audio until the end or Ctrl+C."""
    from voicemock.commands.console import make_console
    from voicemock.config import load_settings
    from voicemock.core.store import SessionStore

    if args.from_s is not None and not args.from_s >= 0:
        raise VoicemockError("--from must be 0 or more seconds")
    console = make_console()
    with SessionStore() as store:
        attempt = store.get_attempt(args.attempt_id)
        turns = store.turns(attempt.id) if getattr(args, "turns", False) else [attempt]
    if args.flag is not None and args.flag <= 0:
        _print_flags(attempt, console)
        return 0
    later = [t for t in turns if t.id != attempt.id and t.turn > _turn_of(attempt)]
    settings = load_settings()
    device = args.device if args.device is not None else settings.output_device
    if not _play(attempt, start_at(attempt, args.from_s, args.flag), device, console):
        return 0
    for turn in later:  # --turns: each follow-up answer after the one asked for
        console.print()
        if not _play(turn, start_at(turn, None, None), device, console):
            break
    return 0


def _turn_of(attempt: AttemptRecord) -> int:
    return attempt.turn if attempt.parent_id is not None else 0


def _play(
    attempt: AttemptRecord, from_s: float, device: str | int | None, console: Console
) -> bool:
    """Play one attempt from ``from_s`` with its transcript; False when Ctrl+C stopped it."""
    _check_audio(attempt, console)
    assert attempt.audio_path is not None  # _check_audio made sure

    from voicemock.speech.playback import Player

    # An index or (part of) a name: the player resolves either.
    player = Player(device=device)
    duration_s = player.play(attempt.audio_path, start_s=from_s)
    if from_s >= duration_s:
        player.stop()
        raise VoicemockError(
            f"--from {from_s:g} is past the end of the recording ({duration_s:.1f} s)"
        )
    _print_header(attempt, console)
    try:
        if console.is_terminal:
            _follow_live(player, attempt.transcript, duration_s, console)
        else:
            _follow_lines(player, attempt.transcript, from_s, console)
    except KeyboardInterrupt:
        console.print(f"Stopped at {_clock(player.position_s)}.")
        return False
    finally:
        player.stop()
    return True


def start_at(attempt: AttemptRecord, from_s: float | None, flag: int | None) -> float:
    """Where playback starts: ``from_s``, else a little before the ``flag``-th flagged moment
    (1-based), else a little before the first word (the silence before it is skipped)."""
    from voicemock.core.metrics import replay_flags, spoken_span_s

    if from_s is not None:
        return from_s
    if flag is not None:
        flags = replay_flags(attempt.metrics)
        if flag > len(flags):
            raise VoicemockError(
                f"attempt {attempt.id} has {len(flags)} flagged moments; `--flag 0` lists them"
            )
        return max(0.0, flags[flag - 1].start_s - LEAD_S)
    span = spoken_span_s(attempt.transcript)
    return 0.0 if span is None else max(0.0, span[0] - LEAD_S)


def _print_flags(attempt: AttemptRecord, console: Console) -> None:
    """The flagged moments, numbered for --flag N."""
    from voicemock.core.metrics import replay_flags
    from voicemock.core.safe_text import one_line

    flags = replay_flags(attempt.metrics)
    if not flags:
        console.print(f"Attempt {attempt.id} has no flagged moments.")
    for number, flag in enumerate(flags, start=1):
        console.print(
            f"{number:>3}  {_clock(flag.start_s)}  {one_line(flag.text or flag.kind)}",
            markup=False,
            highlight=False,
        )


class _Playing:
    """Waits for playback in short steps, and notices a speaker that stopped taking audio."""

    def __init__(self, player: Player) -> None:
        self._player = player
        self._position_s = player.position_s
        self._moved_at = time.monotonic()

    def __call__(self) -> bool:
        """Wait one refresh; False once playback has ended. AudioDeviceError on a stall."""
        if self._player.wait(REFRESH_S):
            return False
        position_s = self._player.position_s
        now = time.monotonic()
        if position_s != self._position_s:
            self._position_s, self._moved_at = position_s, now
        elif now - self._moved_at > STALL_S:
            raise AudioDeviceError(
                f"the speaker stopped playing at {_clock(position_s)} "
                "(check it with `voicemock devices`)"
            )
        return True


def _check_audio(attempt: AttemptRecord, console: Console) -> None:
    """Raise a clear error (after printing the transcript) when there is nothing to play."""
    if attempt.audio_status == "ok":
        return
    if attempt.transcript.text:
        console.print(f"[bold]Transcript of attempt {attempt.id}:[/bold]")
        console.print(attempt.transcript.text, markup=False, highlight=False)
    if attempt.audio_status == "none":
        raise AudioFileError(f"attempt {attempt.id} was typed, not recorded: there is no audio")
    state = "missing" if attempt.audio_status == "missing" else "damaged and cannot be played"
    raise AudioFileError(f"the recording of attempt {attempt.id} is {state} ({attempt.audio_path})")


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _print_header(attempt: AttemptRecord, console: Console) -> None:
    score = "" if attempt.overall is None else f", overall {attempt.overall}/100"
    turn = f", follow-up {attempt.turn}" if attempt.parent_id is not None else ""
    console.print(
        f"[bold]Attempt {attempt.id}[/bold] ({attempt.question_id or 'no question'}{turn}{score})"
    )
    if attempt.question_text:
        console.print(attempt.question_text, style="dim", markup=False, highlight=False)


def word_at(transcript: Transcript, position_s: float) -> int:
    """Index of the word being heard at ``position_s`` (the last one started), or -1."""
    starts = [word.start_s for word in transcript.words]
    return bisect.bisect_right(starts, position_s) - 1


def render_position(transcript: Transcript, position_s: float, duration_s: float) -> Text:
    """The transcript around ``position_s`` with the current word highlighted."""
    from rich.text import Text

    words = transcript.words
    current = word_at(transcript, position_s)
    first, last = _window(transcript, max(current, 0))
    text = Text()
    text.append(f"▶ {_clock(position_s)} / {_clock(duration_s)}\n\n", style="bold")
    if first > 0:
        text.append("… ", style="dim")
    for index in range(first, last):
        word = words[index].text.strip()
        if index == current:
            style = "bold reverse"
        elif index < current:
            style = ""
        else:
            style = "dim"
        text.append(word, style=style)
        text.append(" ")
    if last < len(words):
        text.append("…", style="dim")
    return text


def _window(transcript: Transcript, current: int) -> tuple[int, int]:
    """The word range [first, last) to show: nearby segments, or nearby words."""
    words = transcript.words
    if not words:
        return 0, 0
    segments = [s for s in transcript.segments if s.words]
    if segments:
        ends: list[int] = []
        count = 0
        for segment in segments:
            count += len(segment.words)
            ends.append(count)
        if ends[-1] == len(words):  # the segments' words are the transcript's words
            seg = min(bisect.bisect_right(ends, current), len(ends) - 1)
            lo = max(0, seg - CONTEXT_SEGMENTS)
            hi = min(len(ends) - 1, seg + CONTEXT_SEGMENTS)
            return (ends[lo - 1] if lo > 0 else 0), ends[hi]
    return max(0, current - CONTEXT_WORDS), min(len(words), current + CONTEXT_WORDS)


def _follow_live(
    player: Player, transcript: Transcript, duration_s: float, console: Console
) -> None:
    from rich.live import Live

    with Live(
        render_position(transcript, player.position_s, duration_s),
        console=console,
        refresh_per_second=int(1 / REFRESH_S),
        transient=False,
    ) as live:
        playing = _Playing(player)
        while playing():
            live.update(render_position(transcript, player.position_s, duration_s))
        live.update(render_position(transcript, duration_s, duration_s))


def _follow_lines(player: Player, transcript: Transcript, from_s: float, console: Console) -> None:
    """Without a terminal: print each segment as it starts playing."""
    segments = [s for s in transcript.segments if s.text.strip() and s.end_s > from_s]
    if not segments and transcript.text:
        console.print(transcript.text, markup=False, highlight=False)
    pending = list(segments)
    playing = _Playing(player)
    while pending:
        position_s = player.position_s
        while pending and pending[0].start_s <= position_s:
            segment = pending.pop(0)
            console.print(
                f"[{_clock(segment.start_s)}] {segment.text.strip()}", markup=False, highlight=False
            )
        if not playing():
            break
    for segment in pending:  # playback ended: show the rest anyway
        console.print(
            f"[{_clock(segment.start_s)}] {segment.text.strip()}", markup=False, highlight=False
        )
    while playing():
        pass
