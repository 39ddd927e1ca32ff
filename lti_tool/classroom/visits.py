"""The iframe views' use cases: who is signed in, what Classroom says they are, the launch.

A visit starts in an iframe with the add-on parameters; the user is known either from a
"remembered" partitioned cookie that matches Classroom's ``login_hint`` (no prompt on later
visits, as Google's add-on requirements ask) or after Google sign-in in a pop-up, whose result
reaches the iframe only through a one-time code the pop-up posts to its opener.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lti_tool.access import Launch
from lti_tool.classroom import accounts
from lti_tool.classroom import copies
from lti_tool.classroom import mapping
from lti_tool.classroom import oauth
from lti_tool.classroom.api import AddOnContext
from lti_tool.classroom.api import ClassroomApi
from lti_tool.classroom.api import answering_user
from lti_tool.classroom.errors import AttachmentUnknown
from lti_tool.classroom.errors import ConsentRevoked
from lti_tool.classroom.errors import MissingScopes
from lti_tool.classroom.errors import SignInFailed
from lti_tool.classroom.params import AddOnParams
from lti_tool.errors import NotAllowed
from lti_tool.lti.roles import Role
from lti_tool.models import GoogleAccount
from lti_tool.store import get_store

REMEMBER_COOKIE = "peerready_google"
REMEMBER_SALT = "peerready-classroom-remember"
CODE_TTL_SECONDS = 600


@dataclass(frozen=True)
class View:
    """One of the add-on's iframes: the parameters it needs and the scopes it asks for."""

    name: str
    needs: tuple[str, ...]
    scopes: frozenset[str]


VIEWS = {
    "discovery": View("discovery", ("addOnToken",), oauth.TEACHER_SCOPES),
    "teacher": View("teacher", ("attachmentId",), oauth.TEACHER_SCOPES),
    "student": View("student", ("attachmentId",), oauth.STUDENT_SCOPES),
    "review": View("review", ("attachmentId", "submissionId"), oauth.TEACHER_SCOPES),
}


def _remember_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=REMEMBER_SALT)


def remember_token(account: GoogleAccount) -> str:
    """The cookie value that lets this browser skip the sign-in prompt next time."""
    return _remember_serializer().dumps(account.user_key)


def remembered_account(
    session: Session, login_hint: str | None, cookie: str | None, view: View
) -> GoogleAccount | None:
    """The account to use without a prompt: the cookie's, if Classroom's login_hint is the same user."""
    if not (login_hint and cookie):
        return None
    try:
        key = _remember_serializer().loads(
            cookie, max_age=current_app.config["CLASSROOM_REMEMBER_SECONDS"]
        )
    except BadSignature:
        return None
    if key != accounts.user_key(login_hint):
        return None  # another Google user is in Classroom now: sign in as them
    account = accounts.find(session, key)
    return account if account is not None and accounts.has_scopes(account, view.scopes) else None


def record_sign_in(session: Session, sign_in: oauth.SignIn) -> str:
    """Keep the tokens; return the one-time code the pop-up hands to the iframe that opened it."""
    account = accounts.save_tokens(session, accounts.user_key(sign_in.google_user_id), sign_in.tokens)
    account.hosted_domain = sign_in.hosted_domain[:255]
    session.commit()
    if not accounts.has_scopes(account, sign_in.requested):
        missing = sorted(sign_in.requested - set(account.scopes.split()))
        raise MissingScopes(f"not granted: {' '.join(missing)}")
    code = secrets.token_urlsafe(32)
    get_store().set(f"classroom-signed-in:{code}", {"account_id": account.id, "sid": sign_in.session_id},
                    CODE_TTL_SECONDS)
    return code


def redeem_code(session: Session, code: str | None, session_id: str | None) -> GoogleAccount:
    """The account a sign-in code stands for; only in the iframe session that started it, once."""
    found = get_store().pop(f"classroom-signed-in:{code}") if code else None
    if found is None or found["sid"] != session_id:
        raise SignInFailed("unknown, used or foreign sign-in code")
    account = session.get(GoogleAccount, int(found["account_id"]))
    if account is None:
        raise SignInFailed("account removed during sign-in")
    return account


def addon_context(session: Session, account: GoogleAccount, params: AddOnParams) -> AddOnContext:
    """Ask Classroom who the user is on this item; a refused refresh marks consent revoked."""
    credentials = accounts.credentials_for(account)
    try:
        with answering_user():
            found = ClassroomApi.for_app(credentials).addon_context(params)
    except ConsentRevoked:
        accounts.mark_revoked(account)
        session.commit()
        raise
    accounts.remember_refresh(account, credentials)
    session.commit()
    return found


def launch(session: Session, account: GoogleAccount, view: View, params: AddOnParams) -> Launch:
    """Check the user's role with Classroom and record the visit as a launch."""
    found = addon_context(session, account, params)
    role = mapping.role_from(found)
    if view.name == "discovery":
        if role is not Role.TRAINER:
            raise NotAllowed("attachment discovery by a non-teacher")
        context = mapping.course_context(session, account, params.course_id)
        return mapping.record_visit(session, account, context, role, None)
    try:
        attachment = mapping.find_attachment(session, params)
    except AttachmentUnknown:
        attachment = copies.adopt(session, account, params, role)  # a copy of one of ours?
    if view.name == "review" and role is not Role.TRAINER:
        raise NotAllowed("student work review by a non-teacher")
    link = attachment.resource_link
    result = mapping.record_visit(session, account, link.context, role, link)
    if role is Role.MENTOR:
        mapping.remember_submission(session, attachment, result.user_id, found.submission_id)
    return result


def pending_to_session(view: View, params: AddOnParams) -> dict[str, Any]:
    return {"view": view.name, "params": params.to_session()}
