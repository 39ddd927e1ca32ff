"""Deliver outbox items: claim a destination's due items in order, send, record the outcome.

Callers add an ``OutboxItem`` (see ``enqueue``) to the session of the work that caused it, so the
message is committed with that work or not at all. Workers (``flask xapi deliver``, or a thread
in development) then deliver it:

- A claim takes a lease on the oldest pending items of one destination, in one short
  transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already
  serialises writers). Sending happens outside any transaction, so a slow receiver never holds
  a database lock.
- A destination is served in sequence: while its oldest item waits to be retried, nothing behind
  it is sent, so an LRS outage delays its statements but never reorders them. An item that the
  receiver refuses for good (a 4xx) is marked failed and the rest go on.
- A delivered item is never claimed again; marking is conditional on still holding the lease.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol

from flask import Flask
from sqlalchemy import Row
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.durability import commit_without_disk_wait
from lti_tool.extensions import db
from lti_tool.models import OutboxItem
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.outbox import FAILED
from lti_tool.models.outbox import PENDING
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Outcome:
    """What happened to one item: delivered, to be retried, or refused for good."""

    status: str  # DELIVERED, PENDING (retry later) or FAILED
    detail: str | None = None  # the receiver's reason, or a note (e.g. "superseded (409)")

    @classmethod
    def delivered(cls, note: str | None = None) -> Outcome:
        return cls(DELIVERED, note)

    @classmethod
    def retry(cls, error: str) -> Outcome:
        return cls(PENDING, error)

    @classmethod
    def rejected(cls, reason: str) -> Outcome:
        return cls(FAILED, reason)


@dataclass(frozen=True)
class Parcel:
    """An item as a sender sees it: detached from the database session."""

    id: int
    item_id: str
    payload: dict[str, Any]


class Sender(Protocol):
    """Delivers one kind of item. ``prepare`` may read the database; ``send`` must not."""

    def prepare(self, session: Session, destination: str) -> Any:
        """Everything ``send`` needs (URLs, credentials), read while a transaction is open."""
        ...

    def send(self, prepared: Any, parcels: list[Parcel]) -> list[Outcome]:
        """Send in order; one outcome per parcel. Network only: no database access."""
        ...


_senders: dict[str, Sender] = {}


def register_sender(kind: str, sender: Sender) -> None:
    """Make ``sender`` deliver items of ``kind``."""
    _senders[kind] = sender


Chore = Callable[[Session], int]
_chores: dict[str, Chore] = {}


def register_chore(name: str, chore: Chore) -> None:
    """Have workers run ``chore`` (which may add outbox items) every ``OUTBOX_CHORE_SECONDS``."""
    _chores[name] = chore


def run_chores(session: Session) -> dict[str, int]:
    """Run every registered chore once; what each one did (e.g. sessions closed)."""
    return {name: chore(session) for name, chore in _chores.items()}


def enqueue(
    session: Session,
    *,
    kind: str,
    destination: str,
    item_id: str,
    payload: dict[str, Any],
    platform_id: int | None = None,
    ref: str | None = None,
) -> OutboxItem:
    """Add an item to ``session``; it is committed (or not) with the caller's work."""
    item = OutboxItem(
        kind=kind, destination=destination, item_id=item_id, payload=payload,
        platform_id=platform_id, ref=ref, status=PENDING, attempts=0, next_attempt_at=utcnow(),
    )
    session.add(item)
    return item


@dataclass
class DeliveryReport:
    """What one pass of the worker did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    destinations: set[str] = field(default_factory=set)

    @property
    def handled(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass(frozen=True)
class DeliverySettings:
    """The worker's tuning, from the app config (``OUTBOX_*``)."""

    batch_size: int = 50
    lease_seconds: float = 120
    backoff_base_seconds: float = 5
    backoff_cap_seconds: float = 3600
    # Full batches of one destination sent in a row before the pass moves on.
    batches_per_pass: int = 20

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DeliverySettings:
        return cls(
            batch_size=int(config.get("OUTBOX_BATCH_SIZE", cls.batch_size)),
            lease_seconds=float(config.get("OUTBOX_LEASE_SECONDS", cls.lease_seconds)),
            backoff_base_seconds=float(config.get("OUTBOX_BACKOFF_BASE_SECONDS", cls.backoff_base_seconds)),
            backoff_cap_seconds=float(config.get("OUTBOX_BACKOFF_CAP_SECONDS", cls.backoff_cap_seconds)),
            batches_per_pass=int(
                config.get("OUTBOX_BATCHES_PER_PASS", cls.batches_per_pass)
            ),
        )


