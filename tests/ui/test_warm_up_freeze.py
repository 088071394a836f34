"""What warming up loaded is collected once and frozen, so later full collections skip it."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from tests.ui.conftest import quiet_services, wait_for
from voicemock.config import Settings
from voicemock.errors import VoicemockError

pytestmark = pytest.mark.ui


def _record_gc(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect") or 0)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    return calls


async def test_a_finished_warm_up_collects_then_freezes(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock.ui.app import make_app

    calls = _record_gc(monkeypatch)
    app = make_app(settings=Settings(), services=quiet_services(warm_up=lambda settings: None))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.warm_state in ("ready", "failed"))
        assert app.warm_state == "ready"
    assert calls == ["collect", "freeze"]


async def test_a_failed_warm_up_freezes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock.ui.app import make_app

    def fail(settings: Any) -> None:
        raise VoicemockError("no model")

    calls = _record_gc(monkeypatch)
    app = make_app(settings=Settings(), services=quiet_services(warm_up=fail))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.warm_state in ("ready", "failed"))
        assert app.warm_state == "failed"
    assert "freeze" not in calls
