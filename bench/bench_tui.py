"""Speed and memory as the user feels them: cold start, stop-of-recording to results, peak memory.

1. Cold start: ``voicemock`` (no arguments) runs in a fresh process on a pseudo-terminal of
   100x32; the clock runs from spawning it until the first screen (the "Questions" pane) has
   been written to the terminal. Target <= 0.5 s. It runs as an installed app does, with the
   modules' bytecode cached (``PYTHONDONTWRITEBYTECODE`` is left out of its environment, so the
   first, uncounted start writes the cache).
2. Stop to results in the app: the app runs headless in this process with the real recorder,
   transcriber, scorer and store. A 60 s answer made with the project's own TTS is played in
   real time into a virtual microphone (a private PulseAudio server), so the answer is
   transcribed live while it is "spoken", as in real use. The clock runs from the stop key to
   the Results screen being shown. Key presses made during the analysis are timed too.
3. The same in the app as a user runs it: ``voicemock practice`` in its own process on a
   pseudo-terminal; space stops the answer, the clock runs until the results are drawn, and
   "t" answers again.
4. Stop to results in the terminal: ``voicemock practice --no-tui --json`` in a fresh process
   records the same answer from the virtual microphone; the clock runs from the Enter that
   stops it to the report arriving on its output.
Targets for 2-4: <= 1.5 s median. Peak memory (the largest resident set) of the terminal
practice process, of the app's own process over all its answers, and of this process after
the app's answers (the harness included); target <= 450 MB.

    .venv/bin/python bench/bench_tui.py [--starts N] [--answers N]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

# The test support (a private sound server) lives in tests/, beside bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.sound_server import VirtualAudioServer, missing_requirements

ROOT = Path(__file__).resolve().parent.parent
VOICEMOCK = ROOT / ".venv" / "bin" / "voicemock"
START_TARGET_S = 0.5
RESULTS_TARGET_S = 1.5
MEMORY_TARGET_MB = 450.0
FIRST_SCREEN_MARK = b"Questions"
RECORDING_MARK = b"esc: discard"  # the hint shown while the answer is recorded
RESULTS_MARK = b"Try again"  # a key of the results screen
QUESTION_ID = "sac-client-resistance"
ANSWER_TARGET_S = 60.0
RATE_WPM = 150
ANSWER_PARTS = (
    "When a client pushes back, I slow down and try to find out what the pushback is about.",
    "Last year a man in our outpatient group told me the sessions were a waste of his time.",
    "I asked him what he wanted from treatment, and I said out loud that he felt forced to come.",
    "We agreed on one goal that he picked himself, which was keeping his job.",
    "I made sure he knew that what he told me stayed private, even from his employer.",
    "Over the next month he came to every session and started to talk in the group.",
    "Um, looking back, the turning point was letting him set the direction instead of arguing.",
    "I think I still use that approach: listen first, reflect what I hear, agree on a small goal.",
)


# --------------------------------------------------------------------------- cold start


def spawn_on_terminal(
    arguments: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``voicemock ARGUMENTS`` on a new 100x32 pseudo-terminal; the process and the
    terminal's master end.

    It runs as an installed app does, with the modules' bytecode cached
    (``PYTHONDONTWRITEBYTECODE`` is left out of its environment).
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    env = dict(env, TERM="xterm-256color", HF_HUB_OFFLINE="1")
    env.pop("TEXTUAL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.Popen(
        [str(VOICEMOCK), *arguments],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    return proc, master


def read_until(master: int, mark: bytes, timeout_s: float) -> float:
    """Read the terminal until ``mark`` has been written to it; when it was (monotonic)."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.02)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        seen = (seen + chunk)[-8192:]
        if mark in seen:
            return time.monotonic()
    raise RuntimeError(f"{mark!r} not shown within {timeout_s} s; last output: {seen[-300:]!r}")


