"""Text to speech with pyttsx3 (espeak-ng on Linux): synthesise to a WAV, never to the terminal.

pyttsx3 2.99 traps worked around here: ``runAndWait`` returns before the file exists, a reused
engine writes empty files and ignores rate changes, two threads speaking at once hang, and
``say()`` shells out to ``aplay`` and writes to the terminal. So every utterance is synthesised
by a fresh engine in its own short-lived subprocess (killable, output captured), one at a time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from voicemock.errors import TTSUnavailableError

_TTS_LOCK = threading.Lock()  # pyttsx3 hangs when two utterances run at once
_TIMEOUT_S = 60.0

# Runs in a child process: argv = text, out path, voice or "", rate or "".
_CHILD = r"""
import sys, threading, pyttsx3
text, out, voice, rate = sys.argv[1:5]
engine = pyttsx3.init()
if voice:
    engine.setProperty("voice", voice)
if rate:
    engine.setProperty("rate", int(rate))
done = threading.Event()
engine.connect("finished-utterance", lambda name, completed: done.set())
engine.save_to_file(text, out)
engine.runAndWait()
done.wait(30)
"""


def synthesize_to_wav(
    text: str, out_path: Path, *, voice: str | None = None, rate_wpm: int | None = None
) -> Path:
    """Synthesise ``text`` into a WAV file at ``out_path`` and return the path.

    Raises TTSUnavailableError with the reason when no TTS engine can be used.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-c", _CHILD, text, str(out_path), voice or "", str(rate_wpm or "")]
    with _TTS_LOCK:
        try:
            proc = subprocess.run(
                args, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise TTSUnavailableError("text-to-speech did not finish in time") from error
    if proc.returncode != 0 or not out_path.exists() or out_path.stat().st_size <= 44:
        detail = (proc.stderr or "").strip().splitlines()
        reason = detail[-1] if detail else "no audio was produced"
        if "libespeak" in reason or "espeak" in reason.lower():
            reason += " (install espeak-ng: apt-get install libespeak-ng1)"
        raise TTSUnavailableError(f"text-to-speech failed: {reason}")
    return out_path
