"""Word lists for delivery metrics: fillers, discourse markers, hedges and stop words.

All entries are lower case, as ``voicemock.core.metrics.normalize_token`` returns them
(straight apostrophes, no surrounding punctuation). Multi-word entries are space-separated.
"""

from __future__ import annotations

import re


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Filled pauses ("um", "uh" ...). Spellings vary with how long the sound was held, so the regex
# accepts any run length: "um", "umm", "ummmm", "uhh", "hmmm", "mmm", "mm-hmm".
FILLER_WORDS: frozenset[str] = frozenset(
    {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "ahh", "hmm", "hm", "mm", "mhm", "mm-hmm"}
)
_FILLER_PATTERN = re.compile(r"^(?:u+m+|u+h+m*|e+r+m+|e+r|a+h+|h+m+|m+|m+h+m+|m+-h+m+)$")

# Discourse markers that are fillers only in some uses ("I like my job" is not one); the rules
# that tell the uses apart live in ``voicemock.core.metrics``.
DISCOURSE_MARKERS: tuple[str, ...] = (
    "like",
    "you know",
    "y'know",
    "ya know",
    "i mean",
    "basically",
    "actually",
    "literally",
    "so",
    "well",
    "right",
    "kind of",
    "sort of",
)

# Hedges ("powerless language"): they soften a claim. "just", "might", "a bit", "kind of" and
# "sort of" have other uses that the metrics rules exclude (e.g. "had just", "what kind of").
HEDGE_PHRASES: tuple[str, ...] = (
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "hopefully",
    "somewhat",
    "might",
    "just",
    "a bit",
    "a little bit",
    "kind of",
    "sort of",
    "kinda",
    "sorta",
    "i think",
    "i guess",
    "i suppose",
    "i feel like",
    "i'm not sure",
)

# Function words and filler-like words: a repeated phrase made only of these is not worth
# flagging ("and then i", "it was a").
STOP_WORDS: frozenset[str] = _word_set("""
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves
    like know mean just really actually basically literally well right kind sort kinda sorta
    yeah yes okay ok oh get got go went going thing things stuff lot
    """)


def is_filler_token(token: str) -> bool:
    """True when a normalised token is a filled pause such as "um", "uhh" or "hmm"."""
    return token in FILLER_WORDS or bool(_FILLER_PATTERN.match(token))
