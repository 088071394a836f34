"""Turns an interview-prep page into a draft question bank the user can edit.

A page in the expected shape has: the question; a level line ("JUNIOR LEVEL"); a sample answer;
a "more solid" answer and why it is better; an "exceptional" answer and why; "How to prepare for
this question" tips; and a "What are interviewers evaluating with this question?" list. Only the
question and that list are essential; anything after the list (newsletter boxes, footers) is
ignored.

The draft scores answers at once. Each listed competency is matched to voicemock's library of
common competencies (``rubrics/library/competencies.yaml``) by its words, else by meaning, and
reuses that entry's indicator groups (their ``shows`` sentences), depth, red flags, probes and
description; the page adds a group of its own words, whose ``shows`` are the sentences of the
page's better answers about that competency. The page's grading is used too: what its
strongest answer says that its weaker answers do not becomes exemplars, terms its critiques
praise that the weaker answers lack become depth concepts, and library sentences that would
credit a weaker answer for what the strongest does not say are left out. A competency the
library lacks is built from its label and the page alone, with generic probes.
"""

from __future__ import annotations

import re
import statistics
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import ValidationError

from voicemock import paths
from voicemock.core.phrases import (
    EVERYDAY_WORDS,
    FUNCTION_WORDS,
    Phrase,
    compile_phrase,
    find_phrase,
    is_content,
    may_match,
    occurrences,
)
from voicemock.core.rubric_schema import (
    PLACEHOLDER_PREFIX,
    AnswerLevel,
    CompetencyLibrary,
    IndicatorGroup,
    Level,
    LibraryCompetency,
    Question,
)
from voicemock.core.rubrics import RubricLibrary, display_path, load_library, parse_bank_text
from voicemock.core.scoring import MEANING_THRESHOLD
from voicemock.core.text import GENERIC_WORDS, lemma_of, phrase_lemmas, split_sentences, tokenize
from voicemock.errors import ImportPageError, RubricError, VoicemockError

if TYPE_CHECKING:
    from voicemock.core.embeddings import Embedder, Vectors

# Exemplars the importer could not take from the page start with this, so the user (and the
# scorer, if it wants to) can tell them from real ones.
EVALUATING_LIST = "'What are interviewers evaluating' list"
_MAX_QUESTION_CHARS = 300
_MAX_LIST_ITEM_CHARS = 120
_MAX_HEADING_CHARS = 80
_MAX_ID_WORDS = 6
_MAX_ID_CHARS = 40
_MIN_REQUEST_WORDS = 4
_MAX_PHRASES = 10
_MAX_PAGE_PHRASES = 6
_MIN_PHRASE_WORD_CHARS = 3
_MAX_PAGE_EXEMPLARS = 2
_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")

Part = Literal["sample", "solid", "exceptional", "why", "tips", "evaluating", "footer"]
_ANSWER_LEVEL: dict[str, AnswerLevel] = {
    "sample": "basic",
    "solid": "solid",
    "exceptional": "strong",
}
_ANSWER_NAME: dict[AnswerLevel, str] = {
    "basic": "sample answer",
    "solid": "more solid answer",
    "strong": "exceptional answer",
}

# Heading text before its ':' or '?', matched whole and case-insensitively.
_HEADING_PATTERNS: tuple[tuple[Part, str], ...] = (
    (
        "why",
        r"(?:why is (?:this|that|it)|what makes (?:this|that|it)) (?:an? )?"
        r"(?:[a-z]+ ){0,2}answer(?: better)?",
    ),
    (
        "solid",
        r"(?:here is |here's |this is )?(?:an? )?(?:example of (?:an? )?)?"
        r"(?:more solid|solid|better|improved) (?:sample |example )?answer"
        r"(?: to (?:the|this) question)?",
    ),
    (
        "exceptional",
        r"(?:here is |here's |this is )?(?:an? )?(?:example of (?:an? )?)?"
        r"(?:exceptional|excellent|outstanding|great|strong|best) (?:sample |example )?answer"
        r"(?: to (?:the|this) question)?",
    ),
    (
        "sample",
        r"(?:here is |here's )?(?:an? )?(?:sample|example|basic|simple) answer"
        r"(?: to (?:the|this) question)?",
    ),
    (
        "tips",
        r"how to (?:best )?(?:prepare|get ready)(?: for (?:this|the) question)?"
        r"|preparation tips|tips(?: for (?:answering )?(?:this|the) question)?",
    ),
    (
        "evaluating",
        r"what (?:are|do|does|is|will) (?:the )?(?:interviewers?|hiring managers?|employers?)"
        r" (?:evaluating|evaluate|assessing|assess|looking for|look for|testing|test)"
        r"(?: (?:with|in|for|by) (?:this|the) question)?"
        r"|(?:skills|competencies|qualities) (?:evaluated|assessed|being evaluated)",
    ),
)
_HEADINGS = tuple((part, re.compile(pattern, re.I)) for part, pattern in _HEADING_PATTERNS)
_FOOTER_RE = re.compile(
    r"^(?:want (?:more )?content like this|sign up\b|subscribe\b|by clicking"
    r"|related (?:interview )?questions|share this|back to top)"
    r"|newsletter|privacy polic|terms\s*(?:&|and|of)\s*(?:privacy|use|service)",
    re.IGNORECASE,
)
_LEVEL_RE = re.compile(
    r"(?:level\s*[:\-]?\s*)?(junior|entry|mid|middle|intermediate|senior|lead)"
    r"(?:[\s-]*level)?(?:\s+(?:question|role))?",
    re.IGNORECASE,
)
_LEVEL_OF: dict[str, Level] = {
    "junior": "junior",
    "entry": "junior",
    "mid": "mid",
    "middle": "mid",
    "intermediate": "mid",
    "senior": "senior",
    "lead": "senior",
}
_BULLET_RE = re.compile(r"^(?:[•·‣▪◦●○■□►▸➢✓✔*–—-]+\s*|\d{1,2}[.)]\s+|[a-z][.)]\s+)(\S.*)$")
_HEAD_SPLIT_RE = re.compile(rf"^(.{{3,{_MAX_HEADING_CHARS}}}?)\s*([:?])\s*(.*)$")
_QUESTION_PREFIX_RE = re.compile(r"^(?:q(?:uestion)?\s*\d*\s*[:.)\-]\s*)", re.IGNORECASE)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9])")
_GAP_RE = re.compile(
    r"^but\b|\b(?:however|could (?:still |also |further )?be (?:further |even )?"
    r"(?:improved|better|stronger)|can (?:still |also |further )?be (?:further )?improved"
    r"|would be (?:even )?(?:better|stronger)|would benefit|could have|should have|lacks?|lacking"
    r"|missing|falls short)\b",
    re.IGNORECASE,
)
_LEADING_CONTRAST_RE = re.compile(r"^(?:however|but|still|that said)\s*,?\s*", re.IGNORECASE)
_WORD_RE = re.compile(r"[a-z][a-z-]*[a-z]|[a-z]")
# Words of a label that say nothing about which competency it names ("Ability to work with ...").
_LABEL_FILLER = frozenset(
    re.findall(
        r"\S+",
        """a an and as at be by for from in into of on or the their them they to with your you
        ability abilities able skill skills work working knowledge understanding good strong
        effective effectively general overall capacity capability capabilities experience
        demonstrated demonstrate show shows showing candidate""",
    )
)
# Verbs that carry little meaning of their own: "create a safe space" is about the space.
_LIGHT_VERBS = frozenset(
    re.findall(
        r"\S+",
        """be have do make take give get go come put bring find use create start provide ensure
        face allow meet help address offer include become remain aim emphasize highlight
        mention involve adopt faced based""",
    )
)
# Words the page uses about answers and interviews, not about the work.
_PAGE_META = frozenset(
    re.findall(
        r"\S+",
        """answer answers candidate candidates question questions interview interviewer
        interviewers example examples response responses further importance level detail details
        specific""",
    )
)
# Words too broad to be evidence alone, though they make good phrases ("adapt my approach").
_BROAD_WORDS = frozenset(
    re.findall(
        r"\S+",
        """approach need concern space active open unique issue goal plan step option strategy
        information support importance level way""",
    )
)
_MIN_KEY_WORD_COUNT = 2
_MAX_KEY_WORDS = 4
# Function words the scorer's list leaves out, and reflexives.
_REFLEXIVES = frozenset(
    re.findall(
        r"\S+",
        """myself ourselves yourself himself herself themselves where whose whom whether each
        every own such other another both either""",
    )
)
_PREPOSITIONS = frozenset({"to", "with", "for", "about", "of", "on", "in"})
_THIRD_PERSON_POSSESSIVES = frozenset({"their", "his", "her"})
_OWN_POSSESSIVES = frozenset({"my", "our"})
_ARTICLES = frozenset({"a", "an", "the", "any", "some"})
_QUESTION_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        """a about an and are as at be can could describe did do does during for from give had has
        have how i if in is it me my of on or please share should tell that the this to walk was
        we were what when where which while who why will with would you your time example""",
    )
)


