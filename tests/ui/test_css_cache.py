"""Parsed CSS kept between starts: the same rules as parsing, and a file only used when safe."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet

from tests.ui.conftest import quiet_services, wait_for
from voicemock.config import Settings
from voicemock.ui.css_cache import CACHE_NAME, CachedStylesheet

pytestmark = pytest.mark.ui

CSS = """
#pane { border: round $primary; height: 1fr; }
#pane.has-focus Static { color: $text-muted; text-style: bold; }
"""
WHERE = ("test.tcss", "")
VARIABLES = {"primary": "#0178d4", "text-muted": "#999999"}


def described(stylesheet: Stylesheet) -> list[Any]:
    """What a stylesheet's rules say (a layout object is compared by its kind)."""
    return [
        (
            [selectors.css for selectors in rule.selector_set],
            sorted((name, repr(value)) for name, value in rule.styles.get_rules().items()),
            rule.selector_names,
            rule.pseudo_classes,
            rule.is_default_rules,
            rule.tie_breaker,
        )
        for rule in stylesheet.rules
    ]


def parsed(stylesheet: Stylesheet) -> Stylesheet:
    stylesheet.add_source(CSS, read_from=WHERE)
    stylesheet.parse()
    return stylesheet


def test_saved_rules_are_read_back_as_parsed(tmp_path: Path) -> None:
    path = tmp_path / CACHE_NAME
    first = parsed(CachedStylesheet(variables=VARIABLES, path=path))
    assert first.save()
    assert not first.save()  # nothing new since
    assert path.stat().st_mode & 0o777 == 0o600

    second = parsed(CachedStylesheet(variables=VARIABLES, path=path))
    assert second._stored and not second._changed  # read back, not parsed
    assert described(second) == described(parsed(Stylesheet(variables=VARIABLES)))


def test_other_variables_parse_again(tmp_path: Path) -> None:
    path = tmp_path / CACHE_NAME
    assert parsed(CachedStylesheet(variables=VARIABLES, path=path)).save()
    other = {**VARIABLES, "primary": "#ff0000"}
    again = parsed(CachedStylesheet(variables=other, path=path))
    assert not again._stored and again._changed
    assert described(again) == described(parsed(Stylesheet(variables=other)))


@pytest.mark.parametrize("damage", ["writable by others", "not a pickle", "another shape"])
def test_a_file_that_cannot_be_trusted_or_read_is_ignored(tmp_path: Path, damage: str) -> None:
    path = tmp_path / CACHE_NAME
    assert parsed(CachedStylesheet(variables=VARIABLES, path=path)).save()
    if damage == "writable by others":
        os.chmod(path, 0o666)
    elif damage == "not a pickle":
        path.write_bytes(b"not a pickle")
    else:
        path.write_bytes(pickle.dumps(["rules"]))
    fresh = parsed(CachedStylesheet(variables=VARIABLES, path=path))
    assert not fresh._stored and fresh._changed
    assert described(fresh) == described(parsed(Stylesheet(variables=VARIABLES)))


async def test_the_app_saves_its_rules_after_the_first_frame_and_reuses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.ui.app import make_app

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path))
    for start in ("first", "second"):
        app = make_app(settings=Settings(), services=quiet_services())
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_for(pilot, lambda: app.first_frame_drawn)  # noqa: B023
            stylesheet = app.stylesheet
            assert isinstance(stylesheet, CachedStylesheet)
            assert (tmp_path / "cache" / CACHE_NAME).is_file()
            if start == "second":
                assert stylesheet._stored and not stylesheet._changed
