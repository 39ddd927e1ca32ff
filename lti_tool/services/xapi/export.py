"""Export PeerReady's own statement store as JSON lines (``flask xapi export``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import StoredStatement

PAGE = 500


def stored_statements(
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    course: str | None = None,
) -> Iterator[dict[str, object]]:
    """Stored statements in timestamp order; ``course`` is an LTI context id."""
    query = select(StoredStatement).order_by(StoredStatement.timestamp, StoredStatement.id)
    if since is not None:
        query = query.where(StoredStatement.timestamp >= since)
    if until is not None:
        query = query.where(StoredStatement.timestamp < until)
    if course is not None:
        query = query.join(Context, Context.id == StoredStatement.context_id).where(
            Context.lti_context_id == course
        )
    for row in session.scalars(query.execution_options(yield_per=PAGE)):
        yield row.data


def write_jsonl(statements: Iterator[dict[str, object]], out: TextIO) -> int:
    """Write one statement per line; return how many."""
    count = 0
    for statement in statements:
        out.write(json.dumps(statement, separators=(",", ":"), sort_keys=True) + "\n")
        count += 1
    return count
