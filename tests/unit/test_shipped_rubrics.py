"""The shipped question banks are valid, complete, original and usable by the scorer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from voicemock.core.rubric_schema import Competency, Question, QuestionBank

REPO_ROOT = Path(__file__).resolve().parents[2]
RUBRICS_DIR = REPO_ROOT / "rubrics"
SEED_DIR = REPO_ROOT.parent / "shared" / "seed"
RUBRIC_FILES = sorted(p for p in RUBRICS_DIR.iterdir() if p.suffix in {".yaml", ".yml"})

SEED_QUESTION = (
    "How do you handle resistance or pushback from clients during the treatment process?"
)
SEED_LABELS = [
    "Empathy",
    "Communication skills",
    "Problem-solving",
    "Patient confidentiality",
    "Ability to work with diverse client populations",
]
SEED_IDS = ["empathy", "communication", "problem_solving", "confidentiality", "diversity"]

# Past forms that do not end in -ed; enough for the verbs story sentences actually use.
# fmt: off
IRREGULAR_PAST = frozenset({
    "told", "said", "made", "gave", "took", "kept", "went", "brought", "found", "felt", "thought",
    "spoke", "wrote", "sent", "let", "set", "got", "put", "ran", "began", "led", "chose", "saw",
    "knew", "came", "left", "held", "heard", "understood", "taught", "built", "spent", "stood",
    "sought", "paid", "met", "sat", "did", "had", "was", "were", "lost", "won", "cut", "drew",
    "rose", "fell", "grew",
})
# Present-tense words that happen to end in -ed.
NOT_PAST = frozenset({
    "need", "feed", "proceed", "succeed", "exceed", "seed", "bleed", "speed", "indeed", "breed",
    "heed", "embed",
})
# fmt: on
MIN_SEED_SENTENCE_WORDS = 8


def _load_bank(path: Path) -> QuestionBank:
    return QuestionBank.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def banks() -> dict[str, QuestionBank]:
    """Every shipped bank, keyed by file stem."""
    return {path.stem: _load_bank(path) for path in RUBRIC_FILES}


@pytest.fixture(scope="module")
def embedder() -> Any:
    """The sentence-embedding model the scorer uses by default."""
    from voicemock.core.embeddings import embedder_unavailable_reason, get_embedder

    loaded = get_embedder()
    assert loaded is not None, embedder_unavailable_reason()
    return loaded


def _all_questions(banks: dict[str, QuestionBank]) -> Iterator[Question]:
    for bank in banks.values():
        yield from bank.questions


def _normalise(text: str) -> str:
    """Lower-case, punctuation to spaces, whitespace collapsed, so re-wrapping hides nothing."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _is_first_person_past(sentence: str) -> bool:
    """A story sentence: 'I' followed within three words by a past-tense verb."""
    tokens = re.findall(r"[A-Za-z'-]+", sentence)
    for index, token in enumerate(tokens):
        if token != "I":
            continue
        for word in (t.lower() for t in tokens[index + 1 : index + 4]):
            if word in IRREGULAR_PAST:
                return True
            if word.endswith("ed") and len(word) > 3 and word not in NOT_PAST:
                return True
    return False


def _mentions_any(text: str, phrases: list[str]) -> bool:
    haystack = f" {_normalise(text)} "
    return any(f" {_normalise(p)} " in haystack for p in phrases)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys, which plain YAML silently overwrites."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def test_rubric_directory_ships_both_banks() -> None:
    assert {p.name for p in RUBRIC_FILES} >= {"substance_abuse_counselor.yaml", "behavioral.yaml"}


@pytest.mark.parametrize("path", RUBRIC_FILES, ids=lambda p: p.name)
def test_file_parses_and_validates_against_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bank = QuestionBank.model_validate(data)
    assert bank.questions


@pytest.mark.parametrize("path", RUBRIC_FILES, ids=lambda p: p.name)
def test_file_has_no_duplicate_keys(path: Path) -> None:
    yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)


