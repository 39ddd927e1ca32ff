"""An attempt's state: immutable, and stored as plain JSON in the app's database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Final
from typing import cast

from quizzes.errors import InvalidState
from quizzes.model import AUDIENCES
from quizzes.model import Audience

STATE_VERSION: Final = 1


@dataclass(frozen=True)
class Decision:
    """One answer: what was chosen, what it earned and when (the caller's clock)."""

    key: str
    activity: str
    scene: str | None
    response: tuple[str, ...]
    points: float
    correct: bool
    critical: bool
    at: datetime


@dataclass(frozen=True)
class AttemptState:
    """Where one learner is in one attempt. Store it with ``to_json``; read it with ``from_json``.

    ``position`` indexes ``quiz.activities`` (scenarios, then questions); ``scene`` is the current
    scene while in a scenario. ``order`` holds this attempt's option order for every scene
    (``"scenario/scene"``) and question (``"question"``). ``path`` lists ``"scenario/scene"`` for
    every scene shown, endings included.
    """

    quiz_id: str
    audience: Audience
    seed: int
    started_at: datetime
    position: int
    scene: str | None
    score: float
    order: Mapping[str, tuple[str, ...]]
    decisions: tuple[Decision, ...] = ()
    path: tuple[str, ...] = ()
    finished_at: datetime | None = None

    @property
    def is_finished(self) -> bool:
        """Whether the learner has answered the last step."""
        return self.finished_at is not None

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON dict (str, int, float, bool, None, lists, dicts) for a database column."""
        return {
            "version": STATE_VERSION,
            "quiz_id": self.quiz_id,
            "audience": self.audience,
            "seed": self.seed,
            "started_at": self.started_at.isoformat(),
            "position": self.position,
            "scene": self.scene,
            "score": self.score,
            "order": {key: list(ids) for key, ids in self.order.items()},
            "decisions": [
                {
                    "key": d.key,
                    "activity": d.activity,
                    "scene": d.scene,
                    "response": list(d.response),
                    "points": d.points,
                    "correct": d.correct,
                    "critical": d.critical,
                    "at": d.at.isoformat(),
                }
                for d in self.decisions
            ],
            "path": list(self.path),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AttemptState:
        """Rebuild a state from ``to_json`` output; InvalidState if it is damaged."""
        try:
            if data["version"] != STATE_VERSION or data["audience"] not in AUDIENCES:
                raise ValueError("unknown version or audience")
            return cls(
                quiz_id=str(data["quiz_id"]),
                audience=cast(Audience, data["audience"]),
                seed=int(data["seed"]),
                started_at=require_aware(datetime.fromisoformat(data["started_at"])),
                position=int(data["position"]),
                scene=None if data["scene"] is None else str(data["scene"]),
                score=float(data["score"]),
                order={str(k): tuple(str(i) for i in v) for k, v in data["order"].items()},
                decisions=tuple(
                    Decision(
                        key=str(d["key"]),
                        activity=str(d["activity"]),
                        scene=None if d["scene"] is None else str(d["scene"]),
                        response=tuple(str(r) for r in d["response"]),
                        points=float(d["points"]),
                        correct=bool(d["correct"]),
                        critical=bool(d["critical"]),
                        at=require_aware(datetime.fromisoformat(d["at"])),
                    )
                    for d in data["decisions"]
                ),
                path=tuple(str(p) for p in data["path"]),
                finished_at=(
                    None
                    if data["finished_at"] is None
                    else require_aware(datetime.fromisoformat(data["finished_at"]))
                ),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidState(f"stored attempt cannot be read: {exc!r}") from exc


def require_aware(moment: datetime) -> datetime:
    """Return ``moment``; ValueError if it has no timezone (stored times must be unambiguous)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware (use datetime.now(timezone.utc))")
    return moment
