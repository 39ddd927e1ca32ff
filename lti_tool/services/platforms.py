"""Platform registrations: add, import, list, remove, and the values a platform admin needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import Context
from lti_tool.models import Deployment
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models.outbox import PENDING
from lti_tool.security import is_development
from lti_tool.urls import external_url


class RegistrationProblem(ValueError):
    """A registration PeerReady refuses; the message says which value is wrong."""


@dataclass(frozen=True)
class ToolUrls:
    """What a platform admin pastes into the platform when registering PeerReady by hand."""

    registration: str
    login: str
    launch: str
    deep_linking: str
    jwks: str
    domain: str

    def as_rows(self) -> list[tuple[str, str]]:
        return [
            ("Dynamic registration URL (Moodle: paste as Tool URL, then Add LTI Advantage)",
             self.registration),
            ("Tool URL / target link URI", self.launch),
            ("Initiate login URL (OIDC login)", self.login),
            ("Redirection URI(s)", self.launch),
            ("Deep linking URL (content selection)", self.deep_linking),
            ("Public keyset URL (JWKS)", self.jwks),
            ("Domain", self.domain),
        ]


def tool_urls() -> ToolUrls:
    """The tool's own URLs, absolute (PUBLIC_BASE_URL behind a proxy)."""
    registration = external_url("registration.start")
    key = current_app.config.get("REGISTRATION_KEY")
    if key:
        registration += f"?key={key}"
    launch = external_url("lti.launch")
    return ToolUrls(
        registration=registration,
        login=external_url("lti.login"),
        launch=launch,
        deep_linking=launch,
        jwks=external_url("lti.jwks"),
        domain=urlsplit(launch).netloc,
    )


def check_url(name: str, url: str | None, *, required: bool = True) -> str | None:
    """An http(s) URL; plain http only on this machine or in development."""
    if not url:
        if required:
            raise RegistrationProblem(f"{name} is required")
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistrationProblem(f"{name} must be an http(s) URL, not {url!r}")
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "http" and not local and not is_development(current_app):
        raise RegistrationProblem(f"{name} must use https: {url!r}")
    return url


def add_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str | None = None,
    key_set_url: str | None = None,
    key_set: dict[str, Any] | None = None,
    auth_audience: str | None = None,
    name: str = "",
    deployment_ids: Iterable[str] = (),
    registered_via: str = "manual",
    product_family_code: str = "",
) -> Platform:
    """Register a platform and its deployments; refuses duplicates and bad URLs."""
    platform = _new_platform(
        session,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        key_set_url=key_set_url,
        key_set=key_set,
        auth_audience=auth_audience,
        name=name,
        deployment_ids=deployment_ids,
        registered_via=registered_via,
        product_family_code=product_family_code,
    )
    session.commit()
    _frame_ancestors_changed()
    return platform


def _new_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str | None,
    key_set_url: str | None,
    key_set: dict[str, Any] | None,
    auth_audience: str | None,
    name: str,
    deployment_ids: Iterable[str],
    registered_via: str,
    product_family_code: str,
) -> Platform:
    check_url("issuer", issuer)
    if not client_id:
        raise RegistrationProblem("client_id is required")
    check_url("auth_login_url", auth_login_url)
    check_url("auth_token_url", auth_token_url, required=False)
    check_url("key_set_url", key_set_url, required=key_set is None)
    if key_set is not None and not isinstance(key_set.get("keys"), list):
        raise RegistrationProblem("key_set must be a JSON Web Key Set with a 'keys' list")
    existing = session.scalars(select(Platform).filter_by(issuer=issuer, client_id=client_id)).first()
    if existing is not None:
        raise RegistrationProblem(
            f"{issuer} with client_id {client_id} is already registered (id {existing.id})"
        )
    platform = Platform(
        issuer=issuer,
        client_id=client_id,
        name=name or urlsplit(issuer).netloc,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url or "",
        key_set_url=key_set_url,
        key_set=key_set,
        auth_audience=auth_audience,
        registered_via=registered_via,
        product_family_code=product_family_code,
        settings={},
    )
    for deployment_id in dict.fromkeys(deployment_ids):
        platform.deployments.append(Deployment(deployment_id=str(deployment_id)))
    session.add(platform)
    session.flush()
    return platform


def add_deployment(session: Session, platform: Platform, deployment_id: str) -> Deployment:
    """Register another deployment id of ``platform``."""
    if not deployment_id:
        raise RegistrationProblem("deployment_id is required")
    if any(d.deployment_id == deployment_id for d in platform.deployments):
        raise RegistrationProblem(f"deployment {deployment_id} is already registered")
    deployment = Deployment(deployment_id=deployment_id)
    platform.deployments.append(deployment)
    session.commit()
    return deployment


