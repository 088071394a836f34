"""``voicemock score FILE --question ID``: score a recorded or typed answer against a rubric."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.commands.options import ENGINE_CHOICES
from voicemock.errors import VoicemockError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from voicemock.core.models import DeliveryMetrics, Evidence, ScoreReport, Transcript
    from voicemock.core.rubric_schema import Question
    from voicemock.core.rubrics import LoadedQuestion

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
# Text files larger than this are not answers (a 5-minute answer is ~5 KB).
MAX_TEXT_BYTES = 1_000_000
_LEVEL_STYLES = {0: "red", 1: "yellow", 2: "yellow", 3: "green", 4: "bold green"}


class TranscriptFileError(VoicemockError):
    """A typed transcript file is missing, unreadable, empty or not text."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``score`` subcommand."""
    parser = subparsers.add_parser(
        "score",
        help="score an answer (audio or a .txt/.md transcript) against a question's rubric",
        description=(
            "Score an answer against the rubric of one question, offline: each competency gets "
            "a level 0-4 with the sentences that earned it, the answer's specific example is "
            "broken into situation, task, action and result, and the next steps are listed. "
            "FILE is a recording (transcribed locally) or a .txt/.md transcript."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the recording or transcript to score")
    parser.add_argument(
        "--question",
        "-q",
        required=True,
        metavar="ID",
        help="the question id (`voicemock questions` lists them)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        default=None,
        help="transcription engine for audio (default: the one in settings)",
    )
    parser.add_argument(
        "--model", default=None, metavar="NAME", help="Whisper model for audio (default: tiny.en)"
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="score on lexical signals only (skip the sentence-embedding model)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help='print {"transcript", "metrics", "score"} as JSON'
    )
    output.add_argument("--markdown", action="store_true", help="print a Markdown report")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the question, read or transcribe the answer, measure, score and print."""
    from rich.console import Console

    from voicemock.config import load_settings
    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import measure_and_score

    # The question first: a typo in the id fails at once, before any model loads.
    loaded = load_library().get(args.question)
    settings = load_settings()
    path = Path(args.file)
    status = Console(stderr=True)
    if path.suffix.lower() in TEXT_SUFFIXES:
        transcript = read_transcript_file(path)
    else:
        from voicemock.commands.render import transcribe_with_progress

        transcript = transcribe_with_progress(
            path, engine=args.engine or settings.engine, model=args.model or settings.model
        )

    if args.no_embeddings:
        settings = settings.model_copy(update={"use_embeddings": False})
    with status.status("Scoring against the rubric..."):
        analysed = measure_and_score(transcript, loaded, settings)
    print_score_output(
        loaded,
        transcript,
        analysed.metrics,
        analysed.score,
        as_json=args.json,
        as_markdown=args.markdown,
    )
    return 0


def read_transcript_file(path: Path) -> Transcript:
    """A typed answer from a .txt/.md file as an untimed transcript (Markdown marks removed)."""
    from voicemock.core.models import Transcript

    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise TranscriptFileError(f"{path}: too large for an answer (over 1 MB)")
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise TranscriptFileError(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise TranscriptFileError(f"{path}: is a directory, not a transcript") from error
    except OSError as error:
        raise TranscriptFileError(f"{path}: cannot read it ({error.strerror})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TranscriptFileError(f"{path}: not a UTF-8 text file") from error
    if "\x00" in text:
        raise TranscriptFileError(f"{path}: not a text file")
    if path.suffix.lower() in {".md", ".markdown"}:
        text = strip_markdown(text)
    transcript = Transcript.from_text(reflow(text))
    if not transcript.words:
        raise TranscriptFileError(f"{path}: the file has no words to score")
    return transcript


def reflow(text: str) -> str:
    """Join hard-wrapped lines; paragraphs stay apart (a blank line ends a sentence)."""
    import re

    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def strip_markdown(text: str) -> str:
    """Plain prose from Markdown: headings dropped; list marks, quotes and emphasis removed."""
    import re

    lines = []
    for line in text.splitlines():
        if re.match(r"^\s{0,3}#{1,6}\s", line):
            lines.append("")  # a heading is a title, not part of the answer
            continue
        item = re.match(r"^\s*([-*+]|\d+[.)])\s+", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line[item.end() :] if item else line)
        line = re.sub(r"(\*\*|__|\*|`)", "", line)
        if item:
            lines.extend(["", line, ""])  # each list item is a sentence of its own
        else:
            lines.append(line)
    return "\n".join(lines)


def score_json(
    transcript: Transcript, metrics: DeliveryMetrics, score: ScoreReport | None
) -> dict[str, Any]:
    """{"transcript", "metrics", "score"} as one JSON-able dict."""
    return {
        "transcript": transcript.to_dict(),
        "metrics": metrics.to_dict(),
        "score": None if score is None else score.to_dict(),
    }


def print_score_output(
    question: LoadedQuestion | Question,
    transcript: Transcript,
    metrics: DeliveryMetrics,
    score: ScoreReport | None,
    *,
    as_json: bool = False,
    as_markdown: bool = False,
    console: Console | None = None,
) -> None:
    """Print an analysed answer as JSON, as Markdown, or as a rich report on the terminal."""
    import json

    from voicemock.core.rubric_schema import Question

    q = question if isinstance(question, Question) else question.question
    if as_json:
        data = score_json(transcript, metrics, score)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    if as_markdown:
        from voicemock.core.report import markdown_report

        sys.stdout.write(markdown_report(q, transcript, metrics, score))
        return

    from rich.console import Console

    from voicemock.commands.render import render_analysis

    console = console or Console()
    render_analysis(console, transcript, metrics, heading=q.text)
    console.print()
    if score is None:
        console.print("[dim]No rubric score for this answer.[/dim]")
        return
    render_score(console, score)


def _level_bar(level: int) -> Text:
    from rich.text import Text

    style = _LEVEL_STYLES.get(level, "")
    return Text.assemble(("■" * level, style), ("□" * (4 - level), "dim"))


def _evidence_text(items: Sequence[Evidence]) -> Text:
    """One sentence with every reason it counted (or counted against)."""
    from rich.text import Text

    from voicemock.core.report import clock

    first = items[0]
    contrary = any(e.kind in ("red_flag", "negated") for e in items)
    text = Text("    ")
    text.append("✗ " if contrary else "✓ ", style="bold red" if contrary else "green")
    text.append(f"“{first.sentence}”", style="italic")
    if first.start_s is not None and first.end_s is not None:
        text.append(f" {clock(first.start_s)}–{clock(first.end_s)}", style="dim")
    for e in items:
        bad = e.kind in ("red_flag", "negated")
        text.append("\n      · ")
        text.append(e.reason, style="red" if bad else "cyan")
    return text


def render_score(console: Console, score: ScoreReport) -> None:
    """Print the overall score, each competency's level with evidence, STAR and next steps."""
    from rich.table import Table
    from rich.text import Text

    from voicemock.core.report import group_evidence
    from voicemock.core.scoring import GATE_MEANINGS, LEVEL_MEANINGS

    overall_style = "bold green" if score.overall >= 70 else "bold yellow"
    if score.overall < 40:
        overall_style = "bold red"
    heading = Text("Rubric score ", style="bold")
    heading.append(f"{score.overall}/100", style=overall_style)
    if score.relevance is not None:
        heading.append(f"   relevance {score.relevance:.2f}", style="dim")
    console.print(heading)
    for gate in score.gates:
        console.print(Text(f"  ⚠ {GATE_MEANINGS.get(gate, gate)}", style="bold yellow"))

    table = Table(title="Competencies", title_justify="left")
    table.add_column("Competency", style="bold")
    table.add_column("Level", no_wrap=True)
    table.add_column("Score", justify="right")
    table.add_column("Meaning")
    table.add_column("Next step", overflow="fold")
    for c in score.competencies:
        label = Text(c.label)
        if c.flagged:
            label.append(" ✗", style="bold red")
        table.add_row(
            label,
            _level_bar(c.level),
            str(c.score),
            LEVEL_MEANINGS.get(c.level, ""),
            Text(c.next_step),
        )
    console.print(table)

    console.print(Text("Evidence", style="bold underline"))
    for c in score.competencies:
        console.print(Text(f"  {c.label}", style="bold"))
        if not c.evidence:
            console.print(Text("    (nothing in the answer shows it yet)", style="dim"))
        for items in group_evidence(c.evidence):
            console.print(_evidence_text(items))
    console.print()
    render_star(console, score)
    if score.next_steps:
        console.print()
        console.print(Text("Next steps", style="bold underline"))
        for i, step in enumerate(score.next_steps, start=1):
            console.print(f"  {i}. {step}", markup=False, highlight=False)
    for note in score.notes:
        console.print(Text.assemble(("Note: ", "bold dim"), (note, "dim")))


def render_star(console: Console, score: ScoreReport) -> None:
    """Print the STAR breakdown: score, each part's text and time, and what is missing."""
    from rich.text import Text

    from voicemock.core.star import PART_NAMES

    star = score.star
    console.print(Text(f"Specific example (STAR) {star.score}/100", style="bold underline"))
    if not star.spans:
        console.print(
            Text(
                "  No specific example: say when it happened, what you did (past tense) and "
                "what came of it.",
                style="dim",
            )
        )
        return
    for span in star.spans:
        line = Text(f"  {PART_NAMES[span.part]:<9} ", style="bold magenta")
        if span.start_s is not None and span.end_s is not None:
            line.append(f"{span.end_s - span.start_s:4.1f} s  ", style="dim")
        line.append(span.text)
        console.print(line)
    if star.missing:
        missing = ", ".join(PART_NAMES[p] for p in star.missing)
        console.print(Text(f"  Missing: {missing}", style="yellow"))
