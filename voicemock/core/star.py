"""Specific-example detector: finds the Situation, Task, Action and Result of a told story.

Generic answers ("I listen, I explain the plan") are in the present tense and name no time,
place or person; a specific example says when and where, what the speaker had to do, what they
did (first person, past tense) and what came of it. The cues are lexical and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from voicemock.core.models import StarBreakdown, StarPart, StarSpan
from voicemock.core.text import Sentence, Token, WordTimeline


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


STAR_PARTS: tuple[StarPart, ...] = ("S", "T", "A", "R")
PART_NAMES: dict[StarPart, str] = {"S": "Situation", "T": "Task", "A": "Action", "R": "Result"}
# Points each part adds to the STAR score; the action carries most (it is the speaker's part).
PART_POINTS: dict[StarPart, int] = {"S": 20, "T": 15, "A": 35, "R": 30}
# A story usually opens in its first sentences; a scene set there counts even when the same
# sentence already tells an action ("Last spring I sat down with a client who ...").
_OPENING_SENTENCES = 2
# Reflection: what the speaker took from it.
_REFLECTION = re.compile(
    r"\b(i|we) (learned|learnt|realised|realized|took away|now know|understood)\b"
    r"|\b(taught|showed) me\b|\bsince then\b|\bnow i\b|\bnext time\b|\blooking back\b"
    r"|\bin hindsight\b|\bif i did it again\b|\bi would have\b|\bi('d| would) (now )?do\b"
    r"|\bthe lesson\b|\bfrom then on\b|\bthese days i\b|\bever since\b",
    re.IGNORECASE,
)
# How much each element of a told example is worth in ``example_quality`` (sums to 100).
EXAMPLE_POINTS = {"S": 15, "T": 10, "A": 40, "R": 25, "reflection": 10}
# An example that spends more than this share of its words on the scene is heard as rambling,
# and keeps this share of its points.
RAMBLING_SCENE_SHARE = 0.5
RAMBLING_FACTOR = 0.6
# Own actions in the first person singular that make the action part complete.
FULL_ACTIONS = 3

# Past forms simplemma does not undo (lemma == token) or that do not end in -ed. Forms that
# are also present tense (put, set, let, read, cut, hit, hurt, quit, shut) are left out: in
# "I set goals with clients" they describe a habit, not a past action.
IRREGULAR_PAST = _wordset(
    """
    arose ate awoke became began bent bled blew bore bought bound brought broke built
    burnt caught chose clung came crept dealt dove drew dreamt drank drove dug fed fell felt fled
    flew forbade forgave forgot fought found froze gave got grew hung heard held hid knelt knew
    laid leant leapt learnt led left lent lit lost made meant met mistook oversaw overcame
    overheard overtook paid proved ran rang rebuilt redid retold rewrote rode rose sang sank sat
    saw sent shook shone shot showed slept slid sold sought sped spent spoke spun sprang stood
    stole stuck stung strode struck strove swam swept swore swung taught thought threw told took
    kept
    tore understood undertook upheld underwent wept withdrew withheld woke won wore wound wrote
    went said did had was were
    """
)
# Past forms that are also present forms: an action in the past only when the rest of the
# sentence is told in the past.
AMBIGUOUS_PAST = _wordset("put set let read cut hit hurt quit shut spread split")
# "had" as a meeting held: "we had three sessions", "I had a word with him".
_HELD = _wordset("session sessions meeting meetings conversation conversations talk chat word call")
_NOT_HELD = _wordset("lot lots load loads bunch ton tons booked scheduled planned lined coming")
# Past forms of "be"/"have" and of mental states: they place the story in the past but are
# not something the speaker did.
PAST_STATE = _wordset(
    """
    was were had felt thought knew wanted hoped believed wondered assumed expected seemed
    needed liked loved hated feared worried noticed realised realized remembered
    """
)
FIRST_PERSON_SUBJECTS = frozenset({"i", "we"})
# Spoken hedges and fillers that may sit between the subject and its verb ("I kind of asked").
_SPOKEN_FILLERS = _wordset("um umm uh uhh er erm ah uhm like kind sort of basically literally")
# Words that end the clause of an action ...
_CLAUSE_ENDING_WORDS = _wordset(
    "but so because while although though whereas since unless until which who"
)
# ... and words that end it only when a new subject follows ("and she signed").
_JOINING_WORDS = _wordset("and or then")
_SUBJECT_PRONOUNS = _wordset("i we he she they it you")
_ADVERBS = _wordset(
    """
    then also just first finally immediately quickly really actually eventually gently calmly
    simply still personally both together instead carefully slowly later again soon once even
    initially afterwards patiently openly honestly directly quietly politely right
    """
)

_SITUATION_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b(last|this past|that) (year|month|week|spring|summer|autumn|fall|winter|semester|"
        r"term|quarter|christmas|monday|tuesday|wednesday|thursday|friday)\b",
        r"\b(a|one|two|three|four|five|six|a few|several|a couple of) (\w+ )?"
        r"(days?|weeks?|months?|years?) ago\b",
        r"\b(earlier|later) (this|that|last) (year|month|week)\b",
        r"\bin (19|20)\d\d\b",
        r"\bone (time|day|evening|morning|afternoon|night|week|session|shift)\b",
        r"\bthere (was|were) (a|an|one|this|two)\b",
        r"\b(when|while) (i|we) (was|were|worked|started|joined)\b",
        r"\bat the time\b",
        r"\brecently\b",
        r"\bon my (first|second|third|last) (day|week|month|shift|placement)\b",
        r"\b(at|in) my (previous|last|current|first|old|former|second) (job|role|position|"
        r"workplace|clinic|company|employer|placement|internship|team|practice|post)\b",
        r"\bduring (my|a|one|the) (placement|internship|residency|training|rotation|shift|"
        r"session|time at|first|project)\b",
        r"\bwhen i worked (at|in|as|for|with)\b",
        r"\bi was working (at|in|as|for|with|on)\b",
        r"\bone (of my )?(clients?|patients?|customers?|colleagues?|students?|managers?|"
        r"team ?mates?|co-?workers?|users?|residents?|families|parents?|members?)\b",
        r"\ba (client|patient|customer|colleague|student|manager|teammate|coworker|user|"
        r"resident|parent|young man|young woman|man|woman) (of mine|who|named|called|i)\b",
        # The usual ways of opening a story: a time, a place or a role.
        r"\b(a|one|two|three|four|five|a few|a couple of|couple of|several) (\w+ )?"
        r"(days?|weeks?|months?|years?) (back|before)\b",
        r"\bback (when|in|at)\b",
        r"\bthis (was|is) (maybe |probably |about |around |like )?"
        r"(a|an|one|two|three|four|five|last|back|when|at|in|during)\b",
        r"\b(so )?there (was|is) (this|a|an|one)\b",
        r"\b(i|we) (had|got|have had) (a|an|this|one) (\w+ ){0,3}(client|patient|customer|"
        r"colleague|student|manager|guy|man|woman|lady|kid|young|coworker|co-worker|boss|"
        r"supervisor|project|situation|case|deadline|stakeholder|family|member|resident|"
        r"year old)\b",
        # An example announced: "for example, I had a client whose mother ...".
        r"\b(for example|for instance|an example),? (i|we|there|one|a|an|last|when|at|in)\b",
        r"\b(when|while|back when) (i|we) (was|were|worked|started|joined|first|had|did|ran)\b",
        r"\b(at|in|during) (my|our|a|the) (\w+ )?(job|role|placement|practicum|internship|"
        r"clinic|company|hospital|school|shop|store|restaurant|warehouse|agency|office|firm|"
        r"center|centre|unit|ward|program|programme|shift|team|startup|bank|hotel|practice)"
        r" (i|we|where|as|there|when|a|one|last|back|years?)\b",
        r"\bi (was|worked|used to work) (as|at|in|for) (a|an|the|my)\b",
        r"\b(i was|as) (a|an|the) (\w+ )?(lead|manager|supervisor|counsellor|counselor|nurse|"
        r"teacher|developer|engineer|intern|assistant|coordinator|analyst|worker|student|"
        r"volunteer|administrator|clerk|officer|director|designer|consultant|chef|cook|cashier|"
        r"driver|carer|receptionist|bartender|server|waiter|waitress|technician|mechanic|"
        r"electrician|pharmacist|paramedic|rep|representative|accountant|librarian|editor|"
        r"planner|dispatcher|cleaner|housekeeper|barista|trainee|apprentice|associate|"
        r"specialist|foreman|porter)\b",
        # A role held for a while: "I was a sous chef for four years".
        r"\bi was (a|an) (\w+ ){1,2}for (about |nearly |almost |over |like )?(a|an|one|two|three|"
        r"four|five|six|seven|eight|nine|ten|\d+|a few|a couple of|several) (years?|months?)\b",
        r"\bon (my|our|a|one) (\w+ )?(shift|rotation|placement|project)\b",
        # A place named by what the speaker did there: "at the bookstore where I work".
        r"\b(at|in) (my|our|the|a|an) (\w+ )?\w+ (where|that) (i|we)\b",
    )
)
_TASK_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\bmy (job|role|task|goal|aim|responsibility|priority|challenge|first step) "
        r"(was|became|there was)\b",
        r"\b(i|we) (needed|had|wanted|was asked|were asked|was supposed|were supposed) to\b",
        r"\bthe (goal|aim|task|challenge|problem|objective|priority|question) (was|became)\b",
        r"\b(i|we) (was|were) (asked|tasked|responsible|expected|assigned)\b",
        r"\bit was (my|our) (job|responsibility|role)\b",
    )
)
# Result cues that mark an outcome wherever they appear.
_STRONG_RESULT_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\bas a result\b",
        r"\bin the end\b",
        r"\bby the end\b",
        r"\b(which|this|that|it) (led|lead) to\b",
        r"\bended up\b",
        r"\beventually\b",
        r"\bthe (result|outcome) was\b",
        r"\bsince then\b",
        r"\bto this day\b",
        r"\b(weeks?|months?|days?|sessions?) later\b",
        r"\bby (the|that) (time|point)\b",
        r"\bby the (second|third|fourth|fifth|sixth|next|following) "
        r"(day|week|month|year|session|shift|quarter|sprint)\b",
        r"\bby (day|week|month|session|shift|sprint) (\d+|two|three|four|five|six|seven|eight|"
        r"nine|ten|twelve)\b",
        r"\b(i|we|they|people|everyone|the team) still (use|uses|follow|follows|run|runs)\b",
        r"\bafterwards\b",
        r"\b(i|we) (learned|learnt|realised|realized) (that|how|to)\b",
        r"\b(he|she|they|the client|the patient|the customer|the team|the family) "
        r"(stayed|completed|finished|agreed|returned|came back|kept coming|decided|chose|"
        r"thanked|improved|graduated|signed|re-?engaged|opened up|started coming|"
        r"(started|kept) (attending|showing up|turning up))\b",
        # The other side gave way: "and he went for it", "my boss came round".
        r"\b(he|she|they|my (manager|boss|supervisor|lead|director)|the (manager|boss|"
        r"director|board|committee)) (finally |eventually |actually )?(went for it|said yes|"
        r"came round|came around|changed (his|her|their) mind|backed down|signed off on it)\b",
        r"\bit (actually |really )?(worked|paid off|did the trick)\b",
        # A change that lasted: "he was different after that", "from then on she came".
        r"\b(was|were|got|seemed|became) (\w+ )?(different|better|calmer|quieter|happier|"
        r"easier|more \w+) (after that|afterwards|from then on|ever since)\b",
        r"\b(from then on|ever since)\b",
        r"\b(i|we|they) (actually |really )?did (save|finish|get|make|hit|win|reach)\b",
    )
)
# Outcome-ish words that count only once the story has an action (numbers also set scenes).
_WEAK_RESULT_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\d+ ?%|\bper ?cent\b",
        r"\b\d+(\.\d+)?\b",
        r"\b(completed|finished|improved|increased|reduced|decreased|resolved|succeeded|"
        r"achieved|graduated|saved|stayed|agreed|returned|dropped|doubled|halved|grew)\b",
        # A figure that moved: "my satisfaction scores went up", "complaints came down".
        r"\b(went|shot|picked|ticked) up\b|\b(went|came) down\b",
        r"\b(after|within) (like |about |around |maybe |only )?(a|one|two|three|four|a few|"
        r"a couple of|several) (\w+ )?(days?|weeks?|months?|years?|sessions?)\b",
        # What others made of it afterwards: "she put me on saute", "they thanked me".
        r"\b(he|she|they|my (manager|boss|supervisor|lead|chef|director)) (\w+ )?(put|promoted|"
        r"moved|gave|offered|thanked|trusted) me\b",
        # Where things stand now: "now he does it better than me".
        r"\bnow (he|she|they|i|we|it|the team|everyone|everybody) (\w+ )?(does|do|is|are|can|"
        r"runs|run|has|have|gets|get|knows|know|handles|handle)\b",
    )
)
# What the speaker's own work came to, told after their actions: "we finished on Sunday".
_OWN_OUTCOME = re.compile(
    r"\b(i|we) (finally |eventually |actually |still )?(finished|completed|delivered|shipped|"
    r"launched|hit the|met the|made the deadline|made it|got it done|pulled it off|won)\b"
)


@dataclass(frozen=True)
class OwnAction:
    """A sentence where the speaker says what they themselves did (first person, past tense).

    ``start_token``/``end_token`` (exclusive) span the action's clause in the sentence's
    tokens, from its subject to the next clause boundary: what the speaker did there.
    """

    sentence_index: int
    quote: str  # from the subject, a few words: "I asked him what worried him"
    start_token: int = 0
    end_token: int = 0
    start_char: int = 0  # where the quote is in the scored text
    end_char: int = 0
    by_me: bool = False  # the subject is "I", not "we": the speaker's own part

    def covers(self, token_index: int) -> bool:
        """True when the token lies in this action's clause."""
        return self.start_token <= token_index < self.end_token