class RemovalRefused(RegistrationProblem):
    """The registration still holds data that only the privacy erasure may delete."""


@dataclass(frozen=True)
class HeldData:
    """What a registration still holds, in counts."""

    people: int
    courses: int
    learning_records: int  # kept in PeerReady's own statement store
    certificates: int
    undelivered: int  # outbox messages (voiding statements, grades) not yet sent

    @property
    def needs_erasure(self) -> bool:
        return bool(self.people or self.courses or self.learning_records or self.certificates)


def held_data(session: Session, platform: Platform) -> HeldData:
    """Count what removing ``platform`` would delete by cascade."""

    def count(query: Any) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    return HeldData(
        people=count(select(User.id).where(User.platform_id == platform.id)),
        courses=count(select(Context.id).join(Deployment).where(
            Deployment.platform_id == platform.id)),
        learning_records=count(select(StoredStatement.id).where(
            StoredStatement.platform_id == platform.id)),
        certificates=count(select(Certification.id).where(
            Certification.platform_id == platform.id)),
        undelivered=count(select(OutboxItem.id).where(
            OutboxItem.platform_id == platform.id, OutboxItem.status == PENDING)),
    )


def check_removable(
    session: Session, platform: Platform, *, drop_undelivered: bool = False
) -> None:
    """Raise RemovalRefused, saying what to do first, unless ``platform`` may be removed now.

    Deleting people, courses and records by cascade would skip the privacy erasure: nothing
    voided at the school's LRS, no certificate marked withdrawn. And the erasure's voiding
    statements need the registration (its LRS settings) until they are delivered.
    """
    held = held_data(session, platform)
    if held.needs_erasure:
        parts = [
            _counted(number, noun) for number, noun in (
                (held.people, "person"), (held.courses, "course"),
                (held.learning_records, "learning record"), (held.certificates, "certificate"))
            if number
        ]
        found = " and ".join((", ".join(parts[:-1]), parts[-1])) if len(parts) > 1 else parts[0]
        raise RemovalRefused(
            f"{platform.issuer} still holds {found}. Erase the school's data first, so its "
            "records are voided at its LRS and its certificates withdrawn: 'Erase everything for "
            "this school' on its data page, or "
            f"`flask privacy erase --school {platform.id} --everything`. "
            "Then remove the registration."
        )
    if held.undelivered and not drop_undelivered:
        raise RemovalRefused(
            f"{_counted(held.undelivered, 'message')} (voiding statements or grades) still "
            "wait to be delivered to the school's LRS or gradebook, and removing the registration "
            "would drop them. Wait until they are delivered (`flask xapi deliver`), or, if that "
            "LRS is gone for good, remove the registration and drop them (tick 'Drop undelivered "
            "messages', or `--drop-undelivered`)."
        )


def _counted(number: int, noun: str) -> str:
    plural = "people" if noun == "person" else f"{noun}s"
    return f"{number} {noun if number == 1 else plural}"


def remove_platform(
    session: Session, platform: Platform, *, drop_undelivered: bool = False
) -> None:
    """Delete a registration and its deployments (a school leaving, its data already erased)."""
    check_removable(session, platform, drop_undelivered=drop_undelivered)
    session.delete(platform)
    session.commit()
    _frame_ancestors_changed()


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.id)))


def get_platform(session: Session, platform_id: int) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise RegistrationProblem(f"no platform with id {platform_id}")
    return platform


def import_tool_conf(session: Session, data: dict[str, Any]) -> list[Platform]:
    """Import pylti1p3's JSON tool configuration ({issuer: entry or [entries]}): all or nothing.

    Private/public key file entries are ignored: PeerReady signs with its own keys.
    """
    if not isinstance(data, dict):
        raise RegistrationProblem("the file must hold a JSON object keyed by issuer")
    added = []
    for issuer, entries in data.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                raise RegistrationProblem(f"{issuer}: each entry must be an object")
            added.append(
                _new_platform(
                    session,
                    issuer=issuer,
                    client_id=str(entry.get("client_id") or ""),
                    auth_login_url=entry.get("auth_login_url", ""),
                    auth_token_url=entry.get("auth_token_url"),
                    key_set_url=entry.get("key_set_url"),
                    key_set=entry.get("key_set"),
                    auth_audience=entry.get("auth_audience"),
                    deployment_ids=[str(d) for d in entry.get("deployment_ids", [])],
                    name="",
                    registered_via="import",
                    product_family_code="",
                )
            )
    session.commit()
    _frame_ancestors_changed()
    return added


def _frame_ancestors_changed() -> None:
    ancestors = current_app.extensions.get("peerready.frame_ancestors")
    if ancestors is not None:
        ancestors.invalidate()
