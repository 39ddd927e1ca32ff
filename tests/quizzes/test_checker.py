"""Every defect the checker knows about is caught, and its message names the place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from quiz_samples import tiny_quiz_data

from lti_tool.content import ContentError
from lti_tool.content import load
from quizzes.catalogue import SCHEMA_PATH
from quizzes.errors import InvalidContent
from quizzes.model import parse_quiz

Doc = dict[str, Any]


def load_doc(tmp_path: Path, data: Doc) -> Any:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load(path, SCHEMA_PATH, parse_quiz)


def scenes(doc: Doc) -> Doc:
    return doc["scenarios"][0]["scenes"]


def misspell_next(doc: Doc) -> None:
    scenes(doc)["listen"]["choices"][1]["next"] = "lisen"


def misspell_start(doc: Doc) -> None:
    doc["scenarios"][0]["start"] = "begin"


def start_at_an_ending(doc: Doc) -> None:
    doc["scenarios"][0]["start"] = "good"
    scenes(doc)["ask"]["choices"][0]["next"] = "ask"


def add_orphan(doc: Doc) -> None:
    scenes(doc)["orphan"] = {"outcome": "Nobody gets here."}


def add_dead_end(doc: Doc) -> None:
    scenes(doc)["listen"]["choices"][1]["next"] = "stuck"
    scenes(doc)["stuck"] = {"narrative": "Now what?", "choices": []}


def add_loop_without_exit(doc: Doc) -> None:
    scenes(doc)["listen"]["choices"][1]["next"] = "round"
    scenes(doc)["round"] = {
        "narrative": "Round we go.",
        "choices": [{"id": "again", "text": "Again.", "feedback": "Hmm.", "next": "and-round"}],
    }
    scenes(doc)["and-round"] = {
        "narrative": "And round.",
        "choices": [{"id": "back", "text": "Back.", "feedback": "Hmm.", "next": "round"}],
    }


def duplicate_choice_id(doc: Doc) -> None:
    scenes(doc)["listen"]["choices"][1]["id"] = "calm"


def duplicate_scenario_id(doc: Doc) -> None:
    doc["scenarios"].append(doc["scenarios"][0])


def question_reuses_scenario_id(doc: Doc) -> None:
    doc["questions"][2]["id"] = "promise"


def drop_secondary_wording(doc: Doc) -> None:
    scenes(doc)["ask"]["narrative"] = {"primary": "Lily asks you."}


def drop_staff_feedback(doc: Doc) -> None:
    doc["audiences"].append("staff")
    scenes(doc)["ask"]["narrative"]["staff"] = "Jade asks you."
    scenes(doc)["listen"]["choices"][0]["feedback"] = {"primary": "Yes.", "secondary": "Yes."}


def reward_the_risky_path(doc: Doc) -> None:
    doc["settings"]["pass_mark"] = 0.8
    scenes(doc)["retry"]["choices"][1]["points"] = 10


def critical_without_why(doc: Doc) -> None:
    del scenes(doc)["ask"]["why"]


def critical_choice_unmarked(doc: Doc) -> None:
    del scenes(doc)["ask"]["choices"][0]["correct"]


def critical_all_right(doc: Doc) -> None:
    scenes(doc)["ask"]["choices"][0]["correct"] = True


def wrong_scores_more(doc: Doc) -> None:
    scenes(doc)["ask"]["choices"][0]["points"] = 3


def correct_outside_critical(doc: Doc) -> None:
    scenes(doc)["listen"]["choices"][0]["correct"] = True


def ending_with_choices(doc: Doc) -> None:
    scenes(doc)["good"]["choices"] = scenes(doc)["listen"]["choices"]


def two_right_single_choice(doc: Doc) -> None:
    doc["questions"][2]["options"][1]["correct"] = True


def no_points_anywhere(doc: Doc) -> None:
    doc["questions"] = []
    for scene in scenes(doc).values():
        for choice in scene.get("choices", []):
            choice["points"] = 0


DEFECTS: list[tuple[Callable[[Doc], None], str]] = [
    (misspell_next, "scenarios[0].scenes.listen.choices[1].next: 'lisen' is not a scene"),
    (misspell_start, "scenarios[0].start: 'begin' is not a scene"),
    (start_at_an_ending, "scenarios[0].start: the start scene is an ending"),
    (add_orphan, "scenarios[0].scenes.orphan: cannot be reached from the start scene 'ask'"),
    (add_dead_end, "scenarios[0].scenes.stuck: dead end: give this scene choices"),
    (add_loop_without_exit, "scenarios[0].scenes.round: no ending can be reached from here"),
    (duplicate_choice_id, "scenarios[0].scenes.listen.choices[1].id: duplicate id 'calm'"),
    (duplicate_scenario_id, "scenarios[1].id: duplicate id 'promise'"),
    (question_reuses_scenario_id, "questions[2].id: duplicate id 'promise'"),
    (
        drop_secondary_wording,
        "scenarios[0].scenes.ask.narrative: no wording for 'secondary', which this quiz lists",
    ),
    (drop_staff_feedback, "scenarios[0].scenes.listen.choices[0].feedback: no wording for 'staff'"),
    (
        reward_the_risky_path,
        "settings.pass_mark: 0.8 cannot be reached: getting every critical decision right"
        " allows at most 9 of 15 points",
    ),
    (critical_without_why, "scenarios[0].scenes.ask: a critical scene needs 'why'"),
    (critical_choice_unmarked, "scenarios[0].scenes.ask.choices[0]: in a critical scene every"),
    (critical_all_right, "scenarios[0].scenes.ask: a critical scene needs at least one right and"),
    (wrong_scores_more, "scenarios[0].scenes.ask.choices[0].points: a wrong choice in a critical"),
    (correct_outside_critical, "scenarios[0].scenes.listen.choices[0].correct: only choices in a"),
    (ending_with_choices, "scenarios[0].scenes.good: an ending (with an outcome) cannot also"),
    (two_right_single_choice, "questions[2].options: a single-choice question needs exactly one"),
    (no_points_anywhere, "scenarios: nothing in this quiz gives points"),
]


@pytest.mark.parametrize(("defect", "message"), DEFECTS, ids=[d.__name__ for d, _ in DEFECTS])
def test_checker_names_the_file_place_and_problem(tmp_path, defect, message):
    doc = tiny_quiz_data()
    defect(doc)
    with pytest.raises(ContentError) as caught:
        load_doc(tmp_path, doc)
    assert str(caught.value).startswith(f"{tmp_path / 'broken.yaml'}: ")
    assert message in str(caught.value)


def test_unchanged_tiny_quiz_passes_every_check(tmp_path):
    quiz = load_doc(tmp_path, tiny_quiz_data())
    assert quiz.max_score == 9


def test_schema_demands_feedback_on_every_choice(tmp_path):
    doc = tiny_quiz_data()
    del scenes(doc)["listen"]["choices"][1]["feedback"]
    with pytest.raises(ContentError, match=r"choices\[1\]: missing field: 'feedback'"):
        load_doc(tmp_path, doc)


def test_parse_alone_also_demands_feedback():
    doc = tiny_quiz_data()
    del scenes(doc)["listen"]["choices"][1]["feedback"]
    with pytest.raises(InvalidContent) as caught:
        parse_quiz(doc)
    assert caught.value.location == "scenarios[0].scenes.listen.choices[1]"
    assert caught.value.message == "missing field: 'feedback'"


def test_schema_rejects_unknown_fields_and_bad_ids(tmp_path):
    doc = tiny_quiz_data()
    scenes(doc)["listen"]["choices"][0]["colour"] = "red"
    with pytest.raises(ContentError, match="unknown field: 'colour'"):
        load_doc(tmp_path, doc)
    doc = tiny_quiz_data()
    doc["scenarios"][0]["id"] = "Promise Me"
    with pytest.raises(ContentError, match=r"scenarios\[0\]\.id: 'Promise Me' does not match"):
        load_doc(tmp_path, doc)


def test_loop_with_an_exit_is_allowed_and_scores_its_best_walk():
    quiz = parse_quiz(tiny_quiz_data())
    assert quiz.scenarios[0].max_points == 4


def test_best_walk_counts_each_scene_once_even_through_loops():
    # a1 (5) -> b; b1 (5) -> a again; then a2 -> end: the walk a, b, a scores 10, which no
    # loop-free path does.
    doc = tiny_quiz_data()
    doc["questions"] = []
    doc["scenarios"][0]["start"] = "a"
    doc["scenarios"][0]["scenes"] = {
        "a": {
            "narrative": "A.",
            "choices": [
                {"id": "a1", "text": "To b.", "feedback": "OK.", "points": 5, "next": "b"},
                {"id": "a2", "text": "End.", "feedback": "OK.", "next": "end"},
            ],
        },
        "b": {
            "narrative": "B.",
            "choices": [
                {"id": "b1", "text": "Back to a.", "feedback": "OK.", "points": 5, "next": "a"},
                {"id": "b2", "text": "End.", "feedback": "OK.", "next": "end"},
            ],
        },
        "end": {"outcome": "Done."},
    }
    assert parse_quiz(doc).scenarios[0].max_points == 10
