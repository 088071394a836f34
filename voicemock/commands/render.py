"""Rich rendering shared by the CLI commands: marked transcripts, metric tables, notes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from voicemock.commands.console import make_console
from voicemock.core.models import Band, DeliveryMetrics, Flag, FlagKind, Transcript
from voicemock.core.report import SOUND_FLAG_KINDS, delivery_rows, display_notes

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from voicemock.core.advice import Step
    from voicemock.core.prosody import ProsodyReport

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
# Words the user typed in when correcting the transcript.
EDITED_STYLE = "underline"

_TRAILING_PUNCTUATION = ".,;:!?…\"')]}”’"


def band_style(band: Band | str) -> str:
    """The rich style of a band: good green, watch yellow, fix red, info dim."""
    return BAND_STYLES.get(band, "")


def hanging(lead: str | Text, body: RenderableType, *, indent: int = 0) -> RenderableType:
    """``lead`` then ``body``, with the body's wrapped lines kept right of the lead.

    For list items, notes and quotes: a plain print would wrap them back to column 0.
    """
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(lead, body)
    return Padding(grid, (0, 0, 0, indent)) if indent else grid


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
            text.append(words[k].text, style=EDITED_STYLE if words[k].edited else "")
            k += 1
            continue
        kind, length = mark
        opening, closing, style = MARKS[kind]
        span = " ".join(w.text for w in words[k : k + length])
        core, trailing = _split_trailing(span)
        if any(w.edited for w in words[k : k + length]):
            style = f"{style} {EDITED_STYLE}"
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
    metrics: DeliveryMetrics,
    *,
    title: str | None = "Delivery",
    show_source: bool = False,
    all_metrics: bool = False,
) -> Table:
    """The metrics as a table: label, value, band (coloured) and a short rule for the band.

    By default the core figures only (see ``voicemock.core.report.delivery_rows``): unknown
    timing figures of a typed answer are left out. ``all_metrics`` shows every metric.
    """
    table = Table(
        title=title,
        title_justify="left",
        expand=False,
        show_lines=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("Metric", style="bold", max_width=24)
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("Band", no_wrap=True)
    table.add_column("Guidance", style="dim", ratio=1, overflow="fold")
    if show_source:
        table.add_column("Source", style="dim", overflow="fold")
    for metric in delivery_rows(metrics, all_metrics=all_metrics):
        band = Text(metric.band if metric.band != "info" else "·", style=band_style(metric.band))
        # The whole rule is long; it is shown only beside the sources.
        guidance = (metric.rule or metric.guidance) if show_source else metric.guidance
        row: list[Any] = [metric.label, metric.value, band, guidance]
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
    if any(w.edited for w in transcript.words):
        console.print(
            Text.assemble(
                "  ", ("word", EDITED_STYLE), (" corrected by you (times estimated)", "dim")
            )
        )


def render_metrics(
    console: Console,
    metrics: DeliveryMetrics,
    *,
    show_source: bool = False,
    all_metrics: bool = False,
) -> None:
    """Print the metrics table with band colours (the core figures, or all of them)."""
    console.print(metrics_table(metrics, show_source=show_source, all_metrics=all_metrics))


def render_next_steps(console: Console, steps: Sequence[Step], others: Sequence[str] = ()) -> None:
    """Print "Next steps": the ranked steps numbered, each with its moment to replay, then
    ``others`` (further competency steps) dimmed; nothing when there are none."""
    from voicemock.core.report import clock

    if not steps and not others:
        return
    console.print()
    console.print(Text("Next steps", style="bold underline"))
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for i, step in enumerate(steps, start=1):
        line = Text(step.text)
        if step.at_s is not None:
            line.append(f"  replay at {clock(step.at_s)}", style="dim")
        grid.add_row(f"  {i}.", line)
    for other in others:
        grid.add_row("  ·", Text(other, style="dim"))
    console.print(grid)


def render_notes(console: Console, notes: Iterable[str]) -> None:
    """Print caveats, one each, wrapped lines indented (e.g. filler counts are a lower bound)."""
    for note in notes:
        console.print(hanging(Text("Note:", style="bold dim"), Text(note, style="dim")))


def render_analysis(
    console: Console,
    transcript: Transcript,
    metrics: DeliveryMetrics,
    *,
    heading: str | None = None,
    show_source: bool = False,
    all_metrics: bool = False,
    audio_label: str = "",
    more_hint: str = "",
    prosody: ProsodyReport | None = None,
    delivery_steps: bool = False,
) -> None:
    """Print a heading, the marked transcript, the metrics table, the notes and how it sounded.

    With ``delivery_steps`` (an answer without a rubric score) the delivery's next steps follow.

    ``audio_label`` says which part of the audio was used (e.g. "left channel");
    ``more_hint`` is printed under a compact table (e.g. which option shows every figure);
    ``prosody`` adds pitch, volume and pace over the answer with the stretches flagged.
    """
    if heading:
        console.print(Text(heading, style="bold"))
    source = f"{transcript.engine} {transcript.model}".strip()
    if transcript.timed:
        used = f" ({audio_label})" if audio_label else ""
        console.print(
            Text(
                f"{transcript.audio_duration_s:.1f} s of audio{used}, transcribed by {source}",
                "dim",
            )
        )
    console.print()
    render_transcript(console, transcript, metrics)
    console.print()
    render_metrics(console, metrics, show_source=show_source, all_metrics=all_metrics)
    render_notes(console, display_notes(metrics))
    if more_hint and not all_metrics:
        console.print(Text(more_hint, style="dim"))
    if prosody is not None:
        console.print()
        render_prosody(console, prosody)
    if delivery_steps:
        from voicemock.core.advice import next_steps

        render_next_steps(console, next_steps(None, metrics))


def analysis_json(
    transcript: Transcript, metrics: DeliveryMetrics, prosody: ProsodyReport | None = None
) -> dict[str, Any]:
    """The analysis as one JSON-able dict: {"transcript", "metrics", "prosody", "next_steps"}.

    "prosody" is how the answer sounded (``ProsodyReport.to_dict``), null without audio;
    "next_steps" the delivery steps ranked by estimated gain (``core.advice``).
    """
    from voicemock.core.advice import rank

    return {
        "transcript": transcript.to_dict(),
        "metrics": metrics.to_dict(),
        "prosody": None if prosody is None else prosody.to_dict(),
        "next_steps": [step.to_dict() for step in rank(None, metrics)],
    }


SPARK_CHARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 24
# What the bottom and the top of each sparkline stand for.
PITCH_SPARK_ST = (-6.0, 6.0)
LEVEL_SPARK_DB = (-20.0, 10.0)
PACE_SPARK_WPM = (80.0, 220.0)


def sparkline(
    values: Sequence[float | None], low: float, high: float, width: int = SPARK_WIDTH
) -> str:
    """``values`` squeezed into ``width`` block characters from low to high; blank where None."""
    if not values:
        return ""
    width = max(1, min(width, len(values)))
    chars = []
    for k in range(width):
        chunk = values[k * len(values) // width : (k + 1) * len(values) // width]
        known = [v for v in chunk if v is not None]
        if not known:
            chars.append(" ")
            continue
        mean = sum(known) / len(known)
        level = (min(max(mean, low), high) - low) / (high - low)
        chars.append(SPARK_CHARS[round(level * (len(SPARK_CHARS) - 1))])
    return "".join(chars)


_BAND_ORDER = ("info", "good", "watch", "fix")
# The metrics whose worst band stands beside each line of "How it sounded".
_SOUND_BANDS: dict[str, tuple[str, ...]] = {
    "Pitch": ("pitch_sd_st", "flat_pitch_count"),
    "Volume": ("trailing_off_count", "quiet_stretch_count", "clipping_count"),
    "Pace": ("fastest_wpm", "slowest_wpm", "pace_change_pct"),
    "Pauses": ("mid_phrase_pause_pct",),
}


def _sound_band(prosody: ProsodyReport, label: str) -> str:
    bands = {m.key: m.band for m in prosody.metrics()}
    found = [bands[key] for key in _SOUND_BANDS.get(label, ()) if key in bands]
    return max(found, key=_BAND_ORDER.index, default="info")


def _sound_lines(prosody: ProsodyReport) -> list[tuple[str, str, str]]:
    """(label, sparkline, summary) for pitch, volume, pace and pauses."""
    pitch, volume, pace, pauses = prosody.pitch, prosody.volume, prosody.pace, prosody.pauses
    series = prosody.series
    rows: list[tuple[str, str, str]] = []
    if pitch.sd_st is not None and pitch.median_hz is not None:
        summary = (
            f"varies {pitch.sd_st:.1f} st around your {pitch.median_hz:.0f} Hz "
            f"(5th-95th: {pitch.range_p5_p95_st or 0:.1f} st)"
        )
        if pitch.flat_stretches:
            summary += f"; {len(pitch.flat_stretches)} flat stretch(es)"
    else:
        summary = "too little voiced speech to measure"
    rows.append(("Pitch", sparkline(series.pitch_st, *PITCH_SPARK_ST), summary))
    if volume.speech_level_dbfs is not None:
        if volume.sentence_count:
            ends = volume.sentence_count
            parts = [f"{len(volume.trailing_off)} of {ends} sentence ends trail off"]
        else:
            parts = ["no sentence long enough to judge its end"]
        if volume.quiet_stretches:
            parts.append(f"{len(volume.quiet_stretches)} quiet stretch(es)")
        if volume.clipping:
            parts.append(f"clipped in {len(volume.clipping)} place(s)")
        rows.append(("Volume", sparkline(series.level_db, *LEVEL_SPARK_DB), "; ".join(parts)))
    if pace.fastest is not None and pace.slowest is not None:
        summary = (
            f"{pace.fastest.value:.0f} wpm at the fastest, {pace.slowest.value:.0f} at the "
            f"slowest ({pace.window_s:g} s windows)"
        )
        if pace.change_pct is not None:
            summary += f"; end vs start {pace.change_pct:+.0f} %"
        rows.append(("Pace", sparkline(series.pace_wpm, *PACE_SPARK_WPM), summary))
    if pauses.total:
        rows.append(
            (
                "Pauses",
                "",
                f"{pauses.at_boundaries} at sentence or clause ends, "
                f"{len(pauses.inside_phrases)} inside phrases",
            )
        )
    return rows


def render_prosody(console: Console, prosody: ProsodyReport) -> None:
    """Print how the answer sounded: pitch, volume and pace lines, then the flagged stretches."""
    from voicemock.core.prosody import prosody_flags
    from voicemock.core.report import clock

    console.print(Text("How it sounded", style="bold underline"))
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(no_wrap=True, style="cyan")
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for label, spark, summary in _sound_lines(prosody):
        band = _sound_band(prosody, label)
        shown = Text(band if band != "info" else "·", style=band_style(band))
        grid.add_row(f"  {label}", spark, shown, summary)
    console.print(grid)
    flags = [f for f in prosody_flags(prosody) if f.kind in SOUND_FLAG_KINDS]
    if not flags:
        return
    moments = Table.grid(padding=(0, 2, 0, 0))
    moments.add_column(no_wrap=True, style="dim")
    moments.add_column(overflow="fold")
    for flag in flags:
        span = flag.end_s - flag.start_s
        when = clock(flag.start_s) if span < 1.0 else f"{clock(flag.start_s)}–{clock(flag.end_s)}"
        moments.add_row(f"  {when}", flag.text)
    console.print(moments)


@dataclass(frozen=True)
class AudioProbe:
    """What an audio file's header says, read cheaply; None where it could not be read.

    ``declared_s`` is the length the header claims when it is longer than the audio that is
    there (a file cut short while it was written or copied).
    """

    channels: int | None = None
    duration_s: float | None = None
    declared_s: float | None = None


# libsndfile logs "data : 92800 (should be 28800)" when a WAV's data chunk is cut short.
_CUT_SHORT = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
# Streaming writers put a placeholder size in the header; that is not a cut-short file.
_PLACEHOLDER_SIZE = 0xFFFF0000


def probe_audio(path: Path) -> AudioProbe:
    """Channels, length and any cut-short length of an audio file, from its header only."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # unreadable here: load_audio gives the real error (or reads it via PyAV)
        return AudioProbe()
    duration_s = info.frames / info.samplerate if info.samplerate > 0 else None
    declared_s = None
    found = _CUT_SHORT.search(str(getattr(info, "extra_info", "")))
    if found and duration_s:
        declared, actual = int(found.group(1)), int(found.group(2))
        if actual < declared < _PLACEHOLDER_SIZE:
            declared_s = duration_s * declared / actual
    return AudioProbe(int(info.channels), duration_s, declared_s)


