"""Keep a practice session's memory down: fewer glibc malloc arenas, freed memory given back.

glibc gives each thread that allocates at the same time as another an arena of its own (up to
8 per core) and keeps what is freed in it for that arena's later use. A practice session runs
several threads that allocate a lot for a moment each (the live transcription, the pitch
tracker, the sentence embedder, the recorder's writer), so their peaks add up in the resident
set. Two arenas measured ~50-80 MB less at the peak of ``practice --no-tui`` with no change in
speed (``bench/bench_tui.py``).

What a thread frees stays in its arena, much of it in holes between blocks still in use that
glibc only gives back when asked (``malloc_trim``). A Whisper transcription leaves ~70-170 MB
so held; :func:`release_free_memory` after each one gives it back.

glibc maps a large block of its own (given back the moment it is freed) only above a threshold
that it raises, up to 32 MB, each time such a block is freed. After the first Whisper encoder
pass the encoder's buffers (up to tens of MB each) are then carved out of the arenas instead,
where what is freed stays resident beside what is still in use. :func:`map_large_blocks` fixes
the threshold at 4 MB: the peak of ``practice --no-tui`` measured ~15-20 MB lower, and a
transcription's peak no longer creeps up from one chunk to the next. (At 1 MB the peak is ~10 MB
lower still, but mapping and unmapping the encoder's 2 MB activations costs ~30% more CPU per
transcription; at 4 MB the CPU time is unchanged.)

A native library's zero-initialised static data (its ``.bss``) costs nothing until written,
but some libraries write zeros over all of it when they load: praat-parselmouth leaves ~39 MB
so resident that holds nothing but zeros. :func:`release_zero_pages` gives those pages back;
the library reads zeros there as before, and a page it writes later comes back on its own.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# glibc's mallopt() parameter numbers (malloc.h: #define M_ARENA_MAX -8, M_MMAP_THRESHOLD -3).
_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3
MALLOC_ARENAS = 2
# Blocks this large or larger get a mapping of their own, unmapped when freed.
MMAP_THRESHOLD_BYTES = 4 << 20

# The mallopt() parameters set so far (each is set once).
_applied: set[int] = set()


def configure_malloc() -> None:
    """Set both of the process's malloc settings below (each at most once).

    Best called before the threads that allocate start.
    """
    limit_malloc_arenas()
    map_large_blocks()


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap the process's malloc arenas at ``arenas``; True when the cap was set (now or before).

    A no-op outside Linux, when the C library has no ``mallopt``, and when the user set
    ``MALLOC_ARENA_MAX`` themselves (glibc then already follows it). Best called before the
    threads that allocate start; later it still stops new arenas from being made.
    """
    return _mallopt_once(_M_ARENA_MAX, arenas, "MALLOC_ARENA_MAX")


def map_large_blocks(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Give every block of ``threshold`` bytes or more a mapping of its own; True when set.

    This also stops glibc from raising the threshold (see the module docstring). A no-op
    outside Linux, when the C library has no ``mallopt``, and when the user set
    ``MALLOC_MMAP_THRESHOLD_`` themselves.
    """
    return _mallopt_once(_M_MMAP_THRESHOLD, threshold, "MALLOC_MMAP_THRESHOLD_")


def _mallopt_once(parameter: int, value: int, user_variable: str) -> bool:
    """Set one of glibc's malloc parameters once; True when it is set (now or before).

    Left alone when the user set it through its environment variable ``user_variable``.
    """
    if parameter in _applied:
        return True
    if user_variable in os.environ:
        return False
    import ctypes

    mallopt = _libc_function("mallopt", [ctypes.c_int, ctypes.c_int])
    if mallopt is None:
        return False
    if mallopt(parameter, value) != 1:  # mallopt returns 1 on success
        return False
    _applied.add(parameter)
    return True


_malloc_trim: Any = None


def release_free_memory() -> None:
    """Give the memory malloc holds free back to the system (glibc's ``malloc_trim``).

    A no-op where the C library has no ``malloc_trim``. Takes a few milliseconds.
    """
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        _malloc_trim = _libc_function("malloc_trim", [ctypes.c_size_t]) or False
    if _malloc_trim:
        _malloc_trim(0)


_MADV_DONTNEED = 4  # asm-generic/mman-common.h


def release_zero_pages(library_path: str) -> int:
    """Give back the pages of a loaded library's zero-initialised data that hold only zeros.

    Returns the size in bytes of the zero pages found, those never written included (0 outside
    Linux or when the library is not loaded). A page given back reads as zeros, as it did, so
    this changes nothing the library sees, as long as no other thread writes to the library's
    data meanwhile: call it right after the library is imported, before anything runs its code.
    """
    import ctypes

    madvise = _libc_function("madvise", [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int])
    if madvise is None:
        return 0
    page_bytes = os.sysconf("SC_PAGE_SIZE")
    released = 0
    for start, stop in _zero_initialised_spans(os.path.realpath(library_path)):
        for first, last in _zero_page_runs(start, stop, page_bytes):
            length = last - first
            if madvise(first, length, _MADV_DONTNEED) == 0:
                released += length
    return released


def _zero_initialised_spans(library_path: str) -> list[tuple[int, int]]:
    """Address ranges of ``library_path``'s ``.bss``: anonymous writable mappings that start
    where one of its own mappings ends (as the loader lays them out)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    spans: list[tuple[int, int]] = []
    library_end: int | None = None
    for line in lines:
        fields = line.split(None, 5)
        start, stop = (int(bound, 16) for bound in fields[0].split("-"))
        path = fields[5].strip() if len(fields) > 5 else ""
        if path == library_path:
            library_end = stop
            continue
        if start == library_end and not path and fields[1].startswith("rw"):
            spans.append((start, stop))
        library_end = None
    return spans


def _zero_page_runs(start: int, stop: int, page_bytes: int) -> list[tuple[int, int]]:
    """The address ranges of consecutive pages between ``start`` and ``stop`` holding only
    zeros (pages never written read as zeros too, without becoming resident)."""
    import ctypes

    import numpy as np

    memory = (ctypes.c_uint8 * (stop - start)).from_address(start)
    pages = np.frombuffer(memoryview(memory), dtype=np.uint64).reshape(-1, page_bytes // 8)
    zero = ~pages.any(axis=1)
    edges = np.flatnonzero(np.diff(zero.astype(np.int8), prepend=0, append=0))
    return [
        (start + int(first) * page_bytes, start + int(last) * page_bytes)
        for first, last in zip(edges[::2], edges[1::2], strict=True)
    ]


def _libc_function(name: str, argtypes: list[Any]) -> Any:
    """glibc's function ``name`` returning an int, or None outside Linux or when it has none."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = ctypes.c_int
    return function