def test_bank_ids_and_question_counts(banks: dict[str, QuestionBank]) -> None:
    counselor = banks["substance_abuse_counselor"]
    behavioral = banks["behavioral"]
    assert counselor.bank.id == "substance-abuse-counselor"
    assert behavioral.bank.id == "behavioral"
    assert len(counselor.questions) >= 11
    assert len(behavioral.questions) >= 10
    assert all(q.role == "Substance abuse counselor" for q in counselor.questions)
    assert all(q.role == "Any role" for q in behavioral.questions)


def test_seed_question_comes_first_with_its_five_competencies(
    banks: dict[str, QuestionBank],
) -> None:
    first = banks["substance_abuse_counselor"].questions[0]
    assert first.id == "sac-client-resistance"
    assert first.text == SEED_QUESTION
    assert first.level == "junior"
    assert [c.label for c in first.competencies] == SEED_LABELS
    assert [c.id for c in first.competencies] == SEED_IDS


def test_ids_are_unique_across_banks(banks: dict[str, QuestionBank]) -> None:
    bank_ids = [b.bank.id for b in banks.values()]
    question_ids = [q.id for q in _all_questions(banks)]
    assert len(set(bank_ids)) == len(bank_ids)
    duplicates = sorted({i for i in question_ids if question_ids.count(i) > 1})
    assert duplicates == []


def test_every_competency_has_story_exemplars(banks: dict[str, QuestionBank]) -> None:
    # The scorer matches story sentences poorly against generic exemplars, so each
    # competency needs several exemplars told as a first-person past action.
    weak = [
        f"{q.id}/{c.id}"
        for q in _all_questions(banks)
        for c in q.competencies
        if sum(_is_first_person_past(e) for e in c.exemplars) < 3
    ]
    assert weak == []


def test_story_heuristic_tells_stories_from_statements() -> None:
    assert _is_first_person_past("When she pushed back, I asked what worried her.")
    assert _is_first_person_past("I told him the plan could change.")
    assert not _is_first_person_past("I ask open questions and listen.")
    assert not _is_first_person_past("I need to check understanding first.")
    assert not _is_first_person_past("We agreed on a goal.")


def _check_shape(question: Question, competency: Competency) -> list[str]:
    where = f"{question.id}/{competency.id}"
    problems = []
    if not 4 <= len(competency.indicators) <= 8:
        problems.append(f"{where}: {len(competency.indicators)} indicator groups")
    problems += [
        f"{where}: group {g.meaning!r} has {len(g.phrases)} phrases"
        for g in competency.indicators
        if not 3 <= len(g.phrases) <= 8
    ]
    if not 4 <= len(competency.depth) <= 8:
        problems.append(f"{where}: {len(competency.depth)} depth concepts")
    if not 3 <= len(competency.red_flags) <= 10:
        problems.append(f"{where}: {len(competency.red_flags)} red flags")
    if not 4 <= len(competency.harms) <= 10:
        problems.append(f"{where}: {len(competency.harms)} harms")
    if not 5 <= len(competency.exemplars) <= 8:
        problems.append(f"{where}: {len(competency.exemplars)} exemplars")
    if not competency.next_step:
        problems.append(f"{where}: no next_step")
    return problems


def test_competencies_have_the_authored_shape(banks: dict[str, QuestionBank]) -> None:
    problems = [
        p for q in _all_questions(banks) for c in q.competencies for p in _check_shape(q, c)
    ]
    assert problems == []


def test_questions_have_the_authored_shape(banks: dict[str, QuestionBank]) -> None:
    problems = []
    for q in _all_questions(banks):
        if not 3 <= len(q.competencies) <= 5:
            problems.append(f"{q.id}: {len(q.competencies)} competencies")
        if [c.weight for c in q.competencies].count(max(c.weight for c in q.competencies)) != 1:
            problems.append(f"{q.id}: no single most central competency")
        if [m.level for m in q.model_answers] != ["basic", "solid", "strong"]:
            problems.append(f"{q.id}: model answers are not basic, solid, strong")
        if any(not m.strengths or not m.gaps for m in q.model_answers):
            problems.append(f"{q.id}: a model answer lacks strengths or gaps")
        if not 4 <= len(q.tips) <= 6:
            problems.append(f"{q.id}: {len(q.tips)} tips")
        if not q.tags:
            problems.append(f"{q.id}: no tags")
    assert problems == []


