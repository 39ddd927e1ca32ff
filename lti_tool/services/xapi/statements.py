"""Statement builders: PeerReady events as xAPI statements, each checked against a Ralph model.

Every builder takes a ``StatementContext`` (who, where, which registration) and returns a
``Statement`` whose ``model`` names the Ralph model that validates it. The model is chosen here
explicitly: Ralph's automatic selection sends ``answered`` on a ``cmi.interaction`` to a
virtual-classroom model that refuses choice interactions, and it has no cmi5 models.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from lti_tool.models.types import utcnow
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import vocabulary as v
from lti_tool.services.xapi.activities import Activity
from lti_tool.services.xapi.validation import BASE
from lti_tool.services.xapi.validation import validate


@dataclass(frozen=True)
class StatementContext:
    """Who did it and where: the actor, registration, course, module and LTI origin."""

    actor: dict[str, Any]
    registration: uuid.UUID
    platform_name: str
    course: Activity
    lti: dict[str, Any]  # extensions: the LTI deployment, context and resource link ids
    platform_id: int
    deployment_id: int | None = None
    context_id: int | None = None
    module: Activity | None = None
    session_id: uuid.UUID | None = None  # the cmi5 session: one per launch
    language: str = activities.LANGUAGE

    def as_json(
        self,
        categories: Sequence[str] = (),
        extensions: dict[str, Any] | None = None,
        parent: Activity | None = None,
    ) -> dict[str, Any]:
        grouping = [activities.programme().reference(), self.course.reference()]
        parents = [a.reference() for a in (parent or self.module,) if a is not None]
        if parent is not None and self.module is not None and parent.id != self.module.id:
            grouping.append(self.module.reference())
        context_activities: dict[str, Any] = {"grouping": grouping}
        if parents:
            context_activities["parent"] = parents
        if categories:
            context_activities["category"] = [
                {"objectType": "Activity", "id": iri, "definition": {"type": v.PROFILE}}
                for iri in categories
            ]
        all_extensions = dict(self.lti)
        if self.session_id is not None:
            all_extensions[v.CMI5_SESSION_ID] = str(self.session_id)
        all_extensions.update(extensions or {})
        return {
            "registration": str(self.registration),
            "contextActivities": context_activities,
            "platform": self.platform_name[:255] or "PeerReady",
            "language": self.language,
            "extensions": all_extensions,
        }


@dataclass(frozen=True)
class Score:
    """A result score; ``scaled`` is computed from raw/min/max."""

    raw: float
    max: float
    min: float = 0.0

    def as_json(self) -> dict[str, float]:
        span = self.max - self.min
        scaled = (self.raw - self.min) / span if span else 0.0
        return {"scaled": round(scaled, 4), "raw": self.raw, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Statement:
    """A validated statement, its id, and the Ralph model that validated it."""

    id: uuid.UUID
    verb: str
    timestamp: datetime
    data: dict[str, Any] = field(repr=False)
    model: str = BASE


def build(
    ctx: StatementContext,
    verb: v.Verb,
    obj: dict[str, Any],
    *,
    context: dict[str, Any],
    result: dict[str, Any] | None = None,
    model: str = BASE,
    timestamp: datetime | None = None,
) -> Statement:
    """Assemble, validate (``model`` and the base model) and return a statement."""
    when = timestamp or utcnow()
    statement_id = uuid.uuid4()
    data: dict[str, Any] = {
        "id": str(statement_id),
        "actor": ctx.actor,
        "verb": verb.as_json(),
        "object": obj,
        "context": context,
        "timestamp": when.isoformat(timespec="milliseconds"),
        "version": "1.0.0",
    }
    if result is not None:
        data["result"] = result
    validate(data, model)
    return Statement(statement_id, verb.id, when, data, model)


def iso_duration(duration: timedelta) -> str:
    """ISO 8601 duration, e.g. ``PT1H2M3.5S`` (xAPI ``result.duration``)."""
    total = max(duration.total_seconds(), 0.0)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{round(seconds, 2):g}S"


# cmi5-style session statements: one launch is one session of the resource link (the AU).


def launched(ctx: StatementContext, link: Activity, launch_mode: str = "Normal") -> Statement:
    """The platform launched PeerReady for this learner."""
    extensions = {"https://w3id.org/xapi/cmi5/context/extensions/launchmode": launch_mode}
    return build(
        ctx,
        v.LAUNCHED,
        link.as_json(),
        context=ctx.as_json([v.CMI5_CATEGORY], extensions, parent=ctx.course),
    )


def initialized(ctx: StatementContext, link: Activity) -> Statement:
    """PeerReady is ready for the learner (the session has started)."""
    return build(
        ctx,
        v.INITIALIZED,
        link.as_json(),
        context=ctx.as_json([v.CMI5_CATEGORY], parent=ctx.course),
    )


def terminated(ctx: StatementContext, link: Activity, duration: timedelta) -> Statement:
    """The session ended, after ``duration``."""
    return build(
        ctx,
        v.TERMINATED,
        link.as_json(),
        result={"duration": iso_duration(duration)},
        context=ctx.as_json([v.CMI5_CATEGORY], parent=ctx.course),
    )


def completed(ctx: StatementContext, activity: Activity, duration: timedelta) -> Statement:
    """The learner completed a module or the whole placement."""
    return build(
        ctx,
        v.COMPLETED,
        activity.as_json(),
        result={"completion": True, "duration": iso_duration(duration)},
        context=ctx.as_json([v.CMI5_CATEGORY]),
    )


# Quizzes: attempted, one answered per decision, then passed or failed.


def quiz_attempted(ctx: StatementContext, quiz: Activity, attempt_id: str) -> Statement:
    """The learner started an attempt at a scenario quiz."""
    return build(
        ctx,
        v.ATTEMPTED,
        quiz.as_json(),
        context=ctx.as_json(extensions={activities.extension("attempt-id"): attempt_id}),
    )


def question_answered(
    ctx: StatementContext,
    quiz: Activity,
    question: Activity,
    attempt_id: str,
    response_ids: Sequence[str],
    success: bool,
    score: Score,
    scene_path: Sequence[str],
) -> Statement:
    """The learner made a decision: response, success, score, and the scene path so far."""
    result = {
        "response": "[,]".join(response_ids),  # cmi.interaction choice format
        "success": success,
        "score": score.as_json(),
    }
    extensions = {
        activities.extension("attempt-id"): attempt_id,
        activities.extension("scene-path"): list(scene_path),
    }
    return build(
        ctx,
        v.ANSWERED,
        question.as_json(),
        result=result,
        context=ctx.as_json(extensions=extensions, parent=quiz),
    )


def quiz_finished(
    ctx: StatementContext,
    quiz: Activity,
    attempt_id: str,
    score: Score,
    passed: bool,
    duration: timedelta,
) -> Statement:
    """The attempt ended: ``passed`` or ``failed``, with the scaled score."""
    result = {
        "score": score.as_json(),
        "success": passed,
        "completion": True,
        "duration": iso_duration(duration),
    }
    return build(
        ctx,
        v.PASSED if passed else v.FAILED,
        quiz.as_json(),
        result=result,
        context=ctx.as_json(extensions={activities.extension("attempt-id"): attempt_id}),
    )


def checkpoint_answered(
    ctx: StatementContext,
    module: Activity,
    checkpoint: Activity,
    choice_id: str | None,
    correct: bool | None,
) -> Statement:
    """The learner answered an in-video checkpoint (``success`` only for choice questions)."""
    result: dict[str, Any] = {"completion": True}
    if choice_id:  # a reflection has no choice (and xAPI allows no empty response)
        result["response"] = choice_id
    if correct is not None:
        result["success"] = correct
    return build(
        ctx, v.ANSWERED, checkpoint.as_json(), result=result, context=ctx.as_json(parent=module)
    )


# Certification (Open Badges profile).


def badge_earned(ctx: StatementContext, badge: Activity, assertion_url: str) -> Statement:
    """The learner earned a badge; the assertion URL is in the result."""
    return build(
        ctx,
        v.EARNED,
        badge.as_json(),
        result={"extensions": {v.BADGE_ASSERTION: {"@id": assertion_url}}},
        context=ctx.as_json(),
    )


def badge_revoked(
    ctx: StatementContext, badge: Activity, assertion_url: str, reason: str
) -> Statement:
    """A badge was taken back (PeerReady's own verb: the profile has none)."""
    return build(
        ctx,
        v.Verb(activities.own_verb("revoked"), "revoked"),
        badge.as_json(),
        result={
            "response": reason[:500],
            "extensions": {v.BADGE_ASSERTION: {"@id": assertion_url}},
        },
        context=ctx.as_json(),
    )


def voided(original_id: str, authority: dict[str, Any]) -> Statement:
    """A statement voiding ``original_id``, made by ``authority`` (the tool itself)."""
    statement_id, when = uuid.uuid4(), utcnow()
    data = {
        "id": str(statement_id),
        "actor": authority,
        "verb": v.VOIDED.as_json(),
        "object": {"objectType": "StatementRef", "id": original_id},
        "timestamp": when.isoformat(timespec="milliseconds"),
        "version": "1.0.0",
    }
    validate(data, BASE)
    return Statement(statement_id, v.VOIDED.id, when, data, BASE)
