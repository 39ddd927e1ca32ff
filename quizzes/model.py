"""Quiz content as frozen dataclasses, and ``parse_quiz`` which builds them and checks them.

``parse_quiz`` expects data that already passed ``scenario.schema.json`` (``lti_tool.content.load``
does that first). It checks what the schema cannot and raises ``InvalidContent(location, message)``
with a location such as ``scenarios[2].scenes.ask.choices[1].next``.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any
from typing import Final
from typing import Literal
from typing import TypeAlias
from typing import cast

from quizzes import checks
from quizzes.errors import InvalidContent

Audience: TypeAlias = Literal["primary", "secondary", "staff"]
GradingMethod: TypeAlias = Literal["highest", "last", "first"]
AUDIENCES: Final[tuple[Audience, ...]] = ("primary", "secondary", "staff")

# When a text has no wording for an audience, use the nearest one. Pupils fall back to the other
# pupils' wording before the staff wording, because staff wording speaks to adults.
FALLBACK: Final[Mapping[Audience, tuple[Audience, ...]]] = {
    "primary": ("primary", "secondary", "staff"),
    "secondary": ("secondary", "primary", "staff"),
    "staff": ("staff", "secondary", "primary"),
}


@dataclass(frozen=True)
class Wording:
    """Learner-facing text: one text for everyone (``plain``), or one per audience."""

    plain: str | None = None
    variants: tuple[tuple[Audience, str], ...] = ()

    def for_audience(self, audience: Audience) -> str:
        """The text for ``audience``, falling back along ``FALLBACK`` when it has none."""
        if self.plain is not None:
            return self.plain
        texts = dict(self.variants)
        for candidate in FALLBACK[audience]:
            if candidate in texts:
                return texts[candidate]
        return ""

    def covers(self, audience: Audience) -> bool:
        """Whether the author wrote text meant for ``audience`` (not a fallback)."""
        return self.plain is not None or audience in dict(self.variants)


@dataclass(frozen=True)
class Media:
    """An image, or a short captioned video; paths are relative to the quiz's media folder."""

    src: str
    alt: Wording
    captions: str | None = None
    seconds: int | None = None


@dataclass(frozen=True)
class Choice:
    """One option in a scene. ``correct`` is set only in critical scenes."""

    id: str
    text: Wording
    feedback: Wording
    next: str
    points: int = 0
    correct: bool | None = None


@dataclass(frozen=True)
class Scene:
    """A decision (narrative and choices) or an ending (an outcome and no choices).

    A critical scene is a safeguarding decision: each of its choices is marked right or wrong for
    the rule explained in ``why``, and one wrong answer fails the quiz whatever the score.
    """

    id: str
    narrative: Wording | None
    choices: tuple[Choice, ...] = ()
    outcome: Wording | None = None
    image: Media | None = None
    video: Media | None = None
    critical: bool = False
    why: Wording | None = None

    @property
    def is_end(self) -> bool:
        """Whether this scene ends its scenario."""
        return self.outcome is not None

    @property
    def best_points(self) -> int:
        """The most points any choice here gives (0 for an ending)."""
        return max((choice.points for choice in self.choices), default=0)

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with ``choice_id``, or None."""
        return next((choice for choice in self.choices if choice.id == choice_id), None)

    def is_right(self, choice: Choice) -> bool:
        """Critical scenes: the author's mark. Others: whether the choice is worth the most."""
        if self.critical:
            return bool(choice.correct)
        return choice.points == self.best_points


@dataclass(frozen=True)
class Scenario:
    """A branching story: walk from ``start`` through decisions to an ending."""

    id: str
    title: Wording
    guidance: tuple[str, ...]
    start: str
    scenes: tuple[Scene, ...]
    max_points: int = 0
    """Most points a learner can collect here (points count at a scene's first answer only)."""

    def scene(self, scene_id: str) -> Scene:
        """The scene with ``scene_id``; KeyError if there is none."""
        for scene in self.scenes:
            if scene.id == scene_id:
                return scene
        raise KeyError(scene_id)


@dataclass(frozen=True)
class Option:
    """An option of a single-choice or multiple-response question, or a step to put in order."""

    id: str
    text: Wording
    correct: bool = False
    feedback: Wording | None = None


