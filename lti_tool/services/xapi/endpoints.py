"""Where a school's statements go: its LRS endpoints, or the environment's default LRS.

A platform (school) has zero or more endpoints, each for all its deployments or one. With none,
the endpoint from ``PEERREADY_LRS_ENDPOINT`` (if set) receives them; with neither, statements
stay in PeerReady's own store. Passwords and client secrets are stored encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti import registry
from lti_tool.models import LrsEndpoint
from lti_tool.models import Platform
from lti_tool.services.crypto import decrypt_text
from lti_tool.services.crypto import encrypt_text

SECRET_SALT = b"peerready-lrs-secrets"
ENV_DESTINATION = "lrs:env"
AUTH_KINDS = ("basic", "oauth2")


class EndpointProblem(ValueError):
    """An endpoint that can't be saved; the message is shown to the admin."""


@dataclass(frozen=True)
class LrsTarget:
    """An endpoint with its secret decrypted: what the LRS client needs, and nothing else."""

    destination: str
    url: str
    auth: str
    username: str
    secret: str
    token_url: str = ""
    scope: str = ""
    timeout: float = 10.0

    def statements_url(self) -> str:
        return self.url.rstrip("/") + "/statements"


def destination_of(endpoint: LrsEndpoint) -> str:
    return f"lrs:{endpoint.id}"


def env_target() -> LrsTarget | None:
    """The default endpoint from the environment (``LRS_*`` settings), if configured."""
    config = current_app.config
    if not config.get("LRS_ENDPOINT"):
        return None
    oauth = bool(config.get("LRS_OAUTH2_TOKEN_URL"))
    return LrsTarget(
        destination=ENV_DESTINATION,
        url=str(config["LRS_ENDPOINT"]),
        auth="oauth2" if oauth else "basic",
        username=str(config.get("LRS_OAUTH2_CLIENT_ID" if oauth else "LRS_USERNAME") or ""),
        secret=str(config.get("LRS_OAUTH2_CLIENT_SECRET" if oauth else "LRS_PASSWORD") or ""),
        token_url=str(config.get("LRS_OAUTH2_TOKEN_URL") or ""),
        scope=str(config.get("LRS_OAUTH2_SCOPE") or ""),
        timeout=float(config.get("LRS_TIMEOUT_SECONDS", 10)),
    )


def endpoints_for(
    session: Session, platform_id: int, deployment_id: int | None = None
) -> list[LrsEndpoint]:
    """The school's endpoints that apply to ``deployment_id`` (all-deployment ones included)."""
    query = select(LrsEndpoint).where(LrsEndpoint.platform_id == platform_id)
    if deployment_id is None:
        query = query.where(LrsEndpoint.deployment_id.is_(None))
    else:
        query = query.where(
            or_(LrsEndpoint.deployment_id.is_(None), LrsEndpoint.deployment_id == deployment_id)
        )
    return list(session.scalars(query.order_by(LrsEndpoint.id)))


def destinations_for(
    session: Session, platform_id: int, deployment_id: int | None = None
) -> list[str]:
    """Outbox destinations for a school's statements; empty means: keep them in PeerReady.

    Cached per worker like the registrations (``REGISTRATION_CACHE_SECONDS``): every launch,
    answer and progress report asks. Adding or removing an endpoint clears this worker's
    cache; other workers follow within that time.
    """

    def load() -> tuple[str, ...]:
        own = [destination_of(e) for e in endpoints_for(session, platform_id, deployment_id)]
        return tuple(own) if own else ((ENV_DESTINATION,) if env_target() else ())

    key = ("lrs-destinations", platform_id, deployment_id, current_app.config.get("LRS_ENDPOINT"))
    return list(registry.remember(key, load))


def target_for(session: Session, destination: str) -> LrsTarget | None:
    """Resolve an outbox destination to its endpoint (None if it was removed)."""
    if destination == ENV_DESTINATION:
        return env_target()
    endpoint = session.get(LrsEndpoint, int(destination.removeprefix("lrs:")))
    if endpoint is None:
        return None
    return LrsTarget(
        destination=destination,
        url=endpoint.url,
        auth=endpoint.auth,
        username=endpoint.username,
        secret=decrypt_text(SECRET_SALT, endpoint.secret_encrypted)
        if endpoint.secret_encrypted
        else "",
        token_url=endpoint.token_url,
        scope=endpoint.scope,
        timeout=float(current_app.config.get("LRS_TIMEOUT_SECONDS", 10)),
    )


def add_endpoint(session: Session, platform: Platform, form: dict[str, Any]) -> LrsEndpoint:
    """Add an endpoint from the admin form; the secret is encrypted before it is stored."""
    url = str(form.get("url", "")).strip()
    auth = str(form.get("auth", "basic"))
    token_url = str(form.get("token_url", "")).strip()
    _check_url(url, "LRS endpoint")
    if auth not in AUTH_KINDS:
        raise EndpointProblem("Choose Basic or OAuth2 client credentials.")
    if auth == "oauth2":
        _check_url(token_url, "token URL")
    deployment_id = form.get("deployment_id") or None
    if deployment_id is not None and int(deployment_id) not in {d.id for d in platform.deployments}:
        raise EndpointProblem("That deployment is not one of this platform's.")
    secret = str(form.get("secret", ""))
    endpoint = LrsEndpoint(
        platform_id=platform.id,
        deployment_id=int(deployment_id) if deployment_id else None,
        name=str(form.get("name", "")).strip()[:255],
        url=url,
        auth=auth,
        username=str(form.get("username", "")).strip()[:255],
        secret_encrypted=encrypt_text(SECRET_SALT, secret) if secret else "",
        token_url=token_url,
        scope=str(form.get("scope", "")).strip()[:255],
    )
    session.add(endpoint)
    session.commit()
    return endpoint


def _check_url(url: str, label: str) -> None:
    parts = urlsplit(url)
    allow_http = current_app.config.get("LRS_ALLOW_HTTP", False)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)) or not parts.netloc:
        raise EndpointProblem(f"The {label} must be an https:// URL.")


def remove_endpoint(session: Session, platform: Platform, endpoint_id: int) -> None:
    """Remove one of the school's endpoints; its queued statements will fail as 'removed'."""
    endpoint = session.get(LrsEndpoint, endpoint_id)
    if endpoint is None or endpoint.platform_id != platform.id:
        raise EndpointProblem("That endpoint is not one of this school's.")
    session.delete(endpoint)
    session.commit()


def set_send_names(session: Session, platform: Platform, on: bool) -> None:
    """Turn sending pupils' display names to the school's LRSs on or off."""
    platform.settings = {**(platform.settings or {}), "xapi_send_names": on}
    session.commit()


def school_destinations(session: Session, platform: Platform) -> list[str]:
    """Every destination that may hold this school's statements (for the queue table)."""
    found = [destination_of(e) for e in endpoints_for_any_deployment(session, platform.id)]
    return [*found, ENV_DESTINATION] if env_target() else found


def endpoints_for_any_deployment(session: Session, platform_id: int) -> list[LrsEndpoint]:
    """All the school's endpoints, whichever deployment they serve."""
    return list(
        session.scalars(
            select(LrsEndpoint)
            .where(LrsEndpoint.platform_id == platform_id)
            .order_by(LrsEndpoint.id)
        )
    )
