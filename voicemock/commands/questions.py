"""``voicemock questions``: list the questions of the shipped and user banks, with filters."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

WIDE_TABLE_COLUMNS = 120
MAX_ID_COLUMN_WIDTH = 36

if TYPE_CHECKING:
    from voicemock.core.rubrics import LoadedQuestion, RubricLibrary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``questions`` subcommand."""
    parser = subparsers.add_parser(
        "questions",
        help="list the interview questions you can practise",
        description=(
            "List the questions of the shipped banks and of your own banks "
            "(YAML files in the data dir's rubrics/ folder). Filters combine."
        ),
    )
    parser.add_argument("--role", metavar="ROLE", help="only questions whose role contains ROLE")
    parser.add_argument(
        "--level", choices=("junior", "mid", "senior"), help="only questions of this level"
    )
    parser.add_argument("--tag", metavar="TAG", help="only questions with this tag")
    parser.add_argument(
        "--search", metavar="TEXT", help="only questions whose text, id, tags or role has TEXT"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the matching questions; broken bank files are reported as one-line warnings."""
    from voicemock import paths
    from voicemock.core.rubrics import display_path, load_library
    from voicemock.core.safe_text import json_text, one_line, printable

    library = load_library()
    for error in library.errors:
        print(f"voicemock: warning: {one_line(error)}", file=sys.stderr)
    found = library.search(role=args.role, level=args.level, tag=args.tag, text=args.search)
    if args.json:
        print(json_text([question_to_dict(q) for q in found]))
        return 0
    if not library.questions:
        print(
            "No question banks found. Add YAML banks to "
            f"{display_path(paths.user_rubrics_dir())} or import a page with `voicemock import`."
        )
        return 0
    if not found:
        print(
            printable(
                f"No questions match. Roles: {', '.join(library.roles())}; tags: "
                f"{', '.join(library.tags()) or 'none'}."
            )
        )
        return 0
    _print_table(found, library)
    return 0


def question_to_dict(loaded: LoadedQuestion) -> dict[str, Any]:
    """A question as JSON-able data, for ``--json``."""
    question = loaded.question
    return {
        "id": question.id,
        "text": question.text,
        "role": question.role,
        "level": question.level,
        "kind": "story" if question.asks_for_example else "approach",
        "tags": list(question.tags),
        "competencies": [{"id": c.id, "label": c.label} for c in question.competencies],
        "bank": loaded.bank.id,
        "bank_title": loaded.bank.title,
        "source": loaded.source,
        "path": str(loaded.path),
        "rubric_version": loaded.rubric_version,
        "draft": loaded.bank.draft,
    }


def _print_table(found: tuple[LoadedQuestion, ...], library: RubricLibrary) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from voicemock import paths
    from voicemock.commands.console import make_console
    from voicemock.core.rubrics import display_path

    console = make_console()
    # Below this width five columns squeeze the ids (which people type) into fragments, so
    # role and competencies move under the question text instead.
    wide = console.width >= WIDE_TABLE_COLUMNS
    id_width = min(max(len(q.question.id) for q in found), MAX_ID_COLUMN_WIDTH)
    table = Table(
        title=f"{len(found)} of {len(library)} questions",
        title_justify="left",
        caption=_caption(found, display_path(paths.user_rubrics_dir())),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_lines=not wide,
    )
    table.add_column("ID", style="bold cyan", overflow="fold", min_width=id_width)
    if wide:
        table.add_column("Role", max_width=24)
    table.add_column("Level", no_wrap=True, min_width=6)
    table.add_column("Question", ratio=3)
    if wide:
        table.add_column("Competencies", ratio=2)
    for loaded in found:
        question = loaded.question
        # Text() keeps square brackets and the like in user banks from being read as markup.
        ident = Text(question.id)
        if loaded.source == "user":
            ident.append("\n(yours)", style="dim")
        if loaded.bank.draft:
            ident.append("\n(draft)", style="yellow")
        competencies = ", ".join(c.label for c in question.competencies)
        if wide:
            table.add_row(
                ident,
                Text(question.role),
                Text(question.level),
                Text(question.text),
                Text(competencies),
            )
        else:
            details = Text(question.text)
            details.append(f"\n{question.role}; evaluates: {competencies}", style="dim")
            table.add_row(ident, Text(question.level), details)
    console.print(table)


def _caption(found: tuple[LoadedQuestion, ...], user_dir: str) -> str | None:
    """What the marks under the ids mean, for the marks that appear."""
    lines = []
    if any(q.source == "user" for q in found):
        lines.append(f"(yours) = from your banks in {user_dir}")
    if any(q.bank.draft for q in found):
        lines.append(
            "(draft) = an imported bank with sentences left to write: its competencies without "
            "them score roughly until you write them and delete its line 'draft: true'"
        )
    return "\n".join(lines) or None
