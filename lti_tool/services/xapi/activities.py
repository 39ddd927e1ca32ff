"""Activities: stable IRIs under the tool's public URL, with their definitions.

Content ids are kebab-case and never renamed (STYLE.md), so these IRIs stay stable; LMS ids are
quoted into the path. Set ``XAPI_ACTIVITY_BASE`` to keep IRIs stable if the tool's URL changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import quote

from flask import current_app

from lti_tool.services.xapi import vocabulary as v
from lti_tool.urls import base_url

LANGUAGE = "en-GB"


@dataclass(frozen=True)
class Activity:
    """An xAPI Activity: id, type, name, and extra definition fields (interactions)."""

    id: str
    type: str
    name: str
    description: str = ""
    definition_extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": self.type, "name": {LANGUAGE: self.name}}
        if self.description:
            definition["description"] = {LANGUAGE: self.description}
        definition.update(self.definition_extra)
        return {"objectType": "Activity", "id": self.id, "definition": definition}

    def reference(self) -> dict[str, Any]:
        """The short form used in contextActivities (id and type only)."""
        return {"objectType": "Activity", "id": self.id, "definition": {"type": self.type}}


def activity_base() -> str:
    """``https://tool.example/xapi``: the root of every PeerReady activity IRI."""
    base = current_app.config.get("XAPI_ACTIVITY_BASE") or base_url()
    return str(base).rstrip("/") + "/xapi"


def _iri(*parts: str) -> str:
    return "/".join([activity_base(), *(quote(str(part), safe="") for part in parts)])


def programme() -> Activity:
    """The peer mentor programme as a whole (the grouping above every course)."""
    return Activity(_iri("programme"), v.COURSE, "PeerReady peer mentor training")


def course(platform_id: int, lti_context_id: str, title: str) -> Activity:
    """A course (LTI context) on one platform."""
    return Activity(_iri("courses", str(platform_id), lti_context_id), v.COURSE, title or "Course")


def resource_link(course_activity: Activity, lti_resource_link_id: str, title: str) -> Activity:
    """A PeerReady placement in a course: what a launch opens (the cmi5-style AU)."""
    return Activity(
        f"{course_activity.id}/links/{quote(lti_resource_link_id, safe='')}",
        v.MODULE,
        title or "PeerReady",
    )


def module(module_id: str, title: str, description: str = "") -> Activity:
    """A training module (content id from ``modules/content``)."""
    return Activity(_iri("modules", module_id), v.MODULE, title, description)


def video(video_id: str, title: str, description: str = "") -> Activity:
    """A video in the player (xAPI Video Profile activity type)."""
    return Activity(_iri("videos", video_id), v.VIDEO_ACTIVITY, title, description)


def quiz(quiz_id: str, title: str, description: str = "") -> Activity:
    """A scenario quiz (content id from ``quizzes/content``)."""
    return Activity(_iri("quizzes", quiz_id), v.ASSESSMENT, title, description)


def question(
    quiz_id: str, step_id: str, prompt: str, choices: Sequence[tuple[str, str]]
) -> Activity:
    """One decision in a scenario: a choice interaction with its options (id, text)."""
    return Activity(
        _iri("quizzes", quiz_id, "steps", step_id),
        v.INTERACTION,
        prompt[:255],
        prompt,
        {
            "interactionType": "choice",
            "choices": [{"id": cid, "description": {LANGUAGE: text}} for cid, text in choices],
        },
    )


def checkpoint(
    module_id: str, checkpoint_id: str, prompt: str, choices: Sequence[tuple[str, str]]
) -> Activity:
    """An in-video checkpoint: a choice question, or a reflection (free text) when no choices."""
    extra: dict[str, Any] = {"interactionType": "choice" if choices else "long-fill-in"}
    if choices:
        extra["choices"] = [{"id": cid, "description": {LANGUAGE: text}} for cid, text in choices]
    return Activity(
        _iri("modules", module_id, "checkpoints", checkpoint_id),
        v.INTERACTION,
        prompt[:255],
        prompt,
        extra,
    )


def badge(badge_id: str, name: str, description: str = "") -> Activity:
    """A certification badge (Open Badges profile activity type)."""
    return Activity(_iri("badges", badge_id), v.BADGE, name, description)


def extension(name: str) -> str:
    """A PeerReady extension IRI, e.g. ``…/xapi/extensions/scene-path``."""
    return _iri("extensions", name)


def own_verb(name: str) -> str:
    """A PeerReady verb IRI, for events no published profile names (``…/xapi/verbs/revoked``)."""
    return _iri("verbs", name)
