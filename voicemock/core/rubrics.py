"""Loads question banks (shipped ones and the user's own YAML files) into a searchable library."""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from voicemock import paths
from voicemock.core import rubric_schema
from voicemock.core.rubric_schema import BankInfo, Question, QuestionBank
from voicemock.errors import QuestionNotFoundError, RubricError

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: same behaviour, slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

Source = Literal["shipped", "user"]
BANK_SUFFIXES = (".yaml", ".yml")
# A file with many mistakes is fixed a few at a time; a longer list would not fit on one line.
MAX_REPORTED_PROBLEMS = 3
_MAX_SHOWN_VALUE_CHARS = 40
# A bank is a few hundred KB at most; a bigger file (e.g. a link to a log) is not read whole.
MAX_BANK_FILE_BYTES = 5 * 1024 * 1024
# A top-level key of a bank, in block or flow style: a file without one is not meant as a bank,
# and messages about it never quote what it holds (it may be a link to someone's secrets).
_BANK_KEY = re.compile(r"""(?:^|[{,])\s*["']?(?:bank|questions)["']?\s*:""", re.MULTILINE)
NOT_A_BANK = "not a question bank (no 'bank:' or 'questions:' at the top level)"


class _BankLoader(_SafeLoader):
    """A safe YAML loader that rejects a key repeated in one mapping.

    Plain YAML keeps the last of two equal keys, so a second ``weight:`` would silently win.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line_of: dict[str, int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_line_of:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice (first on line {first_line_of[key]})",
                    key_node.start_mark,
                )
            first_line_of[key] = line
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class LoadedQuestion:
    """A question with the bank and file it came from."""

    question: Question
    bank: BankInfo
    path: Path
    source: Source

    @property
    def id(self) -> str:
        """The question's id (unique across the library)."""
        return self.question.id

    @property
    def rubric_version(self) -> str:
        """Identifies the exact rubric an attempt was scored with, e.g. ``beh@1/beh-conflict@2``."""
        return f"{self.bank.id}@{self.bank.version}/{self.question.id}@{self.question.version}"


@dataclass(frozen=True)
class LoadedBank:
    """One bank file that loaded, with the questions the library kept from it."""

    info: BankInfo
    path: Path
    source: Source
    questions: tuple[LoadedQuestion, ...]


@dataclass(frozen=True)
class RubricLibrary:
    """Every question from the shipped and user banks, plus one message per problem found."""

    banks: tuple[LoadedBank, ...] = ()
    errors: tuple[str, ...] = ()
    questions: tuple[LoadedQuestion, ...] = field(init=False)
    _by_id: dict[str, LoadedQuestion] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        questions = tuple(q for bank in self.banks for q in bank.questions)
        object.__setattr__(self, "questions", questions)
        object.__setattr__(self, "_by_id", {q.question.id: q for q in questions})

    def __len__(self) -> int:
        return len(self.questions)

    def ids(self) -> tuple[str, ...]:
        """Every question id, in library order."""
        return tuple(q.question.id for q in self.questions)

    def get(self, question_id: str) -> LoadedQuestion:
        """The question with this id; QuestionNotFoundError suggests close ids if there is none."""
        key = question_id.strip().lower()
        found = self._by_id.get(key)
        if found is not None:
            return found
        if not self._by_id:
            raise QuestionNotFoundError(
                f"no question with id {question_id!r}: no question banks are loaded"
                " (`voicemock questions` shows why)"
            )
        close = difflib.get_close_matches(key, list(self._by_id), n=3, cutoff=0.6)
        if key and len(close) < 3:
            close += [i for i in self._by_id if key in i and i not in close][: 3 - len(close)]
        hint = f"; did you mean {_or_list(close)}?" if close else ""
        # The question may be in a bank that failed to load: say so rather than just "no".
        broken = (
            f"; {len(self.errors)} bank file(s) could not be loaded"
            " (`voicemock questions` shows why)"
            if self.errors
            else " (`voicemock questions` lists them)"
        )
        raise QuestionNotFoundError(f"no question with id {question_id!r}{hint}{broken}")

    def search(
        self,
        role: str | None = None,
        level: str | None = None,
        tag: str | None = None,
        text: str | None = None,
    ) -> tuple[LoadedQuestion, ...]:
        """Questions matching every filter given (case-insensitive).

        ``role`` matches part of the role, ``level`` the level exactly, ``tag`` one tag exactly;
        every word of ``text`` must appear in the question text, id, tags or role.
        """
        role_key = role.strip().casefold() if role else None
        level_key = level.strip().casefold() if level else None
        tag_key = tag.strip().casefold() if tag else None
        terms = text.casefold().split() if text else []
        found = []
        for loaded in self.questions:
            question = loaded.question
            if role_key and role_key not in question.role.casefold():
                continue
            if level_key and level_key != question.level:
                continue
            if tag_key and tag_key not in (t.casefold() for t in question.tags):
                continue
            if terms:
                haystack = " ".join(
                    [question.text, question.id, question.role, *question.tags]
                ).casefold()
                if not all(term in haystack for term in terms):
                    continue
            found.append(loaded)
        return tuple(found)

    def roles(self) -> tuple[str, ...]:
        """The distinct roles, sorted."""
        return tuple(sorted({q.question.role for q in self.questions}, key=str.casefold))

    def tags(self) -> tuple[str, ...]:
        """The distinct tags, sorted."""
        return tuple(sorted({t for q in self.questions for t in q.question.tags}, key=str.casefold))

    def levels(self) -> tuple[str, ...]:
        """The levels that have at least one question, junior first."""
        present = {q.question.level for q in self.questions}
        return tuple(level for level in ("junior", "mid", "senior") if level in present)


