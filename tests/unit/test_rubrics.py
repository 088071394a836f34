"""Loading question banks: clear messages for broken files, user banks, lookup and search."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from voicemock import paths
from voicemock.core.rubric_schema import Question
from voicemock.core.rubrics import LoadedQuestion, draft_path_of, load_bank_file, load_library
from voicemock.errors import QuestionNotFoundError, RubricError


def competency_data(cid: str = "communication", label: str = "Communication", **extra: Any) -> Any:
    """A valid competency as plain data."""
    data = {
        "id": cid,
        "label": label,
        "description": f"Shows {label.lower()}.",
        "weight": 1.0,
        "indicators": [{"meaning": label.lower(), "phrases": [label.lower()]}],
        "exemplars": [f"I made sure the {label.lower()} part was clear."],
    }
    data.update(extra)
    return data


def question_data(
    qid: str,
    text: str | None = None,
    role: str = "Software engineer",
    level: str = "mid",
    tags: Sequence[str] = ("teamwork",),
    competencies: list[Any] | None = None,
) -> Any:
    """A valid question as plain data."""
    return {
        "id": qid,
        "text": text or f"Tell me about the {qid} situation you handled.",
        "role": role,
        "level": level,
        "tags": list(tags),
        "competencies": competencies or [competency_data()],
    }


def bank_text(bank_id: str, questions: list[Any], version: int = 1) -> str:
    """A bank file's YAML text."""
    document = {
        "bank": {"id": bank_id, "title": f"{bank_id} questions", "version": version},
        "questions": questions,
    }
    return yaml.safe_dump(document, sort_keys=False)


def write_bank(directory: Path, name: str, bank_id: str, questions: list[Any]) -> Path:
    """Write a bank file and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(bank_text(bank_id, questions), encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    """1-based line number of the first line containing ``fragment``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in text")