@dataclass(frozen=True)
class StarAnalysis:
    """The STAR breakdown plus the per-sentence facts the scorer reuses."""

    breakdown: StarBreakdown
    labels: tuple[StarPart | None, ...]  # per sentence
    own_actions: dict[int, OwnAction]  # sentence index -> its first own past action
    # sentence index -> every own past action in it, one per clause
    all_actions: dict[int, tuple[OwnAction, ...]] = field(default_factory=dict)


def is_past_form(token: Token) -> bool:
    """True for a past-tense verb form: irregular past, or a regular -ed form of a verb."""
    if token.lower in IRREGULAR_PAST:
        return True
    return (
        len(token.lower) > 4
        and token.lower.endswith("ed")
        and token.lemma != token.lower
        and token.lemma.isalpha()
    )


def find_own_action(sentence: Sentence) -> OwnAction | None:
    """The first "I/we + past-tense action verb" in the sentence, or None."""
    actions = find_own_actions(sentence)
    return actions[0] if actions else None


def find_own_actions(sentence: Sentence) -> tuple[OwnAction, ...]:
    """Every "I/we + past-tense action verb" of the sentence, at most one per clause."""
    tokens = sentence.tokens
    found: list[OwnAction] = []
    i = 0
    while i < len(tokens):
        if tokens[i].lower in FIRST_PERSON_SUBJECTS and _acts(tokens, i):
            action = _own_action(sentence, i)
            found.append(action)
            i = max(action.end_token, i + 1)
            continue
        i += 1
    return tuple(found)


