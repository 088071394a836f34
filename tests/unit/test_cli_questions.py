"""The ``questions`` and ``import`` commands, run through ``voicemock.cli.main``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_importer import QUESTION, make_page
from tests.unit.test_rubrics import question_data, write_bank
from voicemock import cli, paths

# The shipped competency library, found before the fixture below hides the shipped banks.
SHIPPED_LIBRARY = paths.SHIPPED_RUBRICS_DIR / "library"


@pytest.fixture(autouse=True)
def only_these_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Register just the commands under test, and an empty stand-in for the shipped banks."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("questions", "import_page"))
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    monkeypatch.setattr(paths, "SHIPPED_RUBRICS_DIR", shipped)


@pytest.fixture
def banks() -> Path:
    """Two user banks with three questions."""
    user_dir = paths.user_rubrics_dir()
    write_bank(
        user_dir,
        "eng.yaml",
        "eng",
        [
            question_data("eng-review", role="Software engineer", level="mid", tags=["feedback"]),
            question_data("eng-outage", role="SRE", level="senior", tags=["incident"]),
        ],
    )
    write_bank(
        user_dir,
        "care.yaml",
        "care",
        [question_data("care-family", role="Nurse", level="junior", tags=["empathy"])],
    )
    return user_dir


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_every_question(banks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "questions", "--json")
    assert code == 0
    assert err == ""
    rows = json.loads(out)
    assert {r["id"] for r in rows} == {"eng-review", "eng-outage", "care-family"}
    review = next(r for r in rows if r["id"] == "eng-review")
    assert review["source"] == "user"
    assert review["bank"] == "eng"
    assert review["rubric_version"] == "eng@1/eng-review@1"
    assert review["competencies"] == [{"id": "communication", "label": "Communication"}]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--level", "senior"], {"eng-outage"}),
        (["--role", "nurse"], {"care-family"}),
        (["--tag", "feedback"], {"eng-review"}),
        (["--search", "outage"], {"eng-outage"}),
        (["--role", "engineer", "--level", "junior"], set()),
    ],
)
def test_filters(
    banks: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: set[str]
) -> None:
    code, out, _err = run_cli(capsys, "questions", *argv, "--json")
    assert code == 0
    assert {r["id"] for r in json.loads(out)} == expected


def test_table_shows_questions(banks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "questions", "--level", "junior")
    assert code == 0
    assert "care-family" in out
    assert "Communication" in out
    assert "eng-review" not in out


def test_broken_bank_is_a_warning_not_a_traceback(
    banks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (banks / "broken.yaml").write_text("bank:\n  id: [unclosed\n")
    code, out, err = run_cli(capsys, "questions", "--json")
    assert code == 0
    assert len(json.loads(out)) == 3  # the good banks still load
    warnings = err.strip().splitlines()
    assert len(warnings) == 1
    assert "warning" in warnings[0]
    assert "broken.yaml line" in warnings[0]
    assert "Traceback" not in err


def test_no_banks_says_where_to_put_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "questions")
    assert code == 0
    assert "No question banks found" in out
    assert "voicemock import" in out


def test_no_match_says_so(banks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "questions", "--tag", "astronomy")
    assert code == 0
    assert "No questions match" in out


def test_import_writes_a_draft_that_questions_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "peak-page.txt"
    page.write_text(make_page(tips=False))
    code, out, err = run_cli(capsys, "import", str(page), "--bank-id", "peak")
    assert code == 0, err
    written = sorted(paths.user_rubrics_dir().glob("*.yaml"))
    assert len(written) == 1
    assert written[0].name in out
    assert "Not found: preparation tips" in out
    code, out, err = run_cli(capsys, "questions", "--search", "warehouse", "--json")
    assert code == 0
    assert err == ""
    rows = json.loads(out)
    assert [r["text"] for r in rows] == [QUESTION]
    assert rows[0]["bank"] == "peak"


def test_only_an_import_with_lines_left_to_write_is_listed_as_a_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    # Without the competency library, "Fairness" gets nothing from this page: lines to write.
    page = tmp_path / "peak-page.txt"
    page.write_text(make_page())
    code, out, err = run_cli(capsys, "import", str(page))
    assert code == 0, err
    assert "draft: true" in out and "scores answers now" not in out
    code, out, _err = run_cli(capsys, "questions", "--search", "warehouse", "--json")
    assert [r["draft"] for r in json.loads(out)] == [True]
    code, out, _err = run_cli(capsys, "questions", "--search", "warehouse")
    assert code == 0
    assert "(draft)" in out and "draft: true" in out
    # With the library every competency has sentences: the import is usable as it is.
    shutil.copytree(SHIPPED_LIBRARY, paths.SHIPPED_RUBRICS_DIR / SHIPPED_LIBRARY.name)
    code, out, err = run_cli(capsys, "import", "--force", str(page))
    assert code == 0, err
    assert "scores answers now" in out
    code, out, _err = run_cli(capsys, "questions", "--search", "warehouse", "--json")
    assert sorted(r["draft"] for r in json.loads(out)) == [False, True]


def test_user_banks_are_not_drafts(banks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "questions", "--json")
    assert code == 0
    assert not any(r["draft"] for r in json.loads(out))
    code, out, _err = run_cli(capsys, "questions")
    assert "(draft)" not in out


def test_importing_a_page_twice_names_the_first_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "peak-page.txt"
    page.write_text(make_page())
    assert run_cli(capsys, "import", str(page))[0] == 0
    (first,) = paths.user_rubrics_dir().glob("*.yaml")
    code, _out, err = run_cli(capsys, "import", str(page))
    assert code != 0
    assert err.startswith("voicemock: peak-page.txt is already imported")
    assert first.name in err and "--force" in err
    assert "Traceback" not in err
    assert list(paths.user_rubrics_dir().glob("*.yaml")) == [first]
    code, _out, err = run_cli(capsys, "import", str(page), "--force")
    assert code == 0, err
    assert len(list(paths.user_rubrics_dir().glob("*.yaml"))) == 2


def test_import_of_a_page_without_the_shape_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "shopping.txt"
    page.write_text("Shopping\n- eggs\n- milk\n")
    code, _out, err = run_cli(capsys, "import", str(page))
    assert code != 0
    assert err.startswith("voicemock: shopping.txt: ")
    assert "What are interviewers evaluating" in err
    assert "Traceback" not in err
    assert list(paths.user_rubrics_dir().glob("*.yaml")) == []


def test_import_of_a_missing_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(capsys, "import", str(tmp_path / "nope.txt"))
    assert code != 0
    assert err.startswith("voicemock: cannot read")


def test_real_entry_point_reports_a_broken_bank_without_a_traceback(banks: Path) -> None:
    (banks / "broken.yaml").write_text("bank:\n  id: x\n  id: y\n")
    env = {**os.environ, "VOICEMOCK_HOME": str(banks.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "voicemock", "questions", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "broken.yaml line 3: key 'id' appears twice" in result.stderr
    assert {"eng-review", "eng-outage", "care-family"} <= {
        r["id"] for r in json.loads(result.stdout)
    }
