"""Secret key handling and the security headers every response carries."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import request
from flask import session
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

FRAME_ANCESTORS_CACHE_SECONDS = 60
FRAME_ANCESTORS_RETRY_SECONDS = 5  # after the database did not answer
# Third-party players a page may load (script and iframe origins), only on pages that ask.
EMBED_SOURCES: dict[str, tuple[str, ...]] = {
    "youtube": ("https://www.youtube.com", "https://www.youtube-nocookie.com"),
    "vimeo": ("https://player.vimeo.com",),
}


def allow_embed(kind: str) -> None:
    """Let this response's page load the ``kind`` player's script and iframe (see EMBED_SOURCES)."""
    request.environ["peerready.csp_embed_sources"] = EMBED_SOURCES[kind]


FRAMED_BY_SESSION_KEY = "framed_by"  # a session's own frame-ancestors (a Classroom visit sets it)


def allow_framing_by(origins: tuple[str, ...]) -> None:
    """Let only ``origins`` frame this response's page (instead of the registered platforms)."""
    request.environ["peerready.frame_ancestors"] = tuple(origins)


def is_development(app: Flask) -> bool:
    """True on a developer's machine (the embedded defaults)."""
    return str(app.config.get("ENVIRONMENT", "production")) == "development"


def require_secret_key(app: Flask) -> None:
    """Use PEERREADY_SECRET_KEY; in development write one to instance/, in production refuse."""
    if app.config.get("SECRET_KEY"):
        return
    if not is_development(app):
        raise RuntimeError(
            "PEERREADY_SECRET_KEY is not set. Set it to a long random value shared by every worker."
        )
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text(encoding="utf-8").strip()


def origin_of(url: str | None) -> str | None:
    """``https://moodle.example.org`` from any URL on that origin."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class FrameAncestors:
    """The origins allowed to frame PeerReady: every registered platform, refreshed each minute.

    If the database does not answer, the last origins loaded stay in use and the lookup is
    tried again a few seconds later (not a minute of pages no LMS may frame).
    """

    def __init__(self) -> None:
        self._origins: tuple[str, ...] = ()
        self._loaded_at = 0.0
        self._retry_at = 0.0

    def invalidate(self) -> None:
        self._loaded_at = 0.0
        self._retry_at = 0.0

    def cached(self) -> tuple[str, ...]:
        """The origins last loaded, without asking the database (for error pages)."""
        return self._origins

    def origins(self) -> tuple[str, ...]:
        now = time.monotonic()
        if now - self._loaded_at > FRAME_ANCESTORS_CACHE_SECONDS and now >= self._retry_at:
            loaded = self._load()
            if loaded is None:
                self._retry_at = now + FRAME_ANCESTORS_RETRY_SECONDS
            else:
                self._origins, self._loaded_at = loaded, now
        return self._origins

    @staticmethod
    def _load() -> tuple[str, ...] | None:
        """The registered platforms' origins, or None if the database did not answer."""
        from lti_tool.extensions import db
        from lti_tool.models import Platform

        try:
            # Classroom add-on tenants frame only their own visits' pages (see allow_framing_by).
            rows = db.session.execute(
                select(Platform.issuer, Platform.auth_login_url)
                .where(Platform.registered_via != "classroom")
            ).all()
        except SQLAlchemyError:  # down, or no tables yet (before `flask db upgrade`)
            try:
                db.session.rollback()
            except SQLAlchemyError:
                pass  # a dead connection: the session is discarded at teardown anyway
            return None
        found = {origin for row in rows for origin in map(origin_of, row) if origin}
        return tuple(sorted(found))


def content_security_policy(
    frame_ancestors: tuple[str, ...], form_targets: tuple[str, ...], embeds: tuple[str, ...] = ()
) -> str:
    """The CSP: our own scripts and styles only; framed only by registered platforms.

    Forms may post to registered platforms too (the deep-linking response goes there).
    ``embeds`` are a video player's origins (YouTube, Vimeo) on the pages that show one.
    """
    return "; ".join(
        (
            "default-src 'self'",
            " ".join(("script-src 'self'", *embeds)),
            " ".join(("frame-src 'self'", *embeds)),
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(("form-action 'self'", *form_targets)),
            " ".join(("frame-ancestors 'self'", *frame_ancestors)),
        )
    )


def _framers(platforms: tuple[str, ...], app: Flask) -> tuple[str, ...]:
    """Who may frame this page: set for it, set for the session's launch, or every platform."""
    chosen = request.environ.get("peerready.frame_ancestors") or session.get(FRAMED_BY_SESSION_KEY)
    if chosen:
        return tuple(chosen)
    return (*platforms, *app.config["EXTRA_FRAME_ANCESTORS"])


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    ancestors = FrameAncestors()
    app.extensions["peerready.frame_ancestors"] = ancestors

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A server error's page never asks the database: it may be what failed.
        platforms = ancestors.cached() if response.status_code >= 500 else ancestors.origins()
        response.headers.setdefault(
            "Content-Security-Policy",
            content_security_policy(
                frame_ancestors=_framers(platforms, app),
                form_targets=(*platforms, *app.config["EXTRA_FORM_ACTION"]),
                embeds=tuple(request.environ.get("peerready.csp_embed_sources", ())),
            ),
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Session tokens travel in URLs: never leak them to other sites through Referer.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