@dataclass(frozen=True)
class Question:
    """A standard item shown after the scenarios.

    ``kind`` is ``single-choice`` (one right option), ``multiple-response`` (tick all that apply,
    scored per option) or ``ordering`` (``options`` are steps listed in the right order). See
    ``quizzes.scoring`` for the partial-credit rules. A critical question counts as right only
    when answered fully right.
    """

    id: str
    kind: Literal["single-choice", "multiple-response", "ordering"]
    title: Wording
    prompt: Wording
    options: tuple[Option, ...]
    points: int = 1
    guidance: tuple[str, ...] = ()
    feedback: Wording | None = None
    image: Media | None = None
    critical: bool = False
    why: Wording | None = None

    def option(self, option_id: str) -> Option | None:
        """The option with ``option_id``, or None."""
        return next((option for option in self.options if option.id == option_id), None)


Activity: TypeAlias = Scenario | Question


@dataclass(frozen=True)
class Settings:
    """Pass mark (0 to 1), attempts allowed (0 = unlimited), grading method and shuffling."""

    pass_mark: float = 0.8
    attempts_allowed: int = 0
    grading_method: GradingMethod = "highest"
    shuffle: bool = True


@dataclass(frozen=True)
class Quiz:
    """One quiz file: scenarios first, then standard questions, in the author's order."""

    id: str
    title: Wording
    description: Wording
    audiences: tuple[Audience, ...]
    settings: Settings = field(default_factory=Settings)
    scenarios: tuple[Scenario, ...] = ()
    questions: tuple[Question, ...] = ()

    @property
    def activities(self) -> tuple[Activity, ...]:
        """Everything the learner works through, in order."""
        return (*self.scenarios, *self.questions)

    @property
    def max_score(self) -> int:
        """The denominator of the scaled score."""
        return sum(s.max_points for s in self.scenarios) + sum(q.points for q in self.questions)


def parse_quiz(data: Any) -> Quiz:
    """Build a Quiz from schema-valid data and check what the schema cannot see.

    Raises InvalidContent for: duplicate ids; a ``next`` or ``start`` naming no scene; a scene
    that cannot be reached from the start; a dead end (no choices and no outcome); a scene from
    which no ending can be reached (a loop with no exit); a critical decision without a right and
    a wrong choice, or whose right choice scores less than a wrong one; an audience with no
    wording; a pass mark that a learner who gets every critical decision right cannot reach.
    """
    return _Parser(data).quiz()


