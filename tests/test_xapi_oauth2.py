"""OAuth2 client credentials to an LRS, end to end: token fetched, cached, renewed, refreshed.

The LRS is Ralph's real server with its OIDC auth on: it checks each bearer token's signature
against the issuer's JWKS, its expiry and its audience. The token endpoint is a fake identity
provider on 127.0.0.1 (tests/support/fake_idp.py), standing in for the school's own, which
can't run here. It speaks HTTPS with a test certificate that PeerReady and Ralph trust through
``REQUESTS_CA_BUNDLE``, so TLS verification stays on (oauthlib also refuses plain-HTTP token
URLs).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.outbox import PENDING
from lti_tool.services import outbox
from lti_tool.services.outbox import DeliverySettings
from lti_tool.services.xapi.endpoints import add_endpoint
from tests.support.fake_idp import AUDIENCE
from tests.support.fake_idp import FakeIdentityProvider
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import RalphLrs
from tests.support.servers import serve
from tests.support.tls import localhost_tls
from tests.test_xapi_delivery import deliver_all
from tests.test_xapi_delivery import mentor_answers
from tests.test_xapi_delivery import registration

CLIENT_ID = "peerready-at-school"
SECRET = "idp-client-secret"
SMALL_BATCHES = DeliverySettings(batch_size=2, backoff_base_seconds=0.05, backoff_cap_seconds=0.05)


@pytest.fixture(scope="module")
def idp_and_lrs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeIdentityProvider, RalphLrs]]:
    """The fake IdP, and a Ralph LRS that trusts its tokens (Basic stays on for reading back)."""
    idp = FakeIdentityProvider(CLIENT_ID, SECRET)
    tls, ca_file = localhost_tls(tmp_path_factory.mktemp("idp-tls"))
    with serve(idp, tls) as base:
        idp.base = base
        idp.ca_file = ca_file
        lrs = RalphLrs(tmp_path_factory.mktemp("ralph-oidc"), env={
            "REQUESTS_CA_BUNDLE": str(ca_file),
            "RALPH_RUNSERVER_AUTH_BACKENDS": "basic,oidc",
            "RALPH_RUNSERVER_AUTH_OIDC_ISSUER_URI": base,
            "RALPH_RUNSERVER_AUTH_OIDC_AUDIENCE": AUDIENCE,
        })
        lrs.start()
        try:
            yield idp, lrs
        finally:
            lrs.stop()


@pytest.fixture
def idp(
    idp_and_lrs: tuple[FakeIdentityProvider, RalphLrs], monkeypatch: pytest.MonkeyPatch
) -> FakeIdentityProvider:
    found = idp_and_lrs[0]
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(found.ca_file))  # as a school trusts its CA
    found.issued.clear()
    found.refused = 0
    found.advertised_lifetime = found.token_lifetime = 3600
    return found


@pytest.fixture
def oidc_ralph(idp_and_lrs: tuple[FakeIdentityProvider, RalphLrs]) -> RalphLrs:
    return idp_and_lrs[1]


def connect_with_oauth2(
    app: Flask, lrs: RalphLrs, idp: FakeIdentityProvider, secret: str = SECRET
) -> None:
    app.config["LRS_ALLOW_HTTP"] = True
    school = db.session.scalars(select(Platform)).one()
    add_endpoint(db.session, school, {
        "name": "Trust LRS", "url": lrs.url, "auth": "oauth2", "username": CLIENT_ID,
        "secret": secret, "token_url": idp.base + "/token", "scope": "all",
    })


def deliver_pass(settings: DeliverySettings = SMALL_BATCHES) -> outbox.DeliveryReport:
    return outbox.deliver_due(db.session, settings)


def items() -> list[OutboxItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_statements_reach_ralph_with_one_cached_token_for_many_posts(
    app: Flask, client: FlaskClient, platform: TestPlatform,
    idp: FakeIdentityProvider, oidc_ralph: RalphLrs,
) -> None:
    connect_with_oauth2(app, oidc_ralph, idp)
    platform.launch(client)
    mentor_answers(6)  # 8 statements, sent 2 to a POST: four posts, back to back in one pass
    assert deliver_pass().delivered == 8
    assert len(idp.issued) == 1  # one token served all four posts
    stored = oidc_ralph.statements(registration=registration())
    assert {s["id"] for s in stored} == {i.item_id for i in items()}
    # Ralph records who wrote them: the IdP's client, from the bearer token.
    assert {s["authority"]["openid"] for s in stored} == {f"{idp.base}/{CLIENT_ID}"}


def test_a_token_about_to_expire_is_renewed_before_sending(
    app: Flask, client: FlaskClient, platform: TestPlatform,
    idp: FakeIdentityProvider, oidc_ralph: RalphLrs,
) -> None:
    idp.advertised_lifetime = idp.token_lifetime = 31  # kept 1 s: PeerReady renews 30 s early
    connect_with_oauth2(app, oidc_ralph, idp)
    platform.launch(client)
    assert deliver_pass().delivered == 2
    time.sleep(1.2)
    mentor_answers(2)
    assert deliver_pass().delivered == 2
    assert len(idp.issued) == 2
    assert all(i.status == DELIVERED and i.attempts == 1 for i in items())  # no 401 on the way


def test_a_token_the_lrs_refuses_is_dropped_and_a_new_one_fetched(
    app: Flask, client: FlaskClient, platform: TestPlatform,
    idp: FakeIdentityProvider, oidc_ralph: RalphLrs,
) -> None:
    idp.token_lifetime = 1  # the IdP says an hour, but the token dies in a second
    connect_with_oauth2(app, oidc_ralph, idp)
    platform.launch(client)
    assert deliver_pass().delivered == 2
    time.sleep(2.1)
    mentor_answers(2)
    report = deliver_pass()
    assert report.delivered == 0 and report.retrying == 2
    waiting = [i for i in items() if i.status == PENDING]
    assert len(waiting) == 2 and "HTTP 401" in (waiting[0].last_error or "")
    idp.token_lifetime = 3600
    deliver_all()
    assert len(idp.issued) == 2
    assert all(i.status == DELIVERED for i in items())
    assert len(oidc_ralph.statements(registration=registration())) == 4


def test_wrong_client_secret_keeps_statements_waiting_with_the_reason(
    app: Flask, client: FlaskClient, platform: TestPlatform,
    idp: FakeIdentityProvider, oidc_ralph: RalphLrs,
) -> None:
    connect_with_oauth2(app, oidc_ralph, idp, secret="not-the-secret")
    platform.launch(client)
    report = deliver_pass()
    assert report.delivered == 0 and report.retrying == 2 and idp.refused == 1
    waiting = items()
    assert all(i.status == PENDING for i in waiting)
    assert "LRS token request failed" in (waiting[0].last_error or "")
    assert "invalid_client" in (waiting[0].last_error or "")
    assert oidc_ralph.statements(registration=registration()) == []
