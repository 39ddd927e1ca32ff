"""The paths mentors take through branching scenarios, and how often critical decisions go wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lti_tool.analytics.quiz_stats import ResponseShare


@dataclass(frozen=True)
class PathNode:
    """A scene reached by one exact route from the start, and the attempts that took it.

    ``count`` attempts passed through this node; ``ended`` of them stopped here (an ending, or
    an attempt still in progress). The root has ``scene_id`` ``""`` and counts every path.
    Children are ordered most taken first, then by scene id.
    """

    scene_id: str
    count: int
    ended: int
    children: tuple[PathNode, ...] = ()

    def share(self, parent: PathNode) -> float:
        """The share of ``parent``'s attempts that went on to this node (0 to 1)."""
        return self.count / parent.count if parent.count else 0.0


@dataclass(frozen=True)
class PathCount:
    """One whole route, how many attempts took it and their share of all attempts."""

    scenes: tuple[str, ...]
    count: int
    share: float


@dataclass(frozen=True)
class DecisionAnswer:
    """One answered step of an attempt (a ``quiz_answer`` row), in the order it was answered."""

    attempt_id: Hashable
    activity_id: str
    scene_id: str | None
    response: tuple[str, ...]
    correct: bool
    critical: bool


@dataclass(frozen=True)
class CriticalDecisionStats:
    """How often one critical decision was got wrong: ``wrong / answered`` attempts.

    Only each attempt's first answer counts, as only the first answer earns points: a learner
    sent round a loop back to the same decision has already shown what they would do.
    """

    activity_id: str
    scene_id: str | None
    answered: int
    wrong: int
    error_rate: float
    wrong_responses: tuple[ResponseShare, ...]


def build_path_tree(paths: Iterable[Sequence[str]]) -> PathNode:
    """A tree of routes from lists of scene ids, one list per attempt (in the order shown)."""
    root: dict[str, Any] = {"count": 0, "ended": 0, "children": {}}
    for path in paths:
        node = root
        node["count"] += 1
        for scene_id in path:
            node = node["children"].setdefault(scene_id, {"count": 0, "ended": 0, "children": {}})
            node["count"] += 1
        node["ended"] += 1
    return _freeze("", root)


def _freeze(scene_id: str, node: dict[str, Any]) -> PathNode:
    children = sorted(node["children"].items(), key=lambda kv: (-kv[1]["count"], kv[0]))
    return PathNode(
        scene_id,
        node["count"],
        node["ended"],
        tuple(_freeze(child_id, child) for child_id, child in children),
    )


def common_paths(tree: PathNode, top: int | None = None) -> tuple[PathCount, ...]:
    """Whole routes (root to where attempts stopped), most taken first, then alphabetically."""
    found: list[PathCount] = []

    def walk(node: PathNode, route: tuple[str, ...]) -> None:
        if node.ended and route:
            found.append(PathCount(route, node.ended, node.ended / tree.count))
        for child in node.children:
            walk(child, (*route, child.scene_id))

    walk(tree, ())
    found.sort(key=lambda p: (-p.count, p.scenes))
    return tuple(found[:top] if top is not None else found)


def critical_error_rates(answers: Iterable[DecisionAnswer]) -> tuple[CriticalDecisionStats, ...]:
    """The error rate of every critical decision, highest first (then by activity and scene)."""
    seen: set[tuple[Hashable, str, str | None]] = set()
    firsts: dict[tuple[str, str | None], list[DecisionAnswer]] = {}
    for answer in answers:
        key = (answer.attempt_id, answer.activity_id, answer.scene_id)
        if not answer.critical or key in seen:
            continue
        seen.add(key)
        firsts.setdefault((answer.activity_id, answer.scene_id), []).append(answer)
    stats = []
    for (activity_id, scene_id), given in firsts.items():
        wrong = [a for a in given if not a.correct]
        counts = Counter(a.response for a in wrong)
        shares = tuple(
            ResponseShare(response, count, count / len(given), False)
            for response, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        stats.append(CriticalDecisionStats(
            activity_id, scene_id, len(given), len(wrong), len(wrong) / len(given), shares
        ))
    stats.sort(key=lambda s: (-s.error_rate, s.activity_id, s.scene_id or ""))
    return tuple(stats)