@dataclass(frozen=True)
class ImportedAnswer:
    """A sample answer from the page, with the page's critique of it (may be empty)."""

    level: AnswerLevel
    text: str
    critique: str = ""


@dataclass(frozen=True)
class ImportedCompetency:
    """One entry of the page's "what are interviewers evaluating" list."""

    label: str
    description: str = ""


@dataclass(frozen=True)
class ImportedPage:
    """What was found on one interview-prep page."""

    source_name: str
    question: str
    competencies: tuple[ImportedCompetency, ...]
    level: Level | None = None
    answers: tuple[ImportedAnswer, ...] = ()
    tips: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """The optional parts the page did not have, in page order."""
        out = []
        if self.level is None:
            out.append("level line (the draft says junior)")
        levels = {a.level for a in self.answers}
        for level, name in _ANSWER_NAME.items():
            if level not in levels:
                out.append(name)
            elif level != "basic" and not any(a.critique for a in self.answers if a.level == level):
                out.append(f"why the {name} is better")
        if not self.tips:
            out.append("preparation tips")
        return tuple(out)


@dataclass(frozen=True)
class ImportResult:
    """Where a draft bank was written and what went into it."""

    path: Path
    bank_id: str
    question_id: str
    page: ImportedPage
    matches: tuple[LibraryMatch, ...] = ()  # which library competency each label reused
    notes: tuple[str, ...] = ()  # what the draft had to do without (the library, the model)
    draft: bool = False  # the bank is marked draft: it has placeholders for the user to write


@dataclass
class _Answer:
    kind: str
    text: list[str] = field(default_factory=list)
    critique: list[str] = field(default_factory=list)


@dataclass
class _List:
    items: list[str] = field(default_factory=list)
    bulleted: bool = False
    blank_since_item: bool = False


def parse_prep_page(text: str, source_name: str = "page") -> ImportedPage:
    """Find the question, level, sample answers, tips and evaluated competencies on a page."""
    question_lines: list[str] = []
    level: Level | None = None
    answers: list[_Answer] = []
    tips = _List()
    evaluating = _List()
    saw_evaluating = False
    state = "start"

    for raw in _normalise(text).split("\n"):
        line = _plain(raw)
        if not line:
            tips.blank_since_item = evaluating.blank_since_item = True
            # Bullets may be spaced out; an unbulleted list ends at its first blank line.
            if state == "evaluating" and evaluating.items and not evaluating.bulleted:
                state = "ignore"
            continue
        level_match = _LEVEL_RE.fullmatch(line) if state in ("start", "ignore") else None
        if level is None and level_match is not None:
            level = _LEVEL_OF[level_match.group(1).lower()]
            continue
        part, rest = _heading(line)
        if part == "footer":
            state = "ignore"
            continue
        if part in _ANSWER_LEVEL:
            answers.append(_Answer(part))
            state = "answer"
        elif part == "why":
            state = "critique" if answers else "ignore"
        elif part == "tips":
            state = "tips"
        elif part == "evaluating":
            state = "evaluating"
            saw_evaluating = True
            if rest:
                evaluating.items += [i.strip() for i in re.split(r"[,;]", rest) if i.strip()]
            continue
        if part is not None:
            line = rest
            if not line:
                continue

        if state == "start":
            question_lines.append(line)
        elif state == "answer":
            answers[-1].text.append(line)
        elif state == "critique":
            answers[-1].critique.append(line)
        elif state == "tips":
            _add_tip(tips, line)
        elif state == "evaluating" and not _add_evaluated(evaluating, line):
            state = "ignore"

    question = _pick_question(question_lines)
    competencies = _competencies(evaluating.items)
    _require(source_name, question, saw_evaluating, competencies)
    assert question is not None
    return ImportedPage(
        source_name=source_name,
        question=question,
        competencies=competencies,
        level=level,
        answers=tuple(
            ImportedAnswer(_ANSWER_LEVEL[a.kind], " ".join(a.text), " ".join(a.critique))
            for a in answers
            if a.text
        ),
        tips=tuple(_dedupe(_clean_item(t) for t in tips.items)),
    )


def page_to_bank_yaml(
    page: ImportedPage,
    bank_id: str | None = None,
    question_id: str | None = None,
    *,
    library: CompetencyLibrary | Literal["shipped"] | None = "shipped",
    embedder: Embedder | Literal["auto"] | None = "auto",
) -> str:
    """The draft bank for a page, as YAML with a comment header on how to refine it."""
    return build_draft(page, bank_id, question_id, library=library, embedder=embedder).text


@dataclass(frozen=True)
class LibraryMatch:
    """Which library competency a label of the page was matched to, and how."""

    label: str
    entry_id: str | None  # None: nothing in the library matched
    entry_label: str = ""
    how: Literal["label", "alias", "words", "meaning", ""] = ""


@dataclass(frozen=True)
class Draft:
    """A draft bank's YAML, with what the library gave to it."""

    text: str
    matches: tuple[LibraryMatch, ...] = ()
    notes: tuple[str, ...] = ()
    draft: bool = False  # some sentences are left for the user to write (placeholders)


def build_draft(
    page: ImportedPage,
    bank_id: str | None = None,
    question_id: str | None = None,
    *,
    library: CompetencyLibrary | Literal["shipped"] | None = "shipped",
    embedder: Embedder | Literal["auto"] | None = "auto",
) -> Draft:
    """Build the draft bank of a page: a rubric that scores at once, from the page and library.

    ``library`` is the competency library to reuse ("shipped": the one voicemock ships; None:
    build from the page alone); ``embedder`` compares sentences by meaning ("auto": the shipped
    model when it loads; None: words only).
    """
    question_id = question_id or question_slug(page.question)
    bank_id = bank_id or f"imported-{question_id}"
    notes: list[str] = []
    if library == "shipped":
        library = shipped_competency_library()
        if library is None:
            notes.append(f"the competency library was not used ({_library_problem})")
    if embedder == "auto":
        embedder = _default_embedder()
    context = _PageContext.read(page, embedder)
    matches = [match_competency(c.label, library, embedder) for c in page.competencies]
    entries = {c.id: c for c in library.competencies} if library is not None else {}
    plans = [
        _CompetencyPlan.make(comp, entries.get(m.entry_id or ""), context)
        for comp, m in zip(page.competencies, matches, strict=True)
    ]
    context.assign_sentences(plans)
    context.assign_praised_terms(plans)
    competencies = []
    used_ids: set[str] = set()
    for plan in plans:
        comp_id = _unique(slugify(plan.competency.label), used_ids)
        used_ids.add(comp_id)
        competencies.append(plan.draft(comp_id, context))
    question: dict[str, Any] = {
        "id": question_id,
        "text": page.question,
        "role": "Any role",
        "level": page.level or "junior",
        "kind": _question_kind(page.question),
        "tags": ["imported"],
        "competencies": competencies,
    }
    model_answers = [_model_answer(a) for a in page.answers]
    if model_answers:
        question["model_answers"] = model_answers
    if page.tips:
        question["tips"] = list(page.tips)
    placeholders = any(
        e.startswith(PLACEHOLDER_PREFIX) for c in competencies for e in c["exemplars"]
    )
    # A draft only while a competency has nothing to be scored by: no sentence in any of its
    # groups and no exemplar but the placeholder (the user has to write them).
    unscorable = any(
        not any(g.get("shows") for g in c["indicators"])
        and all(e.startswith(PLACEHOLDER_PREFIX) for e in c["exemplars"])
        for c in competencies
    )
    bank: dict[str, Any] = {
        "id": bank_id,
        "title": f"Imported: {_shorten(page.question, 70)}",
        "version": 1,
        "description": f"Imported from {_one_line(page.source_name)}.",
    }
    if unscorable:
        bank["draft"] = True
    document = {"bank": bank, "questions": [question]}
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    header = _header(page, question_id, matches, placeholders, draft=unscorable)
    return Draft(header + body, tuple(matches), tuple(notes), draft=unscorable)


