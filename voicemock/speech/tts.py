"""Text to speech with pyttsx3 (espeak-ng on Linux): synthesise to a WAV, never to the terminal.

``QuestionSpeaker`` reads a question aloud: the prompt is synthesised once into a cached WAV and
played with :class:`voicemock.speech.playback.Player`, so it can be stopped at any moment.

pyttsx3 2.99 traps worked around here: ``runAndWait`` returns before the file exists, a reused
engine writes empty files and ignores rate changes, two threads speaking at once hang, and
``say()`` shells out to ``aplay`` and writes to the terminal. So every utterance is synthesised
by a fresh engine in its own short-lived subprocess (killable, output captured), one at a time.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voicemock import paths
from voicemock.errors import AudioFileError, TTSUnavailableError

if TYPE_CHECKING:
    from voicemock.speech.playback import Player

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

    The file appears whole or not at all (written beside it, then renamed). Raises
    TTSUnavailableError with the reason when no TTS engine can be used, AudioFileError when
    ``out_path`` cannot be written.
    """
    out_path = Path(out_path)
    if out_path.is_dir():
        raise AudioFileError(f"{out_path} is a folder: give a file name ending in .wav")
    partial = out_path.with_name(
        f"{out_path.stem}.{os.getpid()}.{threading.get_ident()}.partial.wav"
    )
    args = [sys.executable, "-c", _CHILD, text, str(partial), voice or "", str(rate_wpm or "")]
    try:
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            partial.touch()  # a folder that takes no file fails here, not inside the engine
        except OSError as error:
            raise AudioFileError(f"cannot write {out_path}: {error.strerror or error}") from error
        with _TTS_LOCK:
            try:
                proc = subprocess.run(
                    args, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
                )
            except subprocess.TimeoutExpired as error:
                raise TTSUnavailableError("text-to-speech did not finish in time") from error
        if proc.returncode != 0 or not partial.is_file() or partial.stat().st_size <= 44:
            detail = (proc.stderr or "").strip().splitlines()
            reason = detail[-1] if detail else "no audio was produced"
            if "libespeak" in reason or "espeak" in reason.lower():
                reason += " (install espeak-ng: apt-get install libespeak-ng1)"
            raise TTSUnavailableError(f"text-to-speech failed: {reason}")
        try:
            partial.replace(out_path)
        except OSError as error:
            raise AudioFileError(f"cannot write {out_path}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return out_path


# Runs in a child process: prints the voices as JSON lines (id, name, languages).
_VOICES_CHILD = r"""
import json, pyttsx3
engine = pyttsx3.init()
for voice in engine.getProperty("voices"):
    langs = [l.decode(errors="replace") if isinstance(l, bytes) else str(l)
             for l in (voice.languages or [])]
    print(json.dumps({"id": voice.id, "name": voice.name or voice.id, "languages": langs}))
"""

_ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak.so.1")


LIST_VOICES_HINT = "`voicemock say --list-voices` lists them"


class UnknownVoiceError(TTSUnavailableError):
    """The requested voice is not one the text-to-speech engine offers."""


@dataclass(frozen=True)
class VoiceInfo:
    """A TTS voice: ``id`` is what Settings.voice and ``--voice`` take (a language code too)."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


def _id_tail(voice: VoiceInfo) -> str:
    return voice.id.casefold().rsplit("/", 1)[-1]


def resolve_voice(requested: str, voices: Sequence[VoiceInfo]) -> VoiceInfo | None:
    """The voice ``requested`` names: its id, a language code (en-us) or its name, any case.

    The id wins over a language, a language over a name; None when nothing matches.
    """
    wanted = requested.strip().casefold()
    if not wanted:
        return None
    tests = (
        lambda v: v.id.casefold() == wanted,
        lambda v: wanted in (language.casefold() for language in v.languages),
        lambda v: _id_tail(v) == wanted,  # espeak-ng: "en-us" for "gmw/en-us"
        lambda v: v.name.casefold() == wanted,
    )
    for test in tests:
        found = next((v for v in voices if test(v)), None)
        if found is not None:
            return found
    return None


def voices_for_language(voices: Sequence[VoiceInfo], prefix: str) -> list[VoiceInfo]:
    """The voices whose language starts with ``prefix`` ("en" finds en-us, en-gb ...)."""
    wanted = prefix.strip().casefold()
    return [
        v
        for v in voices
        if any(language.casefold().startswith(wanted) for language in v.languages)
        or (not v.languages and _id_tail(v).startswith(wanted))
    ]


def check_voice(requested: str, voices: Sequence[VoiceInfo] | None = None) -> str:
    """The engine's id of the voice ``requested`` names (see resolve_voice).

    Raises UnknownVoiceError, with a close match when there is one, when the engine has no
    such voice. When the voices cannot be listed (no TTS here) the request is returned as it
    is, and synthesis says what is wrong.
    """
    known = list_voices() if voices is None else list(voices)
    if not known:
        return requested
    found = resolve_voice(requested, known)
    if found is not None:
        return found.id
    names = sorted({v.id for v in known} | {lang for v in known for lang in v.languages})
    close = difflib.get_close_matches(requested.strip().casefold(), names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UnknownVoiceError(f"unknown voice {requested!r}{hint}: {LIST_VOICES_HINT}")


def tts_available() -> tuple[bool, str]:
    """Whether text-to-speech can work here, and the reason (with the fix) when it cannot."""
    if importlib.util.find_spec("pyttsx3") is None:
        return False, "pyttsx3 is not installed (pip install pyttsx3==2.99)"
    if sys.platform.startswith("linux"):
        import ctypes

        for name in _ESPEAK_LIBRARIES:
            try:
                ctypes.CDLL(name)
            except OSError:
                continue
            return True, f"pyttsx3 with espeak-ng ({name})"
        return False, "libespeak-ng is missing (apt-get install libespeak-ng1 espeak-ng)"
    return True, "pyttsx3 with the system voice"


def list_voices() -> list[VoiceInfo]:
    """The voices the TTS engine offers (empty when TTS is unavailable)."""
    ok, _ = tts_available()
    if not ok:
        return []
    with _TTS_LOCK:
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _VOICES_CHILD],
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return []
    voices = []
    for line in proc.stdout.splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue  # pyttsx3 or the driver may print other lines
        if isinstance(data, dict) and data.get("id"):
            langs = tuple(str(lang) for lang in data.get("languages", []))
            voices.append(VoiceInfo(str(data["id"]), str(data.get("name") or data["id"]), langs))
    return voices


def prompt_cache_key(text: str, voice: str | None, rate_wpm: int | None) -> str:
    """The cache file stem for a spoken prompt: a hash of everything that changes the audio."""
    payload = json.dumps([text, voice or "", rate_wpm or 0], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


class QuestionSpeaker:
    """Reads questions aloud: synthesises each once into a cached WAV, plays it with a Player.

    Never uses pyttsx3's ``say()`` (it writes to the terminal). Raises TTSUnavailableError when
    speech cannot be made; callers then show the question with a notice.
    """

    def __init__(
        self,
        voice: str | None = None,
        rate_wpm: int | None = None,
        device: str | int | None = None,
        player: Player | None = None,
    ) -> None:
        """A speaker with a voice id, a rate in words per minute and an output device."""
        self.voice = voice or None
        self.rate_wpm = rate_wpm
        self.device = device
        self._player = player
        self._lock = threading.Lock()

    @property
    def player(self) -> Player:
        """The Player used for speaking (created on first use)."""
        with self._lock:
            if self._player is None:
                from voicemock.speech.playback import Player

                self._player = Player(self.device)
            return self._player

    def available(self) -> tuple[bool, str]:
        """Whether speech can be synthesised here, and why not."""
        return tts_available()

    def list_voices(self) -> list[VoiceInfo]:
        """The voices the engine offers."""
        return list_voices()

    def prompt_wav(self, text: str) -> Path:
        """The WAV of ``text`` spoken with this voice and rate (synthesised once, then cached)."""
        text = " ".join(text.split())
        if not text:
            raise TTSUnavailableError("there is no text to speak")
        key = prompt_cache_key(text, self.voice, self.rate_wpm)
        path = paths.cache_dir() / "prompts" / f"{key}.wav"
        if path.is_file() and path.stat().st_size > 44:
            return path
        ok, reason = tts_available()
        if not ok:
            raise TTSUnavailableError(f"text-to-speech is unavailable: {reason}")
        return synthesize_to_wav(text, path, voice=self.voice, rate_wpm=self.rate_wpm)

    def speak(self, text: str) -> float:
        """Start speaking ``text`` (returns at once) and return its duration in seconds.

        Raises TTSUnavailableError (no TTS) or AudioDeviceError (no speaker).
        """
        wav = self.prompt_wav(text)
        return self.player.play(wav)

    @property
    def is_speaking(self) -> bool:
        """True while a question is being spoken."""
        return self._player is not None and self._player.is_playing

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until speaking ends; True when it has."""
        return self._player is None or self._player.wait(timeout)

    def stop(self) -> None:
        """Stop speaking now."""
        if self._player is not None:
            self._player.stop()
