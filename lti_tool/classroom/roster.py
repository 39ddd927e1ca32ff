"""A Classroom course's pupils, from the Classroom roster, matched to PeerReady's users.

For the trainer dashboard: it lists pupils who never opened PeerReady too. Names come live from
Classroom for the teacher's screen and are not stored; ids are hashed to match ``User.sub``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.classroom import accounts
from lti_tool.classroom.api import ClassroomApi
from lti_tool.classroom.api import answering_user
from lti_tool.models import Context
from lti_tool.models import GoogleAccount
from lti_tool.models import User


@dataclass(frozen=True)
class RosterEntry:
    """One pupil: their name (for the teacher's eyes only) and PeerReady user, if they have one."""

    name: str
    user_key: str
    user_id: int | None

    @property
    def has_opened(self) -> bool:
        return self.user_id is not None


def course_roster(session: Session, context: Context, teacher: GoogleAccount) -> list[RosterEntry]:
    """Every pupil on the course's roster (all pages), read with the teacher's credentials."""
    credentials = accounts.credentials_for(teacher)
    with answering_user():
        pupils = list(ClassroomApi.for_app(credentials).roster(context.lti_context_id))
    accounts.remember_refresh(teacher, credentials)
    session.commit()
    keys = {pupil.google_user_id: accounts.user_key(pupil.google_user_id) for pupil in pupils}
    users: dict[str, int] = dict(session.execute(
        select(User.sub, User.id).where(
            User.platform_id == context.deployment.platform_id, User.sub.in_(list(keys.values()))
        )
    ).all())
    return [RosterEntry(pupil.full_name, keys[pupil.google_user_id], users.get(keys[pupil.google_user_id]))
            for pupil in pupils]
