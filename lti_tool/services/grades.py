"""Post scores to the platform's gradebook (LTI AGS) through the outbox (kind ``ags-score``).

``queue_score`` adds the score to the caller's session; the ``AgsSender`` later gets a token
(client credentials with a JWT assertion signed by the tool's active key), finds or creates the
line item, and posts the score. Moodle refuses a score whose timestamp is not later than the
stored one (whole seconds) with 409: a newer score is already there, so that one counts as
delivered (superseded). A 400 (e.g. the user is not a student there) is permanent.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import jwt
import requests
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.outbox import DELIVERED
from lti_tool.services import keys
from lti_tool.services import outbox
from lti_tool.services.outbox import Outcome
from lti_tool.services.outbox import Parcel

KIND = "ags-score"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_MARGIN_SECONDS = 30


class GradePassbackError(Exception):
    """A score cannot be queued (the link has no gradebook service)."""


def destination_for(platform_id: int) -> str:
    return f"ags:{platform_id}"


def queue_score(
    session: Session, user: User, resource_link: ResourceLink, score_given: float | None,
    score_maximum: float, activity_progress: str, grading_progress: str, timestamp: datetime,
    *, tag: str | None = None, label: str | None = None,
) -> OutboxItem:
    """Queue a score for ``user`` on ``resource_link``'s line item; the caller commits.

    ``timestamp`` must be timezone-aware; it is sent with microseconds. ``score_given`` None
    sends no ``scoreGiven``: with gradingProgress ``NotReady`` that clears the gradebook's grade.
    """
    if not (resource_link.lineitem_url or resource_link.lineitems_url):
        raise GradePassbackError("this link's launch gave no AGS line item or line items URL")
    if timestamp.tzinfo is None:
        raise ValueError("the score timestamp must be timezone-aware")
    score = {
        "userId": user.sub, "scoreGiven": score_given, "scoreMaximum": score_maximum,
        "activityProgress": activity_progress, "gradingProgress": grading_progress,
        "timestamp": timestamp.isoformat(timespec="microseconds"),
    }
    if score_given is None:
        del score["scoreGiven"]
    payload = {
        "score": score, "resource_link_id": resource_link.id,
        "lti_resource_link_id": resource_link.lti_resource_link_id,
        "lineitem_url": resource_link.lineitem_url, "lineitems_url": resource_link.lineitems_url,
        "tag": tag, "label": label or resource_link.title or "PeerReady",
    }
    return outbox.enqueue(
        session, kind=KIND, destination=destination_for(user.platform_id),
        item_id=str(uuid.uuid4()), payload=payload, platform_id=user.platform_id,
        ref=f"user:{user.id}",
    )


@dataclass(frozen=True)
class GradeSync:
    """A score not yet in the gradebook, as a trainer sees it."""

    user_id: int
    resource_link_id: int
    score_given: float | None  # None: the grade is being cleared
    score_maximum: float
    attempts: int
    status: str
    last_error: str | None
    queued_at: datetime


def pending_grade_syncs(session: Session, platform_id: int, context_id: int | None = None) -> list[GradeSync]:
    """Scores still waiting (or refused) for a school, optionally one course, oldest first."""
    items = session.scalars(
        select(OutboxItem)
        .where(OutboxItem.destination == destination_for(platform_id), OutboxItem.status != DELIVERED)
        .order_by(OutboxItem.id)
    ).all()
    links = set()
    if context_id is not None:
        links = set(session.scalars(select(ResourceLink.id).where(ResourceLink.context_id == context_id)))
    return [
        GradeSync(
            user_id=int(item.ref.removeprefix("user:")) if item.ref else 0,
            resource_link_id=item.payload["resource_link_id"],
            score_given=item.payload["score"].get("scoreGiven"),
            score_maximum=item.payload["score"]["scoreMaximum"],
            attempts=item.attempts, status=item.status, last_error=item.last_error,
            queued_at=item.created_at,
        )
        for item in items
        if context_id is None or item.payload["resource_link_id"] in links
    ]


@dataclass(frozen=True)
class PlatformCredentials:
    """What the sender needs to get a token from one platform."""

    platform_id: int
    client_id: str
    token_url: str
    audience: str
    kid: str
    private_pem: str
    timeout: float


class AgsTokenCache:
    """Access tokens per platform and scope set, kept until shortly before they expire."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[int, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def token(self, http: requests.Session, creds: PlatformCredentials, scopes: str) -> str:
        key = (creds.platform_id, scopes)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        now = int(time.time())
        assertion = jwt.encode(
            {"iss": creds.client_id, "sub": creds.client_id, "aud": creds.audience,
             "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex},
            creds.private_pem, algorithm="RS256", headers={"kid": creds.kid},
        )
        response = http.post(creds.token_url, data={
            "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion, "scope": scopes,
        }, timeout=creds.timeout)
        response.raise_for_status()
        body = response.json()
        lifetime = float(body.get("expires_in", 3600))
        with self._lock:
            self._tokens[key] = (str(body["access_token"]),
                                 time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 1))
        return str(body["access_token"])

    def forget(self, platform_id: int) -> None:
        with self._lock:
            for key in [k for k in self._tokens if k[0] == platform_id]:
                del self._tokens[key]