def import_page(path: Path, dest_dir: Path | None = None, *, force: bool = False) -> Path:
    """Read a page and write its draft bank (never overwriting); returns the draft's path."""
    return import_page_file(path, dest_dir, force=force).path


def import_page_file(
    path: Path,
    dest_dir: Path | None = None,
    bank_id: str | None = None,
    *,
    force: bool = False,
) -> ImportResult:
    """Read a page, parse it and write its draft bank; the result says what went into it."""
    path = Path(path)
    page = parse_prep_page(read_page_text(path), source_name=path.name)
    return write_draft(page, dest_dir=dest_dir, bank_id=bank_id, force=force)


def read_page_text(path: Path) -> str:
    """A page's text, whatever common encoding it was saved in."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportPageError(f"cannot read {path}: {error.strerror or error}") from error
    if not raw.strip():
        raise ImportPageError(f"{path.name} is empty")
    if b"\x00" in raw[:4096]:
        raise ImportPageError(f"{path.name} is not a text file (save the page as plain text)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def write_draft(
    page: ImportedPage,
    dest_dir: Path | None = None,
    bank_id: str | None = None,
    *,
    force: bool = False,
) -> ImportResult:
    """Write the page's draft bank into ``dest_dir`` (default: the user's banks) under a new name.

    Ids are chosen so the draft loads beside every bank already there: a question or bank id
    that is taken gets a numeric suffix. An explicit ``bank_id`` that is taken is an error.
    A page whose question is already in one of the user's banks is refused (it was imported
    before) unless ``force`` is set or a ``bank_id`` is given for the new copy.
    """
    dest = Path(dest_dir) if dest_dir is not None else paths.user_rubrics_dir()
    library = load_library([dest] if dest.is_dir() else None)
    if not force and bank_id is None:
        _refuse_duplicate(page, library)
    taken_questions = set(library.ids())
    taken_banks = {bank.info.id: bank.path for bank in library.banks}
    if bank_id is not None:
        if not _ID_RE.fullmatch(bank_id):
            raise ImportPageError(
                f"bank id {bank_id!r} must use only lowercase letters, digits, '.', '_' and '-'"
            )
        if bank_id in taken_banks:
            raise ImportPageError(
                f"bank id {bank_id!r} is already used by {display_path(taken_banks[bank_id])};"
                " choose another --bank-id"
            )
    question_id = _unique(question_slug(page.question), taken_questions)
    bank_id = bank_id or _unique(f"imported-{question_id}", set(taken_banks))
    draft = build_draft(page, bank_id=bank_id, question_id=question_id)
    text = draft.text
    try:
        parse_bank_text(text, f"draft for {page.source_name}")
    except RubricError as error:
        raise ImportPageError(
            f"could not make a valid draft from {page.source_name}: {error}"
        ) from error
    try:
        dest.mkdir(parents=True, exist_ok=True)
        written = _write_new_file(dest, question_id, text)
    except OSError as error:
        raise VoicemockError(
            f"could not write the draft into {display_path(dest)}: {error.strerror or error}"
        ) from error
    return ImportResult(
        written, bank_id, question_id, page, draft.matches, draft.notes, draft=draft.draft
    )


def _refuse_duplicate(page: ImportedPage, library: RubricLibrary) -> None:
    """Raise if the user's banks already hold the page's question (the same text)."""
    key = _question_key(page.question)
    for loaded in library.questions:
        if loaded.source == "user" and _question_key(loaded.question.text) == key:
            raise ImportPageError(
                f"{page.source_name} is already imported: {display_path(loaded.path)} has its "
                f"question (id {loaded.id}); edit that file, or import again with --force "
                "(or --bank-id ID) to make a second copy"
            )


def shipped_twins(question: str, library: RubricLibrary) -> list[str]:
    """Ids of the shipped questions with the same text as ``question`` (case, punctuation aside).

    An imported copy of a shipped question is listed beside it and scored apart from it.
    """
    key = _question_key(question)
    return [
        loaded.id
        for loaded in library.questions
        if loaded.source == "shipped" and _question_key(loaded.question.text) == key
    ]


def _question_key(question: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", question.casefold()))


def slugify(text: str, max_words: int | None = None) -> str:
    """A lowercase id made of the text's words joined by '-' (``item`` if nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    if max_words is not None:
        words = words[:max_words]
    return "-".join(words) or "item"


def question_slug(question: str) -> str:
    """A short id for a question from its meaningful words."""
    ascii_text = unicodedata.normalize("NFKD", question).encode("ascii", "ignore").decode()
    words = [
        w for w in re.findall(r"[a-z0-9]+", ascii_text.lower()) if w not in _QUESTION_STOPWORDS
    ]
    slug = slugify(" ".join(words), max_words=_MAX_ID_WORDS)
    while len(slug) > _MAX_ID_CHARS and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug[:_MAX_ID_CHARS]


# --- parsing helpers ------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    for space in ("\u00a0", "\u2007", "\u202f", "\t"):
        text = text.replace(space, " ")
    return text.replace("\u200b", "")


def _plain(line: str) -> str:
    """The line without surrounding spaces and markdown heading or emphasis marks."""
    line = line.strip()
    line = re.sub(r"^#{1,6}\s*", "", line)
    for mark in ("**", "__"):
        if line.startswith(mark):
            line = line[len(mark) :].replace(mark, "", 1)
    return line.strip()


def _heading(line: str) -> tuple[Part | None, str]:
    """Which heading the line is (if any) and the text after it on the same line."""
    if _FOOTER_RE.search(line) and len(line) <= 2 * _MAX_HEADING_CHARS:
        return "footer", ""
    split = _HEAD_SPLIT_RE.match(line)
    candidates = []
    if split is not None:
        candidates.append((split.group(1), split.group(3)))
    if len(line) <= _MAX_HEADING_CHARS:
        candidates.append((line.rstrip(" .:?"), ""))
    for head, rest in candidates:
        for part, pattern in _HEADINGS:
            if pattern.fullmatch(head.strip()):
                return part, rest.strip()
    return None, ""


def _bullet(line: str) -> str | None:
    match = _BULLET_RE.match(line)
    return match.group(1).strip() if match else None


def _add_tip(tips: _List, line: str) -> None:
    item = _bullet(line)
    if item is not None:
        tips.items.append(item)
        tips.bulleted = True
    elif tips.items and tips.bulleted and not tips.blank_since_item:
        # A tip that wrapped onto the next line.
        tips.items[-1] += " " + line
    else:
        tips.items.append(line)
    tips.blank_since_item = False


def _add_evaluated(evaluating: _List, line: str) -> bool:
    """Add a line of the evaluated list; False when the line is past the end of the list."""
    item = _bullet(line)
    if item is not None:
        if evaluating.items and not evaluating.bulleted:
            return False
        evaluating.items.append(item)
        evaluating.bulleted = True
        return True
    if evaluating.bulleted or len(line) > _MAX_LIST_ITEM_CHARS or line.endswith((".", "!", "?")):
        return False
    evaluating.items.append(line)
    return True


def _pick_question(lines: Sequence[str]) -> str | None:
    candidates = [
        _one_line(_QUESTION_PREFIX_RE.sub("", line))
        for line in lines
        if 5 <= len(line) <= _MAX_QUESTION_CHARS
    ]
    asked = [c for c in candidates if c.endswith("?")]
    if asked:
        return asked[0]
    # Some questions are requests ("Describe a time when ..."): then the first sentence-like
    # line is the question.
    requests = [c for c in candidates if len(c.split()) >= _MIN_REQUEST_WORDS]
    return requests[0] if requests else None


def _competencies(items: Iterable[str]) -> tuple[ImportedCompetency, ...]:
    found: list[ImportedCompetency] = []
    seen: set[str] = set()
    for item in items:
        item = _clean_item(item)
        label, description = item, ""
        # "Empathy: understands the client" or "Empathy - understands the client".
        split = re.match(r"^(.{2,50}?)\s*(?::|\s[-–—])\s+(.+)$", item)
        if split is not None:
            label, description = split.group(1).strip(), split.group(2).strip()
        label = label.rstrip(" .;,")
        if len(label) < 2 or label.casefold() in seen:
            continue
        seen.add(label.casefold())
        found.append(ImportedCompetency(label, description))
    return tuple(found)


