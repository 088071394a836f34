"""Make the clips in this folder with voicemock's own voice (espeak-ng through pyttsx3).

    .venv/bin/python audio/make_clips.py

Every clip is 16 kHz mono. The output depends on the installed espeak-ng version, so the
committed clips are only re-made on purpose (and then checked in again).
"""

from __future__ import annotations

import struct
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from voicemock.commands.demo import DEMO_ANSWER, DEMO_RATE_WPM
from voicemock.core.models import SAMPLE_RATE_HZ
from voicemock.speech.audio_io import load_audio
from voicemock.speech.tts import synthesize_to_wav

HERE = Path(__file__).resolve().parent
SHORT_ANSWER = (
    "Last spring I listened to a client who wanted to quit, and we agreed on one small goal."
)
SHORT_RATE_WPM = 160
SILENCE_S = 1.0
TRUNCATED_AT_S = 2.0
# Vorbis quality 0..1: 0.3 keeps every word Whisper hears in the WAV and the file ~5x smaller.
DEMO_QUALITY = 0.3


def spoken(text: str, rate_wpm: int, folder: Path) -> np.ndarray:
    """``text`` spoken by the project's voice, as 16 kHz mono float32."""
    wav = synthesize_to_wav(text, folder / "speech.wav", rate_wpm=rate_wpm)
    return load_audio(wav)


def write_truncated(samples: np.ndarray, out: Path) -> None:
    """A recording cut off by a crash before its WAV header was first updated: sizes are 0."""
    sf.write(str(out), samples, SAMPLE_RATE_HZ, subtype="PCM_16")
    data = bytearray(out.read_bytes())
    data[4:8] = struct.pack("<I", 36)  # RIFF size of a header with an empty data chunk
    at = data.index(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", 0)
    out.write_bytes(bytes(data))


def main() -> None:
    """Write every clip next to this script."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = spoken(DEMO_ANSWER, DEMO_RATE_WPM, folder)
        sf.write(
            str(HERE / "demo-answer.ogg"),
            demo,
            SAMPLE_RATE_HZ,
            format="OGG",
            subtype="VORBIS",
            compression_level=1.0 - DEMO_QUALITY,
        )
        short = spoken(SHORT_ANSWER, SHORT_RATE_WPM, folder)
        sf.write(str(HERE / "short-answer.wav"), short, SAMPLE_RATE_HZ, subtype="PCM_16")
        write_truncated(short[: round(TRUNCATED_AT_S * SAMPLE_RATE_HZ)], HERE / "truncated.wav")
    silence = np.zeros(round(SILENCE_S * SAMPLE_RATE_HZ), dtype=np.float32)
    sf.write(str(HERE / "silence.wav"), silence, SAMPLE_RATE_HZ, subtype="PCM_16")
    for path in sorted(HERE.iterdir()):
        if path.suffix in (".wav", ".ogg"):
            info = sf.info(str(path))
            print(
                f"{path.name}: {info.frames / info.samplerate:.1f} s, {path.stat().st_size} bytes"
            )


if __name__ == "__main__":
    sys.exit(main())
