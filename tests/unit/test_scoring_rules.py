"""The scorer's rules on short hand-written answers: shown > described > named, in any words."""

from __future__ import annotations

import pytest
import yaml

from voicemock.core.embeddings import Embedder, get_embedder
from voicemock.core.models import ScoreReport, Transcript
from voicemock.core.phrases import speaker_negated
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import (
    NO_EXAMPLE_CAP_STORY,
    RED_FLAG_CAP,
    competency_points,
    score_answer,
)
from voicemock.core.star import analyze_star, find_own_action
from voicemock.core.text import split_sentences

RELAPSE_YAML = """
id: test-relapse
text: A client tells you they used again over the weekend. How do you respond?
competencies:
  - id: empathy
    label: Empathy
    description: Responds to a lapse without shame.
    weight: 1.5
    indicators:
      - meaning: welcoming the client back warmly
        phrases: [glad you told me, thank them for telling me]
        shows:
          - When he came in after the lapse I said I was really glad to see him.
          - I thanked her for being straight with me before we talked about anything else.
          - I told him coming back to see me took guts and that mattered more than the weekend.
          - The first thing a client hears from me after a slip is that I am glad they came.
      - meaning: staying calm and not judging
        phrases: [without judging, not in trouble]
        shows:
          - I kept my voice easy and told her she was not in trouble with me.
          - I did not show any disappointment, I just asked how the weekend had gone.
          - I stay calm so the client does not feel they have let me down.
    depth: [non-judgmental, abstinence violation effect, therapeutic alliance]
    red_flags: [told him he had blown it, said I was disappointed in]
    exemplars:
      - I told him a lapse did not erase the months he had stayed clean.
  - id: safety
    label: Safety
    description: Checks overdose risk after a return to use.
    indicators:
      - meaning: checking overdose risk
        phrases: [overdose risk, lower tolerance, naloxone]
        shows:
          - I asked how much he had used, as after weeks off his body could not take as much.
          - I made sure she had a naloxone kit at home before she left the office.
          - I checked whether he had used alone, since that is when people die.
      - meaning: getting medical help
        phrases: [medical check, see the doctor]
        shows:
          - I walked her over to the nurse that morning to get checked for withdrawal.
          - I booked him in with our doctor the same day.
    depth: [harm reduction, medically supervised withdrawal]
    red_flags: [ignore the risk]
    exemplars:
      - I asked whether she still had the naloxone kit we gave her.
  - id: confidentiality
    label: Confidentiality
    description: Keeps what the client shares private.
    weight: 0.5
    indicators:
      - meaning: consent before sharing
        phrases: [signed release, written consent]
        shows:
          - I asked her whether she wanted her sister to know before I said a word to anyone.
          - We filled in the release form together so he knew exactly who would hear what.
    red_flags: [tell his employer, tell their family everything, call his probation officer]
    exemplars:
      - I told him nothing would go to his probation officer without his say.
"""

PLAIN_STORY = (
    "Last winter a man I had been seeing for four months came in on a Monday and told me he "
    "had used on Saturday night. Before anything else I said I was really glad he had told me, "
    "and that he was not in trouble with me. I asked how much he had taken, because after ten "
    "weeks clean his body could not handle what it used to, and I gave him a naloxone kit to "
    "keep at home. That afternoon I walked him over to our nurse to get checked for withdrawal. "
    "He kept coming every week after that, and he told me later that my reaction was why."
)
JARGON_ONLY = (
    "I would take a non-judgmental, client-centred approach grounded in the therapeutic "
    "alliance. I would address the abstinence violation effect and apply harm reduction "
    "principles, including naloxone, lower tolerance and overdose risk, within an evidence-based "
    "framework of medically supervised withdrawal and relapse prevention."
)
GENERAL_PRACTICE = (
    "When a client tells me they used, the first thing I do is thank them for telling me and "
    "make sure they know they are not in trouble. I stay calm so they do not feel they have let "
    "me down. Then I ask how much they used and whether they were alone, because tolerance "
    "drops fast and that is when overdoses happen, and I make sure they have a naloxone kit."
)


@pytest.fixture(scope="module")
def question() -> Question:
    return Question.model_validate(yaml.safe_load(RELAPSE_YAML))


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    loaded = get_embedder()
    assert loaded is not None
    return loaded


def score(text: str, question: Question, embedder: Embedder | None) -> ScoreReport:
    return score_answer(Transcript.from_text(text), question, embedder=embedder)


def level(report: ScoreReport, competency_id: str) -> int:
    return next(c.level for c in report.competencies if c.competency_id == competency_id)


def test_a_plain_story_earns_shown(question: Question, embedder: Embedder) -> None:
    report = score(PLAIN_STORY, question, embedder)
    empathy = next(c for c in report.competencies if c.competency_id == "empathy")
    assert empathy.level >= 3, [e.reason for e in empathy.evidence]
    assert any(e.kind == "own_action" for e in empathy.evidence)
    assert any(e.kind in {"exemplar", "indicator"} for e in empathy.evidence)
    assert level(report, "safety") >= 3
    assert not report.gates


def test_jargon_alone_stays_at_named(question: Question, embedder: Embedder) -> None:
    report = score(JARGON_ONLY, question, embedder)
    for c in report.competencies:
        assert c.level <= 1, (c.competency_id, [e.reason for e in c.evidence])
    assert level(report, "safety") == 1  # three of its terms, still only named


def test_shown_beats_described_beats_named(question: Question, embedder: Embedder) -> None:
    story = score(PLAIN_STORY, question, embedder)
    general = score(GENERAL_PRACTICE, question, embedder)
    jargon = score(JARGON_ONLY, question, embedder)
    assert story.overall > general.overall > jargon.overall
    assert story.overall - general.overall >= 10
    assert level(general, "empathy") >= 2