def backoff_delay(attempts: int, settings: DeliverySettings) -> float:
    """Seconds to wait after ``attempts`` failed tries: exponential, capped, with full jitter."""
    ceiling = min(settings.backoff_cap_seconds, settings.backoff_base_seconds * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)  # never 0: a dead receiver is not hammered


def deliver_due(
    session: Session,
    settings: DeliverySettings,
    worker_id: str | None = None,
    stopping: threading.Event | None = None,
) -> DeliveryReport:
    """One pass: for every destination with due items, send its batches, record outcomes.

    ``stopping``, once set, ends the pass after the batch in flight.
    """
    worker = worker_id or uuid.uuid4().hex
    report = DeliveryReport()
    stop = stopping or threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-send") as network:
        for destination in _due_destinations(session):
            if stop.is_set():
                break
            _deliver_destination(session, destination, worker, settings, report, network, stop)
    return report


def _deliver_destination(
    session: Session,
    destination: str,
    worker: str,
    settings: DeliverySettings,
    report: DeliveryReport,
    network: ThreadPoolExecutor,
    stop: threading.Event,
) -> None:
    """Send up to ``batches_per_pass`` batches of one destination, in order.

    The database work overlaps the network: while batch k is on its way, batch k-1's outcomes
    are recorded and batch k+1 (the items right after k) is leased, in one transaction. Batch
    k+1 is sent only once k is known to be delivered; otherwise its lease is released unsent,
    so the order holds. The receiver's time is then the only serial part, as when posting
    straight to it.
    """
    claimed = _claim(session, destination, worker, settings)
    if not claimed:
        return
    kind = claimed[0]
    prepared = _senders[kind].prepare(session, destination)
    session.commit()  # end the read transaction: SQLite would otherwise hold its write lock
    unrecorded: tuple[list[Parcel], list[Outcome]] | None = None
    for sent in range(settings.batches_per_pass):
        parcels = claimed[1]
        in_flight = network.submit(_send, kind, prepared, parcels)
        _fast_commit(session, kind)
        if unrecorded:
            _record(session, *unrecorded, worker, settings, report)
        more = (len(parcels) == settings.batch_size and sent + 1 < settings.batches_per_pass
                and not stop.is_set())
        claimed = (
            _claim(session, destination, worker, settings, commit=False, after_id=parcels[-1].id)
            if more else None
        )
        session.commit()
        unrecorded = (parcels, in_flight.result())
        report.destinations.add(destination)
        if claimed is None or claimed[0] != kind or not all(
            outcome.status == DELIVERED for outcome in unrecorded[1]
        ):
            break
    _fast_commit(session, kind)
    if unrecorded:
        _record(session, *unrecorded, worker, settings, report)
    if claimed:  # leased but not sent (an item before it failed, or the pass is over)
        _release(session, claimed[1], worker)
    session.commit()


def _fast_commit(session: Session, kind: str) -> None:
    """xAPI marks are safe to lose in a database crash (see ``durability``): the commit wait
    was a third of the worker's time per batch."""
    if kind == "xapi":
        commit_without_disk_wait(session)


def _release(session: Session, parcels: list[Parcel], worker: str) -> None:
    """Give back a lease without sending (the caller commits)."""
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_([p.id for p in parcels]), OutboxItem.claimed_by == worker,
               OutboxItem.status == PENDING)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def _due_destinations(session: Session) -> list[str]:
    now = utcnow()
    rows = session.scalars(
        select(OutboxItem.destination)
        .where(OutboxItem.status == PENDING, OutboxItem.next_attempt_at <= now)
        .group_by(OutboxItem.destination)
    ).all()
    session.commit()
    return list(rows)


