"""Command-line tools through Flask's click integration: ``flask platform …``, ``flask keys …``."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from pathlib import Path
from types import FrameType

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli_seed import seed_cli
from lti_tool.cli_certification import certification_cli
from lti_tool.cli_privacy import privacy_cli
from lti_tool.extensions import db
from lti_tool.services import admin_links
from lti_tool.services import content_check
from lti_tool.services import keys
from lti_tool.services import outbox
from lti_tool.services import platforms
from lti_tool.services.platforms import RegistrationProblem
from lti_tool.services.xapi import export
from lti_tool.services.xapi import launch_statements
from lti_tool.urls import external_url

DEFAULT_BASE_URL = "http://127.0.0.1:5000"

platform_cli = AppGroup("platform", help="Register learning platforms (Moodle, Canvas, …).")
keys_cli = AppGroup("keys", help="The tool's RSA signing keys (published in its JWKS).")
admin_cli = AppGroup("admin", help="The tool admin's sign-in.")
xapi_cli = AppGroup(
    "xapi", help="Deliver xAPI statements (and AGS scores), end idle sessions, export the store."
)


@contextmanager
def _urls() -> Iterator[None]:
    """A request context so URLs print as platforms will see them (PUBLIC_BASE_URL)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        # Without it these URLs only work on this machine, on the development port.
        base = DEFAULT_BASE_URL
        click.echo(
            f"Note: PEERREADY_PUBLIC_BASE_URL is not set, so these URLs assume {base}. Set it to "
            "the address platforms and browsers use, e.g. https://peerready.example.org.",
            err=True,
        )
    with current_app.test_request_context(base_url=base):
        yield


def _fail(problem: Exception) -> None:
    db.session.rollback()
    click.echo(f"Error: {problem}", err=True)
    raise SystemExit(1)


