"""Database models. Import every model module here so Alembic sees the whole schema."""

from lti_tool.models.course import Context
from lti_tool.models.course import ResourceLink
from lti_tool.models.kv import KeyValueEntry
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.progress import CheckpointAnswer
from lti_tool.models.progress import ModuleProgress
from lti_tool.models.progress import VideoEvent
from lti_tool.models.tool_key import ToolKey
from lti_tool.models.user import Enrollment
from lti_tool.models.user import User

__all__ = [
    "CheckpointAnswer",
    "Context",
    "Deployment",
    "Enrollment",
    "KeyValueEntry",
    "ModuleProgress",
    "Platform",
    "ResourceLink",
    "ToolKey",
    "User",
    "VideoEvent",
]