def test_a_negated_harm_counts_for_the_competency(question: Question, embedder: Embedder) -> None:
    answer = PLAIN_STORY + " I would never tell his employer anything he shares with me."
    report = score(answer, question, embedder)
    confidentiality = next(c for c in report.competencies if c.competency_id == "confidentiality")
    assert not confidentiality.flagged
    assert confidentiality.level >= 2
    assert any("rules out" in e.reason for e in confidentiality.evidence)
    assert report.overall >= score(PLAIN_STORY, question, embedder).overall


def test_a_red_flag_in_the_speakers_voice_caps_the_answer(
    question: Question, embedder: Embedder
) -> None:
    answer = PLAIN_STORY + " Then I told him he had blown it and I would tell his employer."
    report = score(answer, question, embedder)
    assert "red_flag" in report.gates
    assert report.overall <= RED_FLAG_CAP
    assert {c.competency_id for c in report.competencies if c.flagged} == {
        "empathy",
        "confidentiality",
    }


TRY_YAML = """
id: test-try
text: Tell me about a time you solved a problem at work.
competencies:
  - id: problem_solving
    label: Problem-solving
    description: Finds and fixes the cause.
    indicators:
      - meaning: trying things
        phrases: [try, plan]
    exemplars:
      - I traced the fault to a loose cable and replaced it that afternoon.
"""


def test_a_single_common_word_counts_for_nothing() -> None:
    question = Question.model_validate(yaml.safe_load(TRY_YAML))
    report = score_answer(
        Transcript.from_text("I did try to get to work on time, it was the plan."),
        question,
        use_embeddings=False,
    )
    (c,) = report.competencies
    assert c.level <= 1
    assert not any(e.reason.startswith("indicator 'try'") for e in c.evidence)


def test_a_story_question_is_capped_without_an_example(embedder: Embedder) -> None:
    question = Question.model_validate(yaml.safe_load(TRY_YAML))
    assert question.asks_for_example
    general = (
        "I always look for the root cause before I change anything, and I test a fix on a "
        "small scale first. I keep people informed while I work on it and I write down what "
        "I learned so the team can avoid the same problem in future."
    )
    report = score_answer(Transcript.from_text(general), question, embedder=embedder)
    assert "no_example" in report.gates
    assert report.overall <= NO_EXAMPLE_CAP_STORY
    assert any("specific time" in step for step in report.next_steps)


@pytest.mark.parametrize(
    "opening",
    [
        "So this was at the warehouse, I was a team leader on the inbound side.",
        "A couple of years back I had a client who kept missing his sessions.",
        "At my practicum placement there was this young man who hardly spoke.",
        "When I was a shift lead at a busy cafe, one of the baristas kept coming in late.",
        "This was maybe two years ago at my old job.",
        "So there was this guy on my team who rewrote my code without asking.",
        "So at the bookstore where I work part-time, the inventory count took all weekend.",
        "So in my research lab, eight of us shared one microscope and it was always taken.",
    ],
)
def test_usual_story_openings_set_the_scene(opening: str) -> None:
    text = (
        opening + " I sat down with him after the shift and asked what was going on. "
        "In the end he stayed, and I learned to ask sooner."
    )
    star = analyze_star(text, split_sentences(text))
    assert "S" not in star.breakdown.missing, star.labels
    assert "A" not in star.breakdown.missing
    assert "R" not in star.breakdown.missing


@pytest.mark.parametrize(
    "outcome",
    [
        "We finished on Sunday afternoon, eleven items off against the system.",
        "After a month the double bookings had stopped and the calendar became the rule.",
        "and after like a month my manager told me closing was way smoother",
        # a later week, and a lasting use of what was made
        "By the third week I was in the normal range.",
        "And they still use a version of my zone map.",
    ],
)
def test_what_the_work_came_to_is_the_result(outcome: str) -> None:
    text = (
        "Last spring our team had two days to count the whole store. I split the shelves into "
        "zones and I paired each scanner with a checker. " + outcome
    )
    star = analyze_star(text, split_sentences(text))
    assert star.labels[-1] == "R", star.labels
    # Present-tense practice tells no result and sets no scene.
    general = "I split the work into zones. I pair each scanner with a checker."
    assert analyze_star(general, split_sentences(general)).breakdown.score == 0


def test_disfluent_speech_still_finds_the_speakers_actions() -> None:
    text = (
        "um so I was, I was kind of the lead on that and uh I, I basically called the "
        "supplier myself and um we got the parts the next morning"
    )
    star = analyze_star(text, split_sentences(text))
    assert star.own_actions, star.labels


# --- real speech: negation in the scene, past forms that look present, breadth -----------------


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("I do not really have time to listen to every complaint.", True),
        ("I didn't ask anyone before I changed the plan.", True),
        ("Sometimes I tell their family everything they said, without their consent.", True),
        # Someone else's negation sets the scene of the speaker's own action.
        (
            "then i also set up a shared sheet because people were changing code and not "
            "telling anybody",
            False,
        ),
        ("and uh nobody could figure out why it kept veering to the left", False),
        ("I never share anything without the client's consent.", False),  # two cancel
        # What something does not mean is ruled out, whoever the subject is, and so is what
        # "or that" adds to it.
        ("i'd make sure they know one slip doesn't mean they're out of the program", True),
        ("A lapse does not mean that they failed or that the plan is over.", True),
    ],
)
def test_only_a_negation_that_may_be_the_speakers_reverses_a_sentence(
    sentence: str, negated: bool
) -> None:
    (parsed,) = split_sentences(sentence)
    assert speaker_negated(parsed) is negated


