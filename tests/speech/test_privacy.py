"""Nothing leaves the machine and nothing is written outside the data folder: checked with strace.

Each run is a real voicemock process (the app starting up with its real model warm-up, `score`
with the embedding model, `analyze`, `sessions recover`, `practice --no-tui` on the virtual
sound devices, `doctor`) under ``strace -f``. The environment it gets has none of the switches
voicemock sets for itself (``ORT_DISABLE_TELEMETRY``, ``HF_HUB_OFFLINE``...), so the package
has to set them on its own, and HOME and XDG_CACHE_HOME point at an empty folder that must stay
empty (onnxruntime's telemetry wrote ``~/.cache/Microsoft/DeveloperTools`` there).

The traces must show no AF_INET/AF_INET6 socket, no name lookup (no resolver configuration
read, no nscd or systemd-resolved socket, no netlink socket of getaddrinfo), and no file
created or written outside the data folder (besides devices and shared-memory semaphores).

The sandbox is a desktop session's: a runtime folder (XDG_RUNTIME_DIR) and a configuration
folder outside HOME that already holds the PulseAudio client cookie, as every desktop with
PulseAudio has (without one, the sound library itself would create it on first use).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.fixtures.sound_server import VirtualAudioServer
from voicemock.privacy import OFFLINE_ENVIRONMENT

REPO = Path(__file__).resolve().parents[2]
SHIPPED_ANSWER = REPO / "audio" / "short-answer.wav"  # the project's own spoken answer
QUESTION_ID = "sac-client-resistance"
RUN_TIMEOUT_S = 300
STRACE = shutil.which("strace")

# Lines of a trace that mean the network was used or a host name was looked up.
NETWORK_SOCKET = re.compile(r"socket\((?:AF|PF)_INET6?\b")
LOOKUP_SIGNS = (
    re.compile(r'"/etc/resolv\.conf"'),
    re.compile(r'"/etc/gai\.conf"'),
    re.compile(r"nscd/socket"),
    re.compile(r"/run/systemd/resolve"),
    re.compile(r"socket\(AF_NETLINK, [^)]*NETLINK_ROUTE"),  # getaddrinfo's AI_ADDRCONFIG
    re.compile(r"htons\(53\)"),
)
# A syscall that creates or changes a file: the path it names, when it worked.
_WRITE_CALL = re.compile(
    r'(?:openat\([^"]*"(?P<open>[^"]+)"[^)]*O_(?:WRONLY|RDWR|CREAT)'
    r"|(?:mkdir|mkdirat|unlink|unlinkat|rmdir|symlink|symlinkat|link|linkat|creat|truncate"
    r'|rename|renameat|renameat2|chmod|fchmodat)\([^"]*"(?P<other>[^"]+)")'
)
ALLOWED_WRITE_PREFIXES = ("/dev/",)  # /dev/null, /dev/tty, /dev/shm semaphores


def strace_problem() -> str | None:
    """Why strace cannot trace here (missing, or ptrace not allowed), or None."""
    if STRACE is None:
        return "strace is not installed (./dev.sh test installs it)"
    probe = subprocess.run(
        [STRACE, "-f", "-qq", "-e", "trace=network", "-o", "/dev/null", "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"strace cannot trace here: {probe.stderr.strip()[:200]}"
    return None


_CANNOT_TRACE = strace_problem()
pytestmark = pytest.mark.skipif(_CANNOT_TRACE is not None, reason=str(_CANNOT_TRACE))


@dataclass
class TracedRun:
    """A finished voicemock process and its trace."""

    returncode: int
    stdout: str
    stderr: str
    trace: str


@dataclass
class Sandbox:
    """An empty HOME (with XDG_CACHE_HOME inside it), a data folder, a desktop's folders."""

    home: Path
    data: Path
    runtime: Path
    config: Path
    base_env: dict[str, str]

    def env(self) -> dict[str, str]:
        env = dict(self.base_env)
        for name in OFFLINE_ENVIRONMENT:  # voicemock must set these itself
            env.pop(name, None)
        for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "HF_HOME", "PULSE_COOKIE"):
            env.pop(name, None)
        env.update(
            HOME=str(self.home),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_RUNTIME_DIR=str(self.runtime),  # a desktop session has one
            XDG_CONFIG_HOME=str(self.config),
            VOICEMOCK_HOME=str(self.data),
            COLUMNS="120",
        )
        return env


@pytest.fixture
def sandbox(tmp_path: Path, virtual_audio: VirtualAudioServer) -> Sandbox:
    for name in ("home", "data", "runtime", "config"):
        (tmp_path / name).mkdir(mode=0o700)
    (tmp_path / "config" / "pulse").mkdir(mode=0o700)
    (tmp_path / "config" / "pulse" / "cookie").write_bytes(bytes(range(256)))
    return Sandbox(
        tmp_path / "home",
        tmp_path / "data",
        tmp_path / "runtime",
        tmp_path / "config",
        virtual_audio.client_env(),
    )


def traced_command(sandbox: Sandbox, trace_path: Path, argv: Sequence[str]) -> list[str]:
    assert STRACE is not None
    return [
        STRACE,
        "-f",
        "-qq",
        "-s",
        "256",
        "-e",
        "trace=network,openat,mkdir,mkdirat,unlink,unlinkat,rmdir,symlink,symlinkat,link,"
        "linkat,creat,truncate,rename,renameat,renameat2,chmod,fchmodat",
        "-o",
        str(trace_path),
        *argv,
    ]


