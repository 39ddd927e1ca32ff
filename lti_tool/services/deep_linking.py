"""Deep Linking: what a teacher can add to a course, and the signed response that adds it.

Each item becomes an ``ltiResourceLink`` whose custom parameters say what it opens
(``peerready_target``: ``module:<id>``, ``quiz:<id>`` or ``programme:<id>``, plus ``audience``).
Graded items (quizzes and programmes) carry a ``lineItem`` so the gradebook column appears.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from lti_tool.content import ContentError
from lti_tool.content import load
from lti_tool.errors import PeerReadyError
from lti_tool.lti.launch import PeerReadyMessageLaunch
from lti_tool.lti.launch_storage import StoreLaunchDataStorage
from lti_tool.lti.tool_config import DatabaseToolConfig
from lti_tool.services import programmes
from lti_tool.services.programmes import TARGET_PARAM
from lti_tool.store import get_store
from lti_tool.urls import external_url
from quizzes.catalogue import SCHEMA_PATH
from quizzes.catalogue import parse_quiz
from quizzes.catalogue import quiz_files
from quizzes.model import Quiz

log = logging.getLogger(__name__)
SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
PROGRAMME_SCORE_MAXIMUM = 100  # a programme's column: the percentage of it completed
TEXT_LIMIT = 300


class DeepLinkingUnavailable(PeerReadyError):
    status = 400
    heading = "Please start again from your course"
    message = "This content picker has expired or wasn't opened from your course's 'add content' page."
    next_step = "Go back to your course and choose PeerReady from the list of activities again."


class InvalidChoice(PeerReadyError):
    status = 400
    heading = "Choose something to add"
    message = "Pick at least one item from the list (your course accepts only one at a time, if it says so)."
    next_step = "Go back, tick what you want to add and try again."


@dataclass(frozen=True)
class Item:
    """One thing a teacher can add to the course."""

    target: str  # "module:<id>", "quiz:<id>" or "programme:<id>"
    kind: str
    title: str
    text: str
    audiences: tuple[str, ...]
    score_maximum: int | None = None  # graded items have a gradebook column

    @property
    def audience(self) -> str:
        """The audience to pass as a custom parameter (the first the item is written for)."""
        return self.audiences[0]


def items() -> list[Item]:
    """Every programme, module and quiz a teacher can add, in that order."""
    found = [
        Item(f"programme:{p.id}", "programme", p.title, _short(p.description), (str(p.audience),),
             PROGRAMME_SCORE_MAXIMUM)
        for p in programmes.programmes()
    ]
    for programme in programmes.programmes():
        for module_id in programme.modules:
            module = programmes.module(module_id)
            found.append(Item(f"module:{module.id}", "module", module.title, _short(module.summary),
                              (str(module.audience),)))
    found.extend(
        Item(f"quiz:{quiz.id}", "quiz", _wording(quiz.title, quiz), _short(_wording(quiz.description, quiz)),
             tuple(quiz.audiences), max(quiz.max_score, 1))
        for quiz in quizzes()
    )
    return list({item.target: item for item in found}.values())  # a module in two programmes once


@functools.cache
def quizzes() -> tuple[Quiz, ...]:
    """The shipped quizzes; a broken file is logged and left out."""
    loaded = []
    for path in quiz_files():
        try:
            loaded.append(load(path, SCHEMA_PATH, parse_quiz))
        except ContentError as exc:
            log.error("Quiz left out: %s", exc)
    return tuple(loaded)


def settings(launch_id: str) -> dict[str, Any]:
    """The platform's deep-linking settings for the launch (accept_multiple, title, data…)."""
    return dict(_message_launch(launch_id).get_launch_data().get(SETTINGS_CLAIM) or {})


def response_jwt(launch_id: str, targets: Sequence[str]) -> tuple[str, str]:
    """Sign the LtiDeepLinkingResponse for the chosen targets; return (return URL, JWT)."""
    launch = _message_launch(launch_id)
    link_settings = launch.get_launch_data().get(SETTINGS_CLAIM) or {}
    by_target = {item.target: item for item in items()}
    chosen = [by_target[target] for target in dict.fromkeys(targets) if target in by_target]
    multiple = str(link_settings.get("accept_multiple", True)).lower() != "false"
    if not chosen or (len(chosen) > 1 and not multiple):
        raise InvalidChoice(f"{len(chosen)} valid items chosen, accept_multiple={multiple}")
    deep_link = launch.get_deep_link()
    return link_settings["deep_link_return_url"], deep_link.get_response_jwt([_resource(i) for i in chosen])


class _Resource(DeepLinkResource):  # type: ignore[misc]
    """pylti1p3's resource link item, plus the ``text`` the spec allows and Moodle shows."""

    text: str = ""

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = super().to_dict()
        if self.text:
            data["text"] = self.text
        return data


def _resource(item: Item) -> DeepLinkResource:
    resource = _Resource()
    resource.text = item.text
    resource.set_type("ltiResourceLink").set_title(item.title).set_url(external_url("lti.launch"))
    resource.set_custom_params({TARGET_PARAM: item.target, "audience": item.audience})
    if item.score_maximum is not None:
        kind = item.target.partition(":")[0]
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(item.score_maximum)
            .set_label(item.title)
            .set_resource_id(item.target)
            .set_tag(f"peerready-{kind}")
        )
    return resource


def _message_launch(launch_id: str) -> PeerReadyMessageLaunch:
    storage = StoreLaunchDataStorage(get_store())
    request = FlaskRequest(request_data={}, cookies={}, session={})
    try:
        launch = PeerReadyMessageLaunch.from_cache(
            launch_id, request, DatabaseToolConfig(), launch_data_storage=storage
        )
        launch.validate_registration()
    except LtiException as exc:
        raise DeepLinkingUnavailable(str(exc)) from exc
    if not launch.is_deep_link_launch():
        raise DeepLinkingUnavailable("the launch is not a deep-linking request")
    return launch


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def _wording(wording: Any, quiz: Quiz) -> str:
    return str(wording.for_audience(quiz.audiences[0]))
