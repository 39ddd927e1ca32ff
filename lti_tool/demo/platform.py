"""The demo platform's key, registration and id_token signing."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from flask import current_app
from jwcrypto.jwk import JWK
from sqlalchemy.orm import Session

from lti_tool.lti.tool_config import find_platform
from lti_tool.models import Deployment
from lti_tool.models import Platform
from lti_tool.urls import base_url
from lti_tool.urls import external_url

CLIENT_ID = "peerready-demo"
DEPLOYMENT_ID = "demo-deployment"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@dataclass(frozen=True)
class DemoUser:
    """Someone the visitor can launch as."""

    key: str
    name: str
    roles: tuple[str, ...]
    description: str
    audience: str = "secondary"  # the wording and programme the course's link asks for


USERS = {
    user.key: user
    for user in (
        DemoUser(
            "pupil-secondary",
            "Sam Taylor",
            (ROLES + "Learner",),
            "A Year 9 pupil training as a peer mentor",
        ),
        DemoUser(
            "pupil-primary",
            "Ava Khan",
            (ROLES + "Learner",),
            "A Year 5 pupil training as a playground buddy",
            audience="primary",
        ),
        DemoUser(
            "staff-trainee",
            "Mr Jones",
            (ROLES + "Learner",),
            "A teacher learning to run the school's scheme",
            audience="staff",
        ),
        DemoUser(
            "trainer",
            "Ms Patel",
            (ROLES + "Instructor",),
            "The peer-support lead who trains and signs off mentors",
        ),
        DemoUser(
            "admin",
            "Mrs Okafor",
            (ROLES + "Instructor", INSTITUTION + "Administrator"),
            "The school's IT admin",
        ),
    )
}

COURSE = {
    "id": "demo-course",
    "label": "PEER-9",
    "title": "Peer Mentor Training (demo)",
    "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
}


def issuer() -> str:
    return base_url() + "/demo"


def _key_file() -> Path:
    return Path(current_app.instance_path) / "demo-platform-key.json"


def private_jwk() -> JWK:
    """The demo platform's signing key, made on first use and kept in instance/."""
    path = _key_file()
    if not path.exists():
        jwk = JWK.generate(kty="RSA", size=2048, kid=uuid.uuid4().hex, alg="RS256", use="sig")
        path.write_text(jwk.export_private(), encoding="utf-8")
        path.chmod(0o600)
    return JWK.from_json(path.read_text(encoding="utf-8"))


def ensure_registered(session: Session) -> Platform:
    """Register the demo platform (once) with its key set inline."""
    platform = find_platform(issuer(), CLIENT_ID)
    if platform is None:
        public = json.loads(private_jwk().export_public())
        platform = Platform(
            issuer=issuer(),
            client_id=CLIENT_ID,
            name="PeerReady demo school",
            auth_login_url=external_url("demo.authorize"),
            auth_token_url=external_url("demo.token"),
            key_set={"keys": [public]},
            registered_via="demo",
            product_family_code="peerready-demo",
        )
        platform.deployments.append(Deployment(deployment_id=DEPLOYMENT_ID))
        session.add(platform)
        session.commit()
    return platform


def subject(user: DemoUser) -> str:
    """The user's LTI ``sub`` at the demo platform (launches and the class list agree)."""
    return f"demo-{user.key}"


def login_hint_for(user: DemoUser, resource: str) -> str:
    return f"{user.key}|{resource}"


def id_token(user: DemoUser, resource: str, nonce: str, custom: dict[str, str]) -> str:
    """Sign the id_token the demo platform posts to the tool."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(),
        "aud": CLIENT_ID,
        "azp": CLIENT_ID,
        "sub": subject(user),
        "iat": now,
        "exp": now + 60,
        "nonce": nonce,
        "name": user.name,
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": DEPLOYMENT_ID,
        CLAIM + "target_link_uri": external_url("lti.launch"),
        CLAIM + "roles": list(user.roles),
        CLAIM + "context": COURSE,
        # One link per audience, as a school would place one activity for each group.
        CLAIM + "resource_link": {
            "id": f"demo-link-{resource}-{user.audience}",
            "title": "PeerReady training",
        },
        CLAIM + "custom": custom,
        CLAIM + "tool_platform": {
            "guid": "peerready-demo",
            "name": "PeerReady demo school",
            "product_family_code": "peerready-demo",
        },
        CLAIM + "launch_presentation": {"document_target": "iframe", "locale": "en-GB"},
        # The course's class list (LTI Names and Role Provisioning Services 2.0).
        NRPS_CLAIM: {
            "context_memberships_url": external_url("demo.memberships", course_id=COURSE["id"]),
            "service_versions": ["2.0"],
        },
    }
    if resource == "deep-link":
        claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
        del claims[CLAIM + "resource_link"]
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": external_url("demo.deep_link_return"),
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": True,
        }
    jwk = private_jwk()
    pem = jwk.export_to_pem(private_key=True, password=None)
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": jwk["kid"]})