def test_a_past_form_that_looks_present_is_an_action_in_a_past_sentence() -> None:
    told = "I also set up a shared sheet where everybody logged what they changed."
    habit = "I set goals with every client in the first session."
    assert find_own_action(split_sentences(told)[0]) is not None
    assert find_own_action(split_sentences(habit)[0]) is None


def test_breadth_tells_answers_at_the_same_level_apart() -> None:
    # Level 3 from two described groups, then more groups and concepts add, below level 4.
    assert competency_points(3, 2, 0) == 75
    assert 75 < competency_points(3, 3, 0) < competency_points(3, 3, 2) < 100
    assert competency_points(3, 9, 9) < competency_points(4, 2, 0)
    # One group plus its concept makes level 3; the concept is not counted twice.
    assert competency_points(3, 1, 1) == 75
    # Named only and not shown stay flat, however many terms.
    assert competency_points(1, 0, 5) == 25 and competency_points(0, 0, 0) == 0


@pytest.mark.parametrize(
    ("answer", "flagged"),
    [
        ("Honestly the feedback was wrong, so I ignored it and kept going the way I was.", True),
        (
            "At first I thought the feedback was wrong, but I went through my last three "
            "reports with my manager and saw she was right, so I changed how I write them.",
            False,
        ),
    ],
)
def test_a_belief_the_speaker_tells_as_past_is_not_their_red_flag(
    answer: str, flagged: bool
) -> None:
    from voicemock import paths
    from voicemock.core.rubrics import load_library

    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "no-user-banks")
    question = library.get("beh-critical-feedback").question
    report = score_answer(Transcript.from_text(answer), question, use_embeddings=False)
    assert ("red_flag" in report.gates) is flagged


def test_a_sentence_or_two_never_shows_a_competency_in_depth() -> None:
    from voicemock import paths
    from voicemock.core.rubrics import load_library

    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "no-user-banks")
    question = library.get("sac-client-resistance").question
    short = (
        "Last spring I listened to a client who wanted to quit, and we agreed on one small goal "
        "he chose."
    )
    report = score_answer(Transcript.from_text(short), question, embedder=get_embedder())
    assert "too_short" in report.gates
    assert max(c.level for c in report.competencies) <= 2
    assert any(c.level == 2 for c in report.competencies)  # what it does show still counts


def test_what_the_team_did_is_described_and_what_i_did_is_shown() -> None:
    from voicemock import paths
    from voicemock.core.rubrics import load_library

    library = load_library(user_dir=paths.SHIPPED_RUBRICS_DIR / "no-user-banks")
    question = library.get("beh-teamwork").question
    opening = "Last spring our student society had three weeks to run a charity fair. "
    we = opening + (
        "We split the jobs by what people were good at, we set up a shared sheet, and we "
        "checked in every Monday. We raised twice what we had the year before."
    )
    i = opening + (
        "I split the jobs by what people were good at, I set up a shared sheet, and I "
        "checked in with everyone every Monday. We raised twice what we had the year before."
    )
    embedder = get_embedder()
    by_we = score_answer(Transcript.from_text(we), question, embedder=embedder)
    by_i = score_answer(Transcript.from_text(i), question, embedder=embedder)
    shown = [e for c in by_i.competencies for e in c.evidence if e.kind == "own_action"]
    assert shown and not any(e.kind == "own_action" for c in by_we.competencies for e in c.evidence)
    assert sum(c.level for c in by_i.competencies) >= sum(c.level for c in by_we.competencies)
    assert by_i.overall > by_we.overall


def test_a_negation_stays_in_its_own_clause() -> None:
    """A negator reaches neither a clause opened by a comma nor one opened by a new subject."""
    from voicemock.core.phrases import compile_phrase, occurrences

    cases = [
        ("I ask what they like and don't like about using, reflect back what I hear.", "reflect"),
        ("okay you don't want to be here that makes sense to me", "that makes sense"),
        ("i try not to argue i try to figure out what the person wants", "figure out"),
    ]
    for text, phrase in cases:
        (sentence,) = split_sentences(text)
        hits = occurrences(sentence, compile_phrase(phrase))
        assert [o.polarity for o in hits] == ["positive"], (text, hits)
    # Within its clause a negation still reverses: "I never shout or swear at them".
    (sentence,) = split_sentences("I never shout or swear at a client.")
    assert [o.polarity for o in occurrences(sentence, compile_phrase("swear at"))] != ["positive"]
    # A "no" of another clause does not cancel the negation of the phrase's own: the
    # negator's subject opens its clause ("he was like no, its quality, we don't cut corners").
    for text in (
        "and he was like no its quality we dont cut corners so i didnt argue",
        "she said no, we would never cut corners on a job like that",
    ):
        (sentence,) = split_sentences(text)
        hits = occurrences(sentence, compile_phrase("cut corners"))
        assert [o.polarity for o in hits] == ["contrary"], (text, hits)
    # Two negators of one clause still cancel ("never share anything without consent").
    (sentence,) = split_sentences("We never share anything a client tells us without consent.")
    hits = occurrences(sentence, compile_phrase("without consent"))
    assert [o.polarity for o in hits] == ["positive"]


def test_what_the_speaker_did_instead_is_no_red_flag() -> None:
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    flag = compile_phrase("went over their head")
    (ruled_out,) = split_sentences(
        "I talk to them directly instead of letting it simmer or going over their head."
    )
    assert red_flag_occurrences(ruled_out, flag) == []
    (done,) = split_sentences("I went over their head and took it to the director.")
    assert red_flag_occurrences(done, flag)
    # What a pronoun right before the phrase does is not the speaker's doing.
    arguing = compile_phrase("argue for change")
    (theirs,) = split_sentences("I ask why three and not zero, which gets them arguing for change.")
    assert red_flag_occurrences(theirs, arguing) == []
    (mine,) = split_sentences("I argue for change until the client sees sense.")
    assert red_flag_occurrences(mine, arguing)