def end_on_terminal(proc: subprocess.Popen[bytes], master: int) -> float:
    """Quit the app (ctrl+q), killing it if it does not end; its peak resident set in MB."""
    peak_mb: float | None = None
    try:
        with open(f"/proc/{proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):  # the process's largest resident set so far
                    peak_mb = int(line.split()[1]) / 1024
        os.write(master, b"\x11")  # ctrl+q
        _drain_until_exit(master, proc, 15.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    if peak_mb is None:
        raise RuntimeError("the app's peak memory could not be read (/proc/PID/status)")
    return peak_mb


def time_cold_start(home: Path, timeout_s: float = 20.0) -> float:
    """Seconds from spawning ``voicemock`` on a 100x32 pty until its first screen is drawn.

    The uncounted first start writes the bytecode cache for the ones that follow.
    """
    started = time.monotonic()
    proc, master = spawn_on_terminal([], dict(os.environ, VOICEMOCK_HOME=str(home)))
    try:
        painted_at = read_until(master, FIRST_SCREEN_MARK, timeout_s)
    finally:
        end_on_terminal(proc, master)
    return painted_at - started


def _drain(master: int, seconds: float) -> None:
    """Read (and drop) what the app writes to the terminal for ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                return


def _drain_until_exit(master: int, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                break


# --------------------------------------------------------------------------- stop to results


def answer_text(target_s: float) -> str:
    """Enough sentences to last about ``target_s`` seconds at RATE_WPM."""
    needed = target_s * RATE_WPM / 60 * 1.15  # the voice runs a little faster than its rate
    sentences: list[str] = []
    count = 0
    while count < needed:
        for part in ANSWER_PARTS:
            sentences.append(part)
            count += len(part.split())
            if count >= needed:
                break
    return " ".join(sentences)


def make_answer(folder: Path) -> tuple[Path, float]:
    """A spoken answer of about a minute (cached between runs); its path and duration."""
    import soundfile as sf

    from voicemock.speech.tts import synthesize_to_wav

    path = folder / f"answer-{int(ANSWER_TARGET_S)}s-{RATE_WPM}wpm.wav"
    if not path.exists():
        longer = folder / "answer-long.wav"
        synthesize_to_wav(answer_text(ANSWER_TARGET_S), longer, rate_wpm=RATE_WPM)
        samples, rate_hz = sf.read(str(longer), dtype="int16")
        sf.write(str(path), samples[: int(ANSWER_TARGET_S * rate_hz)], rate_hz, subtype="PCM_16")
        longer.unlink()
    return path, float(sf.info(str(path)).duration)


def send_key(app: Any, key: str) -> None:
    """Deliver a key as the terminal driver does (Pilot.press also waits for the app to idle,
    which never happens while the analysis keeps the CPU busy, so it cannot time anything)."""
    from textual import events

    event = events.Key(key, " " if key == "space" else None)
    event.set_sender(app)
    app._driver.send_message(event)


async def until(condition: Any, timeout_s: float, step_s: float = 0.005) -> float:
    """Let the app run until ``condition()``; returns when it became true (monotonic)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app did not get there within {timeout_s} s")
        await asyncio.sleep(step_s)
    return time.monotonic()


async def time_stop_to_results(
    clip: Path, duration_s: float, runs: int, microphone: VirtualAudioServer
) -> tuple[list[float], list[float]]:
    """Stop-key-to-Results seconds per run, and key response times during the analyses."""
    from textual.widgets import DataTable

    from voicemock.config import Settings
    from voicemock.ui.app import make_app
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.services import Services

    services = replace(Services(), make_speaker=lambda settings: _SilentSpeaker())
    # The stop of one answer to its results: no follow-up question in between.
    app = make_app(settings=Settings(speak_questions=False, followups=0), services=services)
    totals: list[float] = []
    key_latencies: list[float] = []
    notices: list[float] = []  # when each notification was raised
    raise_notice = app.notify

    def counting_notify(*args: Any, **kwargs: Any) -> None:
        notices.append(time.monotonic())
        raise_notice(*args, **kwargs)

    app.notify = counting_notify  # type: ignore[method-assign]
    async with app.run_test(size=(100, 32)):
        await until(lambda: app.warm_state in ("ready", "failed"), 180, 0.05)
        if app.warm_state != "ready":
            raise RuntimeError("the speech model could not be loaded")
        for run in range(2 * runs):
            probe_keys = run % 2 == 1
            await until(lambda: isinstance(app.screen, HomeScreen), 10)
            home = app.screen
            table = home.query_one("#questions", DataTable)
            await until(lambda: table.row_count > 0, 10)  # noqa: B023
            table.move_cursor(row=table.get_row_index(QUESTION_ID))
            send_key(app, "enter")
            await until(lambda: isinstance(app.screen, InterviewScreen), 10)
            interview = app.screen
            assert isinstance(interview, InterviewScreen)
            await until(lambda: interview.phase == "recording", 10)  # noqa: B023
            feed = microphone.feed_mic(clip)  # the answer, spoken in real time
            await until(lambda: feed.process.poll() is not None, duration_s + 30, 0.1)  # noqa: B023
            await asyncio.sleep(0.3)  # the last words reach the recorder
            send_key(app, "space")
            # While it analyses, Esc answers with a notice: time how long that takes (only on
            # every other answer, so the notices' own drawing is not in the results timing).
            await until(lambda: interview.phase == "analysing", 10)  # noqa: B023
            while probe_keys and interview.phase == "analysing":
                before = len(notices)
                key_at = time.monotonic()
                send_key(app, "escape")
                answered = await until(
                    lambda: len(notices) > before or interview.phase != "analysing",  # noqa: B023
                    10,
                )
                if interview.phase == "analysing":
                    key_latencies.append(answered - key_at)
                await asyncio.sleep(0.25)
            await until(lambda: isinstance(app.screen, ResultsScreen), 60)
            results = app.screen
            assert isinstance(results, ResultsScreen)
            await until(lambda: results.painted_at is not None, 10)  # noqa: B023
            assert results.painted_at is not None and interview.stop_requested_at is not None
            if not probe_keys:
                totals.append(results.painted_at - interview.stop_requested_at)
            send_key(app, "escape")
            await until(lambda: isinstance(app.screen, HomeScreen), 10)
    return totals, key_latencies


def time_practice_in_terminal(
    clip: Path, duration_s: float, runs: int, microphone: VirtualAudioServer, home: Path
) -> tuple[list[float], list[float]]:
    """Enter-to-report seconds of ``voicemock practice --no-tui`` per run, and peak MB of each."""
    import threading

    env = microphone.client_env()
    env.update(VOICEMOCK_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    totals: list[float] = []
    peaks_mb: list[float] = []
    # The rubric sentences' vectors are embedded once per data folder (then kept on disk):
    # built here first, so the runs time an answer, not a new machine's first one.
    answer_txt = home / "warm-up-answer.txt"
    answer_txt.write_text(ANSWER_PARTS[0])
    subprocess.run(
        [str(VOICEMOCK), "score", str(answer_txt), "--question", QUESTION_ID, "--json"],
        env=env,
        capture_output=True,
        check=True,
    )
    for _ in range(runs):
        proc = subprocess.Popen(
            [
                str(VOICEMOCK),
                "practice",
                "--no-tui",
                "--no-speak",
                "--follow-ups",
                "0",
                "-q",
                QUESTION_ID,
                "--json",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        asked = threading.Event()
        reported: list[float] = []
        errors: list[bytes] = []

        def read_errors(
            stream: Any = proc.stderr, asked: threading.Event = asked, errors: list[bytes] = errors
        ) -> None:
            for line in stream:
                errors.append(line)
                if b"Answer now" in line:
                    asked.set()

        def read_report(stream: Any = proc.stdout, reported: list[float] = reported) -> None:
            if stream.read(1):
                reported.append(time.monotonic())
            stream.read()

        readers = [threading.Thread(target=read_errors), threading.Thread(target=read_report)]
        for reader in readers:
            reader.start()
        if not asked.wait(120):
            proc.kill()
            raise RuntimeError(f"practice never asked for the answer: {b''.join(errors)!r}")
        feed = microphone.feed_mic(clip)  # the answer, spoken in real time
        feed.process.wait(duration_s + 30)
        time.sleep(0.3)  # the last words reach the recorder
        stopped_at = time.monotonic()
        proc.stdin.write(b"\n")
        proc.stdin.flush()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        for reader in readers:
            reader.join(10)
        if proc.returncode != 0 or not reported:
            raise RuntimeError(f"practice failed: {b''.join(errors)[-600:]!r}")
        totals.append(reported[0] - stopped_at)
        peaks_mb.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return totals, peaks_mb


def time_app_process(
    clip: Path, duration_s: float, runs: int, microphone: VirtualAudioServer, home: Path
) -> tuple[list[float], float]:
    """Stop-to-results seconds of answers given in the app as a user runs it, and its peak MB.

    ``voicemock practice`` runs in its own process on a pseudo-terminal; the answer is spoken
    into the virtual microphone, space stops it, and the clock runs until the results (their
    "Try again" key) are written to the terminal; "t" then answers again, ``runs`` times in all.
    The peak is the process's largest resident set over the whole session.
    """
    env = microphone.client_env()
    env["VOICEMOCK_HOME"] = str(home)
    totals: list[float] = []
    proc, master = spawn_on_terminal(
        ["practice", "--no-speak", "--follow-ups", "0", "-q", QUESTION_ID], env
    )
    try:
        for run in range(runs):
            if run:
                os.write(master, b"t")  # try again
            read_until(master, RECORDING_MARK, 120)
            feed = microphone.feed_mic(clip)  # the answer, spoken in real time
            deadline = time.monotonic() + duration_s + 30
            while feed.process.poll() is None and time.monotonic() < deadline:
                _drain(master, 0.2)  # a terminal not read would stop the app's drawing
            _drain(master, 0.3)  # the last words reach the recorder
            stopped_at = time.monotonic()
            os.write(master, b" ")
            totals.append(read_until(master, RESULTS_MARK, 60) - stopped_at)
    finally:
        peak_mb = end_on_terminal(proc, master)
    return totals, peak_mb


def own_peak_mb() -> float:
    """The largest resident set of this process so far, in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _SilentSpeaker:
    def speak(self, text: str) -> float:
        return 0.0

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        pass


# --------------------------------------------------------------------------- main


def summary(values: list[float]) -> str:
    """Median, min and max in seconds."""
    return (
        f"median {statistics.median(values):.3f} s, min {min(values):.3f} s, "
        f"max {max(values):.3f} s (n={len(values)})"
    )


def main() -> int:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time")
    parser.add_argument(
        "--answers", type=int, default=2, help="60 s answers to time (0: cold start only)"
    )
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    print(f"CPU cores: {os.cpu_count()}, Python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory(prefix="vm-bench-tui-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["VOICEMOCK_HOME"] = str(home)
        time_cold_start(home)  # the first run also warms the OS file cache; not counted
        starts = [time_cold_start(home) for _ in range(args.starts)]
        verdict = "ok" if statistics.median(starts) <= START_TARGET_S else "OVER TARGET"
        print(
            f"cold start to first screen: {summary(starts)}; target <= {START_TARGET_S} s: ", end=""
        )
        print(verdict)
        if args.answers < 1:
            return 0

        cache = Path(tempfile.gettempdir()) / "voicemock-bench"
        cache.mkdir(exist_ok=True)
        clip, duration_s = make_answer(cache)
        print(f"answer clip: {duration_s:.1f} s of speech ({clip})")
        reason = missing_requirements()
        if reason:
            print(f"stop to results: not measured, no virtual microphone: {reason}")
            return 1
        with VirtualAudioServer(sample_rate_hz=16000) as microphone:
            microphone.activate()
            cli_totals, cli_peaks = time_practice_in_terminal(
                clip, duration_s, args.answers, microphone, home
            )
            process_totals, process_peak_mb = time_app_process(
                clip, duration_s, args.answers, microphone, home
            )
            totals, keys = asyncio.run(
                time_stop_to_results(clip, duration_s, args.answers, microphone)
            )
        app_peak_mb = own_peak_mb()
        for where, values in (
            ("the app", totals),
            ("the app in its own process", process_totals),
            ("practice --no-tui", cli_totals),
        ):
            verdict = "ok" if statistics.median(values) <= RESULTS_TARGET_S else "OVER TARGET"
            print(
                f"stop of a {duration_s:.0f} s answer to results, {where}: {summary(values)}; "
                f"target <= {RESULTS_TARGET_S} s: {verdict}"
            )
        if keys:
            print(f"key press answered during the analysis: {summary(keys)}")
        cli_peak_mb = max(cli_peaks)
        for where, peak_mb in (
            ("practice --no-tui process", cli_peak_mb),
            ("the app's own process", process_peak_mb),
            ("the app in this harness process (the harness included)", app_peak_mb),
        ):
            verdict = "ok" if peak_mb <= MEMORY_TARGET_MB else "OVER TARGET"
            print(
                f"peak memory of a practice session, {where}: {peak_mb:.0f} MB; "
                f"target <= {MEMORY_TARGET_MB:.0f} MB: {verdict}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
