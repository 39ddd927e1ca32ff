"""``flask classroom urls``: what to paste into the Marketplace SDK and the OAuth client."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool.classroom import oauth
from lti_tool.cli import _urls
from lti_tool.urls import external_url

classroom_cli = AppGroup("classroom", help="The Google Classroom add-on.")


@classroom_cli.command("urls")
def urls_command() -> None:
    """Print the add-on URIs, the OAuth redirect URI and the scopes to configure at Google."""
    with _urls():
        lines = [
            ("Attachment setup URI (Marketplace SDK, Classroom add-on)", external_url("classroom.discovery", s=None)),
            ("Allowed attachment URI prefix", external_url("classroom.discovery", s=None).rsplit("/", 1)[0] + "/"),
            ("OAuth authorised redirect URI", oauth.redirect_uri()),
            ("Teacher view URI (set by PeerReady per attachment)", external_url("classroom.teacher_view", s=None)),
            ("Student view URI (set by PeerReady per attachment)", external_url("classroom.student_view", s=None)),
            ("Student work review URI (set by PeerReady)", external_url("classroom.review_view", s=None)),
        ]
        for label, url in lines:
            click.echo(f"{label}:\n  {url}")
        scopes = sorted(oauth.TEACHER_SCOPES | oauth.STUDENT_SCOPES)
        click.echo("OAuth scopes (consent screen and Marketplace SDK):\n  " + "\n  ".join(scopes))
