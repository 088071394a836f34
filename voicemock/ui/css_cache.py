"""Textual CSS parsed once: the rules Home's first frame needs are kept in the cache folder.

Before its first frame the app parses its stylesheet and the default CSS of each widget class
it shows, some twenty sources: 30-50 ms of a start of about 0.4 s. :class:`CachedStylesheet`
reads back the rules an earlier start parsed, and the app saves them after its first frame
when it had to parse any.

A source's rules are reused only for the same CSS text, location, flags and scope, under the
same CSS variables (the theme) and the same installed Textual (its CSS modules' size and
modification time): an edited stylesheet, another theme or another Textual are parsed again.
The file is written 0600 and read only when it is the user's own and no one else can write it
(it is a pickle). Any problem reading it just means parsing as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
from pathlib import Path
from typing import Any

from textual.css import parse as css_parse
from textual.css import styles as css_styles
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

from voicemock.files import create_private_file

CACHE_NAME = "textual-css.pickle"
# Bumped when what the file holds changes shape.
FORMAT = 1

# What a source's rules depend on besides the variables: (css, read_from, is_default_rules,
# tie_breaker, scope), as Stylesheet._parse_rules takes them.
SourceKey = tuple[str, CSSLocation, bool, int, str]


def textual_signature() -> tuple[tuple[int, int], ...]:
    """Size and modification time of the Textual modules that parse CSS and hold its rules."""
    files = (css_parse.__file__, css_styles.__file__)
    return tuple((info.st_size, info.st_mtime_ns) for info in map(os.stat, files))


class CachedStylesheet(Stylesheet):
    """A Textual stylesheet that reuses the rules saved by an earlier start (see the module)."""

    def __init__(self, *, variables: dict[str, str] | None = None, path: Path | None) -> None:
        super().__init__(variables=variables)
        self.path = path
        self._stored: dict[SourceKey, bytes] = {}
        self._used: dict[SourceKey, bytes] = {}  # this run's sources, as they are saved
        self._changed = False  # a source was parsed that the file did not hold
        if path is not None:
            self._stored = _read(path, self._signature())

    @classmethod
    def replacing(cls, stylesheet: Stylesheet, path: Path | None) -> CachedStylesheet:
        """A cached stylesheet with the variables of ``stylesheet`` (which holds no source yet)."""
        return cls(variables=stylesheet._variables, path=path)

    def _signature(self) -> tuple[Any, ...]:
        return (FORMAT, textual_signature(), sorted(self._variables.items()))

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key: SourceKey = (css, read_from, is_default_rules, tie_breaker, scope)
        if key not in self._parse_cache:
            blob = self._stored.get(key)
            if blob is not None:
                with contextlib.suppress(Exception):  # unreadable: parsed below instead
                    rules: list[RuleSet] = pickle.loads(blob)
                    self._parse_cache[key] = rules
                    self._used[key] = blob
        if key in self._parse_cache:
            return super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
        rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
        if not any(rule.errors for rule in rules):
            with contextlib.suppress(Exception):  # rules that cannot be saved: parsed each time
                self._used[key] = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
                self._changed = True
        return rules

    def save(self) -> bool:
        """Write the rules of this run's sources when a source was parsed; True if written.

        Only the sources used so far are kept: the file does not grow with old versions.
        """
        if self.path is None or not self._changed:
            return False
        data = pickle.dumps(
            {"signature": self._signature(), "rules": dict(self._used)},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with create_private_file(tmp, exclusive=False) as handle:
                handle.write(data)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return False
        self._stored, self._changed = dict(self._used), False
        return True


def _read(path: Path, signature: tuple[Any, ...]) -> dict[SourceKey, bytes]:
    """The saved rules in ``path`` made under ``signature``; empty when there are none to use."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        getuid = getattr(os, "getuid", None)
        mine = getuid is None or info.st_uid == getuid()
        if not (stat.S_ISREG(info.st_mode) and mine) or info.st_mode & 0o022:
            return {}  # someone else could have written it
        try:
            saved = pickle.loads(handle.read())
        except Exception:
            return {}
    if not isinstance(saved, dict) or saved.get("signature") != signature:
        return {}
    rules = saved.get("rules")
    return rules if isinstance(rules, dict) else {}
