"""Database models. Import every model module here so Alembic sees the whole schema."""

from lti_tool.models.certification import Certification
from lti_tool.models.certification import CertificationCheck
from lti_tool.models.certification import CertificationEvent
from lti_tool.models.certification import SupervisedPractice
from lti_tool.models.course import Context
from lti_tool.models.course import ResourceLink
from lti_tool.models.kv import KeyValueEntry
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.tool_key import ToolKey
from lti_tool.models.user import Enrollment
from lti_tool.models.user import User

__all__ = [
    "Certification",
    "CertificationCheck",
    "CertificationEvent",
    "Context",
    "Deployment",
    "Enrollment",
    "KeyValueEntry",
    "Platform",
    "ResourceLink",
    "SupervisedPractice",
    "ToolKey",
    "User",
]
