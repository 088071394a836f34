"""``voicemock demo``: a sample answer spoken by the built-in voice, played, analysed and scored.

The answer is a clip that ships with voicemock (``audio/demo-answer.ogg``, made by
``audio/make_clips.py`` with the built-in voice): it plays through the speaker, when there is
one, while it is transcribed and scored.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from voicemock.config import Settings
    from voicemock.speech.playback import Player

DEMO_QUESTION_ID = "sac-client-resistance"
DEMO_RATE_WPM = 150
DEMO_CLIP = "demo-answer.ogg"
# The answer plays while it is transcribed: a long device buffer keeps it smooth meanwhile.
PLAYBACK_BUFFER_S = 0.5

# A sample spoken answer in the project's own words, with a few fillers and hedges on purpose.
DEMO_ANSWER = (
    "Um, when a client pushes back, I think the first thing I do is slow down and listen. "
    "Last spring a client in our outpatient group told me the sessions were a waste of his time. "
    "Uh, I asked him what he wanted to get out of treatment, and I acknowledged that he felt "
    "forced to be there. We agreed on one goal he chose himself, keeping his job, and I kept what "
    "he told me private, even from his employer. By the end of the month he was attending every "
    "session, and he later said it was the first time he felt heard."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="try voicemock on a sample spoken answer (made with its own voice)",
        description=(
            "Play a sample answer spoken by the built-in voice, transcribe it offline and score it."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a report")
    parser.add_argument("--no-play", action="store_true", help="don't play the answer")
    parser.set_defaults(func=run)


def demo_clip() -> Path:
    """The shipped sample answer."""
    from voicemock import paths

    return paths.SHIPPED_AUDIO_DIR / DEMO_CLIP


def run(args: argparse.Namespace) -> int:
    """Play the demo clip, analyse it as a recorded answer would be, and print the report."""
    from voicemock.commands.console import make_console
    from voicemock.commands.score import print_score_output
    from voicemock.config import load_settings
    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import analyse_audio

    console = make_console(stderr=True)
    question = load_library().get(DEMO_QUESTION_ID)
    clip = demo_clip()
    console.print(f"Sample answer: {clip}", style="dim", markup=False)
    settings = load_settings()
    player = None if args.json or args.no_play else _start_playing(clip, settings, console)
    try:
        with console.status("Transcribing and scoring (offline)...") as status:
            analysed = analyse_audio(
                clip,
                question,
                settings=settings,
                progress=lambda stage, fraction: status.update(f"{stage.capitalize()}..."),
            )
        if player is not None:
            _wait_for_the_end(player, console)
    finally:
        if player is not None:
            player.stop()
    print_score_output(
        question,
        analysed.transcript,
        analysed.metrics,
        analysed.score,
        as_json=args.json,
        prosody=analysed.prosody,
    )
    return 0


def _start_playing(clip: Path, settings: Settings, console: Console) -> Player | None:
    """Start playing ``clip`` on the settings' speaker; None (and a note) when that fails."""
    from voicemock.errors import VoicemockError

    try:
        from voicemock.speech.devices import NO_SPEAKER
        from voicemock.speech.playback import Player

        player = Player(device=settings.output_device, buffer_s=PLAYBACK_BUFFER_S)
        player.play(clip)
    except (VoicemockError, ImportError, OSError) as error:
        reason = "no speaker found" if str(error) == NO_SPEAKER else str(error)
        console.print(f"Not played: {reason}.", style="dim", markup=False)
        return None
    return player


def _wait_for_the_end(player: Player, console: Console) -> None:
    """Let the answer play to its end before the report scrolls it away; Ctrl+C skips."""
    if not player.is_playing:
        return
    try:
        with console.status("Playing the sample answer (Ctrl+C skips)..."):
            while not player.wait(0.2):
                pass
    except KeyboardInterrupt:
        pass