def _claim(
    session: Session, destination: str, worker: str, settings: DeliverySettings,
    commit: bool = True,
    after_id: int | None = None,
) -> tuple[str, list[Parcel]] | None:
    """Lease the oldest pending items of ``destination``, or None if its head is not free.

    With ``after_id`` the batch starts right after that item: the caller holds the lease on
    every pending item up to it (the batch it is sending). With ``commit=False`` the lease
    joins the caller's transaction (which commits it).
    """
    now = utcnow()
    pending_after = (
        OutboxItem.destination == destination,
        OutboxItem.status == PENDING,
        OutboxItem.id > (after_id or 0),
    )
    # The destination's oldest pending item, read in the same statement (one round trip less
    # per batch): SKIP LOCKED may pass over it, and then the batch must not start.
    head = (select(func.min(OutboxItem.id)).where(*pending_after)
            .correlate(None).scalar_subquery())  # over the table, not the outer row
    # Plain rows, not ORM objects: building and tracking 50 entities per batch was most of
    # the worker's own CPU time.
    rows = session.execute(
        select(OutboxItem.id, OutboxItem.item_id, OutboxItem.payload, OutboxItem.kind,
               OutboxItem.claimed_until, OutboxItem.next_attempt_at, head.label("head_id"))
        .where(*pending_after)
        .order_by(OutboxItem.id)
        .limit(settings.batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    head_id = rows[0].head_id if rows else None
    # In order only: the batch starts at the destination's oldest pending item and stops at the
    # first item that is not due, leased by another worker, or of another kind.
    batch: list[Row[Any]] = []
    for row in rows:
        leased = row.claimed_until is not None and as_utc(row.claimed_until) > now
        if leased or as_utc(row.next_attempt_at) > now or (batch and row.kind != batch[0].kind):
            break
        batch.append(row)
    if not batch or batch[0].id != head_id or batch[0].kind not in _senders:
        if commit:
            session.rollback()
        return None
    until = now + timedelta(seconds=settings.lease_seconds)
    parcels = [Parcel(row.id, row.item_id, dict(row.payload)) for row in batch]
    kind = batch[0].kind
    session.execute(  # the rows are locked above: one statement leases them all
        update(OutboxItem)
        .where(OutboxItem.id.in_([row.id for row in batch]))
        .values(claimed_by=worker, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    if commit:
        _fast_commit(session, kind)
        session.commit()
    return kind, parcels


def _send(kind: str, prepared: Any, parcels: list[Parcel]) -> list[Outcome]:
    """The sender's network work (in the delivery thread): no database access."""
    outcomes = _senders[kind].send(prepared, parcels)
    if len(outcomes) != len(parcels):
        raise RuntimeError(f"{kind} sender gave {len(outcomes)} outcomes for {len(parcels)} items")
    return outcomes


def _record(
    session: Session,
    parcels: list[Parcel],
    outcomes: list[Outcome],
    worker: str,
    settings: DeliverySettings,
    report: DeliveryReport,
) -> None:
    now = utcnow()
    delivered: dict[str | None, list[int]] = {}
    others: list[tuple[Parcel, Outcome]] = []
    for parcel, outcome in zip(parcels, outcomes, strict=True):
        if outcome.status == DELIVERED:
            delivered.setdefault(outcome.detail, []).append(parcel.id)
        else:
            others.append((parcel, outcome))
    # Delivered items, the usual case, are marked with one statement per batch: one UPDATE per
    # item (and a locking read each) made the worker four times slower than posting the same
    # batches straight to an LRS. Only items whose lease this worker still holds change.
    for detail, ids in delivered.items():
        marked = session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(ids), OutboxItem.claimed_by == worker,
                   OutboxItem.status == PENDING)
            .values(status=DELIVERED, delivered_at=now, attempts=OutboxItem.attempts + 1,
                    claimed_by=None, claimed_until=None,
                    last_error=detail[:MAX_ERROR_CHARS] if detail else None)
            .execution_options(synchronize_session=False)
        )
        report.delivered += marked.rowcount
    items = {
        item.id: item
        for item in session.scalars(
            select(OutboxItem)
            .where(OutboxItem.id.in_([parcel.id for parcel, _ in others]))
            .order_by(OutboxItem.id)
            .with_for_update()
        )
    } if others else {}
    for parcel, outcome in others:
        item = items.get(parcel.id)
        if item is None or item.claimed_by != worker or item.status != PENDING:
            continue  # lease lost (we were too slow) or an admin changed it meanwhile
        item.attempts += 1
        item.claimed_by = item.claimed_until = None
        item.last_error = outcome.detail[:MAX_ERROR_CHARS] if outcome.detail else None
        item.status = outcome.status
        if outcome.status == FAILED:
            report.failed += 1
            log.warning("outbox item %s to %s refused: %s", item.id, item.destination, outcome.detail)
        else:
            item.next_attempt_at = now + timedelta(seconds=backoff_delay(item.attempts, settings))
            report.retrying += 1


def retry_now(
    session: Session, destinations: Iterable[str], platform_id: int | None = None
) -> int:
    """Make failed and waiting items of ``destinations`` due at once; return how many."""
    query = update(OutboxItem).where(
        OutboxItem.destination.in_(list(destinations)), OutboxItem.status.in_((PENDING, FAILED))
    )
    if platform_id is not None:
        query = query.where(OutboxItem.platform_id == platform_id)
    result = session.execute(query.values(status=PENDING, next_attempt_at=utcnow()))
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class QueueSummary:
    """A destination's queue as admins see it."""

    destination: str
    pending: int
    failed: int
    delivered: int
    last_error: str | None
    next_attempt_at: datetime | None


def queue_summary(
    session: Session, destinations: Iterable[str], platform_id: int | None = None
) -> list[QueueSummary]:
    """Counts per status, the latest error and the next try, for each destination."""
    summaries = []
    for destination in destinations:
        where = [OutboxItem.destination == destination]
        if platform_id is not None:
            where.append(OutboxItem.platform_id == platform_id)
        counts: dict[str, int] = {
            status: count for status, count in session.execute(
                select(OutboxItem.status, func.count()).where(*where).group_by(OutboxItem.status)
            )
        }
        latest = session.scalars(
            select(OutboxItem)
            .where(*where, OutboxItem.last_error.is_not(None), OutboxItem.status != DELIVERED)
            .order_by(OutboxItem.id.desc())
            .limit(1)
        ).first()
        next_try = session.scalar(
            select(func.min(OutboxItem.next_attempt_at)).where(*where, OutboxItem.status == PENDING)
        )
        summaries.append(QueueSummary(
            destination=destination, pending=counts.get(PENDING, 0), failed=counts.get(FAILED, 0),
            delivered=counts.get(DELIVERED, 0), last_error=latest.last_error if latest else None,
            next_attempt_at=as_utc(next_try) if next_try else None,
        ))
    return summaries


def failed_items(
    session: Session, destinations: Iterable[str], platform_id: int | None = None, limit: int = 50
) -> list[OutboxItem]:
    """Items refused for good, newest first, with the receiver's reason in ``last_error``."""
    query = select(OutboxItem).where(
        OutboxItem.destination.in_(list(destinations)), OutboxItem.status == FAILED
    )
    if platform_id is not None:
        query = query.where(OutboxItem.platform_id == platform_id)
    return list(session.scalars(query.order_by(OutboxItem.id.desc()).limit(limit)))


class DeliveryWorker:
    """Delivers in a loop until stopped; ``stop()`` is safe from a signal handler or thread."""

    def __init__(self, app: Flask, idle_seconds: float | None = None) -> None:
        self.app = app
        self.settings = DeliverySettings.from_config(app.config)
        self.idle_seconds = idle_seconds if idle_seconds is not None else float(
            app.config.get("OUTBOX_IDLE_SECONDS", 2)
        )
        self.worker_id = uuid.uuid4().hex
        self.chore_seconds = float(app.config.get("OUTBOX_CHORE_SECONDS", 60))
        self._chores_due = 0.0  # time.monotonic() of the next chores run
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def is_stopping(self) -> bool:
        return self._stopping.is_set()

    def run_once(self) -> DeliveryReport:
        """Run the chores if they are due (their items go out in this pass), then deliver."""
        with self.app.app_context():
            try:
                if time.monotonic() >= self._chores_due:
                    self._chores_due = time.monotonic() + self.chore_seconds
                    run_chores(db.session)
                return deliver_due(db.session, self.settings, self.worker_id, self._stopping)
            finally:
                db.session.remove()

    def run(self, on_pass: Callable[[DeliveryReport], None] | None = None) -> None:
        """Deliver until ``stop()``; sleep ``idle_seconds`` whenever a pass found nothing to do."""
        while not self._stopping.is_set():
            report = self.run_once()
            if on_pass:
                on_pass(report)
            if report.handled == 0:
                self._stopping.wait(self.idle_seconds)


def start_in_process(app: Flask) -> threading.Thread:
    """Start a daemon delivery thread inside the web process (see ``delivery.init_app``)."""
    worker = DeliveryWorker(app)
    thread = threading.Thread(target=worker.run, name="peerready-outbox", daemon=True)
    thread.start()
    app.extensions["peerready.outbox_worker"] = worker
    return thread
