"""Which wording and programme a learner gets: primary, secondary or staff."""

from __future__ import annotations

from typing import Literal

from lti_tool.models import Context
from lti_tool.models import ResourceLink

AudienceName = Literal["primary", "secondary", "staff"]
AUDIENCES: tuple[AudienceName, ...] = ("primary", "secondary", "staff")
DEFAULT_AUDIENCE: AudienceName = "secondary"
COURSE_AUDIENCES_SETTING = "course_audiences"  # platform setting: {lti_context_id: audience}


def audience_for(resource_link: ResourceLink | None, context: Context | None) -> AudienceName:
    """The link's custom ``audience``, else the course's setting, else "secondary"."""
    custom = (resource_link.custom or {}) if resource_link is not None else {}
    chosen = str(custom.get("audience", "")).strip().lower()
    if chosen in AUDIENCES:
        return chosen  # type: ignore[return-value]
    if context is not None:
        platform = context.deployment.platform
        per_course = platform.setting(COURSE_AUDIENCES_SETTING, {}) or {}
        setting = str(per_course.get(context.lti_context_id, "")).strip().lower()
        if setting in AUDIENCES:
            return setting  # type: ignore[return-value]
    return DEFAULT_AUDIENCE
