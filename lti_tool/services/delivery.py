"""Wire the outbox: its senders (xAPI to LRSs, AGS scores), its chores, the in-process worker."""

from __future__ import annotations

from flask import Flask

from lti_tool.classroom import grading as classroom_grading
from lti_tool.services import grades
from lti_tool.services import outbox
from lti_tool.services.xapi import launch_statements
from lti_tool.services.xapi import lrs
from lti_tool.services.xapi import recording


def register_senders() -> None:
    """Make the outbox deliver statements, AGS scores and Classroom grades; end idle sessions."""
    outbox.register_sender(recording.KIND, lrs.XapiSender())
    outbox.register_sender(grades.KIND, grades.AgsSender())
    outbox.register_sender(classroom_grading.KIND, classroom_grading.ClassroomGradeSender())
    outbox.register_chore("xapi-sessions", launch_statements.close_sessions)


def init_app(app: Flask) -> None:
    """Register the senders; on the embedded default, deliver from a thread of the web process.

    The thread starts with the first request, so CLI commands (``flask db upgrade``) and tests
    (``TESTING``) never start one.
    """
    register_senders()
    setting = app.config.get("OUTBOX_IN_PROCESS_WORKER")
    in_process = (app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
                  if setting is None else bool(setting))
    if not in_process or app.testing:
        return

    @app.before_request
    def start_worker_once() -> None:
        if "peerready.outbox_worker" not in app.extensions:
            app.extensions["peerready.outbox_worker"] = None  # claim before starting
            outbox.start_in_process(app)
