"""The admin's command line: ``flask platform …``, ``flask keys …`` and ``flask admin link``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import Deployment
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import ToolKey
from lti_tool.models import User
from lti_tool.models import WithdrawnCertificate
from lti_tool.models.outbox import PENDING
from lti_tool.services import certification
from lti_tool.services.xapi.endpoints import add_endpoint
from tests.support.platform import TestPlatform
from tests.support.privacy import course_of
from tests.support.privacy import give_activity
from tests.support.privacy import launch
from tests.support.servers import CountingLrs
from tests.support.servers import serve

SAMPLE = Path(__file__).resolve().parent.parent / "config" / "sample_platform.json"
MOODLE = "https://moodle.example.org"


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _add(runner: FlaskCliRunner, *extra: str) -> Result:
    return runner.invoke(args=[
        "platform", "add", "--issuer", MOODLE, "--client-id", "abc123",
        "--auth-login-url", f"{MOODLE}/mod/lti/auth.php",
        "--auth-token-url", f"{MOODLE}/mod/lti/token.php",
        "--key-set-url", f"{MOODLE}/mod/lti/certs.php", *extra,
    ])


def _moodle_entry(client_id: str) -> dict[str, str]:
    return {"client_id": client_id, "auth_login_url": f"{MOODLE}/mod/lti/auth.php",
            "key_set_url": f"{MOODLE}/mod/lti/certs.php"}


def _import(runner: FlaskCliRunner, folder: Path, conf: dict[str, Any]) -> Result:
    path = folder / "tool.json"
    path.write_text(json.dumps(conf), encoding="utf-8")
    return runner.invoke(args=["platform", "import", str(path)])


def test_platform_add_registers_the_platform_and_its_deployments(runner: FlaskCliRunner) -> None:
    result = _add(runner, "--deployment-id", "1", "--deployment-id", "2", "--name", "Hill School")
    assert result.exit_code == 0, result.output
    assert f"{MOODLE} (client abc123)" in result.output
    platform = db.session.scalars(select(Platform)).one()
    assert (platform.name, platform.registered_via) == ("Hill School", "manual")
    assert platform.key_set_url == f"{MOODLE}/mod/lti/certs.php"
    assert [d.deployment_id for d in platform.deployments] == ["1", "2"]


def test_platform_add_refuses_plain_http_outside_this_machine(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=[
        "platform", "add", "--issuer", "http://moodle.example.org", "--client-id", "abc",
        "--auth-login-url", "http://moodle.example.org/mod/lti/auth.php",
        "--key-set-url", "http://moodle.example.org/mod/lti/certs.php",
    ])
    assert result.exit_code == 1
    assert "issuer must use https" in result.output
    assert _count(Platform) == 0


def test_platform_add_refuses_a_duplicate(runner: FlaskCliRunner) -> None:
    _add(runner)
    result = _add(runner)
    assert result.exit_code == 1
    assert "already registered" in result.output
    assert _count(Platform) == 1


def test_platform_list_shows_each_platform_with_deployments(runner: FlaskCliRunner) -> None:
    assert "No platforms registered" in runner.invoke(args=["platform", "list"]).output
    _add(runner, "--deployment-id", "1")
    output = runner.invoke(args=["platform", "list"]).output
    assert f"{MOODLE}\tclient=abc123\tdeployments=1\tvia=manual" in output


def test_platform_add_deployment_adds_one_and_refuses_a_repeat(runner: FlaskCliRunner) -> None:
    _add(runner, "--deployment-id", "1")
    platform_id = db.session.scalars(select(Platform.id)).one()
    result = runner.invoke(args=["platform", "add-deployment", str(platform_id), "5"])
    assert result.exit_code == 0
    assert f"Added deployment 5 to platform {platform_id}" in result.output
    again = runner.invoke(args=["platform", "add-deployment", str(platform_id), "5"])
    assert again.exit_code == 1
    assert "already registered" in again.output
    missing = runner.invoke(args=["platform", "add-deployment", "999", "5"])
    assert missing.exit_code == 1
    assert "no platform with id 999" in missing.output
    assert sorted(db.session.scalars(select(Deployment.deployment_id))) == ["1", "5"]


def test_platform_import_reads_the_list_per_issuer_form(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["platform", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    platform = db.session.scalars(select(Platform)).one()
    assert platform.issuer == MOODLE
    assert platform.client_id == "PASTE-CLIENT-ID-FROM-MOODLE"
    assert platform.registered_via == "import"
    assert [d.deployment_id for d in platform.deployments] == ["1"]


def test_platform_import_reads_the_single_object_form_with_inline_keys(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    jwks = TestPlatform().jwks()
    conf = {
        "https://canvas.example.org": {
            "client_id": 10000000000001, "auth_login_url": "https://canvas.example.org/auth",
            "auth_token_url": "https://canvas.example.org/token", "key_set": jwks,
            "private_key_file": "private.key", "public_key_file": "public.key",
            "deployment_ids": ["8:abc", 9],
        },
        MOODLE: [
            _moodle_entry("m1"), _moodle_entry("m2"),
        ],
    }
    result = _import(runner, tmp_path, conf)
    assert result.exit_code == 0, result.output
    assert result.output.count("Registered platform") == 3
    canvas = db.session.scalars(select(Platform).filter_by(issuer="https://canvas.example.org")).one()
    assert canvas.client_id == "10000000000001"
    assert canvas.key_set == jwks
    assert [d.deployment_id for d in canvas.deployments] == ["8:abc", "9"]
    assert sorted(db.session.scalars(select(Platform.client_id).filter_by(issuer=MOODLE))) == ["m1", "m2"]


def test_platform_import_stores_nothing_when_one_entry_is_bad(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    conf = {
        MOODLE: [
            _moodle_entry("good"), _moodle_entry(""),
        ],
    }
    result = _import(runner, tmp_path, conf)
    assert result.exit_code == 1
    assert "client_id is required" in result.output
    assert _count(Platform) == 0
    assert _count(Deployment) == 0


def test_platform_import_refuses_a_file_that_is_not_json(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tool.json"
    path.write_text("issuer: https://moodle.example.org\n", encoding="utf-8")
    result = runner.invoke(args=["platform", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error:")
    assert _count(Platform) == 0


def _school_with_an_lrs(app: Flask, platform: TestPlatform, lrs_url: str) -> int:
    app.config["LRS_ALLOW_HTTP"] = True
    school = db.session.scalars(select(Platform).filter_by(issuer=platform.issuer)).one()
    # Certificates without a trainer's sign-off or supervised practice, as the privacy tests do.
    school.settings = {certification.SIGNOFF_REQUIRED: False, certification.PRACTICE_REQUIRED: False}
    add_endpoint(db.session, school, {"name": "School LRS", "url": lrs_url, "auth": "basic",
                                      "username": "lrs-user", "secret": "lrs-secret"})
    return school.id


def _deliver(runner: FlaskCliRunner) -> None:
    db.session.rollback()  # SQLite: the worker's own connection needs the write lock
    result = runner.invoke(args=["xapi", "deliver", "--once"])
    assert result.exit_code == 0, result.output


def test_platform_remove_runs_only_after_the_erasure_and_its_voiding_statements_are_delivered(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, platform: TestPlatform
) -> None:
    other = TestPlatform(issuer="https://other.school.test", client_id="other")
    other.register()
    lrs = CountingLrs()  # stands in for the school's LRS
    with serve(lrs) as base:
        school_id = _school_with_an_lrs(app, platform, base + "/xAPI/")
        alex = launch(client, platform, "pupil-alex", "Alex Pupil")
        give_activity(alex, course_of(alex))  # progress, a quiz and a certificate
        assert other.launch(client, sub="user-7").status_code == 303
        _deliver(runner)
        sent = set(lrs.received)
        code = db.session.scalars(select(Certification.code)).one()

        refused = runner.invoke(args=["platform", "remove", str(school_id), "--yes"])
        assert refused.exit_code == 1
        assert "still holds 1 person, 1 course and 1 certificate" in refused.output
        assert f"flask privacy erase --school {school_id} --everything" in refused.output
        assert (_count(Platform), _count(User), _count(Certification)) == (2, 2, 1)

        erased = runner.invoke(args=["privacy", "erase", "--school", str(school_id),
                                     "--everything", "--yes"])
        assert erased.exit_code == 0, erased.output
        waiting = runner.invoke(args=["platform", "remove", str(school_id), "--yes"])
        assert waiting.exit_code == 1  # the voiding statements need the registration's LRS
        assert "still wait to be delivered" in waiting.output and "--drop-undelivered" in waiting.output

        _deliver(runner)
        removed = runner.invoke(args=["platform", "remove", str(school_id), "--yes"])
    assert removed.exit_code == 0, removed.output
    assert f"Removed platform {school_id}" in removed.output
    voided = {s for s in lrs.received if s not in sent}
    assert len(voided) == len(sent)  # one voiding statement for each statement the LRS had
    db.session.expire_all()
    assert db.session.scalars(select(Platform.issuer)).all() == [other.issuer]
    assert db.session.scalars(select(User.sub)).all() == ["user-7"]
    assert db.session.get(WithdrawnCertificate, code) is not None  # the check page says so


def test_platform_remove_can_drop_voiding_statements_for_an_lrs_gone_for_good(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, platform: TestPlatform
) -> None:
    with serve(CountingLrs()) as base:
        school_id = _school_with_an_lrs(app, platform, base + "/xAPI/")
        launch(client, platform, "pupil-alex", "Alex Pupil")
        _deliver(runner)
    # The LRS is gone (its server stopped): the erasure's voiding statements can't be sent.
    runner.invoke(args=["privacy", "erase", "--school", str(school_id), "--everything", "--yes"])
    assert db.session.scalars(select(OutboxItem).filter_by(status=PENDING)).all()
    assert runner.invoke(args=["platform", "remove", str(school_id), "--yes"]).exit_code == 1
    removed = runner.invoke(
        args=["platform", "remove", str(school_id), "--yes", "--drop-undelivered"])
    assert removed.exit_code == 0, removed.output
    assert (_count(Platform), _count(OutboxItem)) == (0, 0)


def test_platform_remove_asks_first_and_keeps_it_when_refused(
    runner: FlaskCliRunner, platform: TestPlatform
) -> None:
    platform_id = db.session.scalars(select(Platform.id)).one()
    result = runner.invoke(args=["platform", "remove", str(platform_id)], input="n\n")
    assert result.exit_code == 1
    assert "Remove the registration of https://moodle.school.test?" in result.output
    assert _count(Platform) == 1


def test_platform_urls_prints_the_public_urls(make_app: Any) -> None:
    app = make_app(PUBLIC_BASE_URL="https://peerready.example.org")
    output = app.test_cli_runner().invoke(args=["platform", "urls"]).output
    for url in ("https://peerready.example.org/lti/register",
                "https://peerready.example.org/lti/login",
                "https://peerready.example.org/lti/launch",
                "https://peerready.example.org/lti/jwks"):
        assert f"    {url}\n" in output
    assert "Domain:\n    peerready.example.org" in output


def test_urls_without_a_public_base_url_say_they_only_work_locally(runner: FlaskCliRunner) -> None:
    for command in (["platform", "urls"], ["admin", "link"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0
        assert "PEERREADY_PUBLIC_BASE_URL is not set" in result.stderr
        assert "PUBLIC_BASE_URL" not in result.stdout  # the URLs stay pasteable


def test_keys_generate_then_rotate_then_list(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["keys", "generate"])
    assert first.exit_code == 0
    old_kid = first.output.split()[-1]
    assert runner.invoke(args=["keys", "generate"]).output.split()[-1] == old_kid  # idempotent
    rotated = runner.invoke(args=["keys", "rotate", "--overlap-days", "7"])
    assert rotated.exit_code == 0
    assert "old keys published for 7 more days" in rotated.output
    new_kid = rotated.output.split()[3]
    listing = runner.invoke(args=["keys", "list"]).output.splitlines()
    assert [line.split("\t")[0] for line in listing] == [old_kid, new_kid]
    assert "retired, published until" in listing[0]
    assert listing[1].endswith("\tactive")
    assert _count(ToolKey) == 2


def test_admin_link_prints_a_sign_in_url(make_app: Any) -> None:
    app = make_app(PUBLIC_BASE_URL="https://peerready.example.org")
    result = app.test_cli_runner().invoke(args=["admin", "link"])
    assert result.stdout.strip().startswith("https://peerready.example.org/admin/login?token=")
    assert result.stderr == ""
