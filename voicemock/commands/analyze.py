"""``voicemock analyze FILE``: transcribe a recorded answer offline and show its delivery."""

from __future__ import annotations

import argparse

from voicemock.commands.options import ENGINE_CHOICES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``analyze`` subcommand."""
    parser = subparsers.add_parser(
        "analyze",
        help="transcribe an audio file and show fillers, hedges, pauses and pace",
        description=(
            "Transcribe a recorded answer (WAV, FLAC, OGG or MP3) offline with word timings, "
            "mark fillers, hedges and long pauses, and measure the delivery."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the recording to analyse")
    parser.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        default=None,
        help="transcription engine (default: the one in settings, faster-whisper)",
    )
    parser.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="Whisper model: tiny.en (default), base, or a CTranslate2 model directory",
    )
    parser.add_argument(
        "--channel",
        default=None,
        metavar="left|right",
        help="analyse one channel of a stereo file instead of the down-mix",
    )
    parser.add_argument(
        "--all-metrics",
        action="store_true",
        help="show every delivery figure (by default the core ones; --json has them all)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the transcript and metrics as JSON"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Transcribe the file with a progress display, then print the analysis or JSON."""
    import json
    import sys
    from pathlib import Path

    from rich.text import Text

    from voicemock.commands.console import make_console
    from voicemock.commands.render import (
        analysis_json,
        channel_label,
        probe_audio,
        render_analysis,
        transcribe_audio_with_progress,
    )
    from voicemock.commands.score import ALL_METRICS_HINT
    from voicemock.config import load_settings
    from voicemock.core.prosody import sounded
    from voicemock.pipeline import measure_and_score
    from voicemock.speech.audio_io import check_audio_file, parse_channel

    settings = load_settings()
    path = Path(args.file)
    status = make_console(stderr=True)
    channel = args.channel
    parse_channel(channel)  # a misspelt channel fails before anything is read
    check_audio_file(path)  # before the header is read: a named pipe would block it
    probe = probe_audio(path)
    if channel is not None and probe.channels == 1:
        status.print(Text(f"{path.name} is mono: --channel {channel} ignored.", style="yellow"))
        channel = None
    transcript, samples = transcribe_audio_with_progress(
        path,
        engine=args.engine or settings.engine,
        model=args.model or settings.model,
        channel=channel,
        console=status,
        probe=probe,
    )
    prosody = sounded(samples, transcript)
    metrics = measure_and_score(transcript, None, settings, prosody=prosody).metrics
    if args.json:
        data = analysis_json(transcript, metrics, prosody)
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    render_analysis(
        make_console(),
        transcript,
        metrics,
        heading=str(path),
        all_metrics=args.all_metrics,
        audio_label=channel_label(probe, channel),
        more_hint=ALL_METRICS_HINT,
        prosody=prosody,
        delivery_steps=True,
    )
    return 0
