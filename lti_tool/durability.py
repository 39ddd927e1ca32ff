"""Commits that need not wait for the disk: for work that is safe to lose in a database crash.

PostgreSQL's ``synchronous_commit = off`` for one transaction acknowledges its commit before the
WAL reaches the disk. The data is never corrupted, and a crash of PeerReady itself loses
nothing; only a crash of the database server may forget the last fraction of a second of such
transactions. Use it only where that is harmless: a launch (the pupil opens PeerReady again)
and the outbox's xAPI marks (the statements are sent again, and an LRS keeps one per id).
Answers, progress and grades always wait for the disk.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def commit_without_disk_wait(session: Session) -> None:
    """Let the current transaction of ``session`` commit without waiting for the disk."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
