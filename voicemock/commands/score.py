"""``voicemock score FILE --question ID``: score a recorded or typed answer against a rubric."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.commands.llm_options import add_llm_arguments
from voicemock.commands.options import ENGINE_CHOICES
from voicemock.errors import VoicemockError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

    from voicemock.core.followups import Followup
    from voicemock.core.models import DeliveryMetrics, Evidence, ScoreReport, Transcript
    from voicemock.core.prosody import ProsodyReport
    from voicemock.core.rubric_schema import Question
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.speech.llm import Coaching, LanguageModelCoach

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
# Text files larger than this are not answers (a 5-minute answer is ~5 KB).
MAX_TEXT_BYTES = 1_000_000
_LEVEL_STYLES = {0: "red", 1: "yellow", 2: "yellow", 3: "green", 4: "bold green"}
# The level meanings in a few words, so the competency table keeps one line per competency.
SHORT_LEVEL_MEANINGS = {
    0: "not shown",
    1: "mentioned",
    2: "described",
    3: "in depth, or your own example",
    4: "in depth and your own example",
}
ALL_METRICS_HINT = "Every delivery figure: --all-metrics (or --json)."


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
            "FILE is a recording (transcribed locally) or a .txt/.md transcript. Nothing is "
            "saved: to keep a recording as an attempt (for History and replay), use "
            "`voicemock sessions recover FILE --question ID`."
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
        "--transcript",
        type=Path,
        default=None,
        metavar="TEXTFILE",
        help="a corrected transcript of the recording (.txt): its words are scored, with the "
        "recording's timings for the words the recogniser got right",
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="score on lexical signals only (skip the sentence-embedding model)",
    )
    parser.add_argument(
        "--all-metrics",
        action="store_true",
        help="show every delivery figure (by default the core ones; --json has them all)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json",
        action="store_true",
        help='print {"transcript", "metrics", "score", "next_steps", "followups", ...} as JSON',
    )
    output.add_argument("--markdown", action="store_true", help="print a Markdown report")
    add_llm_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the question, read or transcribe the answer, measure, score and print."""
    from voicemock.commands.console import make_console
    from voicemock.commands.llm_options import coaching_for, command_coach
    from voicemock.config import load_settings
    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import measure_and_score

    # The question first: a typo in the id fails at once, before any model loads.
    loaded = load_library().get(args.question)
    settings = load_settings()
    path = Path(args.file)
    status = make_console(stderr=True)
    coach = command_coach(args, settings, status)  # a bad --llm-url fails here too
    prosody = None
    if path.suffix.lower() in TEXT_SUFFIXES:
        if args.transcript is not None:
            raise TranscriptFileError(
                f"{path} is a transcript already: --transcript goes with a recording"
            )
        transcript = read_transcript_file(path)
    else:
        from voicemock.commands.render import transcribe_audio_with_progress
        from voicemock.core.prosody import sounded
        from voicemock.errors import AudioFileError
        from voicemock.speech.audio_io import SUPPORTED_EXTENSIONS

        if path.suffix and path.suffix.lower() not in SUPPORTED_EXTENSIONS and path.is_file():
            raise AudioFileError(
                f"{path}: unsupported file type {path.suffix!r}: score takes a recording "
                "(WAV, FLAC, OGG or MP3) or a transcript (.txt or .md)"
            )
        transcript, samples = transcribe_audio_with_progress(
            path, engine=args.engine or settings.engine, model=args.model or settings.model
        )
        if args.transcript is not None:
            from voicemock.core.transcript_edit import apply_edit

            transcript = apply_edit(transcript, read_transcript_file(args.transcript).text)
        prosody = sounded(samples, transcript)

    if args.no_embeddings:
        settings = settings.model_copy(update={"use_embeddings": False})
    with status.status("Scoring against the rubric..."):
        analysed = measure_and_score(transcript, loaded, settings, prosody=prosody)
    coaching = None
    if coach is not None:
        with status.status("Asking your language model..."):
            coaching = coaching_for(
                coach, loaded.question, transcript.text, analysed.score, analysed.metrics
            )
    print_score_output(
        loaded,
        transcript,
        analysed.metrics,
        analysed.score,
        as_json=args.json,
        as_markdown=args.markdown,
        all_metrics=args.all_metrics,
        more_hint=ALL_METRICS_HINT,
        prosody=prosody,
        coach=coach,
        coaching=coaching,
    )
    return 0