HARMS_YAML = """
id: test-stakeholder
text: Tell me about a time you dealt with a difficult customer.
competencies:
  - id: composure
    label: Composure
    description: Stays calm and keeps helping.
    indicators:
      - meaning: staying calm
        phrases: [stayed calm]
        shows:
          - I kept my voice level and let him finish before I answered.
          - I took a breath and asked what would fix it for him today.
    harms:
      - I stopped answering his calls and let them all go to voicemail.
      - I told the rest of the team what a nightmare he was so nobody would help him.
    exemplars:
      - I apologised for the delay and gave him a date he could hold me to.
"""


def test_bad_practice_in_any_words_is_flagged_by_meaning(embedder: Embedder) -> None:
    question = Question.model_validate(yaml.safe_load(HARMS_YAML))
    opening = "Last spring a customer kept ringing about a late order and shouting at the desk. "
    harmful = opening + "In the end I just stopped picking up his calls and left them to voicemail."
    report = score(harmful, question, embedder)
    (composure,) = report.competencies
    assert composure.flagged and composure.level == 0
    assert "red_flag" in report.gates and report.overall <= RED_FLAG_CAP
    assert any(e.kind == "red_flag" and "bad practice" in e.reason for e in composure.evidence)
    # Denied, it is no harm; put right in the speaker's own action, it does not flag either.
    denied = opening + "I never stopped picking up his calls or left them to voicemail."
    assert not score(denied, question, embedder).competencies[0].flagged
    mended = (
        harmful + " The next morning I rang him back, kept my voice level, let him finish, and "
        "asked what would fix it for him today."
    )
    assert not score(mended, question, embedder).competencies[0].flagged


def test_quoted_words_and_a_contrast_reverse_nothing() -> None:
    quoting = "When a client starts saying 'you don't get it,' I slow down and reflect it back."
    contrast = "Sometimes it is the plan that needs to change, not the client."
    denial = "I don't reflect anything back to them."
    assert not speaker_negated(split_sentences(quoting)[0])
    assert not speaker_negated(split_sentences(contrast)[0])
    assert speaker_negated(split_sentences(denial)[0])


def test_the_scene_describes_no_practice(question: Question, embedder: Embedder) -> None:
    """Past narrative in which the speaker does nothing ("he thanked the nurse") is the scene:
    it earns no competency, however close its words come to good practice."""
    scene = (
        "Last year a man came in on a Monday after using on Saturday. The nurse said she was "
        "really glad he had told her, and she gave him a naloxone kit to keep at home. "
        "The doctor checked him for withdrawal that afternoon. He came back every week after that."
    )
    told = scene.replace("The nurse said she was", "I said I was").replace(
        "she gave him", "I gave him"
    )
    assert score(told, question, embedder).overall > score(scene, question, embedder).overall
    for c in score(scene, question, embedder).competencies:
        assert not any(e.kind == "exemplar" for e in c.evidence), c.competency_id


def test_two_negations_cancel_only_in_one_clause() -> None:
    assert not speaker_negated(
        split_sentences("I never share anything a client tells me without their consent.")[0]
    )
    assert speaker_negated(
        split_sentences("I don't think it was fair feedback, so I didn't change anything.")[0]
    )


FEEDBACK_YAML = """
id: test-feedback
text: Tell me about a time you received critical feedback. What did you do with it?
competencies:
  - id: openness
    label: Openness
    description: Hears the feedback out and checks what is true in it.
    indicators:
      - meaning: asking for specifics
        phrases: [asked for an example]
        shows:
          - I asked her to show me one of the emails she meant.
    exemplars:
      - I asked which emails had landed badly and read them again with her.
  - id: change
    label: Acting on it
    description: Changes what they do and checks the change worked.
    indicators:
      - meaning: trying the change and checking it
        phrases: [changed how I]
        shows:
          - I started opening every email with a line about the customer's question.
    exemplars:
      - I rewrote my templates and asked her a month later whether it had helped.
"""
BRUSHED_OFF = (
    "Last year my supervisor told me in my review that some customers found my emails short "
    "and cold. I listened to what she said and looked at which customers had complained. "
    "It was mostly the same two accounts, who are hard on everybody. So I kept doing it my way."
)


def test_conduct_any_interviewer_objects_to_is_flagged_whatever_the_question(
    embedder: Embedder,
) -> None:
    question = Question.model_validate(yaml.safe_load(FEEDBACK_YAML))
    report = score(BRUSHED_OFF, question, embedder)
    assert "red_flag" in report.gates and report.overall <= RED_FLAG_CAP
    flagged = [c for c in report.competencies if c.flagged]
    assert [c.competency_id for c in flagged] == ["change"]  # what the sentence is about
    assert any("brushing off feedback" in e.reason for e in flagged[0].evidence)
    # Denied, or told as a lesson later, it is no flag.
    denied = BRUSHED_OFF.replace("So I kept doing it my way.", "I did not keep doing it my way.")
    assert "red_flag" not in score(denied, question, embedder).gates
    owned = BRUSHED_OFF + " Looking back, I should have asked her for an example first."
    assert "red_flag" not in score(owned, question, embedder).gates


def test_conduct_told_of_someone_else_is_not_the_speakers() -> None:
    from voicemock.core.conduct import conduct_hits

    said = split_sentences(
        "My colleague took the credit for the launch. He kept doing it his way. "
        "Last spring I quietly fixed the numbers and no one ever found out."
    )
    hits = conduct_hits(said)
    assert [h.sentence.index for h in hits] == [2]
    assert hits[0].rule.says == "keeping a problem from the people it affects"


