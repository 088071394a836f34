"""``voicemock demo``: a sample answer spoken by the built-in voice, analysed and scored."""

from __future__ import annotations

import argparse

DEMO_QUESTION_ID = "sac-client-resistance"

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
        description="Synthesise a sample answer, transcribe it offline and score it.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a report")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Make the demo clip, analyse it as a recorded answer would be, and print the report."""
    from rich.console import Console

    from voicemock import paths
    from voicemock.commands.score import print_score_output
    from voicemock.config import load_settings
    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import analyse_audio
    from voicemock.speech.tts import synthesize_to_wav

    console = Console(stderr=True)
    question = load_library().get(DEMO_QUESTION_ID)
    clip = paths.cache_dir() / "demo-answer.wav"
    if not clip.exists():
        with console.status("Speaking a sample answer with the built-in voice..."):
            synthesize_to_wav(DEMO_ANSWER, clip, rate_wpm=150)
    console.print(f"Sample answer: {clip}", style="dim", markup=False)
    settings = load_settings()
    with console.status("Transcribing and scoring (offline)...") as status:
        analysed = analyse_audio(
            clip,
            question,
            settings=settings,
            progress=lambda stage, fraction: status.update(f"{stage.capitalize()}..."),
        )
    print_score_output(
        question, analysed.transcript, analysed.metrics, analysed.score, as_json=args.json
    )
    return 0
