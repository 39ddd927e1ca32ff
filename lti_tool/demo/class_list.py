"""The demo course's class list, as its platform knows it, for its NRPS membership service.

A real platform lists everyone enrolled, whether or not they ever opened the tool. The demo
course has the people the visitor can launch as, a few pupils who never open PeerReady, and the
synthetic mentors ``flask seed demo-course`` adds (the seed enrols them here too). The list is
kept in the shared store, not PeerReady's own tables, as a platform's records would be.
"""

from __future__ import annotations

from typing import Any

from lti_tool.demo import platform as demo
from lti_tool.store import get_store

_SEEDED_KEY = "demo-platform:class-list"

# Pupils on the platform's class list who have not opened PeerReady (sub, name).
NEVER_LAUNCHED = (
    ("demo-class-01", "Aisha Begum"),
    ("demo-class-02", "Callum Reid"),
    ("demo-class-03", "Darcy Flynn"),
    ("demo-class-04", "Eli Mensah"),
    ("demo-class-05", "Freya Lund"),
    ("demo-class-06", "Gabriel Sousa"),
    ("demo-class-07", "Hana Sato"),
    ("demo-class-08", "Idris Bello"),
)


def enrol(people: list[tuple[str, str | None]]) -> None:
    """Add synthetic mentors ``(sub, name)`` to the demo course's class list."""
    store = get_store()
    listed = store.get(_SEEDED_KEY) or []
    known = {sub for sub, _ in listed}
    listed.extend([sub, name] for sub, name in people if sub not in known)
    store.set(_SEEDED_KEY, listed, None)


def members() -> list[dict[str, Any]]:
    """Everyone in the demo course, in NRPS 2.0 member form, with Moodle's short role names."""
    found: list[dict[str, Any]] = []
    for user in demo.USERS.values():
        role = "Instructor" if any(r.endswith("#Instructor") for r in user.roles) else "Learner"
        found.append(_member(demo.subject(user), user.name, role))
    found.extend(_member(sub, name, "Learner") for sub, name in NEVER_LAUNCHED)
    found.extend(_member(sub, name, "Learner") for sub, name in get_store().get(_SEEDED_KEY) or [])
    return found


def _member(sub: str, name: str | None, role: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user_id": sub, "roles": [role], "status": "Active"}
    if name:
        given, _, family = name.partition(" ")
        member.update(name=name, given_name=given, family_name=family)
    return member