def test_jargon_told_as_a_story_shows_nothing(embedder: Embedder) -> None:
    from voicemock.core.phrases import is_jargon

    question = Question.model_validate(yaml.safe_load(FEEDBACK_YAML))
    jargon = (
        "Last year my manager gave me critical feedback on my customer emails. I leveraged it "
        "with a growth mindset and took radical ownership of my development journey. I aligned "
        "with key stakeholders on actionable learnings and drove continuous improvement."
    )
    plain = (
        "Last year my manager told me my customer emails read as cold. I asked her to show me "
        "two that had landed badly, and I started opening every email with a line about the "
        "customer's question. A month later I asked her whether it had helped, and she said "
        "the complaints had stopped."
    )
    said = split_sentences(jargon)
    assert [is_jargon(s) for s in said] == [False, True, True]
    assert not any(is_jargon(s) for s in split_sentences(plain))
    report = score(jargon, question, embedder)
    assert all(c.level <= 1 for c in report.competencies), [
        (c.competency_id, c.level) for c in report.competencies
    ]
    assert score(plain, question, embedder).overall >= report.overall + 30


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("I was honest with them when I didn't know something.", False),
        ("I called her back because I didn't want her to wait.", False),
        ("I don't assume I know what their faith means to them.", False),
        ("I didn't call her back.", True),
        ("I don't think it was fair, so I didn't change anything.", True),
    ],
)
def test_a_framing_clause_or_not_knowing_reverses_no_practice(sentence: str, negated: bool) -> None:
    assert speaker_negated(split_sentences(sentence)[0]) is negated


def test_not_knowing_what_culture_means_to_a_client_is_no_denial() -> None:
    question = Question.model_validate(
        yaml.safe_load(
            """
id: test-culture
text: How do you adapt your counseling to a client's culture?
competencies:
  - id: culture
    label: Culture
    description: Learns what culture means to the client.
    indicators:
      - meaning: asking what culture means to them
        phrases: [what their culture means to them]
    exemplars:
      - I ask each client what their background means to them.
"""
        )
    )
    humble = "I start from the idea that I don't know what their culture means to them."
    report = score_answer(Transcript.from_text(humble), question, use_embeddings=False)
    assert not report.competencies[0].flagged
    assert not any(e.kind == "negated" for e in report.competencies[0].evidence)


def test_speech_to_text_contractions_without_apostrophes_still_negate() -> None:
    from voicemock.core.conduct import conduct_hits
    from voicemock.core.text import tokenize

    assert [t.lower for t in tokenize("i didnt go")] == ["i", "did", "not", "go"]
    assert speaker_negated(split_sentences("i didnt call her back")[0])
    said = split_sentences(
        "cause i didnt want to go behind her back. i dont add anyone on facebook"
    )
    assert conduct_hits(said) == []


def test_what_did_not_happen_or_was_turned_against_is_no_flag() -> None:
    from voicemock.core.conduct import conduct_hits
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    argued = split_sentences("The old me would have argued with him about it.")[0]
    assert red_flag_occurrences(argued, compile_phrase("argue with them")) == []
    plain = split_sentences("I argued with him about it.")[0]
    assert red_flag_occurrences(plain, compile_phrase("argue with them"))
    turned = split_sentences("It was not my fault, but I owned the fix anyway.")
    assert conduct_hits(turned) == []
    assert conduct_hits(split_sentences("It was not my fault, and I said so."))


def test_a_scene_in_the_first_person_is_no_harmful_doing(embedder: Embedder) -> None:
    question = Question.model_validate(yaml.safe_load(HARMS_YAML))
    scene = (
        "I had a customer years ago who rang about a late order every single day. "
        "I'm someone who has worked front desks for a long time."
    )
    report = score(scene, question, embedder)
    assert "red_flag" not in report.gates


def test_not_taking_mistrust_personally_is_no_denial() -> None:
    said = split_sentences("So I name that and don't take their mistrust personally.")[0]
    from voicemock.core.phrases import compile_phrase, occurrences

    (hit,) = occurrences(said, compile_phrase("mistrust"))
    assert hit.polarity != "contrary"
    asked = split_sentences("I don't ask about their mistrust.")[0]
    assert occurrences(asked, compile_phrase("mistrust"))[0].polarity == "contrary"


def test_a_warning_about_anyone_is_no_red_flag() -> None:
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    flag = compile_phrase("argue with them")
    for warning in (
        "The second you start arguing with somebody about their drinking, you've lost.",
        "If you argue with them they just dig in.",
        "As soon as you argue with them it's over.",
    ):
        (sentence,) = split_sentences(warning)
        assert red_flag_occurrences(sentence, flag) == [], warning
    for doing in ("When I argue with them they come round.", "So you just argue with them."):
        (sentence,) = split_sentences(doing)
        assert red_flag_occurrences(sentence, flag), doing


def test_one_sentence_is_evidence_for_one_thing_a_good_answer_does(
    question: Question, embedder: Embedder
) -> None:
    # This sentence resembles both "welcoming the client back" and "staying calm": by meaning
    # it counts for one of them, however many it faintly resembles.
    story = (
        "Last spring a young man I had seen for months came back after a weekend of heavy "
        "drinking. I thanked him for being straight with me, kept my voice easy and told him he "
        "was not in trouble with me and that I was glad to see him."
    )
    report = score(story, question, embedder)
    empathy = next(c for c in report.competencies if c.competency_id == "empathy")
    meaning = ("shown", "described")
    by_meaning = [e.sentence for e in empathy.evidence if e.reason.startswith(meaning)]
    assert len(by_meaning) == len(set(by_meaning)) >= 1