def _require(
    source_name: str,
    question: str | None,
    saw_evaluating: bool,
    competencies: Sequence[ImportedCompetency],
) -> None:
    missing = []
    if question is None:
        missing.append("no question found at the top of the page")
    if not saw_evaluating:
        missing.append(f"no {EVALUATING_LIST} found")
    elif not competencies:
        missing.append(f"the {EVALUATING_LIST} is empty")
    if missing:
        raise ImportPageError(
            f"{source_name}: " + "; ".join(missing) + " (is this an interview-prep page?)"
        )


def _write_new_file(directory: Path, stem: str, text: str) -> Path:
    """Write ``text`` to ``<stem>.yaml`` or, if taken, ``<stem>-2.yaml`` ...; never overwrites."""
    number = 1
    while True:
        name = stem if number == 1 else f"{stem}-{number}"
        candidate = directory / f"{name}.yaml"
        if not (directory / f"{name}.yml").exists():
            try:
                # Mode "x" fails if the file appeared meanwhile, so nothing is overwritten.
                with candidate.open("x", encoding="utf-8") as handle:
                    handle.write(text)
                return candidate
            except FileExistsError:
                pass
        number += 1


def _clean_item(item: str) -> str:
    return _one_line(item).strip("*_ ").rstrip(";,")


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 3].rstrip() + "..."


# --- draft building -------------------------------------------------------------------------


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _lemma(word: str) -> str:
    return lemma_of(word)


@dataclass(frozen=True)
class _Label:
    """What a competency label offers as indicators."""

    text: str  # lowercase
    specific: tuple[str, ...]  # words that name it on their own ("empathy", "confidentiality")
    compounds: tuple[tuple[str, str], ...]  # hyphenated pairs: ("problem", "solving")
    core: tuple[str, ...]  # the longest run of meaningful words: "diverse client population"


def _label(label: str, weak: frozenset[str]) -> _Label:
    text = label.lower()
    parts = text.split()
    compounds = tuple(
        (a, b)
        for part in parts
        if part.count("-") == 1
        for a, b in [part.strip(".,;:").split("-")]
        if _WORD_RE.fullmatch(a) and _WORD_RE.fullmatch(b)
    )
    in_compound = {w for pair in compounds for w in pair}
    words = _WORD_RE.findall(text.replace("-", " "))
    specific = tuple(
        w
        for w in words
        if w not in in_compound
        and w not in _LABEL_FILLER
        and _lemma(w) not in weak
        and len(w) >= _MIN_PHRASE_WORD_CHARS
    )
    runs: list[list[str]] = [[]]
    for word in words:
        if word in _LABEL_FILLER:
            runs.append([])
        else:
            runs[-1].append(word)
    core = max(runs, key=lambda run: len(run))
    return _Label(text, tuple(_dedupe(specific)), compounds, tuple(core))


def _label_words(label: _Label) -> set[str]:
    return {*label.specific, *(w for pair in label.compounds for w in pair)}


def _shares_stem(word: str, label_word: str) -> bool:
    """True for the page's own forms of a label word (empathy -> empathizing, empathetic)."""
    return _prefix_family(word, label_word) or lemma_of(word) == lemma_of(label_word)


def _prefix_family(word: str, label_word: str) -> bool:
    common = 0
    for a, b in zip(word, label_word, strict=False):
        if a != b:
            break
        common += 1
    # Long enough to be the same word family: "confidential" shares "confidentiality"'s stem,
    # "confident" does not; "community" is no form of "communication".
    return common >= max(5, len(label_word) - 3)


def _weak_words(question: str) -> frozenset[str]:
    """Lemmas that alone say nothing about a competency of this question."""
    question_words = {
        lemma_of(w) for w in _WORD_RE.findall(question.lower()) if w not in FUNCTION_WORDS
    }
    return frozenset(GENERIC_WORDS | _LIGHT_VERBS | question_words | EVERYDAY_WORDS)


def _label_phrases(label: _Label, page_words: Iterable[str]) -> list[str]:
    """The label as a phrase, its meaningful core, its compounds and its specific words."""
    phrases = [label.text] if len(label.core) >= 2 or label.specific else []
    if "-" in label.text:
        phrases.append(label.text.replace("-", " "))
    if len(label.core) >= 2:
        phrases.append(" ".join(label.core))
        # "diverse client population" also reads "diverse population", "diverse clients".
        phrases += [
            f"{a} {b}"
            for i, a in enumerate(label.core)
            for b in label.core[i + 1 :]
            if a in label.specific or b in label.specific
        ]
    for first, second in label.compounds:
        if second.endswith("ing"):
            # "problem-solving" is also "solve the problem", "decision-making" "make decisions".
            phrases.append(f"{_lemma(second)} {first}")
    for word in label.specific:
        phrases += [word, _lemma(word)]
    page_forms = sorted(
        {w for w in page_words if "-" not in w for s in label.specific if _shares_stem(w, s)}
    )
    phrases += page_forms
    return _dedupe(phrases)


def _mentions(sentence: str, label: _Label) -> bool:
    words = _WORD_RE.findall(sentence.lower())
    if any(_shares_stem(w, s) for w in words for s in label.specific):
        return True
    lowered = sentence.lower()
    return any(f"{a}-{b}" in lowered or f"{a} {b}" in lowered for a, b in label.compounds)


@dataclass(frozen=True)
class _Unit:
    """A word of a page sentence, with hyphenated compounds kept whole ("non-judgmental")."""

    text: str
    lemma: str
    clause_break: bool  # punctuation before it ends a clause


def _units(sentence: str) -> list[_Unit]:
    units: list[_Unit] = []
    previous_start = -1
    for token in tokenize(sentence):
        if token.start_char == previous_start:
            continue  # the second half of a contraction ("don't" -> "do" + "not")
        previous_start = token.start_char
        if units and token.punct_before == "-":
            last = units[-1]
            joined = f"{last.text}-{token.lower}"
            units[-1] = _Unit(joined, joined, last.clause_break)
            continue
        units.append(_Unit(token.lower, token.lemma, token.clause_break))
    return units


def _clauses(sentence: str) -> list[list[_Unit]]:
    clauses: list[list[_Unit]] = [[]]
    for unit in _units(sentence):
        if unit.clause_break and clauses[-1]:
            clauses.append([])
        clauses[-1].append(unit)
    return [c for c in clauses if c]


def _page_phrases(
    passages: Iterable[Sequence[_Unit]], weak: frozenset[str], label_words: frozenset[str]
) -> list[str]:
    """Short phrases of the page around a competency: "unique needs", "listening to their ...".

    A phrase is two words that each carry meaning on their own (not generic, everyday or light,
    not the question's own words and not a competency's label word), next to each other or joined
    by a preposition or a possessive; articles are left out, as the scorer allows a word or
    two between a phrase's words. A modifier does not end a phrase: "strict [patient ...]".
    """
    found: list[str] = []
    for units in passages:
        for i, first in enumerate(units):
            if not _meaningful(first, weak, label_words):
                continue
            j = i + 1
            middle: list[str] = []
            if j < len(units) and units[j].text in _PREPOSITIONS:
                middle.append(units[j].text)
                j += 1
            if j < len(units) and units[j].text in _THIRD_PERSON_POSSESSIVES:
                middle.append("their")  # stands for anyone's in the scorer
                j += 1
            elif j < len(units) and units[j].text in _OWN_POSSESSIVES:
                middle.append(units[j].text)
                j += 1
            elif j < len(units) and units[j].text in _ARTICLES:
                j += 1
            if j >= len(units) or any(u.clause_break for u in units[i + 1 : j + 1]):
                continue
            second = units[j]
            if not _meaningful(second, weak, label_words):
                continue
            following = units[j + 1] if j + 1 < len(units) else None
            if (
                following is not None
                and not following.clause_break
                and _is_word(following)
                and following.text not in _LABEL_FILLER
            ):
                continue  # "maintain strict [patient confidentiality]": a modifier
            found.append(" ".join([first.text, *middle, second.text]))
    return _dedupe(found)


