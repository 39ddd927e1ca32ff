"""Google Classroom add-on adapter: maps Classroom onto the same model an LTI launch fills.

``params`` checks the add-on query parameters, ``oauth`` signs users in with Google (code + PKCE),
``accounts`` keeps their tokens, ``api`` calls the Classroom REST API, ``mapping`` records a
Classroom "launch" as courses, links, users and enrolments, and ``grading`` returns grades
through the outbox. Nothing outside this package knows a launch came from Classroom.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and the CLI group."""
    from lti_tool.classroom import cli
    from lti_tool.views import classroom as views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.classroom_cli)