def _acts(tokens: Sequence[Token], subject: int) -> bool:
    """True when a past-tense action verb follows the subject (adverbs may come between)."""
    for j in range(subject + 1, min(subject + 6, len(tokens))):
        candidate = tokens[j]
        if (
            candidate.lower in _ADVERBS
            or candidate.lower in _SPOKEN_FILLERS
            or (candidate.lower.endswith("ly") and len(candidate.lower) > 4)
        ):
            continue
        if candidate.lower == "did":
            # "I did call her" is an action; "I did not call her" is not.
            return not (j + 1 < len(tokens) and tokens[j + 1].lower == "not")
        if candidate.lower == "had" and _held(tokens, j):
            return True
        if candidate.lower in AMBIGUOUS_PAST:
            # "I set up a sheet where everybody logged ..." is past when the sentence is.
            return any(is_past_form(t) for k, t in enumerate(tokens) if k != j and k != subject)
        return is_past_form(candidate) and candidate.lower not in PAST_STATE
    return False


def _held(tokens: Sequence[Token], had: int) -> bool:
    """True when the "had" at ``had`` tells a meeting held ("we had three sessions", "I had a
    word with him"), not one owned or planned ("I had a lot of sessions booked")."""
    for k in range(had + 1, min(had + 5, len(tokens))):
        word = tokens[k].lower
        if word in _NOT_HELD:
            return False
        if word in _HELD:
            return k + 1 == len(tokens) or tokens[k + 1].lower not in _NOT_HELD
    return False


