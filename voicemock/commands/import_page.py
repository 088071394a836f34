"""``voicemock import PAGE.txt``: turn an interview-prep page into a question bank."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` subcommand."""
    parser = subparsers.add_parser(
        "import",
        help="make a question bank from an interview-prep page (text)",
        description=(
            "Read an interview-prep page saved as text (the question, its level, sample answers, "
            "tips and 'What are interviewers evaluating with this question?') and write a question "
            "bank into your banks folder that scores answers at once. Existing files are never "
            "overwritten."
        ),
    )
    parser.add_argument("page", type=Path, metavar="PAGE.txt", help="the page, as plain text")
    parser.add_argument(
        "--bank-id", metavar="ID", help="id of the new bank (default: made from the question)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="import even if your banks already have this question (makes a second copy)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the draft and say what was found on the page and what was not."""
    from rich.text import Text

    from voicemock.commands.console import make_console
    from voicemock.core.importer import import_page_file, shipped_twins
    from voicemock.core.rubric_schema import PLACEHOLDER_PREFIX
    from voicemock.core.rubrics import display_path, load_library
    from voicemock.errors import ImportPageError
    from voicemock.files import regular_file_problem

    problem = regular_file_problem(args.page)
    if problem is not None and args.page.exists() and not args.page.is_dir():
        raise ImportPageError(f"{args.page}: {problem}")  # a named pipe would block the read
    result = import_page_file(args.page, bank_id=args.bank_id, force=args.force)
    page = result.page
    # soft_wrap: long paths and ids stay whole (copyable) instead of being cut at 80 columns.
    console = make_console(highlight=False, soft_wrap=True)
    console.print(
        Text.assemble(("Question bank written: ", "bold green"), display_path(result.path))
    )
    rows = [
        ("Question", page.question),
        ("Question id", result.question_id),
        ("Bank id", result.bank_id),
        ("Level", page.level or "not given (set to junior)"),
        ("Competencies", ", ".join(c.label for c in page.competencies)),
        ("Sample answers", ", ".join(a.level for a in page.answers) or "none"),
        ("Tips", str(len(page.tips))),
    ]
    for label, value in rows:
        console.print(Text.assemble((f"  {label + ':':<16}", "bold"), value))
    if page.missing:
        console.print(Text.assemble(("Not found: ", "yellow"), "; ".join(page.missing)))
    twins = shipped_twins(page.question, load_library())
    if twins:
        console.print(
            Text.assemble(
                ("Note: ", "yellow"),
                f"the shipped question {', '.join(twins)} asks the same; both are listed, "
                "and their scores are kept apart.",
            )
        )
    if result.draft:
        next_step = (
            "Next: open the file and write the lines starting with "
            f"'{PLACEHOLDER_PREFIX}' (the page gave nothing for them), then delete its line "
            "'draft: true'. Until then the question is listed as a draft and those lines are "
            "skipped in scoring."
        )
    else:
        found = ["competencies"]
        found += ["sample answers"] if page.answers else []
        found += ["tips"] if page.tips else []
        parts = ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
        next_step = (
            f"It scores answers now, from the page's {parts}, with voicemock's competency "
            f"library: try `voicemock practice --question {result.question_id}`. Refine it any "
            "time by editing the file (its header says how)."
        )
    console.print(Text(next_step))
    return 0
