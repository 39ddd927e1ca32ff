"""Errors users can meet, each with a plain message and what to do next.

Every error has an HTTP status, a heading, one plain sentence for the person in front of the
screen, and (for launch problems) a hint for the school's IT admin. Handlers live in
``views/errors.py``; they log the detail with a correlation id and never show internals.
"""

from __future__ import annotations


class PeerReadyError(Exception):
    """Base for errors that have a page of their own."""

    status = 400
    heading = "Something went wrong"
    message = "PeerReady could not do that."
    next_step = "Go back to your course and open PeerReady again."
    admin_hint = ""
    retry_after = 0  # seconds for a Retry-After header (0: none)

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        if message:
            self.message = message


class StoreUnavailable(PeerReadyError):
    """The database or Redis holding sessions did not answer (a restart, a failover)."""

    status = 503
    heading = "PeerReady is busy for a moment"
    message = "PeerReady couldn't reach its records just now. Nothing you did caused it."
    next_step = "Wait a moment, then try again. Your progress so far is saved."
    retry_after = 5  # a restart or failover takes seconds


class LaunchUnavailable(StoreUnavailable):
    """As StoreUnavailable, during a login or launch: only the course can start it again."""

    message = "PeerReady is temporarily unavailable and couldn't open. Nothing you did caused it."
    next_step = "Wait a moment, then try again: open PeerReady from your course once more."


class SessionExpired(PeerReadyError):
    status = 401
    heading = "Please open PeerReady again"
    message = "Your session has ended or this page was opened outside your course."
    next_step = "Open PeerReady again from your course."


class NotAllowed(PeerReadyError):
    status = 403
    heading = "This page isn't for you"
    message = "Your role in this course doesn't give access to this page."
    next_step = "Go back to your course. If you think this is wrong, ask your teacher."


class NotFound(PeerReadyError):
    status = 404
    heading = "Not found"
    message = "We couldn't find that page."
    next_step = "Go back to your course and open PeerReady again."
