"""The query parameters Classroom adds to the add-on's iframe URLs, checked.

Classroom opens the Attachment Discovery URI with ``courseId``, ``itemId``, ``itemType``,
``addOnToken`` and (for a user who signed in before) ``login_hint``; the Teacher View, Student
View and Student Work Review URIs with ``courseId``, ``itemId``, ``itemType``, ``attachmentId``
(and ``submissionId`` for review). ``postId`` is the deprecated name of ``itemId``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

from lti_tool.classroom.errors import InvalidAddOnParams

# itemType as Classroom sends it -> the REST collection under courses/{courseId}/.
ITEM_COLLECTIONS = {
    "courseWork": "courseWork",
    "courseWorkMaterials": "courseWorkMaterials",
    "announcement": "announcements",
    "announcements": "announcements",
}
GRADED_ITEM_TYPE = "courseWork"  # only activity-type attachments on assignments take grades
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOKEN = re.compile(r"^[\x21-\x7e]{1,4096}$")  # printable ASCII, no spaces


@dataclass(frozen=True)
class AddOnParams:
    """One iframe request's Classroom parameters."""

    course_id: str
    item_id: str
    item_type: str
    attachment_id: str | None = None
    submission_id: str | None = None
    add_on_token: str | None = None
    login_hint: str | None = None

    @property
    def collection(self) -> str:
        """The REST collection of the item: courseWork, courseWorkMaterials or announcements."""
        return ITEM_COLLECTIONS[self.item_type]

    @property
    def takes_grades(self) -> bool:
        return self.item_type == GRADED_ITEM_TYPE

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> AddOnParams:
        return cls(**data)


def parse(args: Mapping[str, str], *, needs: tuple[str, ...] = ()) -> AddOnParams:
    """Check the parameters; ``needs`` names the optional ones this view requires.

    Raises InvalidAddOnParams naming the first bad parameter (never echoing its value).
    """
    item_id = args.get("itemId") or args.get("postId")
    item_type = args.get("itemType", "")
    if item_type not in ITEM_COLLECTIONS:
        raise InvalidAddOnParams("itemType is missing or not a Classroom item type")
    params = AddOnParams(
        course_id=_id(args.get("courseId"), "courseId"),
        item_id=_id(item_id, "itemId"),
        item_type=item_type,
        attachment_id=_optional(args, "attachmentId", _ID),
        submission_id=_optional(args, "submissionId", _ID),
        add_on_token=_optional(args, "addOnToken", _TOKEN),
        login_hint=_optional(args, "login_hint", _ID),
    )
    names = {"attachmentId": params.attachment_id, "submissionId": params.submission_id,
             "addOnToken": params.add_on_token}
    missing = [name for name in needs if not names[name]]
    if missing:
        raise InvalidAddOnParams(f"{missing[0]} is missing")
    return params


def _id(value: str | None, name: str) -> str:
    if not value or not _ID.match(value):
        raise InvalidAddOnParams(f"{name} is missing or malformed")
    return value


def _optional(args: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not pattern.match(value):
        raise InvalidAddOnParams(f"{name} is malformed")
    return value
