"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime read back from SQLite as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
