"""The shipped conduct rules (rubrics/library/conduct.yaml) load; a broken file costs nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voicemock.core.conduct import conduct_hits, conduct_path, load_conduct
from voicemock.core.text import split_sentences


def test_every_shipped_conduct_phrase_is_usable() -> None:
    data = yaml.safe_load(conduct_path().read_text(encoding="utf-8"))
    rules = load_conduct()
    assert len(rules.rules) == len(data["conduct"]) >= 5
    assert sum(len(r.phrases) for r in rules.rules) == sum(
        len(entry["phrases"]) for entry in data["conduct"]
    )
    assert len(rules.put_right) == len(data["put_right"])
    assert all(rule.says and rule.phrases for rule in rules.rules)


def test_a_broken_conduct_file_flags_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "conduct.yaml"
    broken.write_text("conduct: [unclosed\n", encoding="utf-8")
    assert load_conduct(broken).rules == ()
    broken.write_text("- just a list\n", encoding="utf-8")
    assert load_conduct(broken).rules == ()
    said = split_sentences("I kept it to myself and no one ever found out.")
    assert conduct_hits(said, load_conduct(broken)) == []
    assert conduct_hits(said)  # the shipped rules do flag it


def test_an_anyone_entry_counts_whoever_the_sentence_is_about() -> None:
    hits = conduct_hits(
        split_sentences("I fitted her in at ten. The dentist never found out it was me.")
    )
    assert [h.sentence.index for h in hits] == [1]
    # A plain entry still needs the speaker's own doing.
    assert conduct_hits(split_sentences("My colleague kept it quiet.")) == []
    assert conduct_hits(split_sentences("I kept it quiet."))


def test_a_habit_learned_is_no_conduct() -> None:
    learned = split_sentences("I've learned to keep it to myself until I know why.")
    assert conduct_hits(learned) == []
    assert conduct_hits(
        split_sentences("I made a mistake, so I kept it to myself until the audit.")
    )


def test_keeping_it_to_oneself_is_conduct_only_where_there_is_a_problem_to_keep() -> None:
    own_story = split_sentences(
        "If I'm getting caught up in my own stuff, I keep it to myself and bring it to them."
    )
    assert conduct_hits(own_story) == []
    error = split_sentences("I found the error in the report and I kept it to myself.")
    assert [h.rule.says for h in conduct_hits(error)] == [
        "keeping a problem from the people it affects"
    ]


def test_a_habit_the_speaker_used_to_have_and_turned_from_is_no_conduct() -> None:
    turned = split_sentences(
        "I used to keep it quiet when a delivery was late, but now I tell the client the same day."
    )
    assert conduct_hits(turned) == []
    assert conduct_hits(split_sentences("I used to keep it quiet when a delivery was late."))


def test_a_clients_boundary_is_not_a_customers() -> None:
    customer = split_sentences("The supplier was upset, so I gave her my number to call me.")
    assert conduct_hits(customer) == []
    client = split_sentences("My client was upset, so I gave her my number to call me.")
    assert [h.rule.says for h in conduct_hits(client)] == ["crossing a professional boundary"]


def test_writing_off_the_people_one_serves_is_conduct() -> None:
    for said in (
        "You can't help people who don't want it.",
        "I tell them this is how it works, take it or leave it.",
        "I save my real effort for the clients who want to change.",
    ):
        hits = conduct_hits(split_sentences(said))
        assert [h.rule.says for h in hits] == ["writing off the people one is there to serve"], said
    # Told as what others believe and then turned against, it is not the speaker's.
    assert (
        conduct_hits(
            split_sentences(
                "People say you can't help people who don't want it, but I never give up."
            )
        )
        == []
    )


def test_a_remark_that_what_was_said_was_untrue_is_conduct() -> None:
    told = split_sentences(
        "I told the team the director had asked for a rota, which he hadn't exactly."
    )
    assert [h.rule.says for h in conduct_hits(told)] == [
        "telling people something that was not true"
    ]
    assert conduct_hits(split_sentences("I checked whether he had eaten, which he hadn't.")) == []


def test_gaming_a_measure_is_conduct() -> None:
    gamed = split_sentences("I closed the ticket so it didn't count against my numbers.")
    assert [h.rule.says for h in conduct_hits(gamed)] == [
        "gaming the measure instead of doing the work"
    ]
    assert conduct_hits(split_sentences("Every call counts against my numbers.")) == []


def test_nobody_noticing_counts_whoever_the_subject_is() -> None:
    hidden = split_sentences("I smoothed the numbers over the next quarter. Nobody ever noticed.")
    assert [h.sentence.index for h in conduct_hits(hidden)] == [1]


def test_sharing_a_clients_news_without_asking_is_conduct() -> None:
    shared = split_sentences("I tell his mother how my client is, I don't always run it past him.")
    assert [h.rule.says for h in conduct_hits(shared)] == ["sharing what is private without asking"]
    supplier = split_sentences("I order the parts, I don't always run it past my manager.")
    assert conduct_hits(supplier) == []


def test_a_short_sentence_with_a_past_verb_is_prose_not_a_keyword_list() -> None:
    from voicemock.core.phrases import is_keyword_list

    (short,) = split_sentences("Nobody ever noticed.")
    assert not is_keyword_list(short)
    assert conduct_hits(split_sentences("I kept the old figures. Nobody ever noticed."))
    (terms,) = split_sentences("Harm reduction.")
    assert is_keyword_list(terms)


def test_going_straight_to_the_manager_is_conduct_only_about_a_colleague() -> None:
    safety = split_sentences("He said he would hurt her, so I went straight to the manager.")
    assert conduct_hits(safety) == []
    colleague = split_sentences("My colleague kept changing it, so I went straight to the manager.")
    assert [h.rule.says for h in conduct_hits(colleague)] == [
        "going around someone instead of talking to them"
    ]


@pytest.mark.parametrize(
    ("said", "says", "harmless"),
    [
        (
            "A couple of the older engineers pushed back, so I stopped adding them to the review "
            "threads.",
            "going around someone instead of talking to them",
            "I never left them off the review threads.",
        ),
        (
            "I moved the switchover up before anyone could object.",
            "going around someone instead of talking to them",
            "I moved the switchover up after everyone had a say.",
        ),
        (
            "In the interview I said I was proficient in Salesforce, which was a bit of a stretch.",
            "telling people something that was not true",
            "In the interview I said I had used Salesforce twice.",
        ),
        (
            "I told the client it was a sync issue, which kind of covered it.",
            "telling people something that was not true",
            "I told the client it was my error, and I fixed it that day.",
        ),
        (
            "I said the director was on board. She hadn't technically, but I knew she'd agree.",
            "telling people something that was not true",
            "I said the director was on board. She had, and I had it in writing.",
        ),
        (
            "He hadn't technically approved it, so I went ahead.",
            "telling people something that was not true",
            "He hadn't approved it yet, so I waited.",
        ),
        (
            "As long as the result is there, nobody minds how you got there.",
            "putting the result above how it was reached",
            "I don't believe the ends justify the means.",
        ),
        (
            "I told them it was paid only on logged deals, which I hadn't cleared with HR.",
            "setting rules aside because they are in the way",
            "I told them it was paid only on logged deals, once I had cleared it with HR.",
        ),
        (
            "I started marking the invoices as verified without actually checking them.",
            "setting rules aside because they are in the way",
            "I never mark an invoice as verified without checking it.",
        ),
        (
            "He went to HR about it and I made sure his territory got split up.",
            "getting back at someone",
            "He went to HR about it and I made sure his concerns were heard.",
        ),
        (
            "The night before the pitch I just redid her section and swapped it into the master.",
            "taking the work or the credit from others",
            "The night before the pitch I went through her section with her.",
        ),
        (
            "He came late most weeks, but I'd still sign his attendance for the full session.",
            "keeping a problem from the people it affects",
            "He came every week, and I'd sign his attendance sheet at the end.",
        ),
        (
            "He asked if it was tested. I said yes, it had been, just not the full suite.",
            "telling people something that was not true",
            "He asked if it was tested and I said the full suite had run that morning.",
        ),
        (
            "I redid the slides and I didn't really bother telling them.",
            "keeping a problem from the people it affects",
            "I redid the slides and told them why the same afternoon.",
        ),
        (
            "I said I was waiting on content from the product team, which was partly true.",
            "telling people something that was not true",
            "I said I was waiting on content from the product team, and I sent them a reminder.",
        ),
        (
            "I adjusted the numbers so they lined up with the previous quarter.",
            "keeping a problem from the people it affects",
            "I checked the numbers against the previous quarter and flagged two that differed.",
        ),
        (
            "So I wouldn't call it my failure exactly, more of a process failure.",
            "putting the blame on others",
            "So I would call it my failure, even though the process had gaps too.",
        ),
        (
            "There was a training course, but I just ticked the box saying I'd done it.",
            "keeping a problem from the people it affects",
            "There was a training course, and I ticked the box once I'd done it.",
        ),
        (
            "I put the labels on the wrong way round, so I relabelled them and didn't write it up.",
            "keeping a problem from the people it affects",
            "I put the labels on the wrong way round, so I relabelled them and wrote it up.",
        ),
        (
            "I kept a little file of the times she messed up.",
            "going around someone instead of talking to them",
            "I kept a little file of the training I had done.",
        ),
        (
            "One week I took a couple of sick days and just worked from home to catch up.",
            "calling in sick to get work done",
            "One week I took a couple of days off after the launch to rest.",
        ),
        (
            "If they pushed back I'd cc their director so there was a bit of pressure.",
            "going around someone instead of talking to them",
            "If they pushed back I'd ask their director to join us for a chat.",
        ),
        (
            "At the review I presented the turnaround as my project.",
            "taking the work or the credit from others",
            "At the review I presented the turnaround with the two designers who did it.",
        ),
        (
            "I took my client contacts with me when I left.",
            "setting rules aside because they are in the way",
            "I handed my client contacts over to my replacement when I left.",
        ),
        (
            "I just left that Friday, I didn't see the point in giving notice.",
            "setting rules aside because they are in the way",
            "I left at the end of the month, after giving four weeks' notice.",
        ),
        (
            "It was a failure on paper, but really it was the company that failed me.",
            "putting the blame on others",
            "It was a failure, and most of it was mine.",
        ),
        (
            "I didn't have a test database, so I ran them straight against the live one.",
            "setting rules aside because they are in the way",
            "I didn't have a test database, so I asked for a copy of the live one.",
        ),
        (
            "I stopped going out of my way to put her on the interesting projects.",
            "getting back at someone",
            "I went out of my way to put her on the interesting projects.",
        ),
        (
            "I didn't loop him in because I knew he'd get defensive.",
            "going around someone instead of talking to them",
            "I looped him in early because I knew he'd want a say.",
        ),
        (
            "If they chase it, I say it's with the technical team, which buys me a few days.",
            "telling people something that was not true",
            "If they chase it, I tell them where it is and when it will be done.",
        ),
        (
            "I mark things as in progress as soon as they come in, so the board looks busy.",
            "gaming the measure instead of doing the work",
            "I mark things as done when the customer has signed them off.",
        ),
        (
            "He was cold with me after that, but results are results.",
            "putting the result above how it was reached",
            "He was cold with me after that, so I asked him for a coffee.",
        ),
        (
            "Some customers you just can't help, so I let them walk.",
            "writing off the people one is there to serve",
            "Some customers need more time, so I let them talk.",
        ),
        (
            "When he kept changing the order, I pushed him to the back of the queue.",
            "writing off the people one is there to serve",
            "When he kept changing the order, I asked him to sign off each change.",
        ),
        (
            "I skip steps when they slow us down, and I mention it afterwards rather than ask "
            "permission.",
            "setting rules aside because they are in the way",
            "I follow each step, and when one slows us down I ask my manager about changing it.",
        ),
        (
            "My reviewer seemed to have it out for me, so I kept sending them the same way.",
            "brushing off feedback instead of weighing it",
            "My reviewer found three errors, so I started checking every date before sending.",
        ),
        (
            "With a client who pushes back, I make it clear early on who's in charge.",
            "pressure or shame where help is needed",
            "With a client who pushes back, I make it clear early on that the goals are theirs.",
        ),
        (
            "I added the photos to her file with a note so it all matched up.",
            "keeping a problem from the people it affects",
            "I added the photos to her file with a note and sent her a copy.",
        ),
        (
            "When a client says that at night, I tell him to text me on my personal cell.",
            "crossing a professional boundary",
            "When a client says that at night, I give him the crisis line and call him at nine.",
        ),
        (
            "I redid her section over the weekend because she was slow with the report.",
            "taking the work or the credit from others",
            "At the library we redid the children's section over the summer.",
        ),
        (
            "I filed it late and changed the date on our tracker so it showed as submitted.",
            "keeping a problem from the people it affects",
            "I filed it late and told the client the same day what the penalty would be.",
        ),
        (
            "I told him the buyer was fine with it, which strictly speaking I hadn't asked yet.",
            "telling people something that was not true",
            "I told him the buyer was fine with it, and showed him her email saying so.",
        ),
        (
            "I figured the feedback was more about her than me, so I carried on.",
            "brushing off feedback instead of weighing it",
            "I figured the feedback was fair, so I asked her to listen to two calls with me.",
        ),
        (
            "I passed the long callers to other reps so they wouldn't drag my numbers down.",
            "gaming the measure instead of doing the work",
            "I took the long calls myself so the new reps could learn on the easy ones.",
        ),
        (
            "He stopped coming, and frankly that told me he wasn't ready.",
            "writing off the people one is there to serve",
            "He stopped coming, so I wrote to him and left the door open.",
        ),
    ],
)
def test_conduct_said_calmly_is_named_and_its_harmless_likeness_is_not(
    said: str, says: str, harmless: str
) -> None:
    assert [h.rule.says for h in conduct_hits(split_sentences(said))] == [says]
    assert conduct_hits(split_sentences(harmless)) == []


def test_a_late_payment_is_not_a_backdated_record() -> None:
    payment = split_sentences("I showed him the backdated payment that was coming to him.")
    assert conduct_hits(payment) == []
    record = split_sentences("I backdated the note so it looked like I had called on Monday.")
    assert [h.rule.says for h in conduct_hits(record)] == [
        "keeping a problem from the people it affects"
    ]


def test_conduct_whose_cost_the_speaker_calls_fair_is_owned() -> None:
    story = "My weakness is putting off hard talks. A new hire kept using the wrong cost centre. "
    hidden = "I kept quietly fixing them myself. "
    assert conduct_hits(split_sentences(story + hidden))
    owned = "He was upset that nobody had told him. That was fair."
    assert conduct_hits(split_sentences(story + hidden + owned)) == []


def test_nobody_noticing_counts_only_where_there_was_a_problem() -> None:
    hidden = split_sentences("There was an error in the report, but nobody really noticed.")
    assert [h.rule.says for h in conduct_hits(hidden)] == [
        "keeping a problem from the people it affects"
    ]
    assert conduct_hits(split_sentences("Nobody really noticed how hard she worked.")) == []


def test_a_form_that_slows_things_down_counts_only_where_the_answer_is_about_one() -> None:
    skipped = split_sentences(
        "The client should sign a form, but I find that just slows things down."
    )
    assert [h.rule.says for h in conduct_hits(skipped)] == [
        "setting rules aside because they are in the way"
    ]
    assert conduct_hits(split_sentences("Rain just slows things down on site.")) == []


def test_a_rule_called_a_formality_counts_only_where_the_answer_is_about_one() -> None:
    consent = split_sentences("The consent stuff is more of a formality with the younger ones.")
    assert [h.rule.says for h in conduct_hits(consent)] == [
        "setting rules aside because they are in the way"
    ]
    interview = split_sentences("The second interview was more of a formality by then.")
    assert conduct_hits(interview) == []


def test_a_colleagues_absence_used_to_go_around_him_is_conduct() -> None:
    went_around = split_sentences(
        "In the end I just waited until he was on holiday and swapped it out for my approach."
    )
    assert [h.rule.says for h in conduct_hits(went_around)] == [
        "going around someone instead of talking to them"
    ]
    covered = split_sentences("I covered his calls while he was on holiday last summer.")
    assert conduct_hits(covered) == []


def test_a_promise_the_speaker_knew_was_untrue_is_conduct() -> None:
    untrue = split_sentences("I told him it was on the roadmap, which it wasn't really.")
    assert [h.rule.says for h in conduct_hits(untrue)] == [
        "telling people something that was not true"
    ]


def test_anyone_in_a_conduct_phrase_includes_people() -> None:
    said = split_sentences(
        "I remind them of their kids, because that usually snaps people out of it."
    )
    assert [h.rule.says for h in conduct_hits(said)] == ["pressure or shame where help is needed"]


def test_falsified_times_and_credit_left_unsaid_are_conduct() -> None:
    times = split_sentences("I put the times in as if I wrote them on the day so it matches.")
    assert conduct_hits(times)
    credit = split_sentences("I didn't go into the details of who built what in the meeting.")
    assert [h.rule.says for h in conduct_hits(credit)] == [
        "taking the work or the credit from others"
    ]


def test_conduct_the_speaker_calls_a_mistake_in_the_same_breath_is_put_right() -> None:
    owned = split_sentences(
        "At first I just complained about it to my guys, which wasn't great, and then I went "
        "to see his shift."
    )
    assert conduct_hits(owned) == []
    assert conduct_hits(split_sentences("At first I just complained about it to my guys."))


def test_what_someone_else_did_to_the_speaker_is_not_their_conduct() -> None:
    done_to_me = split_sentences("My coach told me in front of everyone that I was lazy.")
    assert conduct_hits(done_to_me) == []
    done_by_me = split_sentences("I'll just tell them in front of everyone that they're done.")
    assert [h.rule.says for h in conduct_hits(done_by_me)] == [
        "pressure or shame where help is needed"
    ]
