"""Graph checks on a scenario: references, reachability, exits from loops, and best scores.

Kept apart from parsing so the engine's scoring rule and the checker's arithmetic sit side by side:
a scene's points count at its first answer only, so going round a loop earns nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from quizzes.errors import InvalidContent

if TYPE_CHECKING:
    from quizzes.model import Choice
    from quizzes.model import Scenario
    from quizzes.model import Scene


def check_scenario(scenario: Scenario, where: str) -> None:
    """Raise InvalidContent unless every reference resolves, every scene is reachable from the
    start, and an ending can be reached from every scene."""
    ids = {scene.id for scene in scenario.scenes}
    if scenario.start not in ids:
        raise InvalidContent(f"{where}.start", f"'{scenario.start}' is not a scene")
    if scenario.scene(scenario.start).is_end:
        raise InvalidContent(
            f"{where}.start", "the start scene is an ending: begin with a decision"
        )
    for scene in scenario.scenes:
        for i, choice in enumerate(scene.choices):
            if choice.next not in ids:
                raise InvalidContent(
                    f"{where}.scenes.{scene.id}.choices[{i}].next",
                    f"'{choice.next}' is not a scene",
                )
    forward = {scene.id: {c.next for c in scene.choices} for scene in scenario.scenes}
    reachable = _closure([scenario.start], forward)
    for scene in scenario.scenes:
        if scene.id not in reachable:
            raise InvalidContent(
                f"{where}.scenes.{scene.id}",
                f"cannot be reached from the start scene '{scenario.start}'",
            )
    backward: dict[str, set[str]] = {scene.id: set() for scene in scenario.scenes}
    for source, targets in forward.items():
        for target in targets:
            backward[target].add(source)
    can_end = _closure([scene.id for scene in scenario.scenes if scene.is_end], backward)
    for scene in scenario.scenes:
        if scene.id not in can_end:
            raise InvalidContent(
                f"{where}.scenes.{scene.id}",
                "no ending can be reached from here (a loop with no exit)",
            )


def best_points(scenario: Scenario, *, safe_only: bool) -> int | None:
    """The most points one walk from the start to an ending can collect, or None if none can end.

    Points count at a scene's first answer only, as in the engine. With ``safe_only`` the walk
    takes only right choices at critical scenes, which is how a passing learner must go.
    The search is over (scene, scenes already answered): exponential in the worst case, but a
    scenario has a handful of scenes.
    """
    scenes = {scene.id: scene for scene in scenario.scenes}

    def allowed(scene: Scene) -> Iterable[Choice]:
        return (c for c in scene.choices if not (safe_only and scene.critical and not c.correct))

    @cache
    def fresh(scene_id: str, answered: frozenset[str]) -> int | None:
        # The learner arrives at a scene they have not answered yet.
        scene = scenes[scene_id]
        if scene.is_end:
            return 0
        now_answered = answered | {scene_id}
        results = [
            choice.points + rest
            for choice in allowed(scene)
            if (rest := onward(choice.next, now_answered)) is not None
        ]
        return max(results, default=None)

    def onward(scene_id: str, answered: frozenset[str]) -> int | None:
        # Scenes already answered are worth nothing again, so search through them to the
        # endings and unanswered scenes beyond; the set of answered scenes only grows.
        results: list[int] = []
        seen: set[str] = set()
        stack = [scene_id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in answered:
                stack.extend(c.next for c in allowed(scenes[current]))
            elif (value := fresh(current, answered)) is not None:
                results.append(value)
        return max(results, default=None)

    return fresh(scenario.start, frozenset())


def _closure(starts: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    stack = list(starts)
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(edges[current])
    return found