def _clause_end(tokens: Sequence[Token], subject: int) -> int:
    """Index of the first token after the clause that starts at ``subject``.

    The clause runs on over more verbs of the same subject ("I took a breath, stayed calm
    and asked for a call"); a new subject ("and she signed"), a clause word ("because",
    "which") or other punctuation ends it.
    """
    for j in range(subject + 2, len(tokens)):
        token = tokens[j]
        if token.lower in _CLAUSE_ENDING_WORDS:
            return j
        if not token.clause_break and token.lower not in _JOINING_WORDS:
            continue
        k = j + 1 if token.lower in _JOINING_WORDS else j
        while k < len(tokens) and tokens[k].lower in _ADVERBS:
            k += 1
        if k < len(tokens) and is_past_form(tokens[k]):
            continue  # another verb of the same subject
        following = tokens[k].lower if k < len(tokens) else ""
        if token.clause_break or following in _SUBJECT_PRONOUNS:
            return j
    return len(tokens)


def _own_action(sentence: Sentence, subject_index: int) -> OwnAction:
    """Quote the action from its subject to the end of its clause (at most ten words)."""
    tokens = sentence.tokens
    clause_end = _clause_end(tokens, subject_index)
    last = subject_index
    words = 1
    for j in range(subject_index + 1, clause_end):
        if tokens[j].start_char == tokens[last].start_char:
            last = j  # the second half of a contraction
            continue
        if words >= 3 and any(ch in ",;:—–(" for ch in tokens[j].punct_before):
            break
        if words == 10:
            break
        last = j
        words += 1
    start = tokens[subject_index].start_char - sentence.start_char
    end = tokens[last].end_char - sentence.start_char
    return OwnAction(
        sentence.index,
        sentence.text[start:end],
        start_token=subject_index,
        end_token=clause_end,
        start_char=sentence.start_char + start,
        end_char=sentence.start_char + end,
        by_me=tokens[subject_index].lower == "i",
    )


