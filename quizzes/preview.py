"""A trainer's map of a quiz: every scene, every choice with its feedback, points and next scene.

Pure: it reads the content and resolves wording for one audience; it records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizzes.model import Audience
from quizzes.model import Quiz
from quizzes.model import Scenario
from quizzes.model import Wording


@dataclass(frozen=True)
class ChoiceMap:
    """One choice: its text, feedback and points, whether it is right, and where it leads."""

    id: str
    text: str
    feedback: str
    points: float
    is_right: bool
    leads_to: str
    leads_to_ending: bool


@dataclass(frozen=True)
class SceneMap:
    """A decision (with choices) or an ending (with an outcome)."""

    id: str
    narrative: str
    critical: bool
    why: str
    choices: tuple[ChoiceMap, ...]
    outcome: str
    is_start: bool


@dataclass(frozen=True)
class ScenarioMap:
    id: str
    title: str
    guidance: tuple[str, ...]
    max_points: int
    scenes: tuple[SceneMap, ...]


@dataclass(frozen=True)
class QuestionMap:
    """A question with every option marked right or not (ordering: steps in the right order)."""

    id: str
    kind: str
    title: str
    prompt: str
    points: int
    critical: bool
    why: str
    feedback: str
    options: tuple[ChoiceMap, ...]


@dataclass(frozen=True)
class QuizMap:
    scenarios: tuple[ScenarioMap, ...]
    questions: tuple[QuestionMap, ...]


def quiz_map(quiz: Quiz, audience: Audience) -> QuizMap:
    """Every branch of ``quiz`` as ``audience`` would read it, in the author's order."""
    return QuizMap(
        scenarios=tuple(_scenario(s, audience) for s in quiz.scenarios),
        questions=tuple(
            QuestionMap(
                id=q.id,
                kind=q.kind,
                title=q.title.for_audience(audience),
                prompt=q.prompt.for_audience(audience),
                points=q.points,
                critical=q.critical,
                why=_text(q.why, audience),
                feedback=_text(q.feedback, audience),
                options=tuple(
                    ChoiceMap(
                        id=o.id,
                        text=o.text.for_audience(audience),
                        feedback=_text(o.feedback, audience),
                        points=0,
                        is_right=o.correct or q.kind == "ordering",
                        leads_to="",
                        leads_to_ending=False,
                    )
                    for o in q.options
                ),
            )
            for q in quiz.questions
        ),
    )


def _scenario(scenario: Scenario, audience: Audience) -> ScenarioMap:
    return ScenarioMap(
        id=scenario.id,
        title=scenario.title.for_audience(audience),
        guidance=scenario.guidance,
        max_points=scenario.max_points,
        scenes=tuple(
            SceneMap(
                id=scene.id,
                narrative=_text(scene.narrative, audience),
                critical=scene.critical,
                why=_text(scene.why, audience),
                choices=tuple(
                    ChoiceMap(
                        id=c.id,
                        text=c.text.for_audience(audience),
                        feedback=c.feedback.for_audience(audience),
                        points=c.points,
                        is_right=scene.is_right(c),
                        leads_to=c.next,
                        leads_to_ending=scenario.scene(c.next).is_end,
                    )
                    for c in scene.choices
                ),
                outcome=_text(scene.outcome, audience),
                is_start=scene.id == scenario.start,
            )
            for scene in scenario.scenes
        ),
    )


def _text(wording: Wording | None, audience: Audience) -> str:
    return wording.for_audience(audience) if wording else ""