def read_transcript_file(path: Path) -> Transcript:
    """A typed answer from a .txt/.md file as an untimed transcript (Markdown marks removed)."""
    from voicemock.core.limits import check_word_count
    from voicemock.core.models import Transcript
    from voicemock.files import regular_file_problem

    problem = regular_file_problem(path)
    if problem is not None and path.exists() and not path.is_dir():
        raise TranscriptFileError(f"{path}: {problem}")  # a named pipe would block the read
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
    check_word_count(len(transcript.words), str(path))
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
    transcript: Transcript,
    metrics: DeliveryMetrics,
    score: ScoreReport | None,
    prosody: ProsodyReport | None = None,
    question: Question | None = None,
    followups: Sequence[Followup] | None = None,
) -> dict[str, Any]:
    """{"transcript", "metrics", "score", "prosody", "next_steps", "summary", "followups"}.

    "prosody" is how a recorded answer sounded (null for a typed one); "next_steps" is every
    step, content and delivery ranked together by estimated gain, each with its moment to
    replay ("at_s"); "summary" the three fixes and two strengths (``core.advice``);
    "followups" what the interviewer would ask next and why, most important first
    (``core.followups``; chosen here from the score when not given).
    """
    from voicemock.core.advice import rank, summarise

    if followups is None:
        followups = interviewer_followups(question, score, transcript)
    return {
        "transcript": transcript.to_dict(),
        "metrics": metrics.to_dict(),
        "score": None if score is None else score.to_dict(),
        "prosody": None if prosody is None else prosody.to_dict(),
        "next_steps": [step.to_dict() for step in rank(score, metrics, question)],
        "summary": summarise(score, metrics, question).to_dict(),
        "followups": [f.to_dict() for f in followups],
    }


def interviewer_followups(
    question: Question | None, score: ScoreReport | None, transcript: Transcript
) -> tuple[Followup, ...]:
    """What the interviewer would ask next after this answer (up to the most ever asked)."""
    from voicemock.core.followups import MAX_FOLLOWUPS, choose_followups

    if question is None or score is None:
        return ()
    return choose_followups(question, score, transcript.text, MAX_FOLLOWUPS)


def render_followup(console: Console, followups: Sequence[Followup]) -> None:
    """Print the first follow-up the interviewer would ask, with why (nothing when none)."""
    from rich.text import Text

    from voicemock.commands.render import hanging

    if not followups:
        return
    first = followups[0]
    console.print(Text("The interviewer would ask next", style="bold underline"))
    console.print(
        hanging(
            Text("?", style="bold cyan"),
            Text.assemble(
                (f"“{first.text}”", "italic"),
                (" (worded by your language model)" if first.source == "model" else "", "dim"),
                "\n",
                (first.reason, "dim"),
            ),
            indent=2,
        )
    )


def print_score_output(
    question: LoadedQuestion | Question,
    transcript: Transcript,
    metrics: DeliveryMetrics,
    score: ScoreReport | None,
    *,
    as_json: bool = False,
    as_markdown: bool = False,
    console: Console | None = None,
    all_metrics: bool = False,
    more_hint: str = "",
    prosody: ProsodyReport | None = None,
    coach: LanguageModelCoach | None = None,
    coaching: Coaching | None = None,
) -> None:
    """Print an analysed answer as JSON, as Markdown, or as a rich report on the terminal.

    The report's delivery table holds the core figures, or every one with ``all_metrics``
    (JSON always has them all); ``more_hint`` says how to see the rest; ``prosody`` adds how
    a recorded answer sounded. With a language model (``coach``), its ``coaching`` paragraph
    and its notices follow, labelled as the model's ("coaching" and "model_notices" in JSON).
    """
    from voicemock.commands.llm_options import coaching_json, coaching_markdown, render_coaching
    from voicemock.core.rubric_schema import Question
    from voicemock.core.safe_text import json_text, printable

    q = question if isinstance(question, Question) else question.question
    followups = interviewer_followups(q, score, transcript)
    if coach is not None and followups:
        from voicemock.core.followups import phrase_followup

        # The one the interviewer asks next is worded by the model (the rest stay the rubric's).
        first = phrase_followup(followups[0], coach, q.text, transcript.text)
        followups = (first, *followups[1:])
    if as_json:
        data = score_json(transcript, metrics, score, prosody, q, followups)
        data.update(coaching_json(coach, coaching))
        sys.stdout.write(json_text(data) + "\n")
        return
    if as_markdown:
        from voicemock.core.report import markdown_report

        report = markdown_report(
            q, transcript, metrics, score, all_metrics=all_metrics, followups=followups
        )
        notices = coach.notices if coach is not None else ()
        sys.stdout.write(printable(report + coaching_markdown(coaching, notices)))
        return

    from voicemock.commands.console import make_console
    from voicemock.commands.render import render_analysis

    console = console or make_console()
    render_analysis(
        console,
        transcript,
        metrics,
        heading=q.text,
        all_metrics=all_metrics,
        more_hint=more_hint,
        prosody=prosody,
    )
    console.print()
    if score is None:
        console.print("[dim]No rubric score for this answer.[/dim]")
        return
    render_score(console, score, metrics, q)
    render_coaching(console, coaching, coach.notices if coach is not None else ())
    if followups:
        console.print()
        render_followup(console, followups)


def _level_bar(level: int) -> Text:
    from rich.text import Text

    style = _LEVEL_STYLES.get(level, "")
    return Text.assemble(("■" * level, style), ("□" * (4 - level), "dim"))


