"""Rich rendering shared by the CLI commands: marked transcripts, metric tables, notes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from voicemock.core.metrics import format_metric_value
from voicemock.core.models import Band, DeliveryMetrics, Flag, FlagKind, Transcript

BAND_STYLES: dict[str, str] = {
    "good": "bold green",
    "watch": "bold yellow",
    "fix": "bold red",
    "info": "dim",
}

# How each marked kind looks inline: (opening bracket, closing bracket, style).
MARKS: dict[str, tuple[str, str, str]] = {
    "filler": ("[", "]", "bold yellow"),
    "discourse_filler": ("[", "]", "yellow"),
    "hedge": ("{", "}", "cyan"),
    "repetition": ("", "", "magenta"),
}
# When flags overlap, the earlier kind in this order wins the words.
_MARK_PRIORITY: tuple[FlagKind, ...] = ("filler", "discourse_filler", "hedge", "repetition")
LONG_PAUSE_STYLE = "bold red"

_TRAILING_PUNCTUATION = ".,;:!?…\"')]}”’"


def band_style(band: Band | str) -> str:
    """The rich style of a band: good green, watch yellow, fix red, info dim."""
    return BAND_STYLES.get(band, "")


def _span_lengths(flag: Flag) -> int:
    return max(1, len(flag.text.split()))


def _word_marks(transcript: Transcript, flags: Iterable[Flag]) -> dict[int, tuple[str, int]]:
    """First word index -> (kind, number of words) for non-overlapping inline marks."""
    n_words = len(transcript.words)
    taken = [False] * n_words
    marks: dict[int, tuple[str, int]] = {}
    by_kind: dict[str, list[Flag]] = {}
    for flag in flags:
        by_kind.setdefault(flag.kind, []).append(flag)
    for kind in _MARK_PRIORITY:
        for flag in by_kind.get(kind, []):
            first = flag.word_index
            if not 0 <= first < n_words:
                continue
            length = min(_span_lengths(flag), n_words - first)
            if any(taken[first : first + length]):
                continue
            for k in range(first, first + length):
                taken[k] = True
            marks[first] = (kind, length)
    return marks


def _split_trailing(text: str) -> tuple[str, str]:
    core = text.rstrip(_TRAILING_PUNCTUATION)
    return (core, text[len(core) :]) if core else (text, "")


def marked_transcript(transcript: Transcript, metrics: DeliveryMetrics | None = None) -> Text:
    """The transcript as rich Text with fillers [um], hedges {maybe} and long pauses marked."""
    words = transcript.words
    text = Text()
    if not words:
        text.append("(no words recognised)", style="dim italic")
        return text
    flags = metrics.flags if metrics is not None else ()
    marks = _word_marks(transcript, flags)
    pauses = {f.word_index: f for f in flags if f.kind == "long_pause"}
    k = 0
    while k < len(words):
        if k:
            text.append(" ")
        pause = pauses.get(k)
        if pause is not None:
            gap_s = max(0.0, pause.end_s - pause.start_s)
            text.append(f"[{gap_s:.1f} s pause]", style=LONG_PAUSE_STYLE)
            text.append(" ")
        mark = marks.get(k)
        if mark is None:
            text.append(words[k].text)
            k += 1
            continue
        kind, length = mark
        opening, closing, style = MARKS[kind]
        span = " ".join(w.text for w in words[k : k + length])
        core, trailing = _split_trailing(span)
        text.append(f"{opening}{core}{closing}", style=style)
        text.append(trailing)
        k += length
    return text


_LEGEND: tuple[tuple[str, str, str], ...] = (
    ("filler", "[um]", "filler"),
    ("discourse_filler", "[like]", "discourse filler"),
    ("hedge", "{maybe}", "hedge"),
)


def legend(kinds: Iterable[str] | None = None) -> Text:
    """One line explaining the inline marks (only those of ``kinds`` when given)."""
    shown = None if kinds is None else set(kinds)
    text = Text(" ")
    for kind, sample, meaning in _LEGEND:
        if shown is None or kind in shown:
            text.append(" ")
            text.append(sample, style=MARKS[kind][2])
            text.append(f" {meaning}  ", style="dim")
    if shown is None or "long_pause" in shown:
        text.append(" ")
        text.append("[2.4 s pause]", style=LONG_PAUSE_STYLE)
        text.append(" long pause", style="dim")
    return text


def metrics_table(
    metrics: DeliveryMetrics, *, title: str | None = "Delivery", show_source: bool = False
) -> Table:
    """The metrics as a table: label, value, band (coloured) and the band's rule."""
    table = Table(
        title=title, title_justify="left", expand=False, show_lines=False, box=box.SIMPLE_HEAD
    )
    table.add_column("Metric", style="bold", max_width=24)
    table.add_column("Value", justify="right", max_width=14)
    table.add_column("Band", no_wrap=True)
    table.add_column("Guidance", style="dim", min_width=26, ratio=1, overflow="fold")
    if show_source:
        table.add_column("Source", style="dim", overflow="fold")
    for metric in metrics.metrics:
        band = Text(metric.band if metric.band != "info" else "·", style=band_style(metric.band))
        # The band's first clause ("130-165 wpm is good") keeps the table readable in 80 columns;
        # the whole rule is shown with the sources.
        guidance = metric.guidance if show_source else metric.guidance.split(";")[0]
        row: list[Any] = [metric.label, format_metric_value(metric), band, guidance]
        if show_source:
            row.append(metric.source)
        table.add_row(*row)
    return table


