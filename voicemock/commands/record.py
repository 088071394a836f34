"""``voicemock record``: record the microphone to a WAV with a live level meter and timer."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.commands.options import positive_seconds

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from voicemock.speech.recorder import Recorder, Recording

METER_WIDTH = 20
METER_FLOOR_DBFS = -60.0
REFRESH_S = 0.1
# Why a recording ended, as told to the user.
STOP_REASONS = {
    "user": "stopped",
    "max_duration": "reached the maximum length",
    "silence": "stopped after silence",
    "device_error": "the microphone failed",
    "write_error": "the file could not be written",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``record`` subcommand."""
    parser = subparsers.add_parser(
        "record",
        help="record the microphone to a WAV file",
        description=(
            "Record the microphone to OUT.wav (16 kHz, 16-bit mono). Stops on Enter, Ctrl+C, "
            "the maximum length or a stretch of silence; the file is kept in every case."
        ),
    )
    parser.add_argument("out", type=Path, metavar="OUT.wav", help="the WAV file to write")
    parser.add_argument(
        "--max-seconds",
        type=positive_seconds,
        metavar="N",
        help="stop after N seconds (default 300)",
    )
    parser.add_argument(
        "--silence-stop",
        type=positive_seconds,
        metavar="S",
        help="stop after S seconds of silence once you have started speaking",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=-45.0,
        metavar="DBFS",
        help="level below which sound counts as silence (default -45 dBFS)",
    )
    parser.add_argument("--device", help="microphone index or name (see `voicemock devices`)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT.wav if it exists")
    parser.set_defaults(func=run)


def _meter(recorder: Recorder) -> Text:
    """One status line: state, timer, level bar and dBFS figures."""
    from rich.text import Text

    rms_dbfs, peak_dbfs = recorder.level
    elapsed_s = recorder.elapsed_s
    minutes, seconds = divmod(elapsed_s, 60)
    fraction = (max(rms_dbfs, METER_FLOOR_DBFS) - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS
    filled = round(fraction * METER_WIDTH)
    colour = "red" if peak_dbfs > -1.0 else ("green" if rms_dbfs > -45 else "dim")
    line = Text()
    if recorder.is_recording:
        line.append("● REC ", style="bold red")
    else:
        line.append("… waiting for the microphone ", style="yellow")
    line.append(f"{int(minutes):02d}:{seconds:04.1f}  ")
    line.append("█" * filled, style=colour)
    line.append("░" * (METER_WIDTH - filled), style="dim")
    line.append(f" {rms_dbfs:6.1f} dBFS, peak {peak_dbfs:6.1f}  ")
    line.append("Enter: stop", style="dim")
    return line


def watch_stdin(stop: threading.Event) -> None:
    """Set ``stop`` when a line (Enter) arrives; a closed stdin is not a request to stop."""
    with contextlib.suppress(Exception):
        if sys.stdin is not None and sys.stdin.readline():
            stop.set()


def wait_for_stop(recorder: Recorder, console: Console, stop_now: threading.Event) -> None:
    """Show a live level meter and timer until ``stop_now`` is set or the recorder stops."""
    from rich.live import Live

    def stopping() -> bool:
        return stop_now.is_set() or recorder.wait(REFRESH_S) is not None

    if console.is_terminal:
        with Live(_meter(recorder), console=console, refresh_per_second=10, transient=True) as live:
            while not stopping():
                live.update(_meter(recorder))
    else:
        console.print(
            f"Recording to {recorder.out_path} ... (Enter or Ctrl+C stops)",
            markup=False,
            soft_wrap=True,
        )
        while not stopping():
            pass


@contextlib.contextmanager
def _handling(signums: tuple[int, ...], handler: Any) -> Iterator[None]:
    """Route the signals to ``handler`` inside the block (only possible in the main thread)."""
    previous: dict[int, Any] = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:
        pass
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def record_until_stopped(
    recorder: Recorder, console: Console, banner: str | None = None
) -> tuple[Recording, bool]:
    """Record with the live meter until Enter, Ctrl+C, SIGTERM or an auto-stop.

    ``banner`` (console markup) is printed once the microphone is open, so the user is never
    told to speak into a microphone that then fails to start. Returns the finished recording
    and whether Ctrl+C or SIGTERM ended it. The file is closed properly whatever happens; only
    a failure to start raises (AudioDeviceError, StoreError).
    """
    stop_now = threading.Event()  # Enter, Ctrl+C or SIGTERM
    interrupted = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        # A flag, not an exception: a second Ctrl+C cannot cut closing the file short.
        interrupted.set()
        stop_now.set()

    with _handling((signal.SIGINT, signal.SIGTERM), on_signal):
        recorder.start()
        if banner:
            console.print(banner, highlight=False)
        threading.Thread(target=watch_stdin, args=(stop_now,), daemon=True).start()
        try:
            wait_for_stop(recorder, console, stop_now)
        except KeyboardInterrupt:  # handlers could not be installed (not the main thread)
            interrupted.set()
        recording = recorder.stop()
    return recording, interrupted.is_set()


def run(args: argparse.Namespace) -> int:
    """Record until Enter, Ctrl+C, the maximum length or silence; print where the file is."""
    from voicemock.commands.console import make_console
    from voicemock.config import load_settings
    from voicemock.errors import AudioFileError
    from voicemock.speech.recorder import Recorder

    console = make_console(stderr=True)
    out = Path(args.out)
    if out.suffix.lower() != ".wav":
        raise AudioFileError(f"record writes WAV files: use a name ending in .wav ({out})")
    if out.exists() and not args.force:
        raise AudioFileError(f"{out} already exists: pick another name or pass --force")
    settings = load_settings()
    recorder = Recorder(
        out,
        device=args.device if args.device is not None else settings.input_device,
        max_duration_s=args.max_seconds or settings.max_answer_s,
        silence_stop_s=args.silence_stop if args.silence_stop else settings.silence_stop_s,
        silence_threshold_dbfs=args.threshold,
    )
    recording, interrupted = record_until_stopped(recorder, console)
    if interrupted:
        console.print("[dim]Stopped.[/dim]")
    print(f"{recording.path} ({recording.duration_s:.1f} s, {STOP_REASONS[recording.stopped_by]})")
    if recorder.error is not None:
        raise recorder.error
    if recorder.overflows:
        console.print(
            f"[yellow]The device dropped audio {recorder.overflows} time(s) "
            "(the machine was too busy).[/yellow]"
        )
    return 0