def _evidence_item(items: Sequence[Evidence]) -> RenderableType:
    """One sentence with every reason it counted (or counted against), wrapped lines indented.

    The speaker's own words behind each reason are underlined in the quote when known.
    """
    from rich.console import Group
    from rich.text import Text

    from voicemock.commands.render import hanging
    from voicemock.core.report import clock, evidence_quote, evidence_reason

    first = items[0]
    contrary = any(e.kind in ("red_flag", "negated") for e in items)
    mark = Text("✗" if contrary else "✓", style="bold red" if contrary else "green")
    quote = Text(first.sentence, style="italic")
    for e in items:
        span = evidence_quote(e)
        if span is not None and e.kind != "own_action":
            quote.stylize("underline", *span)
    line = Text("“") + quote + Text("”")
    if first.turn:
        line.append(f" [follow-up {first.turn}]", style="yellow")
    if first.start_s is not None and first.end_s is not None:
        line.append(f" {clock(first.start_s)}–{clock(first.end_s)}", style="dim")
    reasons = [
        hanging(
            "·",
            Text(evidence_reason(e), style="red" if e.kind in ("red_flag", "negated") else "cyan"),
        )
        for e in items
    ]
    return hanging(mark, Group(line, *reasons), indent=4)


def render_score(
    console: Console,
    score: ScoreReport,
    metrics: DeliveryMetrics | None = None,
    question: Question | None = None,
) -> None:
    """Print the overall score, each competency's level, the evidence, STAR and next steps.

    The next steps rank content and delivery (``metrics``) together (``core.advice``).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from voicemock.commands.render import hanging, render_next_steps
    from voicemock.core.advice import next_steps
    from voicemock.core.report import (
        group_evidence,
        other_next_steps,
        reading_text,
        relevance_text,
    )
    from voicemock.core.scoring import GATE_MEANINGS, LEVEL_MEANINGS, LIMIT_MEANINGS

    overall_style = "bold green" if score.overall >= 70 else "bold yellow"
    if score.overall < 40:
        overall_style = "bold red"
    heading = Text("Rubric score ", style="bold")
    heading.append(f"{score.overall}/100", style=overall_style)
    console.print(heading)
    if score.relevance is not None:
        console.print(Text(f"  {relevance_text(score.relevance)}", style="dim"))
    if score.reading:
        reading = Text(f"Whole-answer reading {reading_text(score)}")
        console.print(hanging(Text("·", style="dim"), reading, indent=2))
    for gate in score.gates:
        console.print(
            hanging(Text("⚠", style="bold yellow"), Text(GATE_MEANINGS.get(gate, gate)), indent=2)
        )
    for limit in score.limits:
        console.print(
            hanging(Text("·", style="yellow"), Text(LIMIT_MEANINGS.get(limit, limit)), indent=2)
        )

    table = Table(title="Competencies", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Competency", style="bold")
    table.add_column("Level", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Meaning")
    for c in score.competencies:
        label = Text(c.label)
        if c.flagged:
            label.append(" ✗", style="bold red")
        meaning = SHORT_LEVEL_MEANINGS.get(c.level) or LEVEL_MEANINGS.get(c.level, "")
        table.add_row(label, _level_bar(c.level), str(c.score), meaning)
    console.print(table)
    if any(c.flagged for c in score.competencies):
        console.print(
            Text.assemble(("  ✗", "bold red"), " contradicted by something you said (see Evidence)")
        )
    console.print()
    console.print(Text("Evidence", style="bold underline"))
    for c in score.competencies:
        console.print(Text(f"  {c.label}", style="bold"))
        if not c.evidence:
            console.print(Text("    (nothing in the answer shows it yet)", style="dim"))
        for items in group_evidence(c.evidence):
            console.print(_evidence_item(items))
    console.print()
    render_star(console, score)
    ranked = next_steps(score, metrics, question)
    render_next_steps(console, ranked, other_next_steps(score, [s.text for s in ranked]))
    for note in score.notes:
        console.print(hanging(Text("Note:", style="bold dim"), Text(note, style="dim")))


def render_star(console: Console, score: ScoreReport) -> None:
    """Print the STAR breakdown: score, each part's text and time, and what is missing."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from voicemock.core.star import PART_NAMES

    star = score.star
    console.print(Text(f"Specific example, STAR parts {star.score}/100", style="bold underline"))
    if not star.spans:
        console.print(
            Padding(
                Text(
                    "No specific example: say when it happened, what you did (past tense) and "
                    "what came of it.",
                    style="dim",
                ),
                (0, 0, 0, 2),
            )
        )
        return
    timed = any(span.start_s is not None and span.end_s is not None for span in star.spans)
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(no_wrap=True, style="bold magenta")
    if timed:
        grid.add_column(justify="right", no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    for span in star.spans:
        cells: list[str | Text] = [PART_NAMES[span.part]]
        if timed:
            start_s, end_s = span.start_s, span.end_s
            cells.append(
                f"{end_s - start_s:.1f} s" if start_s is not None and end_s is not None else ""
            )
        cells.append(Text(span.text))
        grid.add_row(*cells)
    console.print(Padding(grid, (0, 0, 0, 2)))
    if star.missing:
        missing = ", ".join(PART_NAMES[p] for p in star.missing)
        console.print(Text(f"  Missing: {missing}", style="yellow"))
