"""The data map: what each table holds about people, why, and where it goes.

Every table must be listed here (``tests/test_privacy_registry.py`` fails otherwise), and a
table that reaches ``user`` (or names people by ``person_key``) must describe every column. The school's data page and ``docs/data-protection.md``
are written from this map, and export and erasure find the rows by walking the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import MetaData
from sqlalchemy import Table

ROOTS = ("user", "context", "platform")

DATABASE = "PeerReady's database"
LRS = "the school's LRS, if it has one"
GRADEBOOK = "the school's platform gradebook"
MEMORY = "PeerReady's short-lived store (hours)"


@dataclass(frozen=True)
class TableInfo:
    """One table, in words a data protection officer can check."""

    title: str
    holds: str
    why: str
    where: tuple[str, ...] = (DATABASE,)
    fields: dict[str, str] = field(default_factory=dict)
    # Nullable foreign keys that still mean "this row belongs to that row" (erase with it).
    owned_by: tuple[str, ...] = ()
    # Whether the rows are about a person (shown on the data page under "pupils and staff").
    about_people: bool = True
    # A column holding the person's platform id (``user.sub``) where there is no foreign key:
    # its rows belong to that person.
    person_key: str | None = None


_ID = "Row number inside PeerReady."
_USER = "Which person the row is about (PeerReady's own number for them)."
_COURSE = "Which course it happened in."
_WHEN = "When it happened."

REGISTRY: dict[str, TableInfo] = {
    "platform": TableInfo(
        "School registration", "The school's learning platform: its address, keys and settings.",
        "To accept sign-ins from the school and apply the school's choices.", about_people=False,
    ),
    "deployment": TableInfo(
        "Deployments", "Which placements of PeerReady the school made on its platform.",
        "To accept launches only from placements the school registered.", about_people=False,
    ),
    "context": TableInfo(
        "Courses", "The course id, title and short name the platform sends.",
        "To keep each course's pupils and records apart.", about_people=False,
    ),
    "resource_link": TableInfo(
        "Activities in courses", "Each PeerReady activity placed in a course, and its gradebook column.",
        "To open the right module or quiz and send the score to the right column.", about_people=False,
    ),
    "course_quiz_settings": TableInfo(
        "Course quiz settings", "Pass marks and attempt limits a trainer chose.",
        "To run the quizzes as the trainer set them.", about_people=False,
    ),
    "course_settings": TableInfo(
        "Course settings", "Whether a course is worded for primary, secondary or staff.",
        "To show pupils wording that suits their age.", about_people=False,
    ),
    "lrs_endpoint": TableInfo(
        "Learning record stores", "The address and (encrypted) password of the school's LRS.",
        "To send learning records where the school asked.", about_people=False,
    ),
    "withdrawn_certificate": TableInfo(
        "Withdrawn certificates", "The random code of a certificate whose holder's data was erased. "
        "No name or link to a person.",
        "So anyone checking the code is told it was withdrawn instead of seeing who held it.",
        about_people=False,
    ),
    "user": TableInfo(
        "People", "One row for each pupil or member of staff who opened PeerReady.",
        "To recognise a person when they come back and keep their progress.",
        fields={
            "id": _ID,
            "platform_id": "Which school they belong to.",
            "sub": "The platform's own id for them (an opaque code, not a name).",
            "display_name": "Their name, only if the platform sends it and the school allows storing it.",
            "created_at": "When they first opened PeerReady.",
            "last_seen_at": "When they last opened PeerReady (retention counts from here).",
        },
    ),
    "enrollment": TableInfo(
        "Course memberships", "Which courses a person opened PeerReady from, and their role there.",
        "To show pupils their training and trainers their course.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE,
            "role": "Mentor (learner) or trainer, decided from the platform's role.",
            "lti_roles": "The roles the platform sent, to explain that decision.",
            "created_at": "When they first opened it from this course.",
            "last_launch_at": "When they last opened it from this course.",
        },
    ),
    "xapi_registration": TableInfo(
        "Learning record group", "A random id that groups one person's learning records in one course.",
        "So an LRS can tell which records belong to the same course membership.", (DATABASE, LRS),
        fields={
            "enrollment_id": "Which course membership it belongs to.",
            "registration": "The random id sent in each learning record.",
            "created_at": "When it was made.",
        },
    ),
    "module_progress": TableInfo(
        "Video progress", "How much of each training video a pupil has watched and whether it is complete.",
        "To resume videos and count completed modules towards the certificate.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "module_id": "Which module.",
            "segments": "Which parts of the video were watched.",
            "covered_seconds": "How many seconds were watched.", "share": "The share watched.",
            "furthest": "The furthest point reached.", "last_position": "Where to resume.",
            "playback_speed": "The chosen speed.", "answered_checkpoints": "Questions answered in the video.",
            "completed_at": "When the module was completed.", "updated_at": "Last change.",
        },
    ),
    "module_completion": TableInfo(
        "Module completions", "Each time a pupil completed a training video: the first time and "
        "each time they watched it again for a refresher.",
        "To count completed modules towards the certificate and its renewal.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "module_id": "Which module.",
            "viewing": "Which viewing (1 the first, 2 the first re-watch, …).",
            "completed_at": "When that viewing was completed.",
        },
    ),
    "module_rewatch": TableInfo(
        "Video re-watches",
        "How much of a training video a pupil has watched again for a refresher.",
        "To count a refresher video again at renewal without changing the first viewing's record.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "module_id": "Which module.",
            "number": "Which viewing it is (2 for the first re-watch).",
            "segments": "Which parts were watched again.", "covered_seconds": "How many seconds.",
            "share": "The share watched again.", "furthest": "The furthest point reached.",
            "last_position": "Where to resume.",
            "answered_checkpoints": "Questions answered again.",
            "started_at": "When the re-watch started.", "completed_at": "When it was completed.",
        },
    ),
    "video_event": TableInfo(
        "Video events", "Each play, pause, seek and caption change in a training video.",
        "To work out what was watched, and for trainers' anonymous drop-off charts.", (DATABASE, LRS),
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "module_id": "Which module.",
            "player_session": "A random id for one viewing.", "event_id": "A random id for the event.",
            "type": "Play, pause, seek and so on.", "position": "Where in the video.",
            "from_position": "Where a seek started.", "to_position": "Where a seek ended.",
            "speed": "Playback speed.", "detail": "Caption language and similar player facts.",
            "occurred_at": "The device's time of the event.", "received_at": "When PeerReady got it.",
        },
    ),
    "checkpoint_answer": TableInfo(
        "Video questions", "Answers to the short questions inside videos.",
        "To give feedback and count the module as complete.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "module_id": "Which module.",
            "checkpoint_id": "Which question.", "choice_id": "The option chosen (none for a reflection).",
            "correct": "Whether it was right.", "answered_at": _WHEN,
        },
    ),
    "quiz_attempt": TableInfo(
        "Quiz attempts", "Each attempt at a scenario quiz: its progress, score and whether it passed.",
        "To let pupils finish quizzes, give feedback and decide certification.", (DATABASE, LRS),
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE,
            "resource_link_id": "Which activity it was opened from.", "quiz_id": "Which quiz.",
            "number": "Which attempt (1, 2, …).", "audience": "Primary, secondary or staff wording.",
            "seed": "Random order of options.", "state": "Where the pupil is in the quiz.",
            "status": "In progress or finished.", "score": "Points scored.", "max_score": "Points possible.",
            "scaled": "Score as a share.", "passed": "Whether it passed.",
            "critical_all_right": "Whether every safeguarding question was right.",
            "started_at": "When it started.", "finished_at": "When it finished.",
        },
    ),
    "quiz_answer": TableInfo(
        "Quiz answers", "Each answer in a quiz attempt and how it was scored.",
        "To give feedback, and for trainers' question statistics.", (DATABASE, LRS),
        fields={
            "id": _ID, "attempt_id": "Which attempt.", "step_key": "Which step of the attempt.",
            "activity_id": "Which question.", "scene_id": "Which scene of the scenario.",
            "response": "The options chosen.", "points": "Points given.", "correct": "Whether it was right.",
            "critical": "Whether it was a safeguarding question.", "answered_at": _WHEN,
        },
    ),
    "quiz_grade": TableInfo(
        "Quiz grades", "The score the platform's gradebook should show for each quiz.",
        "To send the grade to the school's gradebook.", (DATABASE, GRADEBOOK),
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "quiz_id": "Which quiz.",
            "resource_link_id": "Which gradebook column.", "attempt_id": "Which attempt counted.",
            "score_given": "The score.", "score_maximum": "The maximum.",
            "activity_progress": "Started or completed.", "grading_progress": "Whether grading is done.",
            "passed": "Whether it passed.", "timestamp": "When the grade was set.",
        },
    ),
    "quiz_attempt_reset": TableInfo(
        "Quiz attempt resets", "When a trainer deleted a pupil's quiz attempts: who, why, and "
        "what the attempts scored.",
        "So the school can see why a pupil's attempts and grade changed.",
        owned_by=("learner_id",),
        fields={
            "id": _ID, "context_id": _COURSE, "quiz_id": "Which quiz.", "learner_id": _USER,
            "trainer_id": "The member of staff who reset the attempts.",
            "reason": "The reason the trainer gave (free text).",
            "attempts": "Each deleted attempt's number, dates, score and result.",
            "voided_statements": "How many learning records were withdrawn (voided).", "at": _WHEN,
        },
    ),
    "launch_session": TableInfo(
        "Launch sessions", "When each opening of PeerReady from the platform started, was last "
        "used and ended.",
        "To send the learning record that says how long a session lasted (xAPI terminated).",
        (DATABASE, LRS),
        fields={
            "id": "The session's random id (also in its learning records).", "user_id": _USER,
            "context_id": _COURSE, "resource_link_id": "Which link in the course was opened.",
            "started_at": "When it started.", "last_active_at": "When it was last used.",
            "left_at": "When the page said it was being closed.",
            "presence_ms": "The browser's clock on its latest page closed or open signal.",
            "terminated_at": "When the session was recorded as ended.",
        },
    ),
    "certification": TableInfo(
        "Certificates", "Each peer mentor certificate: when earned, when it expires, whether revoked.",
        "To show and verify the certificate; a public page shows its status (and a name only if "
        "the school allows).", (DATABASE, GRADEBOOK),
        fields={
            "id": _ID, "code": "The random verification code printed on the certificate.",
            "credential_uuid": "The Open Badge id.", "platform_id": "Which school issued it.",
            "user_id": _USER, "context_id": _COURSE, "programme_id": "Which training programme.",
            "programme_title": "The programme's title at the time.", "criteria": "What was required.",
            "earned_at": "When it was earned.", "expires_at": "When it runs out (retention counts from here).",
            "status_index": "A random position in the public revocation list.",
            "recipient_salt": "Random value that hides the holder in the badge.",
            "renewal_of_id": "The certificate it renewed.", "superseded_at": "When a renewal replaced it.",
            "revoked_at": "When it was revoked.", "revoked_by_id": "The trainer who revoked it.",
            "revoked_reason": "The reason (seen by trainers only).",
        },
    ),
    "certification_event": TableInfo(
        "Certificate history", "Earned, renewed, signed off, revoked and expired events.",
        "To show trainers and pupils the history of a certificate.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "programme_id": "Which programme.",
            "certification_id": "Which certificate.", "kind": "What happened.", "at": _WHEN,
            "actor_id": "The trainer who acted, if any.", "note": "The trainer's note.",
        },
    ),
    "supervised_practice": TableInfo(
        "Supervised practice", "Dates of supervised practice a trainer recorded, with a short note.",
        "Some schools require practice before certification.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "programme_id": "Which programme.",
            "practised_from": "First day.", "practised_until": "Last day.", "note": "The trainer's note.",
            "recorded_by_id": "The trainer who recorded it.", "recorded_at": "When it was recorded.",
        },
    ),
    "reminder_address": TableInfo(
        "E-mail for certificate reminders", "A mentor's e-mail address, encrypted. Kept only when "
        "the school turned on expiry reminders and its platform sends addresses.",
        "To remind the mentor, 60, 30 and 7 days before, that their certificate runs out.",
        (DATABASE, "the school's own outgoing mail server"),
        fields={
            "id": _ID, "user_id": _USER,
            "email_encrypted": "The e-mail address from the latest launch, encrypted.",
            "updated_at": "When the platform last sent it.",
        },
    ),
    "expiry_reminder": TableInfo(
        "Certificate reminders sent", "Which expiry reminders (60, 30 or 7 days) were e-mailed.",
        "So each reminder is sent once.",
        fields={
            "id": _ID, "certification_id": "Which certificate.",
            "days": "Which reminder: 60, 30 or 7 days before expiry.",
            "sent_at": "When it was sent.",
        },
    ),
    "certification_check": TableInfo(
        "Certification checklist", "What a pupil has done and what is still missing for the certificate.",
        "To show pupils their to-do list and trainers who is close to certification.",
        fields={
            "id": _ID, "user_id": _USER, "context_id": _COURSE, "programme_id": "Which programme.",
            "completed_modules": "Modules completed, with dates.", "passed_quizzes": "Quizzes passed, with dates.",
            "missing": "What is still needed.", "checked_at": "When it was last checked.",
        },
    ),
    "statement": TableInfo(
        "Learning records (xAPI), kept by PeerReady", "Records such as 'launched', 'completed a module', "
        "made when the school has no LRS. They name a person only by a pseudonym (or by name if the "
        "school turned that on).",
        "So the school can have learning records without running an LRS.",
        owned_by=("context_id",),
        about_people=True,
    ),
    "outbox_item": TableInfo(
        "Messages waiting to be sent", "Learning records for the school's LRS and grades for its "
        "gradebook, kept until delivered (and afterwards as a delivery log).",
        "So nothing is lost when the LRS or platform is briefly unreachable.", (DATABASE, LRS, GRADEBOOK),
    ),
    "audit_entry": TableInfo(
        "Audit log", "Who (trainer or admin) viewed, exported or erased whose data, and when.",
        "So the school can check that pupils' data is only used as it should be.",
        fields={
            "id": _ID, "platform_id": "Which school.", "at": _WHEN,
            "actor_kind": "Trainer, school admin, tool admin or scheduled task.",
            "actor_user_id": "The member of staff who acted.", "action": "Viewed, exported or erased.",
            "what": "Which record, in words.", "subject_user_id": "Whose data (cleared when they are erased).",
            "context_id": _COURSE,
        },
    ),
    "google_account": TableInfo(
        "Google sign-ins (Classroom add-on)", "For people who open PeerReady from Google Classroom: "
        "a keyed code made from their Google id (not the id itself), their school's Google domain, "
        "and encrypted sign-in tokens.",
        "To open PeerReady inside Classroom and, for teachers, to send grades back.",
        ("PeerReady's database", "Google Classroom"), person_key="user_key",
        fields={
            "id": _ID, "user_key": "A keyed code of their Google id; the same as their platform id here.",
            "hosted_domain": "The school's Google Workspace domain.",
            "scopes": "What Google allowed PeerReady to do.",
            "refresh_token_encrypted": "Google's long-lived sign-in token, encrypted.",
            "access_token_encrypted": "Google's short-lived sign-in token, encrypted.",
            "access_token_expires_at": "When that token runs out.",
            "revoked_at": "When the person withdrew Google's permission.",
            "created_at": "When they first signed in.", "updated_at": "Last change.",
        },
    ),
    "classroom_attachment": TableInfo(
        "Classroom attachments", "PeerReady activities a teacher attached to Classroom work.",
        "To open the right activity and send grades to the right piece of work.", about_people=False,
    ),
    "classroom_submission": TableInfo(
        "Classroom submissions", "Which Classroom submission belongs to which pupil.",
        "To send a pupil's grade to their own submission.", ("PeerReady's database", "Google Classroom"),
        fields={
            "id": _ID, "classroom_attachment_id": "Which attachment.", "user_id": _USER,
            "submission_id": "Google's id of the pupil's submission.", "created_at": "When it was first seen.",
        },
    ),
    "tool_key": TableInfo(
        "PeerReady's signing keys", "PeerReady's own keys for signing messages. Nothing about people.",
        "To prove messages come from PeerReady.", about_people=False,
    ),
    "kv_entry": TableInfo(
        "Sign-in sessions", "The current sign-in and the platform's launch message for a few hours.",
        "To keep a person signed in while they use PeerReady.", (MEMORY,),
    ),
}


# Kept (under a new, random identity) when a school chooses to anonymise old activity rather
# than delete it: they hold no free text, so course statistics stay true without anyone in them.
KEPT_WHEN_ANONYMISED = frozenset({
    "user", "enrollment", "module_progress", "video_event", "checkpoint_answer",
    "quiz_attempt", "quiz_answer", "quiz_grade",
})


def reaches(metadata: MetaData, roots: Iterable[str] = ROOTS) -> dict[str, set[str]]:
    """For each table, which of ``roots`` it reaches by following foreign keys."""
    wanted = set(roots)

    def walk(name: str, seen: set[str]) -> set[str]:
        seen.add(name)
        hit = {name} & wanted
        for fk in metadata.tables[name].foreign_keys:
            if fk.column.table.name not in seen:
                hit |= walk(fk.column.table.name, seen)
        return hit

    return {name: walk(name, set()) for name in metadata.tables}


def personal_tables(metadata: MetaData) -> list[Table]:
    """Tables that reach ``user``, ``context`` or ``platform``: each needs a registry entry."""
    reached = reaches(metadata)
    return [t for t in metadata.sorted_tables if reached[t.name]]


def unregistered(metadata: MetaData) -> list[str]:
    """Tables with no entry, and columns of tables about people with no reason given.

    Every table needs an entry, even one without foreign keys: a table may name people another
    way (Google sign-ins by ``user_key``), and only a person can tell.
    """
    reached = reaches(metadata)
    problems = []
    for table in metadata.sorted_tables:
        info = REGISTRY.get(table.name)
        if info is None:
            problems.append(f"{table.name}: not in the privacy registry")
            continue
        if "user" not in reached[table.name] and info.person_key is None:
            continue
        problems += [
            f"{table.name}.{column.name}: no reason given in the privacy registry"
            for column in table.columns if column.name not in info.fields
        ]
    return problems
