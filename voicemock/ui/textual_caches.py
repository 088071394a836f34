"""What Textual keeps of widgets that are gone, let go when a screen closes.

``StylesCache.get_inner_outer`` (Textual 8) is a ``functools.lru_cache`` on a method: its keys
hold the style cache of up to 1,024 widgets, with every line each of them drew, long after
their screen was closed. After a few answers that is the Results and Interview screens of each
(about 3 MB an answer). The cache only saves adding two colours; it is emptied when one of our
screens closes. Where a Textual release has no such cache, nothing is done.
"""

from __future__ import annotations


def forget_closed_widgets() -> None:
    """Empty Textual's per-widget colour cache, so closed screens' widgets can be freed."""
    try:
        from textual._styles_cache import StylesCache
    except ImportError:
        return
    cache_clear = getattr(getattr(StylesCache, "get_inner_outer", None), "cache_clear", None)
    if callable(cache_clear):
        cache_clear()