def test_a_phrase_never_spans_a_negation_or_a_preposition_before_its_pronoun() -> None:
    from voicemock.core.phrases import compile_phrase, find_phrase

    def found(phrase: str, said: str) -> bool:
        (sentence,) = split_sentences(said)
        return bool(find_phrase(sentence, compile_phrase(phrase)))

    assert found("shame them", "I tried to shame them into coming.")
    assert not found("shame them", "Alcohol carried a lot of shame in his family.")
    assert found("let them think we", "I let them think we had it handled.")
    assert not found("let them think we", "Let's say he didn't think much of us.")
    # A preposition the phrase itself names is fine: "complained about them to".
    assert found("complained about them to", "I complained about him to the manager.")
    # A verb's object phrase does not match the word used as a noun.
    assert found("sprang it on them", "Then I just sprang it on the team.")
    assert not found("sprang it on them", "By the spring everybody on the team used it.")
    # At the head of its clause, with other words before the object, the verb is a noun subject.
    assert not found("shame them", "I stay calm, because shame usually makes it worse.")
    assert found("shame them", "I called him out and shame them into it.")
    assert found("showed him the", "I asked for a minute, showed her one chart with the sales.")


def test_a_sound_general_answer_to_an_approach_question_reaches_the_middle(
    question: Question, embedder: Embedder
) -> None:
    from voicemock.core.scoring import APPROACH_GENERAL_SHARE, NO_EXAMPLE_CAP_APPROACH

    report = score(GENERAL_PRACTICE, question, embedder)
    assert report.example is not None and report.example < 35  # no story told
    weights = sum(c.weight for c in report.competencies)
    part = sum(c.score * c.weight for c in report.competencies) / weights
    assert report.overall >= min(NO_EXAMPLE_CAP_APPROACH, int(APPROACH_GENERAL_SHARE * part))
    assert report.overall < score(PLAIN_STORY, question, embedder).overall


def test_one_negated_clause_does_not_hide_what_run_on_speech_shows(
    question: Question, embedder: Embedder
) -> None:
    run_on = (
        "so last spring this man i had seen for months came back after using and i didnt make a "
        "big deal of it i thanked him for being straight with me and said i was really glad to "
        "see him and then i asked how much he had taken because his tolerance would be way down"
    )
    assert level(score(run_on, question, embedder), "empathy") >= 3
    # The negated clause alone still shows nothing by meaning.
    denied = "Last spring a man came back after using, and I didn't thank him or welcome him back."
    assert level(score(denied, question, embedder), "empathy") <= 1


def test_a_string_of_the_rubrics_own_concepts_is_named_not_described(
    question: Question, embedder: Embedder
) -> None:
    stuffed = (
        "When a client comes back after using I stay non-judgmental, keep the therapeutic "
        "alliance and harm reduction in mind, and I talk about overdose risk and lower "
        "tolerance with them."
    )
    rest = " I also make sure they know about naloxone, because it matters to me they stay alive."
    report = score(stuffed + rest, question, embedder)
    # Three of empathy's concepts in one sentence name it; nothing there describes it.
    assert level(report, "empathy") <= 1
    plain = (
        "When a client comes back after using I tell them they are not in trouble with me and I "
        "keep my voice easy, and I talk about overdose risk and lower tolerance with them."
    )
    assert level(score(plain + rest, question, embedder), "empathy") >= 2


def test_an_answer_that_tells_the_speakers_own_life_is_held_down(
    question: Question, embedder: Embedder
) -> None:
    from voicemock.core.scoring import OWN_HISTORY_CAP

    life = (
        "For me this is personal. My father drank when I was growing up, and my mother covered "
        "for him with his boss for years. I grew up learning to stay quiet when his car pulled "
        "in. When I was twenty I went back to school, and that is how I got into this field. "
        "Last month a man told me he had used, so I thanked him for telling me, asked how much "
        "he had taken because his tolerance was down, and gave him a naloxone kit to keep."
    )
    report = score(life, question, embedder)
    assert "own_history" in report.limits and report.overall <= OWN_HISTORY_CAP
    assert any("background" in step for step in report.next_steps)
    assert "own_history" not in score(PLAIN_STORY, question, embedder).limits


def test_a_practice_not_done_at_one_time_or_place_is_no_denial() -> None:
    from voicemock.core.phrases import compile_phrase, occurrences

    phrase = compile_phrase("try to convince")

    def polarity(said: str) -> str:
        (sentence,) = split_sentences(said)
        return occurrences(sentence, phrase)[0].polarity

    assert polarity("I did not try to convince him in the meeting, he would lose face.") != (
        "contrary"
    )
    assert polarity("I did not try to convince him at all.") == "contrary"
    assert polarity("I did not try to convince him.") == "contrary"


def test_one_negated_mention_does_not_deny_a_practice_shown_elsewhere(
    question: Question, embedder: Embedder
) -> None:
    # Told of a first reaction, and then the practice itself: the negation is the story's start.
    story = (
        "Last spring a man I had seen for four months told me he had used on Saturday. At first "
        "I didn't thank him for telling me, I just went quiet. Then I said I was really glad "
        "he had told me and that he was not in trouble with me. I thanked him for being straight "
        "with me and I kept my voice easy. He kept coming every week after that."
    )
    assert level(score(story, question, embedder), "empathy") >= 3
    assert "red_flag" not in score(story, question, embedder).gates
    # With nothing else shown, the same negated practice still counts against it.
    denied = (
        "Last spring a man I had seen for four months told me he had used on Saturday. I didn't "
        "thank him for telling me. I asked him how much he used and gave him a naloxone kit."
    )
    assert "red_flag" in score(denied, question, embedder).gates