def has_past_narrative(sentence: Sentence) -> bool:
    """True when the sentence tells something past (a past verb form or a past state)."""
    return any(is_past_form(t) or t.lower in PAST_STATE for t in sentence.tokens)


# A sentence about the first moment of a story, which a story then usually turns from: "at
# first I just did whatever landed on my desk" (then "what I did was ...").
_FIRST_MOMENT = re.compile(
    r"\b(?:at first|initially|in the beginning|to begin with|early on"
    r"|my first (?:instinct|reaction)"
    r"|(?:for )?the first (?:few |couple of |two |three )?(?:days?|weeks?|months?))\b"
)


def first_moment(sentence: Sentence) -> bool:
    """True when a past sentence tells the first moment of a story ("for the first few days I
    was just doing whatever landed on my desk first")."""
    return has_past_narrative(sentence) and bool(_FIRST_MOMENT.search(_normalized(sentence)))


# A gap the speaker owns up to, measured against what they know they should do: "I probably
# don't use my leave as much as I should", "I don't take enough breaks, I'm working on it".
_SHORTFALL = re.compile(
    r"\bas (?:much|often|well|regularly|consistently|early|soon) as i (?:should|could|ought|"
    r"would like|'d like|want)\b|\benough\b|\b(?:still |i'm |i am )working on (?:it|that|this)\b"
    r"|\bneed to get better\b|\bit's something i'm working on\b"
)


def admits_shortfall(sentence: Sentence) -> bool:
    """True when the sentence owns a gap in the speaker's own practice rather than rejecting
    the practice: a negated good habit said this way is honesty, not a red flag."""
    return bool(_SHORTFALL.search(_normalized(sentence)))


