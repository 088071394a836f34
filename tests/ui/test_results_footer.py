"""The Results footer offers "More figures" on the Delivery tab only, whatever the tab order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import open_results_of

pytestmark = pytest.mark.ui


def offers_more_figures(screen: Any) -> bool:
    """True when the footer shows the key, and the key works."""
    from textual.widgets._footer import FooterKey

    shown = any(key.description == "More figures" for key in screen.query(FooterKey))
    works = any(
        active.binding.action == "more_figures" and active.enabled
        for active in screen.active_bindings.values()
    )
    assert shown == works
    return works


async def test_more_figures_follows_the_delivery_tab(
    filled_store: list[Any], make_test_app: Any
) -> None:
    app = make_test_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_results_of(pilot, filled_store[-1])
        assert not offers_more_figures(screen)
        for key, offered in (("3", True), ("4", False), ("2", False), ("3", True), ("1", False)):
            await pilot.press(key)
            await pilot.pause()
            assert offers_more_figures(screen) is offered, key