def test_a_negation_about_another_noun_does_not_deny_a_one_word_indicator() -> None:
    from voicemock.core.phrases import compile_phrase, occurrences

    phrase = compile_phrase("culture")

    def polarity(said: str) -> str:
        (sentence,) = split_sentences(said)
        return occurrences(sentence, phrase)[0].polarity

    assert polarity("I go in knowing I'm not the expert on their culture.") != "contrary"
    assert polarity("I don't ask about their culture.") == "contrary"


def test_the_speakers_own_recovery_told_at_length_is_their_own_life() -> None:
    from voicemock.core.scoring import _own_history_words

    recovery = split_sentences(
        "I'm in recovery from opioids myself. I started using after I hurt my back at twenty. "
        "When I was in treatment, a counselor called me out and it clicked. "
        "Last week I asked a client what he wanted from the group."
    )
    told = _own_history_words(recovery)
    assert told == sum(s.word_count for s in recovery[:3])
    work = split_sentences("I asked a client what the group meant to him, and he told me.")
    assert _own_history_words(work) == 0


def test_a_rubric_meaning_in_the_first_person_is_said_to_the_user_as_you() -> None:
    from voicemock.core.scoring import _to_you

    assert _to_you("keeping my own voice and body calm") == "keeping your own voice and body calm"
    assert _to_you("telling the client what I am doing") == "telling the client what you are doing"
    assert _to_you("listening without defending myself") == "listening without defending yourself"
    assert _to_you("Improving their mood") == "Improving their mood"


def test_an_article_stands_for_a_noun_phrase_not_for_the_pronoun_alone() -> None:
    from voicemock.core.phrases import compile_phrase, find_phrase

    phrase = compile_phrase("let them talk")

    def found(said: str) -> bool:
        (sentence,) = split_sentences(said)
        return bool(find_phrase(sentence, phrase))

    assert not found("I don't let the talk about triggers crowd out the safety part.")
    assert found("I let the client talk first.")
    assert found("I let them talk.")


@pytest.mark.parametrize(
    ("phrase", "said", "counts"),
    [
        ("argue with them", "If I notice I'm arguing with a client, I step back.", False),
        ("argue for change", "Because if I argue for change they'll argue against it.", False),
        ("argue with them", "If he pushes back, I argue with him.", True),
        ("argue with them", "When I argued with him it got worse.", True),
        ("panicked", "i was the assistant manager so my boss was kind of panicking", False),
        ("panicked", "so i was kind of panicking", True),
        # a second part joined to a condition is still the condition
        (
            "argue for change",
            "I try not to push, because when someone's on the fence and you argue for change, "
            "they argue back.",
            False,
        ),
        ("argue for change", "He was on the fence and you argue for change with him.", True),
        # a moment that opens a condition, in the present, is no practice
        (
            "argue for change",
            "I'm careful, because the moment I start arguing for change she'll argue against it.",
            False,
        ),
        ("argue for change", "The moment I started arguing for change she walked out.", True),
        # "rather ... than X": X is what the speaker would not do
        (
            "behind their back",
            "I'd rather we work on it together than me do it behind his back.",
            False,
        ),
        ("behind their back", "I'd rather not ask, so I went behind his back.", True),
        # the end of a compound is no word of its own
        ("cover it up", "I ended up covering the follow-up stories too.", False),
        ("cover it up", "I covered the mistake up.", True),
    ],
)
def test_a_condition_or_someone_elses_clause_in_run_on_speech_is_no_red_flag(
    phrase: str, said: str, counts: bool
) -> None:
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    (sentence,) = split_sentences(said)
    assert bool(red_flag_occurrences(sentence, compile_phrase(phrase))) is counts


def test_a_red_flag_at_the_first_moment_of_a_story_is_outweighed_by_what_followed(
    question: Question, embedder: Embedder
) -> None:
    turned = (
        "Last spring a man I had seen for four months told me he had used on Saturday. At first "
        "I told him he had blown it, and he went quiet. Then I said I was really glad he had "
        "told me and that he was not in trouble with me. I thanked him for being straight with "
        "me and I kept my voice easy. He kept coming every week after that."
    )
    report = score(turned, question, embedder)
    assert "red_flag" not in report.gates
    assert level(report, "empathy") >= 3
    # Without the turn, the same red flag at the story's start still counts.
    kept = (
        "Last spring a man I had seen for four months told me he had used on Saturday. At first "
        "I told him he had blown it. I asked how much he had used and gave him a naloxone kit."
    )
    assert "red_flag" in score(kept, question, embedder).gates


def test_a_depth_concept_among_buzzwords_is_named_not_depth(
    question: Question, embedder: Embedder
) -> None:
    buzz = (
        "I hold space for the client through a lens of harm reduction and lived experience, "
        "leveraging a holistic, strengths-based paradigm."
    )
    report = score(buzz + " " + GENERAL_PRACTICE, question, embedder)
    safety = next(c for c in report.competencies if c.competency_id == "safety")
    assert not any(e.kind == "depth" for e in safety.evidence)
    plain = "I work from harm reduction: I make sure the client leaves the room safer."
    report = score(plain + " " + GENERAL_PRACTICE, question, embedder)
    safety = next(c for c in report.competencies if c.competency_id == "safety")
    assert any(e.kind == "depth" for e in safety.evidence)


def test_an_urge_the_speaker_did_not_follow_is_no_red_flag() -> None:
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    flag = compile_phrase("just push through")
    for resisted in (
        "I really wanted to just push through and keep working, and my supervisor said take "
        "the afternoon.",
        "My instinct was to just push through the week.",
    ):
        assert red_flag_occurrences(split_sentences(resisted)[0], flag) == [], resisted
    for done in ("I wanted to just push through, and I did.", "I just pushed through it."):
        assert red_flag_occurrences(split_sentences(done)[0], flag), done