def channel_label(probe: AudioProbe, channel: str | int | None) -> str:
    """Which audio was analysed: "left channel", "channel 3", "2 channels mixed" or ""."""
    if channel is not None:
        name = str(channel).strip().lower()
        return f"{name} channel" if name in ("left", "right") else f"channel {name}"
    if probe.channels is not None and probe.channels > 1:
        return f"{probe.channels} channels mixed"
    return ""


def transcribe_with_progress(
    path: Path,
    *,
    engine: str,
    model: str,
    channel: str | int | None = None,
    console: Console | None = None,
    probe: AudioProbe | None = None,
) -> Transcript:
    """Read an audio file, then load the model and transcribe it under a progress display.

    As :func:`transcribe_audio_with_progress`, without the samples.
    """
    return transcribe_audio_with_progress(
        path, engine=engine, model=model, channel=channel, console=console, probe=probe
    )[0]


def transcribe_audio_with_progress(
    path: Path,
    *,
    engine: str,
    model: str,
    channel: str | int | None = None,
    console: Console | None = None,
    probe: AudioProbe | None = None,
) -> tuple[Transcript, npt.NDArray[np.float32]]:
    """Read an audio file, then load the model and transcribe it: (transcript, 16 kHz samples).

    The display goes to stderr (or ``console``), only on a terminal, and disappears when done.
    The file is read first, so a bad file fails at once, before a model is loaded; a file cut
    short gets a warning. Raises AudioFileError when the recording holds no recognisable words.
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
    from voicemock.speech.silence import drop_unheard_words, with_silences
    from voicemock.speech.transcribe import get_transcriber

    path = Path(path)
    console = console or make_console(stderr=True)
    samples = load_audio(path, channel=channel)
    probe = probe or probe_audio(path)
    if probe.declared_s is not None and probe.duration_s is not None:
        console.print(
            Text(
                f"Warning: {path.name} is cut short: {probe.duration_s:.1f} s of the "
                f"{probe.declared_s:.1f} s its header gives.",
                style="yellow",
            )
        )
    transcriber = get_transcriber(engine=engine, model=model)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        # Off a terminal rich would still print a blank line when the display stops.
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(f"Loading {model} ({engine})", total=None)
        transcriber.load()
        progress.update(task, description=f"Transcribing {path.name}", total=1.0, completed=0.0)
        transcript = transcriber.transcribe(
            samples, progress=lambda fraction: progress.update(task, completed=fraction)
        )
    # Whisper invents words on silence ("Thank you."): only words the audio holds stay.
    transcript = drop_unheard_words(transcript, samples)
    if not transcript.words:
        raise AudioFileError(f"{path}: no speech found: no words were recognised")
    # Whisper stretches words over silences, so pauses are also measured on the audio itself.
    return with_silences(transcript, samples), samples