def test_model_answers_rise_in_length(banks: dict[str, QuestionBank]) -> None:
    falling = []
    for q in _all_questions(banks):
        counts = [len(m.text.split()) for m in q.model_answers]
        if not counts[0] < counts[1] < counts[2] or counts[2] < 150:
            falling.append(f"{q.id}: {counts}")
    assert falling == []


def test_strong_answer_reaches_depth_on_every_competency(
    banks: dict[str, QuestionBank],
) -> None:
    problems = []
    for q in _all_questions(banks):
        basic, _, strong = q.model_answers
        missing = [c.id for c in q.competencies if not _mentions_any(strong.text, c.depth)]
        if missing:
            problems.append(f"{q.id}: strong answer has no depth concept for {missing}")
        basic_hits = sum(_mentions_any(basic.text, c.depth) for c in q.competencies)
        strong_hits = len(q.competencies) - len(missing)
        if basic_hits >= strong_hits:
            problems.append(f"{q.id}: basic depth {basic_hits} >= strong depth {strong_hits}")
    assert problems == []


def test_strong_answer_tells_a_story_and_basic_does_not(banks: dict[str, QuestionBank]) -> None:
    problems = []
    for q in _all_questions(banks):
        basic, _, strong = q.model_answers
        strong_story = sum(_is_first_person_past(s) for s in _sentences(strong.text))
        basic_story = sum(_is_first_person_past(s) for s in _sentences(basic.text))
        if strong_story < 3 or basic_story >= strong_story:
            problems.append(f"{q.id}: story sentences basic={basic_story} strong={strong_story}")
    assert problems == []


def test_model_answers_and_exemplars_contain_no_red_flags(
    banks: dict[str, QuestionBank],
) -> None:
    # A red flag inside good example text would teach the scorer to punish good answers.
    hits = []
    for q in _all_questions(banks):
        flags = [f for c in q.competencies for f in c.red_flags]
        texts = [m.text for m in q.model_answers]
        texts += [e for c in q.competencies for e in c.exemplars]
        texts += [p for c in q.competencies for g in c.indicators for p in g.phrases]
        hits += [f"{q.id}: {f!r}" for f in flags for t in texts if _mentions_any(t, [f])]
    assert hits == []


def _seed_sentences() -> list[str]:
    pages = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not pages:
        pytest.skip(f"no seed pages in {SEED_DIR}")
    sentences = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        question = text.strip().splitlines()[0].strip()
        for sentence in _sentences(text.replace("•", "\n")):
            # The page's own question is the one sentence a bank is meant to quote.
            if sentence == question:
                continue
            if len(_normalise(sentence).split()) >= MIN_SEED_SENTENCE_WORDS:
                sentences.append(sentence)
    return sentences


def _copied_sentences(raw_yaml: str, seed: list[str]) -> list[str]:
    """Seed sentences found in a rubric file's raw text or in any of its parsed strings."""
    parsed = yaml.safe_load(raw_yaml)
    corpus = " | ".join([_normalise(raw_yaml), *(_normalise(s) for s in _strings(parsed))])
    return [s for s in seed if _normalise(s) in corpus]


@pytest.mark.parametrize("path", RUBRIC_FILES, ids=lambda p: p.name)
def test_no_seed_sentence_is_copied(path: Path) -> None:
    seed = _seed_sentences()
    assert len(seed) >= 10, "the seed pages should yield sentences to compare against"
    assert _copied_sentences(path.read_text(encoding="utf-8"), seed) == []


