"""The navigation bar for launched users: mentor or trainer sections, the current one marked."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import url_for

from lti_tool.lti.roles import Role


@dataclass(frozen=True)
class NavItem:
    """One link in the bar; ``current`` sets ``aria-current="page"``."""

    label: str
    url: str
    current: bool


_SECTIONS = {
    Role.MENTOR: (
        ("Your training", "mentor.home", ("mentor.home", "mentor.module", "mentor.start")),
        (
            "Scenario quizzes",
            "mentor.quizzes",
            ("mentor.quiz", "mentor.attempt", "mentor.feedback", "mentor.result"),
        ),
        ("Certificate", "mentor.certificates", ("mentor.certificate",)),
    ),
    Role.TRAINER: (
        ("Trainer home", "trainer.home", ("trainer.home",)),
        ("Dashboard", "trainer.dashboard", ("trainer.dashboard",)),
        ("Quizzes", "trainer.quizzes", ("trainer.quiz",)),
        ("Certification", "trainer.certification_overview", ("trainer.certification",)),
    ),
}


def nav_items() -> list[NavItem]:
    """The sections for the launched role that this install has (empty before a launch)."""
    launch = g.get("launch")
    if launch is None:
        return []
    endpoint = request.endpoint or ""
    items = [
        NavItem(label, url_for(target), any(endpoint.startswith(p) for p in prefixes))
        for label, target, prefixes in _SECTIONS.get(launch.role, ())
        if target in current_app.view_functions
    ]
    if launch.is_school_admin:
        items.append(NavItem("School admin", url_for("admin.index"), endpoint.startswith("admin.")))
    return items


def init_app(app: Flask) -> None:
    """Make ``nav_items`` available to every template."""
    app.context_processor(lambda: {"nav_items": nav_items})
