"""Who is asking: the launched user, course and role from the session, and guards for views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from typing import TypeVar
from typing import cast

from flask import g
from flask import request
from flask import session
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import false
from sqlalchemy import select

from lti_tool.errors import NotAllowed
from lti_tool.errors import SessionExpired
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.services.xapi import launch_statements

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Launch:
    """What one launch established, as kept in the session."""

    user_id: int
    context_id: int
    platform_id: int
    role: Role
    resource_link_id: int | None
    launch_id: str
    is_school_admin: bool = False

    def to_session(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "context_id": self.context_id,
            "platform_id": self.platform_id,
            "role": self.role.value,
            "resource_link_id": self.resource_link_id,
            "launch_id": self.launch_id,
            "is_school_admin": self.is_school_admin,
        }

    @classmethod
    def from_session(cls) -> Launch | None:
        data = session.get("launch")
        if not data:
            return None
        return cls(**{**data, "role": Role(data["role"])})


def current_launch() -> Launch:
    """The session's launch, or SessionExpired (the page says: open PeerReady again)."""
    launch = Launch.from_session()
    if launch is None:
        raise SessionExpired()
    return launch


def _who_query(
    launch: Launch,
) -> Select[tuple[User, Context, Enrollment | None, ResourceLink | None]]:
    """The launch's user, course, enrolment and link in one round trip (every guarded page
    asks; the link is then found in the session by ``db.session.get`` without a query)."""
    link_on = (
        ResourceLink.id == launch.resource_link_id
        if launch.resource_link_id is not None else false()
    )
    return (
        select(User, Context, Enrollment, ResourceLink)
        .select_from(User)
        .join(Context, Context.id == launch.context_id)
        .outerjoin(
            Enrollment, and_(Enrollment.user_id == User.id, Enrollment.context_id == Context.id)
        )
        .outerjoin(ResourceLink, and_(link_on, ResourceLink.context_id == Context.id))
        .where(User.id == launch.user_id)
    )


def requires_role(*roles: Role) -> Callable[[F], F]:
    """Let the view run only for a launched user with one of ``roles`` in their course.

    Sets ``g.launch``, ``g.user``, ``g.context`` and ``g.enrollment`` for the view.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            launch = current_launch()
            if launch.role not in roles:
                raise NotAllowed()
            # First: a touch that writes commits, and would expire rows loaded before it.
            if not launch_statements.touch(
                db.session, launch.launch_id, is_page=request.method == "GET"
            ):
                raise SessionExpired("the launch's session has ended (Finish, or idle)")
            found = db.session.execute(_who_query(launch)).first()
            if found is None:  # erased since the launch
                raise SessionExpired()
            g.launch, g.user, g.context, g.enrollment = launch, *found[:3]
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate
