"""Database models. Import every model module here so Alembic sees the whole schema."""

from lti_tool.models.audit import AuditEntry
from lti_tool.models.audit import WithdrawnCertificate
from lti_tool.models.certification import Certification
from lti_tool.models.certification import CertificationCheck
from lti_tool.models.certification import CertificationEvent
from lti_tool.models.certification import ExpiryReminder
from lti_tool.models.certification import ReminderAddress
from lti_tool.models.certification import SupervisedPractice
from lti_tool.models.classroom import ClassroomAttachment
from lti_tool.models.classroom import ClassroomSubmission
from lti_tool.models.classroom import GoogleAccount
from lti_tool.models.course import Context
from lti_tool.models.course import ResourceLink
from lti_tool.models.kv import KeyValueEntry
from lti_tool.models.outbox import OutboxItem
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.progress import CheckpointAnswer
from lti_tool.models.progress import ModuleCompletion
from lti_tool.models.progress import ModuleProgress
from lti_tool.models.progress import ModuleRewatch
from lti_tool.models.progress import VideoEvent
from lti_tool.models.quiz import CourseQuizSettings
from lti_tool.models.quiz import CourseSettings
from lti_tool.models.quiz import QuizAnswer
from lti_tool.models.quiz import QuizAttempt
from lti_tool.models.quiz import QuizAttemptReset
from lti_tool.models.quiz import QuizGrade
from lti_tool.models.tool_key import ToolKey
from lti_tool.models.user import Enrollment
from lti_tool.models.user import User
from lti_tool.models.xapi import LaunchSession
from lti_tool.models.xapi import LrsEndpoint
from lti_tool.models.xapi import StoredStatement
from lti_tool.models.xapi import XapiRegistration

__all__ = [
    "AuditEntry",
    "Certification",
    "CertificationCheck",
    "CertificationEvent",
    "CheckpointAnswer",
    "ClassroomAttachment",
    "ClassroomSubmission",
    "Context",
    "CourseQuizSettings",
    "CourseSettings",
    "Deployment",
    "Enrollment",
    "ExpiryReminder",
    "GoogleAccount",
    "KeyValueEntry",
    "LaunchSession",
    "LrsEndpoint",
    "ModuleCompletion",
    "ModuleProgress",
    "ModuleRewatch",
    "OutboxItem",
    "Platform",
    "QuizAnswer",
    "QuizAttempt",
    "QuizAttemptReset",
    "QuizGrade",
    "ReminderAddress",
    "ResourceLink",
    "StoredStatement",
    "SupervisedPractice",
    "ToolKey",
    "User",
    "VideoEvent",
    "WithdrawnCertificate",
    "XapiRegistration",
]
