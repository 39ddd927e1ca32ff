"""Database models. Import every model module here so Alembic sees the whole schema."""

from lti_tool.models.course import Context
from lti_tool.models.course import ResourceLink
from lti_tool.models.kv import KeyValueEntry
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.quiz import CourseQuizSettings
from lti_tool.models.quiz import CourseSettings
from lti_tool.models.quiz import QuizAnswer
from lti_tool.models.quiz import QuizAttempt
from lti_tool.models.quiz import QuizGrade
from lti_tool.models.tool_key import ToolKey
from lti_tool.models.user import Enrollment
from lti_tool.models.user import User

__all__ = [
    "Context",
    "CourseQuizSettings",
    "CourseSettings",
    "Deployment",
    "Enrollment",
    "KeyValueEntry",
    "Platform",
    "QuizAnswer",
    "QuizAttempt",
    "QuizGrade",
    "ResourceLink",
    "ToolKey",
    "User",
]