def run_traced(
    sandbox: Sandbox,
    argv: Sequence[str],
    *,
    during: Callable[[subprocess.Popen[str], list[str]], None] | None = None,
) -> TracedRun:
    """Run ``argv`` (a python program) under strace in the sandbox; ``during`` drives it."""
    trace_path = sandbox.runtime.parent / f"trace-{time.monotonic_ns()}.txt"
    proc = subprocess.Popen(
        traced_command(sandbox, trace_path, argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sandbox.env(),
        cwd=sandbox.runtime.parent,
    )
    out: list[str] = []
    err: list[str] = []

    def read(stream: IO[str] | None, into: list[str]) -> None:
        assert stream is not None
        for line in stream:
            into.append(line)

    readers = [
        threading.Thread(target=read, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=read, args=(proc.stderr, err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        if during is not None:
            during(proc, err)
        code = proc.wait(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    for reader in readers:
        reader.join(timeout=10)
    return TracedRun(code, "".join(out), "".join(err), trace_path.read_text(errors="replace"))


def voicemock(*args: str) -> list[str]:
    return [sys.executable, "-m", "voicemock", *args]


def assert_offline_and_contained(run: TracedRun, sandbox: Sandbox) -> None:
    """No network, no name lookup, nothing written outside the data folder; HOME still empty."""
    network = [line for line in run.trace.splitlines() if NETWORK_SOCKET.search(line)]
    assert not network, "a network socket was opened:\n" + "\n".join(network[:5])
    lookups = [
        line
        for line in run.trace.splitlines()
        if any(sign.search(line) for sign in LOOKUP_SIGNS) and "ENOENT" not in line
    ]
    assert not lookups, "a host name was looked up:\n" + "\n".join(lookups[:5])
    allowed = (str(sandbox.data), str(sandbox.runtime), *ALLOWED_WRITE_PREFIXES)
    written = set()
    for line in run.trace.splitlines():
        match = _WRITE_CALL.search(line)
        if match is None or "= -1 " in line:
            continue
        path = match.group("open") or match.group("other")
        if path.startswith(allowed) or "/__pycache__/" in path or not path.startswith("/"):
            continue
        written.add(path)
    assert not written, f"written outside the data folder: {sorted(written)[:10]}"
    left = sorted(str(p.relative_to(sandbox.home)) for p in sandbox.home.rglob("*"))
    assert left == [], f"HOME (and XDG_CACHE_HOME) should stay empty, found {left[:10]}"


# ------------------------------------------------------------------------------ the runs

_APP_START = """
import asyncio, sys
from voicemock.ui.app import make_app

async def main() -> int:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(1200):  # the real warm-up: Whisper and the embedding model load
            if app.warm_state in ("ready", "failed") and app.library is not None:
                break
            await pilot.pause(0.1)
        print("warm-up:", app.warm_state, "questions:", len(app.library.questions))
        return 0 if app.warm_state == "ready" else 1

sys.exit(asyncio.run(main()))
"""


def test_app_start_up_stays_offline(sandbox: Sandbox) -> None:
    run = run_traced(sandbox, [sys.executable, "-c", _APP_START])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warm-up: ready" in run.stdout
    assert_offline_and_contained(run, sandbox)


def test_score_with_the_embedding_model_stays_offline(sandbox: Sandbox) -> None:
    answer = sandbox.runtime.parent / "answer.txt"
    answer.write_text(
        "When a client pushed back on treatment, I listened first and asked what mattered to "
        "him. We agreed on one goal he chose, and he came to every session after that.\n",
        encoding="utf-8",
    )
    run = run_traced(sandbox, voicemock("score", str(answer), "-q", QUESTION_ID, "--json"))
    assert run.returncode == 0, run.stderr
    assert '"used_embeddings": true' in run.stdout
    assert_offline_and_contained(run, sandbox)


def test_analyze_and_recover_stay_offline(sandbox: Sandbox) -> None:
    run = run_traced(sandbox, voicemock("analyze", str(SHIPPED_ANSWER)))
    assert run.returncode == 0, run.stderr
    assert_offline_and_contained(run, sandbox)

    kept = sandbox.runtime.parent / f"20260102-030405-000006-{QUESTION_ID}.wav"
    shutil.copyfile(SHIPPED_ANSWER, kept)
    run = run_traced(sandbox, voicemock("sessions", "recover", str(kept)))
    assert run.returncode == 0, run.stderr
    assert "Saved as attempt" in run.stderr
    assert_offline_and_contained(run, sandbox)


def test_doctor_stays_offline(sandbox: Sandbox) -> None:
    run = run_traced(sandbox, voicemock("doctor"))
    assert "Session store" in run.stdout, run.stdout + run.stderr
    assert_offline_and_contained(run, sandbox)


def test_practice_on_the_virtual_devices_stays_offline(
    sandbox: Sandbox, virtual_audio: VirtualAudioServer, make_speech_16k: Callable[..., Path]
) -> None:
    answer = make_speech_16k(
        "When a client pushed back, I listened first and asked what mattered to him. "
        "We agreed on one goal, and he came to every session after that.",
        rate_wpm=160,
    )

    def speak_the_answer(proc: subprocess.Popen[str], stderr: list[str]) -> None:
        deadline = time.monotonic() + 120
        while not any("Recording to" in line for line in stderr):
            assert proc.poll() is None, "".join(stderr)
            assert time.monotonic() < deadline, "never started recording: " + "".join(stderr)
            time.sleep(0.05)
        virtual_audio.feed_mic(answer, block=True)

    run = run_traced(
        sandbox,
        voicemock(
            "practice",
            "--question",
            QUESTION_ID,
            "--no-tui",
            "--silence-stop",
            "1.5",
            "--max-seconds",
            "60",
            "--follow-ups",
            "0",
        ),
        during=speak_the_answer,
    )
    assert run.returncode == 0, run.stderr
    assert "listened" in run.stdout.lower()
    assert_offline_and_contained(run, sandbox)