def _key_words(phrases: Sequence[str], page: Sequence[str], weak: frozenset[str]) -> list[str]:
    """Words of the phrases that the page keeps using: a story says "I listened", not
    "listening to their concerns". Only words that carry meaning alone and occur at least
    twice on the page, so one turn of phrase does not become evidence.
    """
    counts: dict[str, int] = {}
    for text in page:
        for unit in _units(text):
            counts[unit.lemma] = counts.get(unit.lemma, 0) + 1
    found: list[str] = []
    lemmas: set[str] = set()
    for phrase in phrases:
        for unit in _units(phrase):
            if (
                _meaningful(unit, weak | _BROAD_WORDS, frozenset())
                and counts.get(unit.lemma, 0) >= _MIN_KEY_WORD_COUNT
                and unit.lemma not in lemmas
            ):
                lemmas.add(unit.lemma)
                found.append(unit.text)
    return found[:_MAX_KEY_WORDS]


def _taken_words(phrases: Iterable[tuple[str, ...]]) -> frozenset[str]:
    """The lemmas of one-word phrases (already indicators, so not repeated)."""
    return frozenset(p[0] for p in phrases if len(p) == 1)


def _is_word(unit: _Unit) -> bool:
    """A content word (not a function word), whatever its meaning."""
    return unit.text not in FUNCTION_WORDS and unit.text not in _REFLEXIVES


def _meaningful(unit: _Unit, weak: frozenset[str], label_words: frozenset[str]) -> bool:
    word = unit.text
    return (
        len(word) >= _MIN_PHRASE_WORD_CHARS
        and word.replace("-", "").isalpha()
        and not (word.endswith("ly") and len(word) > 4)
        and _is_word(unit)
        and word not in _LABEL_FILLER
        and word not in _PAGE_META
        and word not in _PLACE_WORDS
        and unit.lemma not in weak
        and not any(_shares_stem(part, w) for part in word.split("-") for w in label_words)
    )


def _split(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s.strip()]


# --- a competency from the page and the library ---------------------------------------------

# An answer sentence is about a competency when it names it, or when it is closer in meaning
# to it than to the others (its library sentences, or its label; measured against how close
# the page's sentences are to it on average, as a label alone is never as close as sentences)
# by this margin, and at least this close ...
_ABOUT_MARGIN = 0.02
_ABOUT_MEANING = 0.3
# ... and standing out from the middle of the others by this much.
_ABOUT_STANDOUT = 0.04
# ... and a competency the page's answers never name still gets its closest sentence from
# this close.
_ABOUT_FALLBACK = 0.2
# Without a library entry, the tips and critiques this close to the label say what it is.
_NOTE_MEANING = 0.3
_NOTES_PER_LABEL = 2
# Parts of a competency's profile: a summary line, its names, and sentences about it.
_PROFILE_PARTS = 3
# A sentence of the strongest answer that a weaker answer already says (as close in meaning as
# the scorer needs to credit it, less a margin; or sharing this share of its content words) is
# not what makes the strongest one better.
_ALREADY_SAID = MEANING_THRESHOLD - 0.02
_ALREADY_SAID_WORDS = 0.6
# Two sentences this close say the same thing: one of them is enough as a `shows` sentence.
_SAME_SENTENCE = 0.9
_MAX_PAGE_SHOWS = 6
_MAX_LIBRARY_EXEMPLARS = 3
_MAX_PRAISED_TERMS = 4
_MAX_DISTINCTIVE_TERMS = 2
# Words of place and time that make a phrase a turn of speech rather than a concept.
_PLACE_WORDS = frozenset(
    re.findall(
        r"\S+",
        """within around across through before after during over under between into onto upon
        without behind beyond along""",
    )
)
# A critique's term is found in an answer's own words with at most this many words between.
_FORM_GAP = 3
# A praised term goes to the competency it is closest to in meaning, from this cosine up.
_TERM_MEANING = 0.3
# A lead clause that restates the question ("When faced with pushback from clients, ...")
# when this share of its content words are the question's.
_ECHO_SHARE = 0.5
_ECHO_LEAD_RE = re.compile(r"^(?:when|whenever|if|in cases where|while)\b[^,]{3,120},\s*", re.I)
_RANK: dict[AnswerLevel, int] = {"basic": 0, "solid": 1, "strong": 2}
_GENERIC_PROBES = (
    "Can you give me a specific example of when you showed {label}?",
    "What did you do yourself, step by step, that showed {label}?",
    "How did it turn out, and what would you do differently next time?",
)


@dataclass(frozen=True)
class _PageSentence:
    """A sentence of a sample answer."""

    text: str  # as on the page
    clean: str  # without a lead clause that only restates the question
    rank: int  # 0 the sample answer, 1 the more solid one, 2 the exceptional one


@dataclass
class _CompetencyPlan:
    """What the draft of one competency is made of, gathered before it is written."""

    competency: ImportedCompetency
    entry: LibraryCompetency | None
    label: _Label
    # What the competency is, in texts compared by meaning: a sentence's closeness to it is the
    # sum, over the parts, of its likeness to the closest text of each part.
    profile: list[list[str]]
    phrases: list[Phrase]  # words that name it or its practice
    about: list[tuple[int, float]] = field(default_factory=list)  # (sentence, closeness)
    praised: list[str] = field(default_factory=list)

    @classmethod
    def make(
        cls, comp: ImportedCompetency, entry: LibraryCompetency | None, context: _PageContext
    ) -> _CompetencyPlan:
        label = _label(comp.label, context.weak)
        description = comp.description or (entry.description if entry is not None else "")
        summary = f"{comp.label}: {description}" if description else comp.label
        phrase_texts = _label_phrases(label, context.page_words)
        if entry is None:
            # The label, and what the page says about it (the tips and critiques closest to
            # it are added once sentences can be compared).
            profile = [[summary], [comp.label]]
        else:
            # What the library says it is, in a line, its other names, and its sentences.
            aliases = f"{comp.label}: {', '.join(entry.aliases)}" if entry.aliases else summary
            profile = [
                [summary],
                [aliases],
                [*(t for g in entry.indicators for t in g.shows), *entry.exemplars] or [summary],
            ]
            phrase_texts += [
                a for a in entry.aliases if len(a.split()) > 1 or lemma_of(a) not in context.weak
            ]
            phrase_texts += [p for g in entry.indicators for p in g.phrases if len(p.split()) > 1]
        phrases = [p for p in (compile_phrase(t) for t in phrase_texts) if p.lemmas]
        return cls(comp, entry, label, profile, phrases)

    def draft(self, comp_id: str, context: _PageContext) -> dict[str, Any]:
        """The competency as it goes into the bank file."""
        comp, entry, label = self.competency, self.entry, self.label
        about = [context.sentences[i] for i, _ in self.about]
        passages = [_units(s.text) for s in about]
        passages += [
            clause
            for note in context.notes
            for clause in _clauses(note)
            if _mentions(" ".join(u.text for u in clause), label)
        ]
        label_phrases = _label_phrases(label, context.page_words) or [label.text]
        taken = {phrase_lemmas(p) for p in label_phrases}
        if entry is not None:
            taken |= {phrase_lemmas(p) for g in entry.indicators for p in g.phrases}
        page_phrases = [
            p
            for p in _page_phrases(passages, context.weak, context.label_words)
            if phrase_lemmas(p) not in taken and not context.negated_on_page(p)
        ][:_MAX_PAGE_PHRASES]
        page_phrases += _key_words(
            page_phrases, context.page_texts, context.weak | _taken_words(taken)
        )
        # The page holds up its better answers: their sentences show it (the sample answer's
        # only when the page has nothing better).
        shows = context.distinct([s.clean for s in about if s.rank >= context.better_rank])
        shows = shows[:_MAX_PAGE_SHOWS]
        # Meanings read as advice: "Also cover <meaning>, to show <label> in depth".
        own_meaning = (
            f"what the page's best answers do, such as '{page_phrases[0]}'"
            if page_phrases
            else f"what the page's best answers do for {label.text}"
        )
        indicators: list[dict[str, Any]] = []
        if entry is not None:
            indicators += [context.beyond_baseline(g) for g in entry.indicators]
            own = _dedupe([*label_phrases, *page_phrases])[:_MAX_PHRASES]
            indicators.append(_group(own_meaning, own, shows))
        else:
            indicators.append(
                _group(
                    f"naming {label.text} and what it looks like in your work",
                    label_phrases[:_MAX_PHRASES],
                    [],
                )
            )
            if page_phrases or shows:
                indicators.append(_group(own_meaning, page_phrases or label_phrases[:1], shows))
        out: dict[str, Any] = {
            "id": comp_id,
            "label": comp.label,
            "description": comp.description
            or (entry.description if entry is not None else "")
            or f"Shows {label.text} in what they did and how they went about it.",
            "weight": 1,
            "indicators": indicators,
        }
        depth = _dedupe(
            [
                *self.praised,
                *context.distinctive_terms(about),
                *(entry.depth if entry is not None else []),
            ]
        )
        if depth:
            out["depth"] = depth
        if entry is not None and entry.red_flags:
            out["red_flags"] = list(entry.red_flags)
        if entry is not None and entry.harms:
            out["harms"] = list(entry.harms)
        out["exemplars"] = self._exemplars(context)
        if entry is not None and entry.next_step:
            out["next_step"] = entry.next_step
        probes = list(entry.probes) if entry is not None else []
        out["probes"] = probes or [p.format(label=label.text) for p in _GENERIC_PROBES]
        return out

    def _exemplars(self, context: _PageContext) -> list[str]:
        """What the strongest answer says about it that the weaker ones do not, then the
        library's exemplars."""
        about = [context.sentences[i] for i, _ in self.about]
        top = max((s.rank for s in context.sentences), default=0)
        page = [s.text for s in about if s.rank == top and not context.said_below(s.text, top)]
        page = page[:_MAX_PAGE_EXEMPLARS]
        library = [
            e for e in (self.entry.exemplars if self.entry else []) if not context.below_the_best(e)
        ][:_MAX_LIBRARY_EXEMPLARS]
        # Nothing else: a sentence every answer says would credit them all alike, so the user
        # is asked for one instead (the scorer ignores the placeholder).
        return _dedupe([*page, *library]) or [
            f"{PLACEHOLDER_PREFIX} write a sentence a strong answer would say to show "
            f"{self.label.text}."
        ]


