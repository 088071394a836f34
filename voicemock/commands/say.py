"""``voicemock say``: speak a text aloud with the question voice, or save it as a WAV."""

from __future__ import annotations

import argparse
from pathlib import Path


def _rate(text: str) -> int:
    value = int(text)
    if not 80 <= value <= 400:
        raise argparse.ArgumentTypeError("the rate must be 80-400 words per minute")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``say`` subcommand."""
    parser = subparsers.add_parser(
        "say",
        help="speak a text with the question voice (or write it to a WAV)",
        description="Speak TEXT aloud with the voice used for questions, or save it with --out.",
    )
    parser.add_argument("text", nargs="?", metavar="TEXT", help="what to say")
    parser.add_argument("--voice", help="voice id (see --list-voices); default: from Settings")
    parser.add_argument("--rate", type=_rate, metavar="WPM", help="words per minute (80-400)")
    parser.add_argument("--out", type=Path, metavar="FILE.wav", help="write a WAV, don't play")
    parser.add_argument("--device", help="speaker index or name (see `voicemock devices`)")
    parser.add_argument("--list-voices", action="store_true", help="list the voices and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Speak or synthesise the text; Ctrl+C stops speaking."""
    from rich.console import Console

    from voicemock.config import load_settings
    from voicemock.errors import AudioFileError, TTSUnavailableError
    from voicemock.speech.tts import QuestionSpeaker, list_voices, synthesize_to_wav, tts_available

    console = Console(stderr=True)
    if args.list_voices:
        ok, reason = tts_available()
        if not ok:
            raise TTSUnavailableError(f"text-to-speech is unavailable: {reason}")
        for info in list_voices():
            languages = ", ".join(info.languages)
            print(f"{info.id}\t{info.name}" + (f"\t{languages}" if languages else ""))
        return 0
    text = " ".join((args.text or "").split())
    if not text:
        raise TTSUnavailableError("nothing to say: give the text, e.g. voicemock say 'Hello'")
    settings = load_settings()
    voice = args.voice or settings.voice
    rate_wpm = args.rate or settings.rate_wpm
    if args.out is not None:
        out = Path(args.out)
        if out.suffix.lower() != ".wav":
            raise AudioFileError(f"--out writes a WAV file: use a name ending in .wav ({out})")
        if out.is_dir():
            raise AudioFileError(f"--out {out} is a folder: give a file name ending in .wav")
        ok, reason = tts_available()
        if not ok:
            raise TTSUnavailableError(f"text-to-speech is unavailable: {reason}")
        synthesize_to_wav(text, out, voice=voice, rate_wpm=rate_wpm)
        print(out)
        return 0
    device = args.device if args.device is not None else settings.output_device
    speaker = QuestionSpeaker(voice=voice, rate_wpm=rate_wpm, device=device)
    try:
        duration_s = speaker.speak(text)
        console.print(f"[dim]Speaking ({duration_s:.1f} s)... Ctrl+C stops.[/dim]")
        speaker.wait()
    except KeyboardInterrupt:
        speaker.stop()
        raise
    return 0
