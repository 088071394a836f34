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
from voicemock.core.rubrics import display_path, load_library, parse_bank_text
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
_MAX_PHRASES = 12
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
# Words that say nothing about which competency a label names.
_GENERIC_WORDS = frozenset(
    re.findall(
        r"\S+",
        """a an and as at be by for from in into of on or the their them they to with your you
        ability abilities able skill skills work working knowledge understanding good strong
        effective effectively general overall capacity capability capabilities experience
        demonstrated demonstrate show showing""",
    )
)
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
    competencies = []
    used_ids: set[str] = set()
    for comp in page.competencies:
        comp_id = _unique(slugify(comp.label), used_ids)
        used_ids.add(comp_id)
        competencies.append(_competency_draft(comp, comp_id, sentences))
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
        },
        "questions": [question],
    }
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return _header(page, question_id) + body


def import_page(path: Path, dest_dir: Path | None = None) -> Path:
    """Read a page and write its draft bank (never overwriting); returns the draft's path."""
    return import_page_file(path, dest_dir).path


def import_page_file(
    path: Path, dest_dir: Path | None = None, bank_id: str | None = None
) -> ImportResult:
    """Read a page, parse it and write its draft bank; the result says what went into it."""
    path = Path(path)
    page = parse_prep_page(read_page_text(path), source_name=path.name)
    return write_draft(page, dest_dir=dest_dir, bank_id=bank_id)


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
    page: ImportedPage, dest_dir: Path | None = None, bank_id: str | None = None
) -> ImportResult:
    """Write the page's draft bank into ``dest_dir`` (default: the user's banks) under a new name.

    Ids are chosen so the draft loads beside every bank already there: a question or bank id
    that is taken gets a numeric suffix. An explicit ``bank_id`` that is taken is an error.
    """
    dest = Path(dest_dir) if dest_dir is not None else paths.user_rubrics_dir()
    library = load_library([dest] if dest.is_dir() else None)
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
    import simplemma

    return str(simplemma.lemmatize(word, lang="en"))


def _core_words(label: str) -> list[str]:
    words = _WORD_RE.findall(label.lower().replace("-", " "))
    return [w for w in words if w not in _GENERIC_WORDS] or words


def _stem(word: str) -> str:
    # A crude shared prefix finds the page's own forms of a label word (empathy -> empathizing).
    return word[:6] if len(word) >= 7 else word


def _answer_sentences(answers: Sequence[ImportedAnswer]) -> list[str]:
    order = {"strong": 0, "solid": 1, "basic": 2}
    out: list[str] = []
    for answer in sorted(answers, key=lambda a: order[a.level]):
        out += [s.strip() for s in _SENTENCE_SPLIT_RE.split(answer.text) if s.strip()]
    return _dedupe(out)


def _competency_draft(comp: ImportedCompetency, comp_id: str, sentences: Sequence[str]) -> Any:
    label_lower = comp.label.lower()
    core = _core_words(comp.label)
    stems_of_word = [{_stem(w), _stem(_lemma(w))} for w in core]
    stems = set().union(*stems_of_word)
    phrases = [label_lower]
    core_phrase = " ".join(core)
    if "-" in label_lower:
        phrases.append(label_lower.replace("-", " "))
    phrases.append(core_phrase)
    for word in core:
        phrases += [word, _lemma(word)]
    # The page's own inflections of the label words (empathy -> empathetic, empathizing).
    page_words = {w for s in sentences for w in _WORD_RE.findall(s.lower()) if "-" not in w}
    phrases += sorted(w for w in page_words if len(w) >= 5 and any(w.startswith(s) for s in stems))

    def label_words_in(sentence: str) -> int:
        words = _WORD_RE.findall(sentence.lower())
        return sum(
            any(w.startswith(stem) for w in words for stem in word_stems)
            for word_stems in stems_of_word
        )

    # The sentences naming most of the label's words, strongest answer first on ties.
    ranked = sorted(
        ((label_words_in(s), i, s) for i, s in enumerate(sentences)), key=lambda t: (-t[0], t[1])
    )
    exemplars = [s for count, _i, s in ranked if count > 0][:_MAX_PAGE_EXEMPLARS]
    if not exemplars:
        exemplars = [
            f"{PLACEHOLDER_PREFIX} write a sentence a strong answer would say "
            f"to show {label_lower}."
        ]
    description = comp.description or (
        f"Shows {label_lower} in the answer. (Imported draft: say what a strong answer does.)"
    )
    return {
        "id": comp_id,
        "label": comp.label,
        "description": description,
        "weight": 1,
        "indicators": [
            {"meaning": label_lower, "phrases": _dedupe(phrases)[:_MAX_PHRASES]},
        ],
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
    ]
    if page.missing:
        lines.append("Not found on the page: " + "; ".join(page.missing) + ".")
    return "".join(f"# {line}\n" for line in lines)
