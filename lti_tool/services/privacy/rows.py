"""Find every row that belongs to some people or courses by walking the schema's foreign keys.

A row *belongs* to a parent row when its foreign key to it is ``ON DELETE CASCADE`` or not
nullable (or the registry lists it in ``owned_by``): it goes when the parent goes. A nullable
``SET NULL`` key only *mentions* the parent (the trainer who revoked a certificate): erasure
clears it, and an export shows only that the mention exists. Tables added later are walked the
same way without code changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.services.privacy.registry import REGISTRY

CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


@dataclass(frozen=True)
class Mention:
    """A row of ``table`` whose ``column`` names a selected row (kept, but the key is cleared)."""

    table: str
    column: str
    row_id: Any


@dataclass
class Selection:
    """Primary keys of the rows that belong to the chosen people or courses, per table."""

    owned: dict[str, set[Any]] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)

    def ids(self, table: str) -> set[Any]:
        return self.owned.get(table, set())

    def count(self) -> int:
        return sum(len(ids) for ids in self.owned.values())


def primary_key(table: Table) -> Column[Any]:
    """The single primary key column every personal table has."""
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise ValueError(f"{table.name}: privacy needs a single-column primary key")
    return columns[0]


def is_owning(fk: ForeignKey) -> bool:
    """Whether the row goes when the row it points to goes."""
    info = REGISTRY.get(fk.parent.table.name)
    if info is not None and fk.parent.name in info.owned_by:
        return True
    return (fk.ondelete or "").upper() == "CASCADE" or not fk.parent.nullable


def select_rows(session: Session, metadata: MetaData, root: str, ids: Iterable[Any]) -> Selection:
    """Every row that belongs to rows ``ids`` of table ``root``, and the rows that mention them."""
    selection = Selection(owned={root: set(ids)})
    queue = [root]
    if root == "user":
        queue += _owned_by_person_key(session, metadata, selection)
    while queue:
        parent = queue.pop()
        parent_ids = selection.owned[parent]
        for table in metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name != parent or not parent_ids:
                    continue
                if not is_owning(fk):
                    continue
                found = set(_matching(session, table, fk.parent, parent_ids)) - selection.ids(table.name)
                if found:
                    selection.owned.setdefault(table.name, set()).update(found)
                    queue.append(table.name)
    selection.mentions = list(_mentions(session, metadata, selection))
    return selection


def _owned_by_person_key(session: Session, metadata: MetaData, selection: Selection) -> list[str]:
    """Rows of tables that name people by their platform id instead of a foreign key."""
    users = metadata.tables["user"]
    subs = set()
    for chunk in _chunks(selection.ids("user")):
        subs |= set(session.scalars(select(users.c.sub).where(users.c.id.in_(chunk))))
    found = []
    for name, info in REGISTRY.items():
        if info.person_key is None or name not in metadata.tables or not subs:
            continue
        table = metadata.tables[name]
        ids = set(_matching(session, table, table.c[info.person_key], subs))
        if ids:
            selection.owned.setdefault(name, set()).update(ids)
            found.append(name)
    return found


def _mentions(session: Session, metadata: MetaData, selection: Selection) -> Iterator[Mention]:
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent_ids = selection.ids(fk.column.table.name)
            if is_owning(fk) or not parent_ids:
                continue
            pk = primary_key(table)
            for chunk in _chunks(parent_ids):
                for row_id in session.scalars(select(pk).where(fk.parent.in_(chunk))):
                    if row_id not in selection.ids(table.name):
                        yield Mention(table.name, fk.parent.name, row_id)


def _matching(session: Session, table: Table, column: Column[Any], values: set[Any]) -> Iterator[Any]:
    pk = primary_key(table)
    for chunk in _chunks(values):
        yield from session.scalars(select(pk).where(column.in_(chunk)))


def fetch(session: Session, table: Table, ids: Iterable[Any]) -> list[dict[str, Any]]:
    """The rows with these primary keys, as dicts, in key order."""
    pk = primary_key(table)
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(set(ids)):
        rows += [dict(r._mapping) for r in session.execute(select(table).where(pk.in_(chunk)))]
    return sorted(rows, key=lambda r: str(r[pk.name]).zfill(20))


def remove(session: Session, metadata: MetaData, selection: Selection) -> dict[str, int]:
    """Clear the mentions, then delete the owned rows children first. The caller commits."""
    for mention in selection.mentions:
        table = metadata.tables[mention.table]
        session.execute(
            update(table).where(primary_key(table) == mention.row_id).values({mention.column: None})
        )
    removed: dict[str, int] = {}
    for table in reversed(metadata.sorted_tables):
        ids = selection.ids(table.name)
        if not ids:
            continue
        _clear_self_references(session, table, ids)
        for chunk in _chunks(ids):
            session.execute(delete(table).where(primary_key(table).in_(chunk)))
        removed[table.name] = len(ids)
    session.expire_all()
    return removed


def _clear_self_references(session: Session, table: Table, ids: set[Any]) -> None:
    # A renewal points at the certificate it renewed: clear such keys so either can go first.
    for fk in table.foreign_keys:
        if fk.column.table is table and fk.parent.nullable:
            for chunk in _chunks(ids):
                session.execute(
                    update(table).where(primary_key(table).in_(chunk)).values({fk.parent.name: None})
                )


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = sorted(values, key=str)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
