"""Open Badges for certificates: OB 2.0 hosted JSON-LD, a baked PNG, and OB 3.0 signed credentials.

OB 2.0: the issuer Profile (the school), a BadgeClass per programme, a hosted Assertion per
certificate and the issuer's RevocationList. PeerReady stores no e-mail, so the recipient is the
certificate's verification page URL (``type: url``), salted and hashed.

OB 3.0: an OpenBadgeCredential as a VC-JWT in the native shape (the credential's members at the
top level, plus ``iss``/``jti``/``sub``/``nbf``/``exp``), signed RS256 with the tool's active key
(its ``kid`` in the header, published in the tool's JWKS). Revocation is a W3C Bitstring Status
List credential per issuer, also a signed JWT, re-issued on each request with a short validity.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from flask import current_app
from openbadges_bakery import bake
from openbadges_bakery import unbake
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import Platform
from lti_tool.models import WithdrawnCertificate
from lti_tool.models.types import as_utc
from lti_tool.services import keys
from lti_tool.services.certification import STATUS_LIST_SIZE
from lti_tool.services.certification import programme
from lti_tool.services.certification import school_rules
from lti_tool.services.certification import status_of
from lti_tool.urls import external_url
from modules import certification as rules

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB2_MEDIA_TYPE = "application/ld+json"
VC_JWT_MEDIA_TYPE = "application/vc+jwt"
#: How long a served status list is valid: verifiers refuse a replayed older copy after this.
STATUS_LIST_VALIDITY = timedelta(hours=24)
#: What the public learns about a revocation; the trainer's reason stays private.
PUBLIC_REVOCATION_REASON = "Revoked by the school"
BADGE_IMAGE = Path(__file__).resolve().parent.parent / "static" / "badges" / "certificate.png"


def issuer_name(platform: Platform) -> str:
    """The school's name as the issuer of its certificates."""
    return str(platform.setting("school_name") or current_app.config["SCHOOL_NAME"])


def issuer_profile(platform: Platform) -> dict[str, Any]:
    """The OB 2.0 issuer Profile: the school, with its revocation list."""
    profile: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": external_url("verify.issuer", platform_id=platform.id),
        "name": issuer_name(platform),
        "url": str(platform.setting("school_url") or external_url("lti.index")),
        "revocationList": external_url("verify.revocation_list", platform_id=platform.id),
    }
    email = platform.setting("school_email") or current_app.config.get("SCHOOL_EMAIL")
    if email:
        profile["email"] = str(email)
    return profile


def badge_class(platform: Platform, programme_id: str) -> dict[str, Any]:
    """The OB 2.0 BadgeClass of a programme, issued by this school."""
    course = programme(programme_id)
    school = school_rules(platform)
    narrative = rules.criteria_narrative(course, rules.Decision(missing=(), is_renewal=False), {}, school)
    return {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": external_url("verify.badge_class", platform_id=platform.id, programme_id=course.id),
        "name": f"{course.title}: certified peer supporter",
        "description": course.description,
        "image": external_url("verify.badge_image"),
        "criteria": {"narrative": narrative.replace("Completed", "To earn this badge, complete", 1)},
        "issuer": external_url("verify.issuer", platform_id=platform.id),
        "tags": ["peer support", "safeguarding", "confidentiality", "boundaries"],
    }


def recipient_url(certification: Certification) -> str:
    """The identity a badge is issued to: the certificate's own verification page."""
    return external_url("verify.certificate", code=certification.code)


def hashed_identity(identity: str, salt: str) -> str:
    """``sha256$`` + hex SHA-256 of identity + salt, as Open Badges hash recipients."""
    return "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()


def ended_at(certification: Certification) -> datetime:
    """When the certificate stops being valid: its expiry, or earlier if a renewal replaced it."""
    end = as_utc(certification.expires_at)
    if certification.superseded_at is not None:
        end = min(end, as_utc(certification.superseded_at))
    return end


def assertion(certification: Certification, now: datetime) -> dict[str, Any]:
    """The hosted OB 2.0 Assertion of a certificate (``revoked: true`` once revoked)."""
    body: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": external_url("verify.assertion", code=certification.code),
        "recipient": {
            "type": "url",
            "hashed": True,
            "salt": certification.recipient_salt,
            "identity": hashed_identity(recipient_url(certification), certification.recipient_salt),
        },
        "badge": external_url(
            "verify.badge_class", platform_id=certification.platform_id,
            programme_id=certification.programme_id,
        ),
        "verification": {"type": "HostedBadge"},
        "issuedOn": _iso(as_utc(certification.earned_at)),
        "expires": _iso(ended_at(certification)),
        "image": external_url("verify.baked_badge", code=certification.code),
        "narrative": certification.criteria,
        "evidence": {"id": recipient_url(certification), "narrative": "The certificate's verification page."},
    }
    if status_of(certification, now) is rules.Status.REVOKED:
        body["revoked"] = True
        body["revocationReason"] = PUBLIC_REVOCATION_REASON
    return body


