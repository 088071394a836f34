"""WAV files as voicemock writes and reads them back: their layout, in one place.

An answer is recorded as 16 kHz 16-bit mono PCM, streamed to disk with its header updated as
it goes (voicemock/speech/recorder.py); a crash can leave the header's sizes behind the data
(or at zero). Everything here reads the bytes only (no audio library), so the store can check
files too.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from voicemock.core.models import SAMPLE_RATE_HZ
from voicemock.errors import AudioFileError

WAV_SUFFIX = ".wav"
RIFF_IDS = (b"RIFF", b"RF64")  # RF64: the 64-bit variant some recorders write for long files
HEADER_BYTES = 44  # a canonical PCM header: RIFF, "fmt " (16 bytes) and "data" chunk heads
SAMPLE_WIDTH_BYTES = 2  # 16-bit samples
BYTES_PER_SECOND = SAMPLE_RATE_HZ * SAMPLE_WIDTH_BYTES  # what a recording costs on disk (mono)
HEAD_READ_BYTES = 4096  # enough for the chunks before the samples in any sane file


@dataclass(frozen=True)
class WavFormat:
    """The "fmt " chunk: how the samples are laid out."""

    channels: int
    rate_hz: int
    byte_rate: int  # bytes per second, all channels
    block_align: int  # bytes per frame, all channels


@dataclass(frozen=True)
class WavLayout:
    """Where a WAV's format and samples are, as its header says and as the file really is."""

    format: WavFormat | None  # None: no (complete) "fmt " chunk before the samples
    data_offset: int | None  # where the samples start; None: no "data" chunk found
    declared_data_bytes: int  # the "data" chunk's size field (stale after a crash)
    file_bytes: int

    @property
    def available_data_bytes(self) -> int:
        """Sample bytes really in the file (whole frames), whatever the header says."""
        if self.data_offset is None:
            return 0
        available = max(0, self.file_bytes - self.data_offset)
        if self.format is not None and self.format.block_align > 0:
            available -= available % self.format.block_align
        return available

    @property
    def data_bytes(self) -> int:
        """The sample bytes: as declared when the file holds them, else what it really holds."""
        available = self.available_data_bytes
        declared = self.declared_data_bytes
        return declared if 0 < declared <= available else available

    @property
    def duration_s(self) -> float | None:
        """Seconds of audio (a stale header is read around); None without a format or samples."""
        if self.format is None or self.format.byte_rate <= 0 or self.data_offset is None:
            return None
        return self.data_bytes / self.format.byte_rate


def is_wav_path(path: Path) -> bool:
    """Whether the file's name says WAV."""
    return Path(path).suffix.lower() == WAV_SUFFIX


def parse_layout(head: bytes, file_bytes: int) -> WavLayout | None:
    """The layout from the first bytes of a file (``file_bytes`` long); None if not a WAV."""
    if len(head) < 12 or head[:4] not in RIFF_IDS or head[8:12] != b"WAVE":
        return None
    wav_format: WavFormat | None = None
    offset = 12
    while offset + 8 <= len(head):
        chunk_id, chunk_size = struct.unpack("<4sI", head[offset : offset + 8])
        if chunk_id == b"fmt ":
            if chunk_size >= 16 and offset + 24 <= len(head):
                channels, rate_hz, byte_rate, block_align = struct.unpack(
                    "<HIIH", head[offset + 10 : offset + 22]
                )
                wav_format = WavFormat(channels, rate_hz, byte_rate, block_align)
        elif chunk_id == b"data":
            return WavLayout(wav_format, offset + 8, chunk_size, file_bytes)
        offset += 8 + chunk_size + (chunk_size & 1)
    return WavLayout(wav_format, None, 0, file_bytes)


def read_layout(path: Path) -> WavLayout | None:
    """The layout of the WAV at ``path``; None if it is not one. Raises OSError."""
    with Path(path).open("rb") as handle:
        file_bytes = os.fstat(handle.fileno()).st_size
        head = handle.read(HEAD_READ_BYTES)
    return parse_layout(head, file_bytes)


def wav_duration_s(path: Path) -> float | None:
    """Seconds of audio in a WAV, without changing it (a stale header is read around).

    None when the file cannot be read or is not a WAV with a format and samples.
    """
    try:
        layout = read_layout(path)
    except OSError:
        return None
    return layout.duration_s if layout is not None else None


def repair_wav(path: Path | str) -> int:
    """Make a WAV's size fields match its data (after a crash) and return its frame count.

    A crash can leave the RIFF and data sizes behind the data actually on disk (or at zero); they
    are rewritten from the file length, and a trailing partial frame is cut off. A healthy file
    is left untouched. Raises AudioFileError when the file is not a WAV or has no data chunk.
    """
    path = Path(path)
    try:
        handle = path.open("r+b")
    except OSError as error:
        raise AudioFileError(f"cannot open recording {path}: {error.strerror or error}") from error
    with handle:
        file_size = os.fstat(handle.fileno()).st_size
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise AudioFileError(f"{path} is not a WAV recording")
        block_align = 0
        position = 12
        while position + 8 <= file_size:
            handle.seek(position)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_id == b"fmt ":
                fmt = handle.read(min(chunk_size, 16))
                if len(fmt) >= 14:
                    block_align = struct.unpack("<H", fmt[12:14])[0]
            elif chunk_id == b"data":
                if block_align <= 0:
                    raise AudioFileError(f"{path}: the WAV header has no usable format")
                data_start = position + 8
                available = file_size - data_start
                available -= available % block_align
                end = data_start + chunk_size + (chunk_size & 1)
                healthy = chunk_size <= available and (
                    end == file_size or _plausible_chunk(handle, end, file_size)
                )
                if healthy:
                    return int(chunk_size // block_align)
                handle.seek(position + 4)
                handle.write(struct.pack("<I", available))
                handle.seek(4)
                handle.write(struct.pack("<I", data_start + available - 8))
                handle.truncate(data_start + available)
                handle.flush()
                os.fsync(handle.fileno())
                return int(available // block_align)
            position += 8 + chunk_size + (chunk_size & 1)
    raise AudioFileError(f"{path} holds no audio (its header is incomplete)")


def _plausible_chunk(handle: BinaryIO, position: int, file_size: int) -> bool:
    """True when a real chunk header (ASCII id, size inside the file) starts at ``position``."""
    if position + 8 > file_size:
        return False
    handle.seek(position)
    chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
    printable = all(32 <= byte < 127 for byte in chunk_id)
    return printable and position + 8 + chunk_size <= file_size
