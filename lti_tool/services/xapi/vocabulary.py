"""IRIs from published xAPI profiles, and PeerReady's own extensions under the tool's URL.

Verbs: ADL vocabulary (http://adlnet.gov/expapi/verbs/), the xAPI Video Profile
(https://w3id.org/xapi/video), cmi5 (https://w3id.org/xapi/cmi5) and the Open Badges profile
(https://w3id.org/xapi/openbadges).
"""

from __future__ import annotations

from dataclasses import dataclass

ADL = "http://adlnet.gov/expapi/verbs/"
VIDEO = "https://w3id.org/xapi/video/"
OPENBADGES = "https://w3id.org/xapi/openbadges/"
LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass(frozen=True)
class Verb:
    """A verb IRI and its English display word."""

    id: str
    word: str

    def as_json(self) -> dict[str, object]:
        # Display only in en-US: the Video Profile's models accept no other language tag.
        return {"id": self.id, "display": {"en-US": self.word}}


LAUNCHED = Verb(ADL + "launched", "launched")
INITIALIZED = Verb(ADL + "initialized", "initialized")
TERMINATED = Verb(ADL + "terminated", "terminated")
COMPLETED = Verb(ADL + "completed", "completed")
PASSED = Verb(ADL + "passed", "passed")
FAILED = Verb(ADL + "failed", "failed")
ATTEMPTED = Verb(ADL + "attempted", "attempted")
ANSWERED = Verb(ADL + "answered", "answered")
INTERACTED = Verb(ADL + "interacted", "interacted")
VOIDED = Verb(ADL + "voided", "voided")
PLAYED = Verb(VIDEO + "verbs/played", "played")
PAUSED = Verb(VIDEO + "verbs/paused", "paused")
SEEKED = Verb(VIDEO + "verbs/seeked", "seeked")
EARNED = Verb(OPENBADGES + "verbs/earned", "earned")
# The Open Badges profile has no verb for taking a badge back; "revoked" is PeerReady's own and
# lives under the tool's URL (see ``revoked_verb``).

# Activity types
COURSE = "http://adlnet.gov/expapi/activities/course"
MODULE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
VIDEO_ACTIVITY = VIDEO + "activity-type/video"
BADGE = OPENBADGES + "activity-types/badge"
PROFILE = "http://adlnet.gov/expapi/activities/profile"

# Profile activities placed in context.contextActivities.category
VIDEO_PROFILE = "https://w3id.org/xapi/video"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"

# Extensions
CMI5_SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
VIDEO_SESSION_ID = VIDEO + "extensions/session-id"
VIDEO_LENGTH = VIDEO + "extensions/length"
VIDEO_TIME = VIDEO + "extensions/time"
VIDEO_TIME_FROM = VIDEO + "extensions/time-from"
VIDEO_TIME_TO = VIDEO + "extensions/time-to"
VIDEO_PROGRESS = VIDEO + "extensions/progress"
VIDEO_PLAYED_SEGMENTS = VIDEO + "extensions/played-segments"
VIDEO_COMPLETION_THRESHOLD = VIDEO + "extensions/completion-threshold"
VIDEO_CC_ENABLED = VIDEO + "extensions/cc-enabled"
VIDEO_CC_LANGUAGE = VIDEO + "extensions/cc-subtitle-lang"
BADGE_ASSERTION = OPENBADGES + "extensions/badgeassertion"
LTI_DEPLOYMENT = LTI_CLAIM + "deployment_id"
LTI_CONTEXT = LTI_CLAIM + "context"
LTI_RESOURCE_LINK = LTI_CLAIM + "resource_link"