def test_seed_check_catches_a_rewrapped_copy() -> None:
    seed = _seed_sentences()
    sentence = max(seed, key=len)
    words = sentence.upper().split()
    folded = " ".join(words[:6]) + "\n      " + " ".join(words[6:])
    raw = f"exemplars:\n  - >-\n      {folded}\n  - An original sentence.\n"
    assert _copied_sentences(raw, seed) == [sentence]


def test_lexical_scorer_ranks_model_answers_and_flags_none(
    banks: dict[str, QuestionBank],
) -> None:
    # End to end with the real scorer (lexical signals only, so no model is loaded): the
    # written quality ladder must be the one the scorer sees, and good practice described in
    # a model answer must never read as contrary evidence.
    from voicemock.core.models import ScoreReport, Transcript
    from voicemock.core.scoring import LEVEL_POINTS, score_answer

    def competency_part(report: ScoreReport) -> float:
        weights = sum(c.weight for c in report.competencies)
        return sum(c.score * c.weight for c in report.competencies) / weights

    problems = []
    for q in _all_questions(banks):
        assert [m.level for m in q.model_answers] == ["basic", "solid", "strong"]
        reports = [
            score_answer(Transcript.from_text(m.text), q, use_embeddings=False)
            for m in q.model_answers
        ]
        overall = [r.overall for r in reports]
        # Overall blends in how well the example is told, and a solid answer with a tidy
        # story can reach the top too: basic stays below both. What the answer shows of the
        # competencies does not fall from solid to strong (by more than one level of one
        # competency, as lexical signals alone miss some of a story's wording).
        if not overall[0] < overall[2] or not overall[0] <= overall[1]:
            problems.append(f"{q.id}: basic, solid, strong scored {overall}")
        part = [competency_part(r) for r in reports]
        if not part[1] <= part[2] + LEVEL_POINTS * 1.5 / len(reports[0].competencies):
            problems.append(f"{q.id}: competencies of solid, strong scored {part}")
        problems += [
            f"{q.id}/{m.level}/{c.competency_id}: {'; '.join(c.flag_reasons)}"
            for m, r in zip(q.model_answers, reports, strict=True)
            for c in r.competencies
            if c.flagged
        ]
        # The only gate a model answer may meet: a basic answer to a "tell me about a time"
        # question that tells no specific time.
        allowed = {"no_example"} if q.asks_for_example else set()
        problems += [
            f"{q.id}/{m.level}: gated {r.gates}"
            for m, r in zip(q.model_answers, reports, strict=True)
            if set(r.gates) - (allowed if m.level == "basic" else set())
        ]
    assert problems == []


# --- Evidence on the seed question, end to end with the lexical scorer -------------------------


def _seed_question(banks: dict[str, QuestionBank], question_id: str) -> Question:
    return next(q for q in banks["substance_abuse_counselor"].questions if q.id == question_id)


def _competency(text: str, question: Question, competency_id: str) -> Any:
    from voicemock.core.models import Transcript
    from voicemock.core.scoring import score_answer

    report = score_answer(Transcript.from_text(text), question, use_embeddings=False)
    return next(c for c in report.competencies if c.competency_id == competency_id)


@pytest.mark.parametrize(
    ("sentence", "cultural"),
    [
        ("Two years ago I worked at a community clinic in the city.", False),
        ("I asked what recovery meant in her community.", True),
        ("We talked about the client's community and what it expects of him.", True),
        # "background" after the speakers' own verb of doing describes it too.
        ("We talked about his background and the client's community.", True),
    ],
)
def test_a_community_clinic_names_no_cultural_factor(
    banks: dict[str, QuestionBank], sentence: str, cultural: bool
) -> None:
    question = _seed_question(banks, "sac-client-resistance")
    diversity = _competency(sentence, question, "diversity")
    reasons = [e.reason for e in diversity.evidence if e.kind == "indicator"]
    assert any("(naming cultural factors)" in r for r in reasons) is cultural, reasons