def rubric_error(path: Path) -> str:
    with pytest.raises(RubricError) as caught:
        load_bank_file(path)
    message = str(caught.value)
    assert "\n" not in message, "messages must fit on one line"
    assert path.name in message, "messages must name the file"
    return message


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A stand-in for the shipped banks folder, so tests do not depend on shipped content."""
    directory = tmp_path / "shipped"
    directory.mkdir()
    return directory


# --- load_bank_file -------------------------------------------------------------------------


def test_valid_bank_loads_with_its_questions(tmp_path: Path) -> None:
    path = write_bank(
        tmp_path,
        "ok.yaml",
        "team",
        [question_data("q-one"), question_data("q-two", level="senior")],
    )
    bank = load_bank_file(path)
    assert bank.bank.id == "team"
    assert [q.id for q in bank.questions] == ["q-one", "q-two"]
    assert bank.questions[1].level == "senior"
    assert bank.questions[0].competencies[0].weight == 1.0


def test_yaml_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    text = bank_text("team", [question_data("q-one")])
    lines = text.splitlines()
    broken_line = line_of(text, "tags:") + 1
    lines[broken_line - 1] = "    - [unclosed, list"
    path = tmp_path / "my_bank.yaml"
    path.write_text("\n".join(lines) + "\n")
    message = rubric_error(path)
    assert "YAML syntax error" in message
    # The parser notices the unclosed list on the line itself or the next one.
    reported = int(message.split(" line ", 1)[1].split(":", 1)[0])
    assert reported in (broken_line, broken_line + 1)


def test_missing_required_field_is_named_with_its_path(tmp_path: Path) -> None:
    second = question_data("q-two")
    del second["text"]
    path = write_bank(tmp_path, "my_bank.yaml", "team", [question_data("q-one"), second])
    message = rubric_error(path)
    assert "questions[1].text: is required" in message


def test_wrong_type_is_reported_with_the_value(tmp_path: Path) -> None:
    question = question_data("q-one")
    question["tags"] = "conflict"
    path = write_bank(tmp_path, "my_bank.yaml", "team", [question])
    message = rubric_error(path)
    assert "questions[0].tags: must be a valid list" in message
    assert "'conflict'" in message


def test_negative_weight_names_place_and_line(tmp_path: Path) -> None:
    bad = question_data("q-three", competencies=[competency_data(weight=-2)])
    questions = [question_data("q-one"), question_data("q-two"), bad]
    path = write_bank(tmp_path, "my_bank.yaml", "team", questions)
    message = rubric_error(path)
    assert "my_bank.yaml: questions[2].competencies[0].weight: must be greater than 0" in message
    assert f"(line {line_of(path.read_text(), 'weight: -2')})" in message


def test_unknown_level_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = write_bank(tmp_path, "levels.yaml", "team", [question_data("q-one", level="expert")])
    message = rubric_error(path)
    assert "questions[0].level" in message
    assert "'junior', 'mid' or 'senior'" in message
    assert "'expert'" in message


def test_duplicate_question_ids_in_one_bank(tmp_path: Path) -> None:
    path = write_bank(tmp_path, "dups.yaml", "team", [question_data("q-a"), question_data("q-a")])
    assert "question id 'q-a' appears twice" in rubric_error(path)


def test_duplicate_competency_ids_in_one_question(tmp_path: Path) -> None:
    comps = [competency_data("empathy", "Empathy"), competency_data("empathy", "Warmth")]
    path = write_bank(tmp_path, "dups.yaml", "team", [question_data("q-a", competencies=comps)])
    message = rubric_error(path)
    assert "questions[0]" in message
    assert "competency id 'empathy' appears twice" in message


def test_key_repeated_in_a_mapping_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    text = bank_text("team", [question_data("q-one")])
    weight_line = line_of(text, "weight:")
    lines = text.splitlines()
    indent = lines[weight_line - 1][
        : len(lines[weight_line - 1]) - len(lines[weight_line - 1].lstrip())
    ]
    lines.insert(weight_line, f"{indent}weight: 3")
    path = tmp_path / "twice.yaml"
    path.write_text("\n".join(lines) + "\n")
    message = rubric_error(path)
    assert f"twice.yaml line {weight_line + 1}: key 'weight' appears twice" in message
    assert f"first on line {weight_line}" in message


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(content)
    assert "empty" in rubric_error(path)


@pytest.mark.parametrize(
    ("content", "found"),
    [("- a\n- b\n", "a list"), ("just words\n", "a single line of text"), ("42\n", "single value")],
)
def test_top_level_not_a_mapping(tmp_path: Path, content: str, found: str) -> None:
    path = tmp_path / "flat.yaml"
    path.write_text(content)
    message = rubric_error(path)
    assert "expected a mapping with 'bank:' and 'questions:'" in message
    assert found in message


def test_misspelt_field_gets_a_suggestion(tmp_path: Path) -> None:
    question = question_data("q-one")
    question["competencies"][0]["exemplar"] = question["competencies"][0].pop("exemplars")
    path = write_bank(tmp_path, "typo.yaml", "team", [question])
    message = rubric_error(path)
    assert "questions[0].competencies[0].exemplar: unknown field; did you mean 'exemplars'?" in (
        message
    )


def test_only_the_first_few_problems_are_reported(tmp_path: Path) -> None:
    questions = [question_data(f"q-{i}", level="expert") for i in range(6)]
    path = write_bank(tmp_path, "many.yaml", "team", questions)
    message = rubric_error(path)
    assert message.count("must be 'junior'") == 3
    assert message.endswith("and 3 more problems")
    # Reported in the order they appear in the file.
    assert message.index("questions[0]") < message.index("questions[1]")


def test_problems_are_reported_in_file_order(tmp_path: Path) -> None:
    question = question_data("q-one", competencies=[competency_data(weight=0)])
    question["level"] = question.pop("level")  # written after the competencies
    question["level"] = "expert"
    path = write_bank(tmp_path, "order.yaml", "team", [question])
    message = rubric_error(path)
    assert message.index(".weight:") < message.index(".level:")


def test_bad_id_pattern_is_explained(tmp_path: Path) -> None:
    path = write_bank(tmp_path, "ids.yaml", "team", [question_data("Bad Id")])
    message = rubric_error(path)
    assert "questions[0].id: must use only lowercase letters" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    text = "# Caf\xe9 questions\n" + bank_text("team", [question_data("q-one")])
    path.write_bytes(text.encode("latin-1"))
    assert "not UTF-8" in rubric_error(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match=r"gone\.yaml: cannot read"):
        load_bank_file(tmp_path / "gone.yaml")


# --- load_library ---------------------------------------------------------------------------


def test_broken_file_is_reported_and_other_banks_still_load(shipped: Path) -> None:
    write_bank(shipped, "a_good.yaml", "alpha", [question_data("q-alpha")])
    (shipped / "b_broken.yaml").write_text("bank: [oops\n")
    write_bank(shipped, "c_good.yml", "gamma", [question_data("q-gamma")])
    (shipped / "notes.txt").write_text("not a bank")
    library = load_library(shipped_dir=shipped)
    assert library.ids() == ("q-alpha", "q-gamma")
    assert len(library.errors) == 1
    assert "b_broken.yaml line" in library.errors[0]
    assert [b.info.id for b in library.banks] == ["alpha", "gamma"]
    # The question asked for may be in the broken file: the error says banks failed to load.
    with pytest.raises(QuestionNotFoundError, match=r"1 bank file\(s\) could not be loaded"):
        library.get("q-beta")


def test_user_banks_come_from_voicemock_home(shipped: Path, voicemock_home: Path) -> None:
    write_bank(shipped, "ship.yaml", "ship", [question_data("q-shipped")])
    user_dir = paths.user_rubrics_dir()
    assert user_dir.is_relative_to(voicemock_home)
    write_bank(user_dir, "mine.yaml", "mine", [question_data("q-mine")])
    library = load_library(shipped_dir=shipped)
    assert library.errors == ()
    assert library.get("q-shipped").source == "shipped"
    mine = library.get("q-mine")
    assert mine.source == "user"
    assert mine.path == user_dir / "mine.yaml"


def test_extra_dirs_are_loaded_after_the_user_dir(shipped: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    write_bank(extra, "more.yaml", "more", [question_data("q-extra")])
    library = load_library([extra], shipped_dir=shipped)
    assert library.ids() == ("q-extra",)
    assert library.get("q-extra").source == "user"


def test_banks_are_listed_by_their_order_then_file_name_shipped_first(
    shipped: Path, tmp_path: Path
) -> None:
    def with_order(path: Path, order: int) -> None:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["bank"]["order"] = order
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    write_bank(shipped, "a.yaml", "a", [question_data("q-a")])  # default order 100
    with_order(write_bank(shipped, "b.yaml", "b", [question_data("q-b")]), 5)
    write_bank(shipped, "c.yaml", "c", [question_data("q-c")])
    extra = tmp_path / "extra"
    with_order(write_bank(extra, "d.yaml", "d", [question_data("q-d")]), 1)
    write_bank(extra, "e.yaml", "e", [question_data("q-e")])
    library = load_library([extra], shipped_dir=shipped)
    assert library.errors == ()
    assert library.ids() == ("q-d", "q-b", "q-a", "q-c", "q-e")
    with_order(shipped / "c.yaml", -1)
    assert "order" in " ".join(load_library(shipped_dir=shipped).errors)


def test_the_seed_question_comes_first_among_the_shipped_banks(tmp_path: Path) -> None:
    library = load_library(user_dir=tmp_path / "no-user-banks")
    first = library.questions[0]
    assert first.question.id == "sac-client-resistance"
    labels = [c.label for c in first.question.competencies]
    assert labels == [
        "Empathy",
        "Communication skills",
        "Problem-solving",
        "Patient confidentiality",
        "Ability to work with diverse client populations",
    ]


def test_user_question_reusing_a_shipped_id_is_reported_and_skipped(shipped: Path) -> None:
    write_bank(shipped, "ship.yaml", "ship", [question_data("q-shared", text="The shipped one?")])
    write_bank(
        paths.user_rubrics_dir(),
        "mine.yaml",
        "mine",
        [question_data("q-shared", text="My own version?"), question_data("q-new")],
    )
    library = load_library(shipped_dir=shipped)
    assert library.get("q-shared").question.text == "The shipped one?"
    assert library.get("q-new").source == "user"
    assert len(library.errors) == 1
    assert "mine.yaml" in library.errors[0]
    assert "'q-shared'" in library.errors[0]
    assert "ship.yaml" in library.errors[0]


def test_bank_reusing_a_bank_id_is_skipped(shipped: Path) -> None:
    write_bank(shipped, "one.yaml", "same", [question_data("q-one")])
    write_bank(paths.user_rubrics_dir(), "two.yaml", "same", [question_data("q-two")])
    library = load_library(shipped_dir=shipped)
    assert library.ids() == ("q-one",)
    assert "bank id 'same' is already used" in library.errors[0]


def test_missing_shipped_dir_is_not_an_error(tmp_path: Path) -> None:
    library = load_library(shipped_dir=tmp_path / "nowhere")
    assert library.questions == ()
    assert library.errors == ()


def test_rubric_version_names_bank_and_question_versions(shipped: Path) -> None:
    question = question_data("q-one")
    question["version"] = 3
    (shipped / "b.yaml").write_text(bank_text("team", [question], version=2))
    loaded = load_library(shipped_dir=shipped).get("q-one")
    assert isinstance(loaded, LoadedQuestion)
    assert loaded.rubric_version == "team@2/q-one@3"


def test_draft_banks_are_remembered_with_their_file(shipped: Path) -> None:
    user_dir = paths.user_rubrics_dir()
    user_dir.mkdir(parents=True, exist_ok=True)
    draft = user_dir / "draft.yaml"
    text = bank_text("mine", [question_data("q-draft")])
    draft.write_text(text.replace("  version: 1\n", "  version: 1\n  draft: true\n", 1))
    write_bank(shipped, "b.yaml", "done", [question_data("q-done")])
    library = load_library(shipped_dir=shipped)
    loaded = library.get("q-draft")
    assert loaded.bank.draft and not library.get("q-done").bank.draft
    assert draft_path_of(loaded.question) == draft
    assert draft_path_of(library.get("q-done").question) is None
    # A question of the same id that is not the one loaded from the draft is not a draft.
    other = Question.model_validate({**question_data("q-draft"), "text": "Something else?"})
    assert draft_path_of(other) is None
    # Once its author removes the mark, a reload forgets it.
    draft.write_text(text)
    reloaded = load_library(shipped_dir=shipped).get("q-draft")
    assert draft_path_of(reloaded.question) is None
    assert draft_path_of(loaded.question) is None


# --- get and search -------------------------------------------------------------------------


@pytest.fixture
def library_dir(shipped: Path) -> Path:
    write_bank(
        shipped,
        "eng.yaml",
        "eng",
        [
            question_data(
                "eng-code-review",
                text="How do you give feedback in a code review?",
                role="Software engineer",
                level="mid",
                tags=["feedback", "Teamwork"],
            ),
            question_data(
                "eng-outage",
                text="Walk me through an outage you helped resolve.",
                role="Site reliability engineer",
                level="senior",
                tags=["incident"],
            ),
        ],
    )
    write_bank(
        shipped,
        "care.yaml",
        "care",
        [
            question_data(
                "care-family",
                text="How do you support a worried family member?",
                role="Registered nurse",
                level="junior",
                tags=["empathy", "teamwork"],
            )
        ],
    )
    return shipped


def test_get_is_case_insensitive(library_dir: Path) -> None:
    library = load_library(shipped_dir=library_dir)
    assert library.get(" ENG-Outage ").question.level == "senior"


def test_unknown_id_suggests_close_ones(library_dir: Path) -> None:
    library = load_library(shipped_dir=library_dir)
    with pytest.raises(QuestionNotFoundError) as caught:
        library.get("eng-outtage")
    assert "'eng-outage'" in str(caught.value)
    with pytest.raises(QuestionNotFoundError) as caught:
        library.get("zzzz-qqqq")
    assert "did you mean" not in str(caught.value)


def test_get_on_an_empty_library_says_so(tmp_path: Path) -> None:
    with pytest.raises(QuestionNotFoundError, match="no question banks are loaded"):
        load_library(shipped_dir=tmp_path / "none").get("anything")


def test_search_filters_combine(library_dir: Path) -> None:
    library = load_library(shipped_dir=library_dir)

    def ids(**filters: str) -> set[str]:
        return {q.id for q in library.search(**filters)}

    assert ids() == {"eng-code-review", "eng-outage", "care-family"}
    assert ids(role="ENGINEER") == {"eng-code-review", "eng-outage"}
    assert ids(level="Senior") == {"eng-outage"}
    assert ids(tag="teamwork") == {"eng-code-review", "care-family"}
    assert ids(tag="team") == set()
    assert ids(text="FAMILY worried") == {"care-family"}
    assert ids(text="review") == {"eng-code-review"}  # in the id and text
    assert ids(text="incident") == {"eng-outage"}  # in a tag
    assert ids(text="nurse") == {"care-family"}  # in the role
    assert ids(role="engineer", tag="teamwork") == {"eng-code-review"}
    assert ids(role="engineer", level="junior") == set()


def test_roles_tags_and_levels(library_dir: Path) -> None:
    library = load_library(shipped_dir=library_dir)
    assert library.roles() == ("Registered nurse", "Site reliability engineer", "Software engineer")
    assert set(library.tags()) == {"feedback", "Teamwork", "incident", "empathy", "teamwork"}
    assert library.levels() == ("junior", "mid", "senior")


# --- the shipped banks ----------------------------------------------------------------------


SHIPPED_FILES = (
    sorted(p for p in paths.SHIPPED_RUBRICS_DIR.glob("*") if p.suffix.lower() in (".yaml", ".yml"))
    if paths.SHIPPED_RUBRICS_DIR.is_dir()
    else []
)


@pytest.mark.skipif(not SHIPPED_FILES, reason="no shipped banks in rubrics/ yet")
def test_every_shipped_bank_loads_without_errors(tmp_path: Path) -> None:
    for path in SHIPPED_FILES:
        assert len(load_bank_file(path).questions) >= 1, path.name
    library = load_library(user_dir=tmp_path / "no-user-banks")
    assert library.errors == ()
    assert len(library.banks) == len(SHIPPED_FILES)
    assert all(q.source == "shipped" for q in library.questions)