def _any(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _normalized(sentence: Sentence) -> str:
    # Cues are written over lowercase words separated by single spaces.
    return " ".join(t.text.lower().replace("’", "'") for t in sentence.words)


def analyze_star(
    text: str,
    sentences: Sequence[Sentence],
    timeline: WordTimeline | None = None,
    *,
    ignore: frozenset[int] = frozenset(),
) -> StarAnalysis:
    """Label sentences S/T/A/R and score how complete the specific example is (0-100).

    ``sentences`` come from ``split_sentences(text)``; ``ignore`` holds the indices of
    sentences that are not prose (bare keyword lists).
    """
    own_actions: dict[int, OwnAction] = {}
    all_actions: dict[int, tuple[OwnAction, ...]] = {}
    labels: list[StarPart | None] = []
    seen_action = False
    previous: StarPart | None = None
    position = -1  # among prose sentences
    for sentence in sentences:
        if sentence.index not in ignore:
            position += 1
        if sentence.index in ignore:
            labels.append(None)
            previous = None
            continue
        cues = _normalized(sentence)
        actions = find_own_actions(sentence)
        action = actions[0] if actions else None
        if action is not None:
            own_actions[sentence.index] = action
            all_actions[sentence.index] = actions
        label: StarPart | None
        if (
            _any(_STRONG_RESULT_PATTERNS, cues)
            or (seen_action and action is None and _any(_WEAK_RESULT_PATTERNS, cues))
            or (seen_action and _OWN_OUTCOME.search(cues) is not None)
        ):
            label = "R"
        elif _any(_TASK_PATTERNS, cues):
            label = "T"
        elif _any(_SITUATION_PATTERNS, cues) and (
            not seen_action or action is None or position < _OPENING_SENTENCES
        ):
            label = "S"
        elif action is not None:
            label = "A"
        elif previous in {"S", "A", "R"} and has_past_narrative(sentence):
            # A past-tense sentence without its own cue continues the part before it.
            label = previous
        elif (
            position < _OPENING_SENTENCES
            and previous is None
            and not seen_action
            and has_past_narrative(sentence)
        ):
            # A story's first past sentence, at its opening, sets its scene whatever its words
            # ("Honestly, it's handing things over. I was a sous chef ...").
            label = "S"
        else:
            label = None
        if action is not None:
            seen_action = True
        labels.append(label)
        previous = label

    if not own_actions:
        # Without anything the speaker did there is no specific example, whatever the cues.
        return StarAnalysis(
            StarBreakdown(score=0, spans=(), seconds={}, missing=STAR_PARTS),
            tuple(None for _ in sentences),
            own_actions,
            all_actions,
        )

    spans = _merge_spans(text, sentences, labels, timeline)
    present = {span.part for span in spans}
    score = sum(PART_POINTS[p] for p in present)
    seconds: dict[str, float] = {}
    for span in spans:
        if span.start_s is not None and span.end_s is not None:
            seconds[span.part] = round(seconds.get(span.part, 0.0) + span.end_s - span.start_s, 2)
    missing = tuple(p for p in STAR_PARTS if p not in present)
    return StarAnalysis(
        StarBreakdown(score=score, spans=tuple(spans), seconds=seconds, missing=missing),
        tuple(labels),
        own_actions,
        all_actions,
    )


def _merge_spans(
    source: str,
    sentences: Sequence[Sentence],
    labels: Sequence[StarPart | None],
    timeline: WordTimeline | None,
) -> list[StarSpan]:
    """Adjacent sentences with the same label become one span (an exact substring)."""
    spans: list[StarSpan] = []
    run: list[Sentence] = []
    run_label: StarPart | None = None

    def flush() -> None:
        if run and run_label is not None:
            start, end = run[0].start_char, run[-1].end_char
            times = timeline.times(start, end) if timeline is not None else None
            spans.append(
                StarSpan(
                    part=run_label,
                    text=source[start:end],
                    start_char=start,
                    end_char=end,
                    start_s=None if times is None else times[0],
                    end_s=None if times is None else times[1],
                )
            )

    for sentence, label in zip(sentences, labels, strict=True):
        if label == run_label and run and label is not None:
            run.append(sentence)
            continue
        flush()
        run = [sentence]
        run_label = label
    flush()
    return spans


def example_quality(star: StarAnalysis, sentences: Sequence[Sentence]) -> float:
    """How well the answer tells one specific example, 0-100, judged by proportion.

    What counts is a scene, the speaker's own actions (first person singular weighs more than
    "we"), a stated result and a reflection, not the number of words: an answer that spends
    most of its words setting the scene loses a fifth, as a listener hears it as rambling.
    """
    if not star.own_actions:
        return 0.0
    present = {span.part for span in star.breakdown.spans}
    singular = sum(1 for actions in star.all_actions.values() if any(a.by_me for a in actions))
    plural = len(star.all_actions) - singular
    # What "we" did tells the team's part: on its own it earns half the action's points.
    action_share = min(1.0, singular / FULL_ACTIONS + min(0.5, 0.5 * plural / FULL_ACTIONS))
    score = EXAMPLE_POINTS["A"] * action_share
    score += sum(EXAMPLE_POINTS[p] for p in ("S", "T", "R") if p in present)
    text = " ".join(s.text for s in sentences)
    if _REFLECTION.search(text):
        score += EXAMPLE_POINTS["reflection"]
    total_words = sum(s.word_count for s in sentences)
    scene_words = sum(
        s.word_count for s, label in zip(sentences, star.labels, strict=True) if label == "S"
    )
    if total_words and scene_words / total_words > RAMBLING_SCENE_SHARE:
        score *= RAMBLING_FACTOR
    return min(100.0, score)