def test_own_action_quotes_the_clause_holding_the_matched_phrase(
    banks: dict[str, QuestionBank],
) -> None:
    question = _seed_question(banks, "sac-client-resistance")
    text = (
        "Last spring a client told me the group was pointless. We set a time to meet the next "
        "day, and I asked him what he wanted from treatment."
    )
    communication = _competency(text, question, "communication")
    actions = [e.matched for e in communication.evidence if e.kind == "own_action"]
    assert actions == ["I asked him what he wanted from treatment"]


def test_any_question_is_not_asking_about_culture(banks: dict[str, QuestionBank]) -> None:
    question = _seed_question(banks, "sac-client-resistance")
    text = "Last month I asked him what he wanted to get out of treatment."
    assert _competency(text, question, "diversity").level == 0
    text = "Last month I asked about her background instead of assuming what she needed."
    assert _competency(text, question, "diversity").level >= 2


@pytest.mark.parametrize("question_id", ["sac-client-resistance", "sac-family-involvement"])
@pytest.mark.parametrize(
    ("sentence", "flagged"),
    [
        ("When a client is late, I share what they tell me with their employer.", True),
        ("If they relapse, I tell their employer so work can keep an eye on them.", True),
        ("Last year I kept what he told me private, even from his employer.", False),
        ("She worried her employer would find out, so we went through what stays private.", False),
    ],
)
def test_sharing_with_an_employer_breaks_confidentiality(
    banks: dict[str, QuestionBank], question_id: str, sentence: str, flagged: bool
) -> None:
    question = _seed_question(banks, question_id)
    confidentiality = _competency(sentence, question, "confidentiality")
    assert confidentiality.flagged is flagged, confidentiality.flag_reasons
    if flagged:
        assert confidentiality.level == 0
        (flag,) = [e for e in confidentiality.evidence if e.kind == "red_flag"]
        assert flag.matched and flag.matched in sentence


def test_demo_answer_levels_follow_what_it_shows(
    banks: dict[str, QuestionBank], embedder: Any
) -> None:
    from voicemock.commands.demo import DEMO_ANSWER
    from voicemock.core.models import Transcript
    from voicemock.core.scoring import score_answer

    question = _seed_question(banks, "sac-client-resistance")
    report = score_answer(Transcript.from_text(DEMO_ANSWER), question, use_embeddings=False)
    levels = {c.competency_id: c.level for c in report.competencies}
    # The demo never mentions the client's background or culture: one open question is not
    # "asking rather than assuming".
    assert levels["diversity"] == 0
    # Lexically, the single word "private" only names confidentiality ...
    assert levels["confidentiality"] == 1
    assert not any(c.flagged for c in report.competencies)
    # ... by meaning, what the speaker did about it shows it, in their own example.
    with_model = score_answer(Transcript.from_text(DEMO_ANSWER), question, embedder=embedder)
    confidentiality = next(
        c for c in with_model.competencies if c.competency_id == "confidentiality"
    )
    assert confidentiality.level >= 3
    shown = [
        e
        for e in confidentiality.evidence
        if e.reason.startswith("shown in your own example: keeping what they say private")
    ]
    assert shown and "I kept what he told me private" in shown[0].sentence
    assert any(e.kind == "own_action" for e in confidentiality.evidence)
    assert not any(c.flagged for c in with_model.competencies)


def test_demo_own_action_quotes_the_clause_that_shows_it(
    banks: dict[str, QuestionBank], embedder: Any
) -> None:
    from voicemock.commands.demo import DEMO_ANSWER
    from voicemock.core.models import Transcript
    from voicemock.core.scoring import score_answer

    question = _seed_question(banks, "sac-client-resistance")
    report = score_answer(Transcript.from_text(DEMO_ANSWER), question, embedder=embedder)
    confidentiality = next(c for c in report.competencies if c.competency_id == "confidentiality")
    actions = [e.matched for e in confidentiality.evidence if e.kind == "own_action"]
    assert actions == ["I kept what he told me private"]