def _group(meaning: str, phrases: Sequence[str], shows: Sequence[str]) -> dict[str, Any]:
    group: dict[str, Any] = {"meaning": meaning, "phrases": list(phrases)}
    if shows:
        group["shows"] = list(shows)
    return group


class _PageContext:
    """The page's text as the draft uses it, with sentence meanings when the model is there."""

    def __init__(self, page: ImportedPage, embedder: Embedder | None) -> None:
        self.page = page
        self.embedder = embedder
        self.weak = _weak_words(page.question)
        # A page phrase naming another competency ("open communication" beside "empathy") is
        # that competency's evidence; one naming its own would count the label word twice.
        self.label_words = frozenset(
            w for c in page.competencies for w in _label_words(_label(c.label, self.weak))
        )
        self.question_lemmas = frozenset(t.lemma for t in tokenize(page.question) if is_content(t))
        sentences: list[_PageSentence] = []
        seen: set[str] = set()
        for answer in sorted(page.answers, key=lambda a: -_RANK[a.level]):
            for text in _split(answer.text):
                if text.casefold() not in seen:
                    seen.add(text.casefold())
                    sentences.append(
                        _PageSentence(text, self._without_echo(text), _RANK[answer.level])
                    )
        self.sentences = sentences
        # What the page says about the answers and how to prepare also names what shows each one.
        self.critiques = [s for a in page.answers for s in _split(a.critique)]
        self.notes = [*self.critiques, *page.tips]
        self.page_texts = [s.text for s in sentences] + self.notes
        self.page_words = {w for s in self.page_texts for w in _WORD_RE.findall(s.lower())}
        self._parsed = [split_sentences(s.text) for s in sentences]
        self._unit_cache: dict[int, Vectors | None] = {}
        # The answers the page holds up: the solid and exceptional ones (or whatever it has).
        self.better_rank = min(1, max((s.rank for s in sentences), default=0))
        self._parsed_page = [*self._parsed, *(split_sentences(n) for n in self.notes)]

    @classmethod
    def read(cls, page: ImportedPage, embedder: Embedder | None) -> _PageContext:
        """The context of a page."""
        return cls(page, embedder)

    def _without_echo(self, text: str) -> str:
        match = _ECHO_LEAD_RE.match(text)
        if match is None:
            return text
        lead = [t.lemma for t in tokenize(match.group(0)) if is_content(t)]
        question = frozenset(t.lemma for t in tokenize(self.page.question) if is_content(t))
        if not lead or sum(w in question for w in lead) / len(lead) < _ECHO_SHARE:
            return text
        rest = text[match.end() :]
        return rest[:1].upper() + rest[1:] if len(rest.split()) >= 3 else text

    def vectors(self, texts: Sequence[str]) -> Vectors | None:
        """Unit vectors of the texts, or None without the embedder."""
        if self.embedder is None or not texts:
            return None
        return self.embedder.embed_cached(list(texts))

    def said_below(self, text: str, rank: int) -> bool:
        """True when an answer below ``rank`` already says what ``text`` says."""
        return any(self.said_by(text, r) for r in range(rank))

    def said_by(self, text: str, rank: int) -> bool:
        """True when the answer of this rank says what ``text`` says, in a sentence or in two
        neighbouring ones (the scorer reads such windows too), as closely as the scorer needs
        to credit it (without the model: sharing most of its content words)."""
        members = [s.text for s in self.sentences if s.rank == rank]
        if not members:
            return False
        units = self._units_of(rank)
        if units is not None:
            vector = self.vectors([text])
            assert vector is not None
            return float((units @ vector[0]).max()) >= _ALREADY_SAID
        words = _content_lemmas(text)
        return bool(words) and any(
            len(words & _content_lemmas(o)) / len(words) >= _ALREADY_SAID_WORDS for o in members
        )

    def _units_of(self, rank: int) -> Vectors | None:
        """Unit vectors of an answer's sentences and of each two neighbouring ones."""
        if rank in self._unit_cache:
            return self._unit_cache[rank]
        members = [s.text for s in self.sentences if s.rank == rank]
        vectors = self.vectors(members)
        if vectors is not None and len(members) > 1:
            import numpy as np

            pairs = vectors[:-1] + vectors[1:]
            pairs = pairs / np.clip(np.linalg.norm(pairs, axis=1, keepdims=True), 1e-9, None)
            vectors = np.concatenate([vectors, pairs])
        self._unit_cache[rank] = vectors
        return vectors

    def distinct(self, texts: Sequence[str]) -> list[str]:
        """The texts without near repeats of an earlier one."""
        vectors = self.vectors(texts)
        kept: list[int] = []
        for i, text in enumerate(texts):
            if vectors is not None and any(
                float(vectors[i] @ vectors[j]) >= _SAME_SENTENCE for j in kept
            ):
                continue
            if any(texts[j].casefold() == text.casefold() for j in kept):
                continue
            kept.append(i)
        return [texts[i] for i in kept]

    def _names(self, index: int, plan: _CompetencyPlan) -> bool:
        if _mentions(self.sentences[index].text, plan.label):
            return True
        return any(
            find_phrase(sentence, p)
            for sentence in self._parsed[index]
            for p in plan.phrases
            if may_match(sentence, p)
        )

    def negated_on_page(self, phrase_text: str) -> bool:
        """True when the page says the phrase negated somewhere ("not a reason to push
        harder"): as an indicator it would read a good answer as contradicting itself."""
        phrase = compile_phrase(phrase_text)
        return any(
            o.polarity != "positive"
            for parsed in self._parsed_page
            for sentence in parsed
            if may_match(sentence, phrase)
            for o in occurrences(sentence, phrase)
        )

    def below_the_best(self, text: str) -> bool:
        """True when a library sentence would credit one of the page's weaker answers for
        something its best answer does not say, or its sample answer (the least a good answer
        says) for anything: kept, it would rank the answers against the page's own order."""
        ranks = sorted({s.rank for s in self.sentences})
        if len(ranks) < 2:
            return False
        top = ranks[-1]
        if ranks[0] == 0 and self.said_by(text, 0):
            return True
        return any(self.said_by(text, r) for r in ranks[:-1]) and not self.said_by(text, top)

    def beyond_baseline(self, group: IndicatorGroup) -> dict[str, Any]:
        """A library group without the sentences that would rank the page's answers against
        its own order (see ``below_the_best``)."""
        shows = [s for s in group.shows if not self.below_the_best(s)]
        return _group(group.meaning, group.phrases, shows)

    @staticmethod
    def _closest(row: Sequence[float], means: Sequence[float]) -> set[int]:
        """The competencies a sentence is closest to (within a margin of the closest)."""
        centered = [value - mean for value, mean in zip(row, means, strict=True)]
        best = max(centered, default=0.0)
        if len(row) > 2 and best - statistics.median(centered) < _ABOUT_STANDOUT:
            return set()  # about as close to all of them: about none in particular
        return {
            c
            for c in range(len(row))
            if row[c] >= _ABOUT_MEANING and centered[c] >= best - _ABOUT_MARGIN
        }

    def closeness(self, plans: Sequence[_CompetencyPlan]) -> list[list[float]] | None:
        """Sentence x competency: how close each answer sentence is to what each one is."""
        if self.embedder is None or not self.sentences:
            return None
        sentence_vectors = self.vectors([s.clean for s in self.sentences])
        assert sentence_vectors is not None
        columns = []
        for plan in plans:
            if plan.entry is None and len(plan.profile) < _PROFILE_PARTS:
                plan.profile.append(self._notes_about(plan) or [plan.competency.label])
            total = None
            for part in plan.profile:
                vectors = self.vectors(part)
                assert vectors is not None
                closest = (sentence_vectors @ vectors.T).max(axis=1)
                total = closest if total is None else total + closest
            assert total is not None
            columns.append(total / len(plan.profile))
        return [[float(col[i]) for col in columns] for i in range(len(self.sentences))]

    def _notes_about(self, plan: _CompetencyPlan) -> list[str]:
        """The tips and critique sentences that name a competency, or are closest to its
        label: without a library entry, they say what it is."""
        named = [n for n in self.notes if _mentions(n, plan.label)]
        vectors = self.vectors([plan.competency.label, *self.notes])
        if vectors is None or not self.notes:
            return named
        closeness = vectors[1:] @ vectors[0]
        ranked = sorted(range(len(self.notes)), key=lambda i: -float(closeness[i]))
        close = [self.notes[i] for i in ranked[:_NOTES_PER_LABEL] if closeness[i] >= _NOTE_MEANING]
        return _dedupe([*named, *close])

    def assign_sentences(self, plans: Sequence[_CompetencyPlan]) -> None:
        """Give each competency the answer sentences about it, closest first."""
        close = self.closeness(plans)
        count = len(self.sentences)
        # Labels that share a library competency ("Prioritization", "Time management") share
        # the sentences closest to it.
        keys = [p.entry.id if p.entry is not None else f"page-{c}" for c, p in enumerate(plans)]
        if close is None:
            close = [[0.0] * len(plans) for _ in range(count)]
            closest: list[set[int]] = [set() for _ in range(count)]
        else:
            means = [sum(row[c] for row in close) / count for c in range(len(plans))]
            closest = [self._closest(row, means) for row in close]
        for c, plan in enumerate(plans):
            plan.about = [
                (i, close[i][c])
                for i in range(count)
                if any(keys[k] == keys[c] for k in closest[i]) or self._names(i, plan)
            ]
            if not plan.about and self.embedder is not None and count:
                better = [j for j in range(count) if self.sentences[j].rank >= self.better_rank]
                i = max(better, key=lambda j: close[j][c])
                if close[i][c] >= _ABOUT_FALLBACK:
                    plan.about.append((i, close[i][c]))
        for plan in plans:
            plan.about.sort(key=lambda pair: (-self.sentences[pair[0]].rank, -pair[1]))

    def assign_praised_terms(self, plans: Sequence[_CompetencyPlan]) -> None:
        """Terms the critiques praise that an answer says become depth concepts of the
        competency they are about ("evidence-based information", "support system")."""
        for rank, praised in self._praised_terms():
            # The critique's words, or the praised answer's own for the same thing ("safe
            # space" is "safe and non-judgmental space" in the answer).
            term = self._answer_form(praised, rank) or praised
            phrase = compile_phrase(term)
            holders = {
                i
                for i, parsed in enumerate(self._parsed)
                if any(find_phrase(sentence, phrase) for sentence in parsed)
            }
            if not any(self.sentences[i].rank >= rank for i in holders):
                continue  # no answer says it, so no answer can earn it
            if self.negated_on_page(term):
                continue
            if any(self.sentences[i].rank < rank for i in holders) or self._weaker_form(term, rank):
                continue  # a weaker answer says it too: it is not what made this one better
            about = [p for p in plans if any(i in holders for i, _ in p.about)]
            chosen = about or [p for p in [self._closest_plan(term, plans)] if p is not None]
            for plan in chosen:
                if len(plan.praised) < _MAX_PRAISED_TERMS:
                    plan.praised.append(term)
                    if term != praised.lower():
                        plan.praised.append(praised)  # the concept, as others would say it

    def _answer_form(self, term: str, rank: int) -> str | None:
        """How the answer of this rank says a critique's term when not word for word: the
        same word families in order, a few words apart at most."""
        words = _WORD_RE.findall(term.lower().replace("-", " "))
        if len(words) < 2:
            return None
        for sentence in self.sentences:
            if sentence.rank != rank:
                continue
            spans = [
                (m.group(0), m.start(), m.end())
                for m in re.finditer(r"[A-Za-z][\w'-]*", sentence.text)
            ]
            lowered = [w.lower() for w, _, _ in spans]
            for start, first in enumerate(lowered):
                if not any(_shares_stem(part, words[0]) for part in first.split("-")):
                    continue
                position = start
                for word in words[1:]:
                    window = range(position + 1, min(position + _FORM_GAP + 2, len(lowered)))
                    nxt = next(
                        (
                            j
                            for j in window
                            if any(_shares_stem(p, word) for p in lowered[j].split("-"))
                        ),
                        None,
                    )
                    if nxt is None:
                        break
                    position = nxt
                else:
                    return sentence.text[spans[start][1] : spans[position][2]].lower()
        return None

    def distinctive_terms(self, about: Sequence[_PageSentence]) -> list[str]:
        """Terms the strongest answer uses about a competency that no weaker answer says: the
        concepts that mark the page's most advanced answer ("scope of practice")."""
        top = max((s.rank for s in self.sentences), default=0)
        if top == 0:
            return []
        units = [_units(s.text) for s in about if s.rank == top]
        found = []
        for term in _page_phrases(units, self.weak, self.label_words):
            if any(w in _PLACE_WORDS for w in term.split()):
                continue  # "within minute", "rounds around": a turn of phrase, not a concept
            phrase = compile_phrase(term)
            weaker = any(
                find_phrase(sentence, phrase)
                for i, parsed in enumerate(self._parsed)
                if self.sentences[i].rank < top
                for sentence in parsed
            )
            if not weaker and not self.negated_on_page(term):
                found.append(term)
        return found[:_MAX_DISTINCTIVE_TERMS]

    def _weaker_form(self, term: str, rank: int) -> bool:
        """True when an answer below ``rank`` says a word of the same family as a one-word
        term ("collaboration" for "collaborative")."""
        if " " in term or "-" in term:
            return False
        word = term.lower()
        return any(
            _shares_stem(w, word)
            for s in self.sentences
            if s.rank < rank
            for w in _WORD_RE.findall(s.text.lower())
        )

    def _closest_plan(
        self, term: str, candidates: Sequence[_CompetencyPlan]
    ) -> _CompetencyPlan | None:
        named = [p for p in candidates if _mentions(term, p.label)]
        if named:
            return named[0]
        term_vector = self.vectors([term])
        if term_vector is None:
            return candidates[0] if len(candidates) == 1 else None
        best: tuple[float, _CompetencyPlan] | None = None
        for plan in candidates:
            profile = self.vectors([t for part in plan.profile for t in part])
            assert profile is not None
            score = float((profile @ term_vector[0]).max())
            if best is None or score > best[0]:
                best = (score, plan)
        return best[1] if best is not None and best[0] >= _TERM_MEANING else None

    def _praised_terms(self) -> list[tuple[int, str]]:
        """(rank of the answer praised, term) for the terms its critique praises."""
        found: list[tuple[int, str]] = []
        seen: set[str] = set()
        for answer in self.page.answers:
            strengths = [s for s in _split(answer.critique) if not _GAP_RE.search(s)]
            passages = [clause for s in strengths for clause in _clauses(s)]
            terms = _page_phrases(passages, self.weak, self.label_words)
            terms += [
                u.text
                for clause in passages
                for u in clause
                if "-" in u.text and _meaningful(u, self.weak, self.label_words)
            ]
            for term in terms:
                if term.casefold() not in seen:
                    seen.add(term.casefold())
                    found.append((_RANK[answer.level], term))
        return found