class _Parser:
    def __init__(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise InvalidContent("", "a quiz file must be a mapping of fields")
        self.data: Mapping[str, Any] = data
        audiences = _get(data, "audiences", "")
        self.audiences = cast(tuple[Audience, ...], tuple(audiences))
        unknown = [a for a in self.audiences if a not in AUDIENCES]
        if unknown or not self.audiences:
            raise InvalidContent("audiences", f"choose from {', '.join(AUDIENCES)}")

    def quiz(self) -> Quiz:
        data = self.data
        settings_data = data.get("settings") or {}
        settings = Settings(
            pass_mark=float(settings_data.get("pass_mark", 0.8)),
            attempts_allowed=int(settings_data.get("attempts_allowed", 0)),
            grading_method=settings_data.get("grading_method", "highest"),
            shuffle=bool(settings_data.get("shuffle", True)),
        )
        scenarios = tuple(
            self.scenario(item, f"scenarios[{i}]")
            for i, item in enumerate(data.get("scenarios", []))
        )
        questions = tuple(
            self.question(item, f"questions[{i}]")
            for i, item in enumerate(data.get("questions", []))
        )
        _unique(
            [(s.id, f"scenarios[{i}].id") for i, s in enumerate(scenarios)]
            + [(q.id, f"questions[{i}].id") for i, q in enumerate(questions)],
            "scenarios and questions share one set of ids",
        )
        quiz = Quiz(
            id=_get(data, "id", ""),
            title=self.wording(data, "title", ""),
            description=self.wording(data, "description", ""),
            audiences=self.audiences,
            settings=settings,
            scenarios=scenarios,
            questions=questions,
        )
        if not quiz.activities:
            raise InvalidContent("scenarios", "a quiz needs at least one scenario or question")
        self.check_pass_mark(quiz)
        return quiz

    def check_pass_mark(self, quiz: Quiz) -> None:
        if quiz.max_score == 0:
            raise InvalidContent(
                "scenarios", "nothing in this quiz gives points, so nobody can pass"
            )
        safe_best = 0
        for i, scenario in enumerate(quiz.scenarios):
            best = checks.best_points(scenario, safe_only=True)
            if best is None:
                raise InvalidContent(
                    f"scenarios[{i}]",
                    "no ending can be reached by getting every critical decision right",
                )
            safe_best += best
        safe_best += sum(q.points for q in quiz.questions)
        if round(safe_best / quiz.max_score, 6) < quiz.settings.pass_mark:
            raise InvalidContent(
                "settings.pass_mark",
                f"{quiz.settings.pass_mark} cannot be reached: getting every critical decision"
                f" right allows at most {safe_best} of {quiz.max_score} points",
            )

    def scenario(self, data: Mapping[str, Any], where: str) -> Scenario:
        scenes_data = _get(data, "scenes", where)
        scenes = tuple(
            self.scene(scene_id, scene, f"{where}.scenes.{scene_id}")
            for scene_id, scene in scenes_data.items()
        )
        scenario = Scenario(
            id=_get(data, "id", where),
            title=self.wording(data, "title", where),
            guidance=tuple(_get(data, "guidance", where)),
            start=_get(data, "start", where),
            scenes=scenes,
        )
        checks.check_scenario(scenario, where)
        best = checks.best_points(scenario, safe_only=False)
        return replace(scenario, max_points=best or 0)

    def scene(self, scene_id: str, data: Mapping[str, Any], where: str) -> Scene:
        choices_data = data.get("choices") or []
        choices = tuple(
            self.choice(item, f"{where}.choices[{i}]") for i, item in enumerate(choices_data)
        )
        _unique([(c.id, f"{where}.choices[{i}].id") for i, c in enumerate(choices)], "")
        scene = Scene(
            id=scene_id,
            narrative=self.maybe_wording(data, "narrative", where),
            choices=choices,
            outcome=self.maybe_wording(data, "outcome", where),
            image=self.media(data.get("image"), f"{where}.image"),
            video=self.media(data.get("video"), f"{where}.video"),
            critical=bool(data.get("critical", False)),
            why=self.maybe_wording(data, "why", where),
        )
        if scene.is_end:
            if choices_data:
                raise InvalidContent(where, "an ending (with an outcome) cannot also have choices")
            if scene.critical or scene.why is not None:
                raise InvalidContent(where, "an ending cannot be a critical decision")
            return scene
        if not choices:
            raise InvalidContent(
                where, "dead end: give this scene choices, or an outcome to end here"
            )
        if scene.narrative is None:
            raise InvalidContent(where, "missing field: 'narrative'")
        self.check_decision(scene, where)
        return scene

    def check_decision(self, scene: Scene, where: str) -> None:
        marked = [i for i, c in enumerate(scene.choices) if c.correct is not None]
        if not scene.critical:
            if marked:
                raise InvalidContent(
                    f"{where}.choices[{marked[0]}].correct",
                    "only choices in a critical scene are marked correct (add 'critical: true')",
                )
            if scene.why is not None:
                raise InvalidContent(f"{where}.why", "only a critical scene explains 'why'")
            return
        if scene.why is None:
            raise InvalidContent(where, "a critical scene needs 'why': the rule, in a sentence")
        for i, choice in enumerate(scene.choices):
            if choice.correct is None:
                raise InvalidContent(
                    f"{where}.choices[{i}]",
                    "in a critical scene every choice says 'correct: true' or 'false'",
                )
        if all(c.correct for c in scene.choices) or not any(c.correct for c in scene.choices):
            raise InvalidContent(
                where, "a critical scene needs at least one right and one wrong choice"
            )
        worst_right = min(c.points for c in scene.choices if c.correct)
        for i, choice in enumerate(scene.choices):
            if not choice.correct and choice.points > worst_right:
                raise InvalidContent(
                    f"{where}.choices[{i}].points",
                    "a wrong choice in a critical scene scores more than a right one",
                )

    def choice(self, data: Mapping[str, Any], where: str) -> Choice:
        correct = data.get("correct")
        return Choice(
            id=_get(data, "id", where),
            text=self.wording(data, "text", where),
            feedback=self.wording(data, "feedback", where),
            next=_get(data, "next", where),
            points=int(data.get("points", 0)),
            correct=None if correct is None else bool(correct),
        )

    def question(self, data: Mapping[str, Any], where: str) -> Question:
        kind = _get(data, "type", where)
        is_ordering = kind == "ordering"
        items = _get(data, "steps" if is_ordering else "options", where)
        options = tuple(
            self.option(item, f"{where}.{'steps' if is_ordering else 'options'}[{i}]", is_ordering)
            for i, item in enumerate(items)
        )
        _unique(
            [
                (o.id, f"{where}.{'steps' if is_ordering else 'options'}[{i}].id")
                for i, o in enumerate(options)
            ],
            "",
        )
        question = Question(
            id=_get(data, "id", where),
            kind=kind,
            title=self.wording(data, "title", where),
            prompt=self.wording(data, "prompt", where),
            options=options,
            points=int(data.get("points", 1)),
            guidance=tuple(data.get("guidance", ())),
            feedback=self.maybe_wording(data, "feedback", where),
            image=self.media(data.get("image"), f"{where}.image"),
            critical=bool(data.get("critical", False)),
            why=self.maybe_wording(data, "why", where),
        )
        if is_ordering and question.feedback is None:
            raise InvalidContent(where, "missing field: 'feedback'")
        right = sum(o.correct for o in options)
        if kind == "single-choice" and right != 1:
            raise InvalidContent(
                f"{where}.options",
                f"a single-choice question needs exactly one correct option, not {right}",
            )
        if kind == "multiple-response" and right == 0:
            raise InvalidContent(
                f"{where}.options", "a multiple-response question needs at least one correct option"
            )
        if question.critical and question.why is None:
            raise InvalidContent(where, "a critical question needs 'why': the rule, in a sentence")
        if not question.critical and question.why is not None:
            raise InvalidContent(f"{where}.why", "only a critical question explains 'why'")
        return question

    def option(self, data: Mapping[str, Any], where: str, is_step: bool) -> Option:
        if is_step:
            # Steps are listed in the right order; they have no right/wrong of their own.
            return Option(id=_get(data, "id", where), text=self.wording(data, "text", where))
        return Option(
            id=_get(data, "id", where),
            text=self.wording(data, "text", where),
            correct=bool(_get(data, "correct", where)),
            feedback=self.wording(data, "feedback", where),
        )

    def media(self, data: Mapping[str, Any] | None, where: str) -> Media | None:
        if data is None:
            return None
        return Media(
            src=_get(data, "src", where),
            alt=self.wording(data, "alt", where),
            captions=data.get("captions"),
            seconds=data.get("seconds"),
        )

    def wording(self, data: Mapping[str, Any], key: str, where: str) -> Wording:
        """A required text field, with wording for every audience the quiz lists."""
        wording = self.maybe_wording(data, key, where)
        if wording is None:
            raise InvalidContent(where, f"missing field: '{key}'")
        return wording

    def maybe_wording(self, data: Mapping[str, Any], key: str, where: str) -> Wording | None:
        """An optional text field: a plain string, or a mapping of audience to text."""
        value = data.get(key)
        here = f"{where}.{key}" if where else key
        if value is None:
            return None
        if isinstance(value, str):
            wording = Wording(plain=value)
        elif isinstance(value, Mapping):
            wording = Wording(variants=tuple((a, value[a]) for a in AUDIENCES if a in value))
        else:
            raise InvalidContent(here, "must be text, or a mapping of audience to text")
        for audience in self.audiences:
            if not wording.covers(audience) or not wording.for_audience(audience).strip():
                raise InvalidContent(here, f"no wording for '{audience}', which this quiz lists")
        return wording


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InvalidContent(where, f"missing field: '{key}'")
    return data[key]


def _unique(ids: Sequence[tuple[str, str]], note: str) -> None:
    seen: set[str] = set()
    for item_id, where in ids:
        if item_id in seen:
            raise InvalidContent(
                where, f"duplicate id '{item_id}'" + (f" ({note})" if note else "")
            )
        seen.add(item_id)
