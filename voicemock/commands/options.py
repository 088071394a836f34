"""Command-line options that several subcommands share (argparse types and choices)."""

from __future__ import annotations

import argparse
import math

from voicemock.defaults import ENGINES

# The transcription engines, as --engine accepts them.
ENGINE_CHOICES = ENGINES


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds greater than zero."""
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from error
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value
