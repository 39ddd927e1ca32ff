"""What every "try again shortly" answer must be: PeerReady's 503 page, never a traceback."""

from __future__ import annotations

from typing import Any


def assert_unavailable_page(page: Any, *phrases: str) -> None:
    """A 503 with Retry-After, the site header, a reference code and ``phrases``; no internals."""
    body = page.get_data(as_text=True)
    assert page.status_code == 503, body[:300]
    assert int(page.headers["Retry-After"]) > 0
    assert 'class="site-header' in body and "Reference code" in body and "try again" in body
    for phrase in phrases:
        assert phrase in body, (phrase, body[:300])
    for internal in ("Traceback", "OperationalError", "Redis", "Connection", "psycopg"):
        assert internal not in body