LEAVE_YAML = """
id: test-self-care
text: How do you manage the emotional demands of this work?
competencies:
  - id: self_care
    label: Self-care
    description: Takes real breaks.
    indicators:
      - meaning: taking real breaks and time off
        phrases: [use my leave, take my breaks]
        shows:
          - I take my leave every year and I do not check email while I am away.
    exemplars:
      - I take my lunch away from my desk, and I use my leave.
"""


def test_a_gap_the_speaker_owns_up_to_is_no_denial(embedder: Embedder) -> None:
    question = Question.model_validate(yaml.safe_load(LEAVE_YAML))
    habits = "I take my lunch break away from my desk every day and I walk home after work. "
    owned = habits + "I probably don't use my leave as much as I should, though."
    report = score(owned, question, embedder)
    assert "red_flag" not in report.gates
    assert not any(e.kind == "negated" for e in report.competencies[0].evidence)
    refused = habits + "I don't use my leave."
    denied = score(refused, question, embedder).competencies[0]
    assert any(e.kind == "negated" for e in denied.evidence)


def test_a_life_story_told_by_age_and_treatment_is_the_speakers_own_life() -> None:
    from voicemock.core.scoring import _own_history_words

    life = split_sentences(
        "I was that client. I was in and out of treatment three times. "
        "When we moved to Dublin when I was twelve it was very hard. I was in groups myself for "
        "years, first in rehab and then NA. Now I've got eleven years clean."
    )
    assert _own_history_words(life) == sum(s.word_count for s in life)
    way_in = split_sentences(
        "I relapsed myself after two years sober. My counsellor at the time never gave up on me. "
        "That's what got me into this field. I did my placement at a detox unit."
    )
    assert _own_history_words(way_in) == sum(s.word_count for s in way_in)
    work = split_sentences(
        "When I was on the night shift, a client asked me to sit with him. He had been clean "
        "for a week."
    )
    assert _own_history_words(work) == 0


def test_a_negation_said_again_as_speech_restarts_is_still_one_negation() -> None:
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    flag = compile_phrase("friends on facebook")
    restarted = split_sentences("and um i don't i don't friend them on facebook or anything")[0]
    assert red_flag_occurrences(restarted, flag) == []
    plain = split_sentences("and um i friend them on facebook sometimes")[0]
    assert red_flag_occurrences(plain, flag)


@pytest.mark.parametrize(
    ("flag", "not_done", "done"),
    [
        # what the speaker lacked before the story, in the past perfect
        (
            "never used it",
            "Nobody else knew the software, and I'd never used anything like it.",
            "I learned the software for the audit and then never used it.",
        ),
        # more than the thing itself
        (
            "not want to complain",
            "I didn't want to just complain, so I counted three months of bookings.",
            "I didn't want to complain, so I kept it to myself.",
        ),
        # "not the one who ..."
        (
            "argue for change",
            "I'm not the one who's supposed to be arguing for change.",
            "I'm the one arguing for change in those sessions.",
        ),
    ],
)
def test_a_negation_that_does_not_deny_the_practice_is_no_red_flag(
    flag: str, not_done: str, done: str
) -> None:
    from voicemock.core.phrases import compile_phrase, red_flag_occurrences

    phrase = compile_phrase(flag)
    assert red_flag_occurrences(split_sentences(not_done)[0], phrase) == [], not_done
    assert red_flag_occurrences(split_sentences(done)[0], phrase), done


def test_a_general_truth_in_the_present_is_no_scene() -> None:
    from voicemock.core.scoring import _background

    (general,) = split_sentences("It's normal for mandated clients to be resistant at the start.")
    assert not _background(general)
    (scene,) = split_sentences("He called every day during finals week.")
    assert _background(scene)


def test_conduct_at_the_first_moment_of_a_story_is_outweighed_by_what_followed(
    embedder: Embedder,
) -> None:
    question = Question.model_validate(yaml.safe_load(HARMS_YAML))
    opening = (
        "Last spring a customer rang every day about a late order. At first I just complained "
        "about him to my team. "
    )
    turned = opening + (
        "Then I rang him back, kept my voice level and let him finish before I answered. "
        "I took a breath and asked what would fix it for him today, and I stayed calm."
    )
    assert "red_flag" not in score(turned, question, embedder).gates
    assert "red_flag" in score(opening, question, embedder).gates


def test_the_fields_own_terms_strung_together_are_jargon() -> None:
    from voicemock.core.phrases import is_jargon

    terms = split_sentences(
        "I'd use OARS to elicit change talk and recognise DARN-CAT statements, while softening "
        "sustain talk and rolling with resistance. I'd attend to the parallel process and my "
        "own countertransference."
    )
    assert all(is_jargon(s) for s in terms)
    plain = split_sentences(
        "I listened for the moments he talked about wanting things to be different, and I said "
        "those back to him. When he argued, I didn't argue back; I asked what he'd lose if "
        "nothing changed."
    )
    assert not any(is_jargon(s) for s in plain)


def test_saying_what_one_is_not_is_no_denial_of_a_practice() -> None:
    from voicemock.core.scoring import _denies_a_state

    def denies(said: str, word: str) -> bool:
        (sentence,) = split_sentences(said)
        start = next(i for i, t in enumerate(sentence.tokens) if t.lower == word)
        return _denies_a_state(sentence, start)

    assert denies("I'm not in recovery myself, but I grew up with a mum who drank.", "in")
    assert not denies("I'm not listening to them when I'm tired.", "listening")
    assert not denies("She is not in recovery yet.", "in")