def _content_lemmas(text: str) -> frozenset[str]:
    return frozenset(t.lemma for t in tokenize(text) if is_content(t))


def _model_answer(answer: ImportedAnswer) -> dict[str, str]:
    strengths: list[str] = []
    gaps: list[str] = []
    for sentence in _SENTENCE_SPLIT_RE.split(answer.critique):
        sentence = sentence.strip()
        if not sentence:
            continue
        if _GAP_RE.search(sentence):
            trimmed = _LEADING_CONTRAST_RE.sub("", sentence)
            gaps.append(trimmed[:1].upper() + trimmed[1:])
        else:
            strengths.append(sentence)
    out = {"level": answer.level, "text": answer.text}
    if strengths:
        out["strengths"] = " ".join(strengths)
    if gaps:
        out["gaps"] = " ".join(gaps)
    return out


def _header(
    page: ImportedPage,
    question_id: str,
    matches: Sequence[LibraryMatch],
    placeholders: bool,
    *,
    draft: bool,
) -> str:
    reused = [
        m.label
        if m.entry_label.casefold() == m.label.casefold()
        else f"{m.label} (as {m.entry_label})"
        for m in matches
        if m.entry_id is not None
    ]
    alone = [m.label for m in matches if m.entry_id is None]
    lines = [
        f"Question bank made by `voicemock import` from {_one_line(page.source_name)}.",
        "Its rubric was built from the page (its sample answers, their critiques and the tips)",
        "and from voicemock's library of common competencies, so answers are scored at once.",
        "Refine it when you like; the scorer reads only this file:",
        "- indicators: each group is one thing a good answer does; 'shows' are plain sentences",
        "  that answers are compared with by meaning (add some in your own words, some told as",
        "  a past story), 'phrases' the words highlighted as evidence;",
        "- exemplars: sentences a strong answer might contain"
        + (
            f"; replace any line starting with '{PLACEHOLDER_PREFIX}' (the page gave none that"
            " its weaker answers do not also say; the scorer skips it until then);"
            if placeholders
            else ";"
        ),
        "- depth, red_flags: concepts that mark an advanced answer, or that count against it;",
        "  harms: plain sentences of bad practice (an answer that means the same is flagged);",
        "  probes: follow-up questions an interviewer would ask;",
        "- role and level: set them so `voicemock questions --role ...` finds this question.",
    ]
    if reused:
        lines.append("From the library: " + "; ".join(reused) + ".")
    if alone:
        lines.append("Built from the page alone (not in the library): " + "; ".join(alone) + ".")
    lines.append(f"Check that it loads with: voicemock questions --search {question_id}")
    if draft:
        lines += [
            "A competency above has nothing to be scored by yet: write its lines, then delete",
            "the line 'draft: true' under 'bank:' (until then it is listed as a draft).",
        ]
    if page.missing:
        lines.append("Not found on the page: " + "; ".join(page.missing) + ".")
    return "".join(f"# {line}\n" for line in lines)