@platform_cli.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: its site URL).")
@click.option("--client-id", required=True, help="The client id the platform gave PeerReady.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--auth-token-url", default=None, help="The platform's OAuth2 access token URL.")
@click.option("--key-set-url", default=None, help="The platform's public keyset (JWKS) URL.")
@click.option("--auth-audience", default=None, help="Audience for token requests, if not the token URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="A deployment id (repeatable).")
@click.option("--name", default="", help="A name to show on the admin page.")
def add_command(issuer: str, client_id: str, auth_login_url: str, auth_token_url: str | None,
                key_set_url: str | None, auth_audience: str | None,
                deployment_ids: tuple[str, ...], name: str) -> None:
    """Register a platform by hand."""
    try:
        platform = platforms.add_platform(
            db.session, issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
            auth_token_url=auth_token_url, key_set_url=key_set_url, auth_audience=auth_audience,
            deployment_ids=deployment_ids, name=name,
        )
    except RegistrationProblem as exc:
        _fail(exc)
    click.echo(f"Registered platform {platform.id}: {platform.issuer} (client {platform.client_id})")


@platform_cli.command("add-deployment")
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
def add_deployment_command(platform_id: int, deployment_id: str) -> None:
    """Register another deployment id for a platform."""
    try:
        platforms.add_deployment(db.session, platforms.get_platform(db.session, platform_id), deployment_id)
    except RegistrationProblem as exc:
        _fail(exc)
    click.echo(f"Added deployment {deployment_id} to platform {platform_id}")


@platform_cli.command("list")
def list_command() -> None:
    """List registered platforms and their deployments."""
    found = platforms.list_platforms(db.session)
    if not found:
        click.echo("No platforms registered. See `flask platform urls` for how to register one.")
    for p in found:
        deployments = ", ".join(d.deployment_id for d in p.deployments) or "none"
        click.echo(f"{p.id}\t{p.issuer}\tclient={p.client_id}\tdeployments={deployments}\tvia={p.registered_via}")


@platform_cli.command("remove")
@click.argument("platform_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--drop-undelivered", is_flag=True,
              help="Remove even if voiding statements or grades still wait to be delivered.")
def remove_command(platform_id: int, yes: bool, drop_undelivered: bool) -> None:
    """Remove a registration whose data was erased (`flask privacy erase --everything`)."""
    try:
        platform = platforms.get_platform(db.session, platform_id)
        platforms.check_removable(db.session, platform, drop_undelivered=drop_undelivered)
    except RegistrationProblem as exc:
        _fail(exc)
    if not yes:
        click.confirm(f"Remove the registration of {platform.issuer}?", abort=True)
    platforms.remove_platform(db.session, platform, drop_undelivered=drop_undelivered)
    click.echo(f"Removed platform {platform_id}")


@platform_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import pylti1p3's JSON tool configuration (all entries or none)."""
    try:
        added = platforms.import_tool_conf(db.session, json.loads(path.read_text(encoding="utf-8")))
    except (RegistrationProblem, ValueError) as exc:
        _fail(exc)
    for platform in added:
        click.echo(f"Registered platform {platform.id}: {platform.issuer} (client {platform.client_id})")


@platform_cli.command("urls")
def urls_command() -> None:
    """Print the values a platform admin needs to register PeerReady."""
    with _urls():
        for label, value in platforms.tool_urls().as_rows():
            click.echo(f"{label}:\n    {value}")


@keys_cli.command("generate")
def generate_command() -> None:
    """Create the first key pair (one is also made on first use)."""
    key = keys.active_key(db.session)
    click.echo(f"Active key: {key.kid}")


@keys_cli.command("rotate")
@click.option("--overlap-days", default=keys.DEFAULT_OVERLAP_DAYS, show_default=True,
              help="How long the old key stays published.")
def rotate_command(overlap_days: int) -> None:
    """Make a new signing key; keep the old one published for --overlap-days."""
    key = keys.rotate(db.session, overlap_days)
    click.echo(f"New active key: {key.kid} (old keys published for {overlap_days} more days)")


@keys_cli.command("list")
def keys_list_command() -> None:
    """List published keys."""
    for key in keys.published_keys(db.session):
        state = f"retired, published until {key.publish_until:%Y-%m-%d}" if key.retired_at else "active"
        click.echo(f"{key.kid}\t{key.created_at:%Y-%m-%d}\t{state}")


@admin_cli.command("link")
def admin_link_command() -> None:
    """Print a one-time sign-in link to the admin pages (valid 15 minutes)."""
    with _urls():
        click.echo(external_url("admin.login", token=admin_links.create_token()))


@xapi_cli.command("deliver")
@click.option("--once", is_flag=True, help="One pass over what is due, then exit.")
def deliver_command(once: bool) -> None:
    """Run the outbox worker: statements to LRSs, scores to gradebooks. Stops on SIGTERM."""
    worker = outbox.DeliveryWorker(current_app._get_current_object())  # type: ignore[attr-defined]
    if once:
        report = worker.run_once()
        click.echo(f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}")
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"Stopping after this pass ({signal.Signals(signum).name}).", err=True)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"Delivering (worker {worker.worker_id}); SIGTERM stops after the current pass.")
    worker.run()


@xapi_cli.command("close-sessions")
def close_sessions_command() -> None:
    """End launch sessions left or idle too long: record their xAPI terminated (workers do too)."""
    click.echo(f"ended {launch_statements.close_sessions(db.session)} session(s)")


@xapi_cli.command("export")
@click.option("--since", type=click.DateTime(), help="Statements at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Statements before (UTC).")
@click.option("--course", help="Only this course (its LTI context id).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout).")
def export_command(since: datetime | None, until: datetime | None, course: str | None,
                   output: Path | None) -> None:
    """Write PeerReady's own statement store as JSON lines."""
    statements = export.stored_statements(
        db.session, since=_utc(since), until=_utc(until), course=course
    )
    if output is None:
        count = export.write_jsonl(statements, sys.stdout)
    else:
        with output.open("w", encoding="utf-8") as out:
            count = export.write_jsonl(statements, out)
    click.echo(f"Exported {count} statements.", err=True)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


content_cli = AppGroup("content", help="Check training content (quizzes, modules, programmes).")


@content_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def content_check_command(paths: tuple[Path, ...]) -> None:
    """Validate content files (or everything installed); exit 1 if any has a problem."""
    problems = content_check.check_files(paths) if paths else content_check.check_installed()
    if problems:
        click.echo("\n".join(problems), err=True)
        raise SystemExit(1)
    click.echo(f"OK: {len(paths)} file(s) checked." if paths else "OK: all installed content is valid.")


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    for group in (
        platform_cli, keys_cli, admin_cli, xapi_cli, content_cli, seed_cli, privacy_cli,
        certification_cli,
    ):
        app.cli.add_command(group)