class _Refused(Exception):
    def __init__(self, response: requests.Response, step: str) -> None:
        super().__init__(f"{step}: HTTP {response.status_code}: {response.text[:500]}")
        self.status = response.status_code


class AgsSender:
    """The outbox sender for ``ags-score`` items."""

    def __init__(self) -> None:
        self.tokens = AgsTokenCache()
        self.http = requests.Session()
        # Line items found or created, by (platform, resource link): saves a search per score.
        self.lineitems: dict[tuple[int, int], str] = {}

    def prepare(self, session: Session, destination: str) -> PlatformCredentials | None:
        platform = session.get(Platform, int(destination.removeprefix("ags:")))
        if platform is None or not platform.auth_token_url:
            return None
        key = keys.active_key(session)
        return PlatformCredentials(
            platform_id=platform.id, client_id=platform.client_id,
            token_url=platform.auth_token_url,
            audience=platform.auth_audience or platform.auth_token_url,
            kid=key.kid, private_pem=keys.private_pem(key),
            timeout=float(current_app.config.get("AGS_TIMEOUT_SECONDS", 10)),
        )

    def send(self, prepared: PlatformCredentials | None, parcels: list[Parcel]) -> list[Outcome]:
        if prepared is None:
            return [Outcome.rejected("The platform is gone or has no token URL.")] * len(parcels)
        outcomes: list[Outcome] = []
        for parcel in parcels:
            if outcomes and outcomes[-1].status == "pending":
                outcomes.append(outcomes[-1])  # keep the order: nothing overtakes a retry
                continue
            outcomes.append(self._send_one(prepared, parcel.payload))
        return outcomes

    def _send_one(self, creds: PlatformCredentials, payload: dict[str, Any]) -> Outcome:
        try:
            lineitem = self._lineitem(creds, payload)
            response = self._request(creds, "POST", _scores_url(lineitem), json=payload["score"],
                                     content_type=SCORE_TYPE, allow_409=True)
        except _Refused as exc:
            if exc.status >= 500 or exc.status in (401, 408, 429):
                if exc.status == 401:
                    self.tokens.forget(creds.platform_id)
                return Outcome.retry(str(exc))
            return Outcome.rejected(str(exc))
        except (requests.ConnectionError, requests.Timeout) as exc:
            return Outcome.retry(f"platform unreachable: {type(exc).__name__}")
        except requests.RequestException as exc:
            return Outcome.retry(f"request failed: {type(exc).__name__}: {exc}")
        if response.status_code == 409:
            # Moodle: the gradebook holds a score at the same or a later second. It is newer
            # than (or the same as) this one, so this one is superseded, not lost.
            return Outcome.delivered("superseded: the platform has a newer score (409)")
        if 200 <= response.status_code < 300:
            return Outcome.delivered()
        raise AssertionError("unreachable: _request raises for other statuses")

    def _lineitem(self, creds: PlatformCredentials, payload: dict[str, Any]) -> str:
        if payload.get("lineitem_url"):
            return str(payload["lineitem_url"])
        cache_key = (creds.platform_id, int(payload["resource_link_id"]))
        if cache_key in self.lineitems:
            return self.lineitems[cache_key]
        container = str(payload["lineitems_url"])
        params = {"resource_link_id": payload["lti_resource_link_id"]}
        if payload.get("tag"):
            params["tag"] = payload["tag"]
        found = self._request(creds, "GET", container, params=params,
                              accept=LINEITEMS_TYPE).json()
        if found:
            url = str(found[0]["id"])
        else:
            item = {"scoreMaximum": payload["score"]["scoreMaximum"], "label": payload["label"],
                    "resourceLinkId": payload["lti_resource_link_id"],
                    "resourceId": payload.get("tag") or "peerready"}
            if payload.get("tag"):
                item["tag"] = payload["tag"]
            url = str(self._request(creds, "POST", container, json=item,
                                    content_type=LINEITEM_TYPE).json()["id"])
        self.lineitems[cache_key] = url
        return url

    def _request(self, creds: PlatformCredentials, method: str, url: str, *,
                 json: Any = None, params: dict[str, str] | None = None,
                 content_type: str | None = None, accept: str | None = None,
                 allow_409: bool = False) -> requests.Response:
        try:
            token = self.tokens.token(self.http, creds, f"{SCORE_SCOPE} {LINEITEM_SCOPE}")
        except requests.HTTPError as exc:
            raise _Refused(exc.response, "token request") from exc
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        response = self.http.request(method, url, json=json, params=params, headers=headers,
                                     timeout=creds.timeout)
        if response.status_code >= 400 and not (response.status_code == 409 and allow_409):
            raise _Refused(response, f"{method} {urlsplit(url).path}")
        return response


def _scores_url(lineitem: str) -> str:
    """``…/lineitems/7?type=x`` -> ``…/lineitems/7/scores?type=x`` (AGS: append to the path)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))
