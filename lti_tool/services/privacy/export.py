"""Subject access: everything PeerReady holds about one person, readable and as JSON.

The rows come from the schema walk (``rows.select_rows``), so a table another part of
PeerReady adds later is exported without changes here. Rows that only *mention* the person
(a certificate of another pupil they revoked) are counted, never shown: they are about someone
else. A trainer's export is limited to rows that belong to their course too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services import reminders
from lti_tool.services.privacy import records
from lti_tool.services.privacy import rows
from lti_tool.services.privacy.registry import REGISTRY
from lti_tool.services.privacy.registry import TableInfo


@dataclass(frozen=True)
class Section:
    """The person's rows of one table, with what the table is for."""

    table: str
    info: TableInfo
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Export:
    """Everything held about one person (or, for a trainer, about them in one course)."""

    platform: Platform
    person: User
    generated_at: datetime
    course: Context | None
    sections: list[Section]
    mentions: dict[str, int]
    held_records: list[records.HeldRecord]
    shows_names: bool = field(default=True)

    def as_json(self) -> dict[str, Any]:
        """The export as plain JSON values."""
        return {
            "generated_at": _plain(self.generated_at),
            "school": self.platform.name or self.platform.issuer,
            "person": {"platform_user_id": self.person.sub,
                       "name": self.person.display_name if self.shows_names else None},
            "course": self.course.title if self.course else None,
            "tables": {
                s.table: {"title": s.info.title, "why": s.info.why, "where": list(s.info.where),
                          "rows": [{k: _plain(v) for k, v in r.items()} for r in s.rows]}
                for s in self.sections
            },
            "mentioned_in": self.mentions,
            "learning_records_and_grades": [
                {"kind": h.kind, "id": h.record_id, "where": h.where, "status": h.status,
                 "at": _plain(h.at), "content": h.data}
                for h in self.held_records
            ],
        }


def export_person(session: Session, metadata: MetaData, person: User, course: Context | None = None,
                  shows_names: bool = True) -> Export:
    """Build the export of ``person``; with ``course``, only what belongs to that course too."""
    platform = person.platform
    selection = rows.select_rows(session, metadata, "user", {person.id})
    owned = selection.owned
    if course is not None:
        in_course = rows.select_rows(session, metadata, "context", {course.id}).owned
        owned = {t: ids & in_course.get(t, set()) for t, ids in owned.items() if t != "user"}
        owned["user"] = {person.id}
        course_markers = records.markers_for_course(session, platform, course.id, ())
        mine = records.markers_for_people(session, platform, [person])
        markers = records.Markers(platform.id, course_markers.texts & mine.texts, frozenset())
    else:
        markers = records.markers_for_people(session, platform, [person])
    sections = [
        Section(t.name, REGISTRY[t.name], rows.fetch(session, t, owned[t.name]))
        for t in metadata.sorted_tables if owned.get(t.name) and t.name in REGISTRY
    ]
    for section in sections:  # the person gets their address back, not the ciphertext
        if section.table == "reminder_address":
            for row in section.rows:
                row["email_encrypted"] = reminders.decrypt_address(row["email_encrypted"])
    if not shows_names:
        for section in sections:
            for row in section.rows:
                if "display_name" in row:
                    row["display_name"] = None
    mentions: dict[str, int] = {}
    for mention in selection.mentions:
        title = REGISTRY[mention.table].title if mention.table in REGISTRY else mention.table
        mentions[title] = mentions.get(title, 0) + 1
    return Export(platform, person, utcnow(), course, sections, mentions,
                  records.describe(session, markers), shows_names)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
