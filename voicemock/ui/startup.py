"""The app's start: Python's garbage collector waits until the first screen is drawn.

Importing Textual and building Home's widgets leave about a hundred thousand objects alive,
very few of them garbage. The collector runs each time 700 more objects have been made than
freed, so it runs some 150 times before the first frame and finds next to nothing: about a
fifth of the start's CPU time. ``voicemock`` pauses it before importing the app and resumes it
once the first frame is out.
"""

from __future__ import annotations

import gc

# Whether pause_collection() turned the collector off (and resume_collection() has not yet
# turned it back on): the collector is left alone when someone else turned it off.
_paused = False


def pause_collection() -> None:
    """Stop automatic garbage collection until :func:`resume_collection`.

    A no-op when it is off already.
    """
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collection() -> None:
    """Turn automatic garbage collection back on, if :func:`pause_collection` turned it off.

    What was made meanwhile is frozen (left out of later collections) rather than walked at
    once: with the collector back on, the next collection would walk all of it, on the UI
    thread, just after the first frame. The warm-up's full collection, in its thread, takes it
    back (``voicemock.ui.app``).
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
