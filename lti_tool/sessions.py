"""Sessions that survive blocked third-party cookies.

Inside an LMS iframe the browser may refuse PeerReady's cookies (Safari, Chrome's third-party
cookie phase-out, managed school browsers). So the session lives on the server, in the shared
store, and is found by a signed, short-lived token that every PeerReady link and form carries
(query parameter ``s``, or the ``X-PeerReady-Session`` header for scripts). A cookie is set too
and used when no token is present, e.g. in a new window.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask
from flask import Request
from flask import current_app
from flask import request
from flask import session
from flask.sessions import SessionInterface
from flask.sessions import SessionMixin
from flask.wrappers import Response
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict

from lti_tool.errors import StoreUnavailable
from lti_tool.store import STORE_ERRORS
from lti_tool.store import get_store

log = logging.getLogger(__name__)

TOKEN_PARAM = "s"
TOKEN_HEADER = "X-PeerReady-Session"
# Blueprints whose URLs must never carry a session token (public or pre-launch pages).
PUBLIC_BLUEPRINTS = frozenset({"lti", "registration", "demo", "verify", "static"})


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data kept in the store under ``session:<sid>``."""

    def __init__(
        self, initial: dict[str, Any] | None = None, sid: str | None = None,
        unavailable: bool = False,
    ) -> None:
        def on_update(_: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.modified = False
        # The store did not answer: the request gets a 503 page, and nothing is saved.
        self.unavailable = unavailable
        self.token_cache: tuple[str, str] | None = None  # (sid, its signed token)

    def regenerate(self) -> None:
        """Start afresh under a new id (at every launch: no session fixation)."""
        self.clear()
        self.sid = None
        self.modified = True


class TokenSessionInterface(SessionInterface):
    """Finds the session by token (URL, form, header) or cookie; stores it in the shared store."""

    salt = "peerready-session"

    def _serializer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key or "", salt=self.salt)

    def token_for(self, app: Flask, sid: str) -> str:
        return self._serializer(app).dumps(sid)

    def _sid_from(self, app: Flask, token: str | None) -> str | None:
        if not token:
            return None
        try:
            sid: str = self._serializer(app).loads(
                token, max_age=app.config["SESSION_LIFETIME_SECONDS"]
            )
        except BadSignature:  # forged, truncated or expired token: no session
            return None
        return sid

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = (
            request.args.get(TOKEN_PARAM)
            or request.headers.get(TOKEN_HEADER)
            or (request.form.get(TOKEN_PARAM) if request.mimetype in _FORM_TYPES else None)
            or request.cookies.get(self.get_cookie_name(app))
        )
        sid = self._sid_from(app, token)
        if sid:
            try:
                data = get_store().get(f"session:{sid}")
            except STORE_ERRORS:
                # Raising here would escape Flask's error pages (the session opens before the
                # request is dispatched, and again when the error page reads it).
                log.exception("session store unavailable")
                return ServerSession(unavailable=True)
            if data is not None:
                return ServerSession(data, sid)
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if not session.modified or session.unavailable:
            return
        if session.sid is None and session:
            session.sid = secrets.token_urlsafe(32)
        try:
            if not session:
                if session.sid:
                    get_store().delete(f"session:{session.sid}")
                return
            get_store().set(
                f"session:{session.sid}", dict(session), app.config["SESSION_LIFETIME_SECONDS"]
            )
        except STORE_ERRORS as exc:
            # The page would carry a token for a session that was never stored. Flask turns
            # this into its last-resort 500, which views/errors.py shows as the 503 page; the
            # error page's own save is skipped.
            session.unavailable = True
            raise StoreUnavailable(f"saving the session failed: {type(exc).__name__}") from exc
        secure = request.is_secure
        response.set_cookie(
            self.get_cookie_name(app),
            self.token_for(app, session.sid),
            max_age=app.config["SESSION_LIFETIME_SECONDS"],
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
            partitioned=secure,
            path="/",
        )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def current_token() -> str | None:
    """The token for the current session, to put in links, forms and scripts."""
    sid = getattr(session, "sid", None)
    if not sid:
        return None
    # A page has a dozen links: sign the id once per request, not once per link.
    cached = getattr(session, "token_cache", None)
    if cached is not None and cached[0] == sid:
        return cached[1]
    interface = current_app.session_interface
    assert isinstance(interface, TokenSessionInterface)
    token = interface.token_for(current_app, sid)
    if isinstance(session, ServerSession):
        session.token_cache = (sid, token)
    return token


def ensure_saved() -> None:
    """Give a new session its id now, so links rendered in this response can carry it."""
    assert isinstance(session, ServerSession)
    if session.sid is None:
        session.sid = secrets.token_urlsafe(32)
        session.modified = True


def init_app(app: Flask) -> None:
    """Install the token sessions and make ``url_for`` add the token to private pages."""
    app.session_interface = TokenSessionInterface()

    @app.before_request
    def refuse_while_the_store_is_unavailable() -> None:
        if getattr(session, "unavailable", False):
            raise StoreUnavailable("the session store did not answer")

    @app.url_defaults
    def add_session_token(endpoint: str, values: dict[str, Any]) -> None:
        blueprint = endpoint.split(".", 1)[0] if "." in endpoint else endpoint
        if blueprint in PUBLIC_BLUEPRINTS or TOKEN_PARAM in values:
            return
        token = current_token()
        if token:
            values[TOKEN_PARAM] = token

    @app.context_processor
    def session_token_in_templates() -> dict[str, Any]:
        return {"session_token": current_token, "session_param": TOKEN_PARAM}