# --- the competency library -----------------------------------------------------------------

LIBRARY_FOLDER = "library"
LIBRARY_FILE = "competencies.yaml"
# Label matching: the share of the words of a label and a library name (label or alias) that
# they have in common, from which they name the same competency ...
_WORDS_MATCH = 0.5
# ... and, when no words match, the cosine of the label with the closest of an entry's names,
# ahead of every other entry by a margin ("Staying calm when things go wrong" is resilience).
_MEANING_MATCH = 0.7
_MEANING_MARGIN = 0.05
# A word found in this many library names or more says too little to match on alone
# ("management" in time management and stress management).
_COMMON_NAME_WORD = 3

_library_cache: dict[Path, tuple[int, CompetencyLibrary]] = {}
_library_lock = threading.Lock()
_library_problem = "not loaded yet"


def library_path() -> Path:
    """The shipped library of common competencies: ``rubrics/library/competencies.yaml``.

    It sits in a subfolder so the bank loader, which reads ``rubrics/*.yaml``, never takes it
    for a question bank.
    """
    return paths.SHIPPED_RUBRICS_DIR / LIBRARY_FOLDER / LIBRARY_FILE


def load_competency_library(path: Path) -> CompetencyLibrary:
    """Read and validate a competency library; RubricError (one line) when it is unusable."""
    name = display_path(path)
    try:
        stamp = path.stat().st_mtime_ns
        with _library_lock:
            cached = _library_cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        # The C loader, when PyYAML has it, reads the library ten times faster.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=loader)
    except OSError as error:
        raise RubricError(f"{name}: cannot read the file ({error.strerror or error})") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise RubricError(f"{name}: not valid YAML ({_one_line(str(error))[:200]})") from error
    try:
        library = CompetencyLibrary.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RubricError(f"{name}: {where}: {_one_line(str(first['msg']))}") from error
    with _library_lock:
        _library_cache[path] = (stamp, library)
    return library


def shipped_competency_library() -> CompetencyLibrary | None:
    """The library voicemock ships, or None when it is missing or broken (then drafts are
    built from the page alone, and ``build_draft`` says why in its notes)."""
    global _library_problem
    try:
        library = load_competency_library(library_path())
    except RubricError as error:
        _library_problem = str(error)
        return None
    _library_problem = ""
    return library


def match_competency(
    label: str, library: CompetencyLibrary | None, embedder: Embedder | None = None
) -> LibraryMatch:
    """The library competency a page's label names: by its words (the entry's label or an
    alias, compared as normalised words), else by meaning when the embedder is there."""
    if library is None:
        return LibraryMatch(label, None)
    key = _name_key(label)
    if not key:
        return LibraryMatch(label, None)
    common = _common_name_words(library)
    best: tuple[float, int, LibraryCompetency, Literal["label", "alias", "words"]] | None = None
    for order, entry in enumerate(library.competencies):
        for position, name in enumerate([entry.label, *entry.aliases]):
            other = _name_key(name)
            if not other:
                continue
            if other == key:
                how: Literal["label", "alias", "words"] = "label" if position == 0 else "alias"
                score = 2.0
            else:
                shared = key & other
                if not shared - common:
                    continue
                score = len(shared) / len(key | other)
                how = "words"
                if score < _WORDS_MATCH:
                    continue
            if best is None or (score, -order) > (best[0], -best[1]):
                best = (score, order, entry, how)
    if best is not None:
        return LibraryMatch(label, best[2].id, best[2].label, best[3])
    if embedder is None:
        return LibraryMatch(label, None)
    # Each entry by the closest of its names: one long line of all of them matches nothing.
    names = [(i, n) for i, e in enumerate(library.competencies) for n in [e.label, *e.aliases]]
    vectors = embedder.embed_cached([label, *(n for _, n in names)])
    similarity = vectors[1:] @ vectors[0]
    closest: dict[int, float] = {}
    for (index, _), value in zip(names, similarity, strict=True):
        closest[index] = max(closest.get(index, -1.0), float(value))
    ranked = sorted(closest.items(), key=lambda item: -item[1])
    nearest, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else -1.0
    if score < _MEANING_MATCH or score - runner_up < _MEANING_MARGIN:
        return LibraryMatch(label, None)
    entry = library.competencies[nearest]
    return LibraryMatch(label, entry.id, entry.label, "meaning")


def _name_key(name: str) -> frozenset[str]:
    """The words of a competency name that say which one it is, as lemmas."""
    words = _WORD_RE.findall(name.lower().replace("-", " ").replace("/", " "))
    return frozenset(
        lemma_of(w) for w in words if w not in _LABEL_FILLER and w not in FUNCTION_WORDS
    )


def _common_name_words(library: CompetencyLibrary) -> frozenset[str]:
    counts: dict[str, int] = {}
    for entry in library.competencies:
        for word in frozenset().union(*(_name_key(n) for n in [entry.label, *entry.aliases])):
            counts[word] = counts.get(word, 0) + 1
    return frozenset(w for w, n in counts.items() if n >= _COMMON_NAME_WORD)


def _default_embedder() -> Embedder | None:
    from voicemock.core.embeddings import get_embedder

    return get_embedder()


def _question_kind(question: str) -> str:
    """story or approach, as the scorer would infer it from the question's words."""
    return (
        "story"
        if Question.model_construct(text=question, kind=None).asks_for_example
        else "approach"
    )
