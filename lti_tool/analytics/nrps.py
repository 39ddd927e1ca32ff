"""A course's roster from the platform, by LTI Names and Role Provisioning Services (NRPS) 2.0.

The launch's ``namesroleservice`` claim gives the context's ``context_memberships_url``. The
tool gets an access token by OAuth 2 client credentials with a JWT assertion signed by its own
key (pylti1p3's ``ServiceConnector``), then follows ``Link: <…>; rel="next"`` from page to page.
Rosters are cached per context in the shared store; any failure becomes ``RosterUnavailable``,
which the error pages show as a plain sentence (never a 500).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector
from requests.utils import parse_header_links

from lti_tool.errors import PeerReadyError
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.lti.roles import role_for
from lti_tool.lti.roles import short_name
from lti_tool.lti.tool_config import registration_for
from lti_tool.models import Platform
from lti_tool.models.types import utcnow
from lti_tool.store import get_store

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
CONTEXT_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
CACHE_SECONDS = 600  # a roster changes rarely during a lesson; "Refresh" fetches it again
TIMEOUT_SECONDS = 10  # per request: a dashboard must not hang on a slow platform
MAX_PAGES = 500  # a platform whose "next" links never end is a broken platform


class RosterUnavailable(PeerReadyError):
    """The platform did not give us the roster: down, refused us, or answered nonsense."""

    status = 502
    heading = "Roster unavailable"
    message = "The roster couldn't be fetched from your platform just now."
    next_step = "Try again in a few minutes. If it keeps happening, tell your school's IT admin."
    admin_hint = (
        "Check that the platform is reachable and that PeerReady's registration allows the "
        "Names and Role Provisioning service (in Moodle: 'Use this service to retrieve "
        "members' information as per privacy settings')."
    )


@dataclass(frozen=True)
class Member:
    """One person in the course, as the platform lists them.

    ``user_id`` is the LTI ``sub`` the launches use; ``name`` only if the platform shares it;
    ``roles`` as sent (Moodle sends short names such as ``Learner``); ``status`` is
    ``Active``, ``Inactive`` or ``Deleted``; ``role`` is what PeerReady makes of the roles.
    """

    user_id: str
    name: str | None
    roles: tuple[str, ...]
    status: str
    role: Role


@dataclass(frozen=True)
class Roster:
    """The members of one context, when they were fetched and whether this came from the cache."""

    members: tuple[Member, ...]
    fetched_at: datetime
    from_cache: bool


def fetch_roster(
    platform: Platform,
    memberships_url: str,
    *,
    role: str | None = None,
    refresh: bool = False,
) -> Roster:
    """All members of the context at ``memberships_url``, from the cache unless ``refresh``.

    ``role`` (``Learner``, ``Instructor`` or a full role URI) is sent as NRPS's ``?role=``
    filter, and applied again here in case the platform ignores it. Raises
    ``RosterUnavailable`` when the platform cannot be reached or answers with an error.
    """
    store = get_store()
    key = _cache_key(platform, memberships_url, role)
    if not refresh:
        cached = store.get(key)
        if cached is not None:
            return _roster_from_json(cached, from_cache=True)
    members = _fetch_members(platform, _with_role(memberships_url, role))
    if role is not None:
        wanted = short_name(role)
        members = [m for m in members if wanted in {short_name(r) for r in m["roles"]}]
    data = {"fetched_at": utcnow().isoformat(), "members": members}
    store.set(key, data, CACHE_SECONDS)
    return _roster_from_json(data, from_cache=False)


def _fetch_members(platform: Platform, url: str) -> list[dict[str, Any]]:
    platform_id = platform.id
    if not platform.auth_token_url:
        raise RosterUnavailable(f"platform {platform_id} has no token URL")
    registration = registration_for(platform)
    registration.get_tool_private_key()  # read the tool's key now, not during the calls
    # Hold no database transaction while waiting for the platform: on SQLite it holds the write
    # lock (BEGIN IMMEDIATE), stalling every other request, and a platform served by this very
    # process (the demo) could never answer. Nothing is pending here (the dashboard only reads).
    db.session.commit()
    connector = ServiceConnector(registration, requests_session=_TimeoutSession())
    members: list[dict[str, Any]] = []
    next_url: str | None = url
    pages = 0
    while next_url:
        pages += 1
        if pages > MAX_PAGES:
            raise RosterUnavailable(f"more than {MAX_PAGES} pages from {url}")
        try:
            # Parse the Link header ourselves: pylti1p3 lowercases the whole header, which
            # breaks Moodle's next-page URLs (…/services.php/CourseSection/2/…).
            response = connector.make_service_request(
                [NRPS_SCOPE], next_url, accept=MEMBERSHIP_MEDIA_TYPE,
                case_insensitive_headers=True,
            )
        except LtiServiceException as error:
            raise RosterUnavailable(f"platform {platform_id} refused NRPS: {error}") from error
        except requests.RequestException as error:
            raise RosterUnavailable(f"platform {platform_id} unreachable: {error}") from error
        except (ValueError, KeyError) as error:  # not JSON, or a token response without a token
            raise RosterUnavailable(f"platform {platform_id} sent nonsense: {error!r}") from error
        members.extend(_members_of(response["body"], platform_id))
        next_url = _next_link(response["headers"].get("Link", ""), next_url)
    return members


def _members_of(body: object, platform_id: int) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("members"), list):
        raise RosterUnavailable(f"platform {platform_id}: a membership page without 'members'")
    found = []
    for member in body["members"]:
        if not isinstance(member, dict) or not isinstance(member.get("user_id"), str):
            continue  # no user id: nobody we could ever match to a launch
        name = member.get("name")
        roles = member.get("roles")
        found.append({
            "user_id": member["user_id"],
            "name": name if isinstance(name, str) and name else None,
            "roles": [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else [],
            "status": member.get("status") or "Active",  # NRPS: absent means Active
        })
    return found


def _next_link(header: str, current: str) -> str | None:
    for link in parse_header_links(header) if header else []:
        if "next" in link.get("rel", "").split():
            return urljoin(current, link["url"])
    return None


def _with_role(url: str, role: str | None) -> str:
    if role is None:
        return url
    uri = role if "://" in role else CONTEXT_ROLE + role
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("role", uri)])
    return urlunsplit(parts._replace(query=query))


def _cache_key(platform: Platform, url: str, role: str | None) -> str:
    digest = hashlib.sha256(f"{url}\n{role or ''}".encode()).hexdigest()[:32]
    return f"nrps:{platform.id}:{digest}"


def _roster_from_json(data: dict[str, Any], *, from_cache: bool) -> Roster:
    members = tuple(
        Member(m["user_id"], m["name"], tuple(m["roles"]), m["status"], role_for(m["roles"]))
        for m in data["members"]
    )
    return Roster(members, datetime.fromisoformat(data["fetched_at"]), from_cache)


class _TimeoutSession(requests.Session):
    """A requests session whose every request gives up after ``TIMEOUT_SECONDS``."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["User-Agent"] = "PeerReady NRPS client"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)
