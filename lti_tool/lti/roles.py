"""Map LTI (and Google Classroom) roles onto PeerReady's two audiences of pages."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """What a person does in PeerReady within one course."""

    MENTOR = "mentor"  # learns: pupils and staff training to run or join a scheme
    TRAINER = "trainer"  # reviews progress and signs mentors off


# Context and institution roles that make someone a trainer in a course (LTI 1.3 §A.2).
_TRAINER_ROLES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})
_ADMIN_ROLES = frozenset({"Administrator", "SysAdmin"})
_CLASSROOM_TRAINER_ROLES = frozenset({"teacher", "owner"})


def short_name(role: str) -> str:
    """``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`` -> ``Instructor``.

    Sub-roles (``membership/Instructor#TeachingAssistant``) give their own name; the legacy
    short forms Moodle's NRPS sends (``Instructor``) pass through unchanged.
    """
    return role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def role_for(lti_roles: Iterable[str]) -> Role:
    """A trainer if any role is a teaching or admin role; otherwise a mentor."""
    names = {short_name(role) for role in lti_roles}
    if names & (_TRAINER_ROLES | _CLASSROOM_TRAINER_ROLES):
        return Role.TRAINER
    return Role.MENTOR


def is_school_admin(lti_roles: Iterable[str]) -> bool:
    """Institution or system administrators may open their school's admin pages."""
    for role in lti_roles:
        if ("/institution/" in role or "/system/" in role) and short_name(role) in _ADMIN_ROLES:
            return True
    return False
