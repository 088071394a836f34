"""Turns an interview-prep page into a draft question bank the user can edit.

A page in the expected shape has: the question; a level line ("JUNIOR LEVEL"); a sample answer;
a "more solid" answer and why it is better; an "exceptional" answer and why; "How to prepare for
this question" tips; and a "What are interviewers evaluating with this question?" list. Only the
question and that list are essential; anything after the list (newsletter boxes, footers) is
ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from voicemock import paths
from voicemock.core.rubric_schema import PLACEHOLDER_PREFIX, AnswerLevel, Level
from voicemock.core.rubrics import RubricLibrary, display_path, load_library, parse_bank_text
from voicemock.core.scoring import EVERYDAY_WORDS, FUNCTION_WORDS
from voicemock.core.text import GENERIC_WORDS, lemma_of, phrase_lemmas, tokenize
from voicemock.errors import ImportPageError, RubricError, VoicemockError

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
    page: ImportedPage, bank_id: str | None = None, question_id: str | None = None
) -> str:
    """The draft bank for a page, as YAML with a comment header on how to finish it."""
    question_id = question_id or question_slug(page.question)
    bank_id = bank_id or f"imported-{question_id}"
    sentences = _answer_sentences(page.answers)
    # What the page says about the answers and how to prepare also names what shows each one.
    notes = [s for a in page.answers for s in _split(a.critique)] + list(page.tips)
    weak = _weak_words(page.question)
    # A page phrase naming another competency ("open communication" beside "empathy") is that
    # competency's evidence; one naming its own would count the label word twice.
    label_words = frozenset(
        w for c in page.competencies for w in _label_words(_label(c.label, weak))
    )
    competencies = []
    used_ids: set[str] = set()
    for comp in page.competencies:
        comp_id = _unique(slugify(comp.label), used_ids)
        used_ids.add(comp_id)
        competencies.append(_competency_draft(comp, comp_id, sentences, notes, weak, label_words))
    question: dict[str, Any] = {
        "id": question_id,
        "text": page.question,
        "role": "Any role",
        "level": page.level or "junior",
        "tags": ["imported"],
        "competencies": competencies,
    }
    model_answers = [_model_answer(a) for a in page.answers]
    if model_answers:
        question["model_answers"] = model_answers
    if page.tips:
        question["tips"] = list(page.tips)
    document = {
        "bank": {
            "id": bank_id,
            "title": f"Imported: {_shorten(page.question, 70)}",
            "version": 1,
            "description": f"Imported from {_one_line(page.source_name)}.",
            "draft": True,
        },
        "questions": [question],
    }
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return _header(page, question_id) + body


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
    text = page_to_bank_yaml(page, bank_id=bank_id, question_id=question_id)
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
    return ImportResult(written, bank_id, question_id, page)


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
        and unit.lemma not in weak
        and not any(_shares_stem(part, w) for part in word.split("-") for w in label_words)
    )


def _answer_sentences(answers: Sequence[ImportedAnswer]) -> list[str]:
    order = {"strong": 0, "solid": 1, "basic": 2}
    out: list[str] = []
    for answer in sorted(answers, key=lambda a: order[a.level]):
        out += _split(answer.text)
    return _dedupe(out)


def _split(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s.strip()]


def _competency_draft(
    comp: ImportedCompetency,
    comp_id: str,
    sentences: Sequence[str],
    notes: Sequence[str],
    weak: frozenset[str],
    label_words: frozenset[str] = frozenset(),
) -> Any:
    """One competency of the draft: indicator groups from the label and the page, exemplars.

    Bare generic words (client, patient, problem ...) and the question's own words never
    become indicators: every answer says them, so they prove nothing and, negated, would
    read as contradictions.
    """
    label = _label(comp.label, weak)
    page_words = {w for s in [*sentences, *notes] for w in _WORD_RE.findall(s.lower())}
    label_phrases = _label_phrases(label, page_words)
    if not label_phrases:
        label_phrases = [label.text]
    # Where the page talks about this competency: answer sentences that name it, and the
    # clauses of critiques and tips that do (those often list several competencies at once).
    passages = [_units(s) for s in sentences if _mentions(s, label)]
    passages += [
        clause
        for note in notes
        for clause in _clauses(note)
        if _mentions(" ".join(u.text for u in clause), label)
    ]
    taken = {phrase_lemmas(p) for p in label_phrases}
    page_phrases = [
        p for p in _page_phrases(passages, weak, label_words) if phrase_lemmas(p) not in taken
    ][:_MAX_PAGE_PHRASES]
    page_phrases += _key_words(page_phrases, [*sentences, *notes], weak | _taken_words(taken))
    # Meanings read as advice: "Describe empathy in more detail: also cover <meaning>".
    indicators = [{"meaning": f"{label.text} by name", "phrases": label_phrases[:_MAX_PHRASES]}]
    if page_phrases:
        indicators.append(
            {
                "meaning": f"the page's words for it, such as '{page_phrases[0]}'",
                "phrases": page_phrases,
            }
        )

    def label_words_in(sentence: str) -> int:
        words = _WORD_RE.findall(sentence.lower())
        return sum(any(_shares_stem(w, s) for w in words) for s in label.specific) + sum(
            f"{a}-{b}" in sentence.lower() or f"{a} {b}" in sentence.lower()
            for a, b in label.compounds
        )

    # The sentences naming most of the label's words, strongest answer first on ties.
    ranked = sorted(
        ((label_words_in(s), i, s) for i, s in enumerate(sentences)), key=lambda t: (-t[0], t[1])
    )
    exemplars = [s for count, _i, s in ranked if count > 0][:_MAX_PAGE_EXEMPLARS]
    if not exemplars:
        exemplars = [
            f"{PLACEHOLDER_PREFIX} write a sentence a strong answer would say to show {label.text}."
        ]
    description = comp.description or (
        f"Shows {label.text} in the answer. (Imported draft: say what a strong answer does.)"
    )
    return {
        "id": comp_id,
        "label": comp.label,
        "description": description,
        "weight": 1,
        "indicators": indicators,
        "exemplars": exemplars,
    }


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


def _header(page: ImportedPage, question_id: str) -> str:
    lines = [
        f"Draft question bank made by `voicemock import` from {_one_line(page.source_name)}.",
        "The scorer knows only what this file says, so finish the draft before relying on it:",
        "- indicators: add the words and phrases a good answer would use for each competency;",
        "- exemplars: keep a few sentences a strong answer might contain; replace any line",
        f"  starting with '{PLACEHOLDER_PREFIX}', and prefer your own words to the page's;",
        "- depth, red_flags (optional): concepts that mark an advanced answer, or that count",
        "  against it;",
        "- role and level: set them so `voicemock questions --role ...` finds this question.",
        f"Check that it loads with: voicemock questions --search {question_id}",
        "When you have finished, delete the line 'draft: true' under 'bank:' (until then",
        "`voicemock questions` and every score say that this is an unedited draft).",
    ]
    if page.missing:
        lines.append("Not found on the page: " + "; ".join(page.missing) + ".")
    return "".join(f"# {line}\n" for line in lines)
