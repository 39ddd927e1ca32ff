"""Absolute URLs of the tool, as platforms and browsers must see them (behind a proxy too)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask import url_for


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for`` made absolute with PUBLIC_BASE_URL when set, else the request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def base_url() -> str:
    """The tool's public base URL, without a trailing slash."""
    return external_url("lti.index").rstrip("/")