# question id -> (the draft question as loaded, its file): lets the scorer, which sees only a
# Question, say that it comes from an unedited draft and where to edit it.
_draft_sources: dict[str, tuple[Question, Path]] = {}
_draft_lock = threading.Lock()


def draft_path_of(question: Question) -> Path | None:
    """The file of this question's bank if the last load found that bank marked ``draft``."""
    with _draft_lock:
        entry = _draft_sources.get(question.id)
    if entry is None:
        return None
    loaded, path = entry
    return path if loaded is question or loaded == question else None


def _remember_drafts(banks: Sequence[LoadedBank]) -> None:
    with _draft_lock:
        for bank in banks:
            for loaded in bank.questions:
                if bank.info.draft:
                    _draft_sources[loaded.id] = (loaded.question, loaded.path)
                else:
                    _draft_sources.pop(loaded.id, None)


def display_path(path: Path) -> str:
    """A path as shown in messages: relative paths as given, the home directory as ``~``."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except (ValueError, RuntimeError):
        return str(path)


def load_bank_file(path: Path) -> QuestionBank:
    """Read and validate one bank file; RubricError names the file, the place and the problem."""
    from voicemock.files import regular_file_problem

    path = Path(path)
    name = display_path(path)
    problem = regular_file_problem(path)
    if problem is not None:
        raise RubricError(f"{name}: cannot read the file ({problem})")
    try:
        if path.stat().st_size > MAX_BANK_FILE_BYTES:
            raise RubricError(f"{name}: {NOT_A_BANK}: it is over 5 MB")
        raw = path.read_bytes()
    except OSError as error:
        raise RubricError(f"{name}: cannot read the file ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RubricError(
            f"{name}: not UTF-8 text (bad byte at position {error.start}); save it as UTF-8"
        ) from error
    return parse_bank_text(text, name)


def parse_bank_text(text: str, name: str = "<bank>") -> QuestionBank:
    """Validate bank YAML held in a string; ``name`` is used in error messages.

    Messages quote the file (a line, a value, a key) only when it is meant as a bank: a file
    with no ``bank:`` or ``questions:`` key (say, a link to a private file) is just "not a
    question bank".
    """
    meant_as_bank = _BANK_KEY.search(text) is not None
    try:
        data = yaml.load(text, Loader=_BankLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        if not meant_as_bank:
            raise RubricError(f"{name}: {NOT_A_BANK}") from error
        raise RubricError(_yaml_error_message(error, name)) from error
    except yaml.YAMLError as error:
        if not meant_as_bank:
            raise RubricError(f"{name}: {NOT_A_BANK}") from error
        raise RubricError(f"{name}: YAML error: {_one_line(str(error))}") from error
    except RecursionError as error:
        raise RubricError(f"{name}: YAML error: nested too deeply") from error
    if data is None:
        raise RubricError(f"{name}: the file is empty (expected 'bank:' and 'questions:')")
    if not isinstance(data, dict):
        raise RubricError(
            f"{name}: expected a mapping with 'bank:' and 'questions:' at the top level, "
            f"found {_yaml_kind(data)}"
        )
    if "bank" not in data and "questions" not in data:
        raise RubricError(f"{name}: {NOT_A_BANK}")
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as error:
        raise RubricError(_validation_message(error, name, text)) from error


def load_library(
    extra_dirs: Sequence[Path] | None = None,
    *,
    shipped_dir: Path | None = None,
    user_dir: Path | None = None,
) -> RubricLibrary:
    """Load every bank: shipped first, then the user's, then ``extra_dirs`` (counted as user's).

    A broken file becomes one line in ``.errors`` and the other banks still load. Question ids
    are unique across the library: a later question reusing an id is reported and skipped
    (never silently overrides), so scores stored under a rubric version keep their meaning.
    A later bank reusing a bank id is reported and skipped whole, for the same reason.
    """
    sources: list[tuple[Path, Source]] = [
        (shipped_dir if shipped_dir is not None else paths.SHIPPED_RUBRICS_DIR, "shipped"),
        (user_dir if user_dir is not None else paths.user_rubrics_dir(), "user"),
    ]
    sources += [(Path(d), "user") for d in extra_dirs or ()]

    errors: list[str] = []
    banks: list[LoadedBank] = []
    bank_path_of: dict[str, Path] = {}
    question_path_of: dict[str, Path] = {}
    seen_files: set[Path] = set()
    for directory, source in sources:
        for path in _bank_files(directory, errors):
            resolved = path.resolve()
            if resolved in seen_files:
                continue
            seen_files.add(resolved)
            name = display_path(path)
            try:
                bank = load_bank_file(path)
            except RubricError as error:
                errors.append(str(error))
                continue
            if bank.bank.id in bank_path_of:
                errors.append(
                    f"{name}: bank id {bank.bank.id!r} is already used by "
                    f"{display_path(bank_path_of[bank.bank.id])}; "
                    "skipped (give this bank its own id)"
                )
                continue
            kept: list[LoadedQuestion] = []
            clashes: list[str] = []
            for question in bank.questions:
                if question.id in question_path_of:
                    other = display_path(question_path_of[question.id])
                    clashes.append(f"{question.id!r} (already in {other})")
                    continue
                question_path_of[question.id] = path
                kept.append(LoadedQuestion(question, bank.bank, path, source))
            if clashes:
                errors.append(
                    f"{name}: skipped questions whose id is taken: {', '.join(clashes)}; "
                    "give them new ids"
                )
            if kept:
                bank_path_of[bank.bank.id] = path
                banks.append(LoadedBank(bank.bank, path, source, tuple(kept)))
    _remember_drafts(banks)
    banks.sort(key=lambda loaded: loaded.info.order)  # stable: ties keep their loading order
    return RubricLibrary(banks=tuple(banks), errors=tuple(errors))


def _bank_files(directory: Path, errors: list[str]) -> Iterable[Path]:
    """The bank files in a directory, sorted by name; a missing directory has none."""
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return []
    except OSError as error:
        errors.append(f"{display_path(directory)}: cannot list banks ({error.strerror or error})")
        return []
    return sorted(
        (
            p
            for p in entries
            if p.suffix.lower() in BANK_SUFFIXES and not p.name.startswith(".") and p.is_file()
        ),
        key=lambda p: p.name,
    )


# --- error messages -------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _or_list(items: Sequence[str]) -> str:
    quoted = [repr(i) for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _yaml_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a single line of text"
    return f"a single value ({type(value).__name__})"


def _yaml_error_message(error: yaml.MarkedYAMLError, name: str) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"{name} line {mark.line + 1}" if mark is not None else name
    problem = _one_line(error.problem or "")
    if isinstance(error, yaml.constructor.ConstructorError):
        return f"{where}: {problem}"
    context = _one_line(error.context or "")
    if context and error.context_mark is not None and error.context_mark is not mark:
        context = f"{context} on line {error.context_mark.line + 1}"
    detail = f"{problem} ({context})" if context else problem
    return f"{where}: YAML syntax error: {detail or _one_line(str(error))}"


def _validation_message(error: ValidationError, name: str, text: str) -> str:
    problems = error.errors(include_url=False)
    root = _compose_quietly(text)
    located = [(_line_of(root, tuple(p["loc"])), p) for p in problems]
    # Reading order: the first problem reported is the first one met in the file.
    located.sort(key=lambda pair: pair[0] if pair[0] is not None else 0)
    parts = []
    for line, problem in located[:MAX_REPORTED_PROBLEMS]:
        where = _loc_path(tuple(problem["loc"]))
        part = f"{where}: {_describe(problem)}" if where else _describe(problem)
        if line is not None:
            part += f" (line {line})"
        parts.append(part)
    message = f"{name}: " + "; ".join(parts)
    more = len(problems) - MAX_REPORTED_PROBLEMS
    if more > 0:
        message += f"; and {more} more problem{'s' if more > 1 else ''}"
    return message


def _loc_path(loc: tuple[Any, ...]) -> str:
    """Pydantic's ``('questions', 2, 'weight')`` as ``questions[2].weight``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _known_field_names() -> set[str]:
    names: set[str] = set()
    for value in vars(rubric_schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return names


_GENERIC_SHOULD = re.compile(r"^(?:Input|String|List|Value|Dictionary|Number|Tuple)\s+should\b")


def _describe(problem: Any) -> str:
    kind = problem["type"]
    message = str(problem["msg"])
    loc = problem["loc"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        unknown = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(unknown, sorted(_known_field_names()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field{hint}"
    if kind == "value_error":
        return _one_line(message.removeprefix("Value error, "))
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        described = (
            "must use only lowercase letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    elif kind == "too_short" and problem.get("ctx", {}).get("min_length") == 1:
        described = "must not be empty"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        described = "must be a mapping (indented 'key: value' lines)"
    else:
        described = _GENERIC_SHOULD.sub("must", _one_line(message))
    value = problem.get("input")
    if isinstance(value, str | int | float | bool) or value is None:
        shown = repr(value)
        if len(shown) > _MAX_SHOWN_VALUE_CHARS:
            shown = shown[: _MAX_SHOWN_VALUE_CHARS - 3] + "..."
        described += f" (got {shown})"
    return described


def _compose_quietly(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node ``loc`` reaches (a missing key: its parent)."""
    if root is None:
        return None
    node: yaml.Node = root
    line = root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
