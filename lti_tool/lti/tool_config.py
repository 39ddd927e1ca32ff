"""pylti1p3's tool configuration, read from the database (many platforms, many deployments)."""

from __future__ import annotations

from typing import Any

from flask import g
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import registry
from lti_tool.models import Deployment
from lti_tool.models import Platform
from lti_tool.services import keys


def _found_this_request() -> dict[tuple[Any, ...], Any]:
    """Rows already found in this request (or app context): a login asks for its platform
    twice and a launch five times (our checks, then pylti1p3's). Across requests the worker's
    registration cache (``registry``) answers."""
    found: dict[tuple[Any, ...], Any] = g.setdefault("peerready_registrations", {})
    return found


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """The registration for ``issuer`` and ``client_id``; without a client id, the only one."""
    memo = _found_this_request()
    if ("platform", issuer, client_id) in memo:
        return memo["platform", issuer, client_id]  # type: ignore[no-any-return]

    def load() -> Platform | None:
        query = select(Platform).where(Platform.issuer == issuer)
        if client_id:
            return db.session.scalars(query.where(Platform.client_id == client_id)).first()
        found = db.session.scalars(query.limit(2)).all()
        return found[0] if len(found) == 1 else None

    platform = registry.find_cached(db.session, ("platform", issuer, client_id), load)
    if platform is not None:  # only hits: a platform registered later in the context is found
        memo["platform", issuer, client_id] = platform
    return platform


def issuer_is_registered(issuer: str) -> bool:
    """True if any registration has this issuer (to tell an unknown issuer from a client id)."""
    query = select(Platform.id).where(Platform.issuer == issuer).limit(1)
    return db.session.scalar(query) is not None


def find_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    """A registered deployment of ``platform``."""
    memo = _found_this_request()
    if ("deployment", platform.id, deployment_id) in memo:
        return memo["deployment", platform.id, deployment_id]  # type: ignore[no-any-return]
    query = select(Deployment).where(
        Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
    )
    deployment = registry.find_cached(
        db.session,
        ("deployment", platform.id, deployment_id),
        lambda: db.session.scalars(query).first(),
    )
    if deployment is not None:
        memo["deployment", platform.id, deployment_id] = deployment
    return deployment


class _Registration(Registration):  # type: ignore[misc]
    """pylti1p3's registration, reading the tool's key pair only when something signs with it.

    Every login and launch builds a registration, but only deep-linking responses and service
    tokens use the tool's key: reading and decrypting it for each launch was a wasted query.
    """

    def _load_tool_key(self) -> None:
        key = keys.active_key(db.session)
        self.set_tool_private_key(keys.private_pem(key))
        self.set_tool_public_key(key.public_pem)

    def get_tool_private_key(self) -> str | None:
        if self._tool_private_key is None:
            self._load_tool_key()
        return self._tool_private_key  # type: ignore[no-any-return]

    def get_tool_public_key(self) -> Any:
        if self._tool_public_key is None:
            self._load_tool_key()
        return self._tool_public_key


def registration_for(platform: Platform) -> Registration:
    """pylti1p3's view of a platform; the tool's active signing key is read when first used."""
    registration = (
        _Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_key_set(platform.key_set)
    )
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


class DatabaseToolConfig(ToolConfAbstract):  # type: ignore[type-arg]
    """Registrations from the ``platform`` and ``deployment`` tables."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False  # an issuer may register PeerReady several times (one per client id)

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = find_platform(iss, client_id)
        return registration_for(platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        platform = find_platform(iss, client_id)
        if platform is None or find_deployment(platform, deployment_id) is None:
            return None
        return LtiDeployment().set_deployment_id(deployment_id)
