"""Every shipped quiz loads through the shared loader, passes every check, covers the syllabus."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import textstat

from lti_tool.content import load
from quizzes.catalogue import SCHEMA_PATH
from quizzes.catalogue import parse_quiz
from quizzes.catalogue import quiz_files
from quizzes.model import Audience
from quizzes.model import Question
from quizzes.model import Quiz
from quizzes.model import Scenario
from quizzes.model import Wording

FILES = quiz_files()

# Each topic the training must cover, and the shipped scenario that covers it.
TOPICS = {
    "a disclosure with a request for secrecy": "promise-not-to-tell",
    "a hint of self-harm": "hint-of-self-harm",
    "a bullying disclosure": "bullying-in-the-toilets",
    "online risk": "stranger-online",
    "social-media contact outside school": "friend-request",
    "a gift": "a-gift",
    "a request to meet outside school": "meet-outside-school",
    "a friend as mentee": "friend-as-mentee",
    "a mentee who is a sibling's friend": "siblings-friend",
    "a mentor out of their depth": "out-of-my-depth",
    "sharing information with friends": "friends-ask-what-was-said",
    "recording and reporting to the right adult": "writing-it-down",
}

# Flesch-Kincaid grade ceilings. Grade 5.5 is roughly a UK Year 6 reader (age 10-11), so primary
# wording suits the 8-11 range; grade 9 is roughly Year 10 (age 14-15), a fair ceiling for
# 11-18. Staff wording is for adults and is not held to a ceiling.
MAX_GRADE: dict[Audience, float] = {"primary": 5.5, "secondary": 9.0}


@cache
def load_quiz(path: Path) -> Quiz:
    return load(path, SCHEMA_PATH, parse_quiz)


def all_quizzes() -> list[Quiz]:
    return [load_quiz(path) for path in FILES]


def wordings(activity: Scenario | Question) -> Iterator[tuple[str, Wording]]:
    """Every learner-facing text in a scenario or question, with where it is."""
    yield "title", activity.title
    if isinstance(activity, Scenario):
        for scene in activity.scenes:
            for name in ("narrative", "outcome", "why"):
                if (wording := getattr(scene, name)) is not None:
                    yield f"{scene.id}.{name}", wording
            for choice in scene.choices:
                yield f"{scene.id}.{choice.id}.text", choice.text
                yield f"{scene.id}.{choice.id}.feedback", choice.feedback
    else:
        yield "prompt", activity.prompt
        for name in ("feedback", "why"):
            if (wording := getattr(activity, name)) is not None:
                yield name, wording
        for option in activity.options:
            yield f"{option.id}.text", option.text
            if option.feedback is not None:
                yield f"{option.id}.feedback", option.feedback


def as_prose(texts: list[str]) -> str:
    # Choices such as "Keep quiet" have no full stop; add one so each counts as a sentence.
    return " ".join(t if t.rstrip()[-1] in ".?!'\"" else f"{t}." for t in texts)


def test_there_are_at_least_four_quizzes_including_the_refresher():
    assert {"confidentiality", "boundaries", "safeguarding-disclosures", "refresher"} <= {
        path.stem for path in FILES
    }


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_shipped_quiz_loads_and_passes_every_check(path):
    quiz = load_quiz(path)
    assert quiz.id == path.stem
    assert quiz.scenarios
    assert quiz.max_score > 0


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_listed_audience_has_its_own_wording(path):
    quiz = load_quiz(path)
    for activity in quiz.activities:
        for where, wording in wordings(activity):
            for audience in quiz.audiences:
                assert wording.covers(audience), f"{activity.id}.{where} has no {audience} wording"
                assert wording.for_audience(audience).strip()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_pupil_quizzes_speak_differently_to_primary_and_secondary(path):
    quiz = load_quiz(path)
    if not {"primary", "secondary"} <= set(quiz.audiences):
        pytest.skip("written for one pupil audience")
    for scenario in quiz.scenarios:
        start = scenario.scene(scenario.start).narrative
        assert start is not None
        assert start.for_audience("primary") != start.for_audience("secondary"), scenario.id


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_scenario_names_its_guidance_and_has_a_critical_decision(path):
    for scenario in load_quiz(path).scenarios:
        assert scenario.guidance, scenario.id
        assert any(scene.critical for scene in scenario.scenes), scenario.id


def test_shipped_scenarios_cover_every_topic():
    scenario_ids = {
        s.id for quiz in all_quizzes() if quiz.id != "refresher" for s in quiz.scenarios
    }
    assert len(scenario_ids) >= 12
    missing = {topic for topic, scenario in TOPICS.items() if scenario not in scenario_ids}
    assert not missing


def test_shipped_questions_include_ordering_and_multiple_response():
    kinds = {q.kind for quiz in all_quizzes() for q in quiz.questions}
    assert {"ordering", "multiple-response", "single-choice"} <= kinds


def test_a_staff_variant_exists():
    assert any("staff" in quiz.audiences for quiz in all_quizzes())


def test_activity_ids_are_unique_across_all_quizzes():
    # xAPI activity IRIs are built from these ids, so the refresher must not reuse the others'.
    ids = [a.id for quiz in all_quizzes() for a in quiz.activities]
    assert len(ids) == len(set(ids))


def test_readability_guard_itself_tells_easy_from_hard_text():
    easy = "Tell a grown-up. Do it now. They can help."
    hard = (
        "Safeguarding responsibilities necessitate immediate communication with the designated"
        " safeguarding lead, notwithstanding any undertaking regarding confidentiality."
    )
    assert textstat.flesch_kincaid_grade(easy) < 3 < 12 < textstat.flesch_kincaid_grade(hard)


READABILITY_CASES = [
    (quiz.id, activity.id, audience)
    for quiz in all_quizzes()
    for activity in quiz.activities
    for audience in quiz.audiences
    if audience in MAX_GRADE
]


@pytest.mark.parametrize(("quiz_id", "activity_id", "audience"), READABILITY_CASES)
def test_wording_reads_at_the_audiences_level(quiz_id, activity_id, audience):
    quiz = next(q for q in all_quizzes() if q.id == quiz_id)
    activity = next(a for a in quiz.activities if a.id == activity_id)
    prose = as_prose([wording.for_audience(audience) for _, wording in wordings(activity)])
    grade = textstat.flesch_kincaid_grade(prose)
    assert grade <= MAX_GRADE[audience], f"{activity_id} reads at grade {grade} for {audience}"