def revocation_list(session: Session, platform: Platform) -> dict[str, Any]:
    """The issuer's OB 2.0 RevocationList: every revoked assertion, with the public reason only."""
    revoked = session.scalars(
        select(Certification.code)
        .where(Certification.platform_id == platform.id, Certification.revoked_at.is_not(None))
        .order_by(Certification.id)
    ).all()
    withdrawn = session.scalars(select(WithdrawnCertificate.code).filter_by(platform_id=platform.id)
                                .order_by(WithdrawnCertificate.withdrawn_at)).all()
    return {
        "@context": OB2_CONTEXT,
        "type": "RevocationList",
        "id": external_url("verify.revocation_list", platform_id=platform.id),
        "issuer": external_url("verify.issuer", platform_id=platform.id),
        "revokedAssertions": [
            {"id": external_url("verify.assertion", code=code), "revocationReason": PUBLIC_REVOCATION_REASON}
            for code in [*revoked, *withdrawn]
        ],
    }


def badge_image() -> bytes:
    """The plain badge artwork (PNG)."""
    return BADGE_IMAGE.read_bytes()


def baked_badge(certification: Certification, now: datetime) -> bytes:
    """The badge PNG with the hosted assertion baked in (an ``openbadges`` iTXt chunk)."""
    baked = bake(io.BytesIO(badge_image()), json.dumps(assertion(certification, now)))
    try:
        return bytes(baked.read())
    finally:
        baked.close()


def unbaked(png: bytes) -> str | None:
    """What a baked PNG carries (the assertion JSON or URL), or None."""
    return unbake(io.BytesIO(png))


def credential_claims(certification: Certification, platform: Platform) -> dict[str, Any]:
    """The OB 3.0 OpenBadgeCredential of a certificate, with its JWT registered claims."""
    issuer_id = external_url("verify.issuer", platform_id=platform.id)
    credential_id = f"urn:uuid:{certification.credential_uuid}"
    # A renewed certificate's credential, fetched again, ends when the renewal replaced it.
    valid_from, valid_until = as_utc(certification.earned_at), ended_at(certification)
    status_url = external_url("verify.status_list", platform_id=platform.id)
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certification.programme_title}: certified peer supporter",
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name(platform),
                   "url": str(platform.setting("school_url") or external_url("lti.index"))},
        "validFrom": _iso(valid_from),
        "validUntil": _iso(valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": hashed_identity(recipient_url(certification), certification.recipient_salt),
                "identityType": "ext:verificationPage",
                "salt": certification.recipient_salt,
            }],
            "achievement": {
                "id": external_url(
                    "verify.badge_class", platform_id=platform.id, programme_id=certification.programme_id
                ),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": f"{certification.programme_title}: certified peer supporter",
                "description": f"Trained as a peer supporter through {certification.programme_title}.",
                "criteria": {"narrative": certification.criteria},
                "image": {"id": external_url("verify.badge_image"), "type": "Image"},
            },
        },
        "credentialStatus": {
            "id": f"{status_url}#{certification.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certification.status_index),
            "statusListCredential": status_url,
        },
        "iss": issuer_id,
        "jti": credential_id,
        "nbf": int(valid_from.timestamp()),
        "iat": int(valid_from.timestamp()),
        "exp": int(valid_until.timestamp()),
    }


def credential_jwt(session: Session, certification: Certification, platform: Platform) -> str:
    """The OB 3.0 credential, signed as a compact JWT with the tool's active key."""
    return _sign(session, credential_claims(certification, platform))


def status_list_jwt(session: Session, platform: Platform, now: datetime) -> str:
    """The issuer's revocation list as a signed W3C BitstringStatusListCredential JWT."""
    revoked = [
        *session.scalars(
            select(Certification.status_index)
            .where(Certification.platform_id == platform.id, Certification.revoked_at.is_not(None))
        ),
        # Certificates withdrawn when their holder's data was erased stay revoked in the list.
        *session.scalars(select(WithdrawnCertificate.status_index).filter_by(platform_id=platform.id)),
    ]
    url = external_url("verify.status_list", platform_id=platform.id)
    issuer_id = external_url("verify.issuer", platform_id=platform.id)
    return _sign(session, {
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _iso(now),
        "validUntil": _iso(now + STATUS_LIST_VALIDITY),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(set(revoked)),
        },
        "iss": issuer_id,
        "jti": url,
        "nbf": int(now.timestamp()),
        "exp": int((now + STATUS_LIST_VALIDITY).timestamp()),
    })


def encode_bitstring(indices: set[int], size: int = STATUS_LIST_SIZE) -> str:
    """Bitstring Status List ``encodedList``: multibase base64url of the GZIP'd bits, MSB first."""
    bits = bytearray(size // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def _sign(session: Session, claims: dict[str, Any]) -> str:
    key = keys.active_key(session)
    return jwt.encode(claims, keys.private_pem(key), algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})


def _iso(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