def render_transcript(
    console: Console, transcript: Transcript, metrics: DeliveryMetrics | None = None
) -> None:
    """Print the transcript with its flags marked, and the legend of the marks."""
    console.print(Text("Transcript", style="bold underline"))
    console.print(marked_transcript(transcript, metrics))
    if metrics is not None:
        marked = {f.kind for f in metrics.flags} & {*MARKS, "long_pause"}
        if marked:
            console.print(legend(marked))


def render_metrics(
    console: Console, metrics: DeliveryMetrics, *, show_source: bool = False
) -> None:
    """Print the metrics table with band colours."""
    console.print(metrics_table(metrics, show_source=show_source))


def render_notes(console: Console, notes: Iterable[str]) -> None:
    """Print caveats, one per line (e.g. filler counts from Whisper are a lower bound)."""
    for note in notes:
        console.print(Text.assemble(("Note: ", "bold dim"), (note, "dim")))


def render_analysis(
    console: Console,
    transcript: Transcript,
    metrics: DeliveryMetrics,
    *,
    heading: str | None = None,
    show_source: bool = False,
) -> None:
    """Print a heading, the marked transcript, the metrics table and the notes."""
    if heading:
        console.print(Text(heading, style="bold"))
    source = f"{transcript.engine} {transcript.model}".strip()
    if transcript.timed:
        console.print(
            Text(f"{transcript.audio_duration_s:.1f} s of audio, transcribed by {source}", "dim")
        )
    console.print()
    render_transcript(console, transcript, metrics)
    console.print()
    render_metrics(console, metrics, show_source=show_source)
    render_notes(console, metrics.notes)


def analysis_json(transcript: Transcript, metrics: DeliveryMetrics) -> dict[str, Any]:
    """The analysis as one JSON-able dict: {"transcript": ..., "metrics": ...}."""
    return {"transcript": transcript.to_dict(), "metrics": metrics.to_dict()}


def transcribe_with_progress(
    path: Path,
    *,
    engine: str,
    model: str,
    channel: str | int | None = None,
    console: Console | None = None,
) -> Transcript:
    """Read an audio file, then load the model and transcribe it under a progress display.

    The display goes to stderr (or ``console``) and disappears when done. The file is read
    first, so a bad file fails at once, before a model is loaded. Raises AudioFileError when
    the recording holds no recognisable words.
    """
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from voicemock.errors import AudioFileError
    from voicemock.speech.audio_io import load_audio
    from voicemock.speech.transcribe import get_transcriber

    path = Path(path)
    samples = load_audio(path, channel=channel)
    transcriber = get_transcriber(engine=engine, model=model)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(f"Loading {model} ({engine})", total=None)
        transcriber.load()
        progress.update(task, description=f"Transcribing {path.name}", total=1.0, completed=0.0)
        transcript = transcriber.transcribe(
            samples, progress=lambda fraction: progress.update(task, completed=fraction)
        )
    if not transcript.words:
        raise AudioFileError(f"{path}: no speech found: no words were recognised")
    return transcript
