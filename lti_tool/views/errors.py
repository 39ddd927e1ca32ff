"""Error pages: a heading, one plain sentence, the next step, and a correlation id in the log.

The pages for server-side failures never touch the database: it may be what failed (a restart,
a failover), and an error page that fails in turn reaches the user as the WSGI server's bare
"Internal Server Error".
"""

from __future__ import annotations

import logging
import uuid

import redis
from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from lti_tool.errors import LaunchUnavailable
from lti_tool.errors import PeerReadyError
from lti_tool.errors import StoreUnavailable
from lti_tool.extensions import db
from lti_tool.lti.errors import CookiesBlocked
from modules.errors import ModuleError
from modules.errors import ModuleNotFound
from modules.errors import ProgrammeNotFound

log = logging.getLogger("lti_tool.errors")

# What the database or Redis raises when it does not answer: shut down, restarting, failing over,
# unreachable, or every pooled connection busy.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError, InterfaceError, DisconnectionError, PoolTimeout,
    redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError,
)
# What the page's header and footer would otherwise reload from the database.
_DATABASE_GLOBALS = ("context", "user", "enrollment")


def is_unavailable(error: BaseException) -> bool:
    """True if ``error`` means the database or Redis did not answer (try again shortly)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNAVAILABLE_ERRORS)


def _rollback() -> None:
    """Discard the request's unfinished transaction; a dead connection has nothing to keep."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed; the connection is discarded", exc_info=True)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(
    status: int,
    heading: str,
    message: str,
    next_step: str,
    *,
    admin_hint: str = "",
    correlation_id: str = "",
    login_url: str | None = None,
    retry_after: int = 0,
) -> ResponseReturnValue:
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if status >= 500:
        # The database may be what failed, and the rollback expired the course, user and
        # enrollment: the header (course title) and footer (privacy notice link) would reload
        # them and crash the error page itself.
        for name in _DATABASE_GLOBALS:
            g.pop(name, None)
    if _wants_json():
        body = {"error": heading, "message": message, "correlation_id": correlation_id}
        return jsonify(body), status, headers
    page = render_template(
        "errors/problem.html",
        heading=heading,
        message=message,
        next_step=next_step,
        admin_hint=admin_hint,
        correlation_id=correlation_id,
        login_url=login_url,
    )
    return page, status, headers


def handle_peerready_error(error: PeerReadyError) -> ResponseReturnValue:
    """Log the detail with a correlation id; show the user what to do next."""
    _rollback()  # nothing half-done is kept
    correlation_id = uuid.uuid4().hex[:12]
    log.warning(
        "%s [%s] %s %s: %s",
        type(error).__name__,
        correlation_id,
        request.method,
        request.path,
        error.detail or error.message,
    )
    return _render(
        error.status,
        error.heading,
        error.message,
        error.next_step,
        admin_hint=error.admin_hint,
        correlation_id=correlation_id,
        login_url=error.login_url if isinstance(error, CookiesBlocked) else None,
        retry_after=error.retry_after,
    )


def handle_unavailable(error: Exception) -> ResponseReturnValue:
    """The database or Redis did not answer: a 503 page with Retry-After, nothing kept."""
    first_line = str(getattr(error, "orig", None) or error).strip().splitlines()[:1]
    detail = f"{type(error).__name__}: {first_line[0] if first_line else ''}"
    # A login or launch can't be retried by reloading: its state is single-use.
    if request.blueprint == "lti":
        return handle_peerready_error(LaunchUnavailable(detail))
    return handle_peerready_error(StoreUnavailable(detail))


def handle_module_error(error: ModuleError) -> ResponseReturnValue:
    """A training video refused something: 404 for a missing video, else 400 with the detail."""
    _rollback()
    status = 404 if isinstance(error, ModuleNotFound | ProgrammeNotFound) else 400
    detail = str(getattr(error, "detail", "") or "")
    log.info("%s %s %s: %s", type(error).__name__, request.method, request.path, detail or error)
    if request.is_json or _wants_json():
        return jsonify({"error": type(error).__name__, "message": error.message, "detail": detail}), status
    heading = "Not found" if status == 404 else "That didn't work"
    return _render(status, heading, error.message, "Go back to your training and try again.")


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    log.warning("CSRF refused %s %s: %s", request.method, request.path, error.description)
    return _render(
        400,
        "This form has expired",
        "For your safety, PeerReady only accepts forms it has just shown you.",
        "Go back, reload the page and try again.",
    )


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    original = getattr(error, "original_exception", None)
    if original is not None:
        # Flask's last resort: something failed after the view (an after_request hook, saving
        # the session) or inside another error handler. Show the page that error deserves.
        if isinstance(original, PeerReadyError):
            return handle_peerready_error(original)
        return handle_unexpected(original)
    status = error.code or 500
    headings = {
        404: ("Not found", "We couldn't find that page."),
        405: ("That didn't work", "This page can't be used that way."),
        413: ("That was too large", "PeerReady refused a request that was too large."),
        429: ("Please slow down", "Too many requests came from your network just now."),
    }
    heading, message = headings.get(status, ("Something went wrong", error.description or ""))
    response = _render(status, heading, message, "Go back to your course and open PeerReady again.")
    return response


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    if is_unavailable(error):
        return handle_unavailable(error)
    _rollback()
    correlation_id = uuid.uuid4().hex[:12]
    log.error("Unexpected error [%s] %s %s", correlation_id, request.method, request.path,
              exc_info=error)
    return _render(
        500,
        "Something went wrong on our side",
        "PeerReady hit a problem it didn't expect. Nothing you did caused it.",
        "Try again in a minute. If it keeps happening, tell your teacher and quote the code below.",
        correlation_id=correlation_id,
    )


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(PeerReadyError, handle_peerready_error)
    app.register_error_handler(ModuleError, handle_module_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    for unavailable in UNAVAILABLE_ERRORS:
        app.register_error_handler(unavailable, handle_unavailable)
    if not app.testing or app.config.get("HANDLE_UNEXPECTED_ERRORS"):
        app.register_error_handler(Exception, handle_unexpected)
