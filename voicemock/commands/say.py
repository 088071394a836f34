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
    parser.add_argument(
        "--voice",
        help="voice id or language code, e.g. gmw/en-us or en-us (see --list-voices); "
        "default: from Settings",
    )
    parser.add_argument("--rate", type=_rate, metavar="WPM", help="words per minute (80-400)")
    parser.add_argument("--out", type=Path, metavar="FILE.wav", help="write a WAV, don't play")
    parser.add_argument("--device", help="speaker index or name (see `voicemock devices`)")
    parser.add_argument(
        "--list-voices",
        nargs="?",
        const="",
        default=None,
        metavar="LANG",
        help="list the voices (only those of a language with LANG, e.g. en) and exit",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Speak or synthesise the text; Ctrl+C stops speaking."""
    from voicemock.commands.console import make_console
    from voicemock.config import load_settings
    from voicemock.errors import AudioFileError, TTSUnavailableError
    from voicemock.speech.tts import (
        QuestionSpeaker,
        UnknownVoiceError,
        check_voice,
        synthesize_to_wav,
        tts_available,
    )

    console = make_console(stderr=True)
    if args.list_voices is not None:
        return print_voices(args.list_voices)
    text = " ".join((args.text or "").split())
    if not text:
        raise TTSUnavailableError("nothing to say: give the text, e.g. voicemock say 'Hello'")
    settings = load_settings()
    voice = args.voice or settings.voice
    if voice:
        try:
            voice = check_voice(voice)
        except UnknownVoiceError as error:
            if args.voice:
                raise
            raise UnknownVoiceError(f"{error} (the voice is set in Settings)") from error
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


def print_voices(language_prefix: str) -> int:
    """Print the voices (those of one language when a prefix is given) as a table."""
    from rich import box
    from rich.table import Table

    from voicemock.commands.console import make_console
    from voicemock.errors import TTSUnavailableError
    from voicemock.speech.tts import list_voices, tts_available, voices_for_language

    ok, reason = tts_available()
    if not ok:
        raise TTSUnavailableError(f"text-to-speech is unavailable: {reason}")
    voices = list_voices()
    if language_prefix:
        voices = voices_for_language(voices, language_prefix)
        if not voices:
            raise TTSUnavailableError(
                f"no voice speaks a language starting with {language_prefix!r}: "
                "`voicemock say --list-voices` lists them all"
            )
    elif not voices:
        raise TTSUnavailableError("the text-to-speech engine offers no voices")
    console = make_console()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("VOICE", no_wrap=True)
    table.add_column("LANGUAGE", no_wrap=True)
    table.add_column("NAME")
    for info in voices:
        table.add_row(info.id, ", ".join(info.languages), info.name)
    console.print(table)
    sample = next((v for v in voices if v.languages), voices[0])
    example = f"--voice {sample.id}"
    if sample.languages:
        example += f" or --voice {sample.languages[0]}"
    console.print(
        f"--voice takes either column, e.g. {example}",
        markup=False,
        highlight=False,
    )
    return 0
