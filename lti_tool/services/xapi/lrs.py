"""Send statements to an LRS (xAPI 1.0.3 statements resource) as the outbox's ``xapi`` sender.

Batches go in one POST. If the LRS refuses a batch (4xx), its statements are sent one by one so
that only the bad one is marked failed. 5xx, 408, 429, timeouts, refused connections and refused
credentials (401/403: a configuration problem, not the statement's) are retried later.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import requests
from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session
from sqlalchemy.orm import Session

from lti_tool.services.outbox import Outcome
from lti_tool.services.outbox import Parcel
from lti_tool.services.xapi.endpoints import LrsTarget
from lti_tool.services.xapi.endpoints import target_for

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
TRANSIENT_STATUSES = {401, 403, 408, 425, 429}
TOKEN_MARGIN_SECONDS = 30


class TokenCache:
    """OAuth2 client-credentials tokens per endpoint, kept until shortly before they expire."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def token(self, target: LrsTarget) -> str:
        key = (target.token_url, target.username, target.scope)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        client = OAuth2Session(
            client=BackendApplicationClient(client_id=target.username),
            scope=target.scope.split() or None,
        )
        found = client.fetch_token(
            token_url=target.token_url,
            client_id=target.username,
            client_secret=target.secret,
            timeout=target.timeout,
        )
        lifetime = float(found.get("expires_in", 300))
        with self._lock:
            self._tokens[key] = (
                str(found["access_token"]),
                time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 1),
            )
        return str(found["access_token"])

    def forget(self, target: LrsTarget) -> None:
        with self._lock:
            self._tokens.pop((target.token_url, target.username, target.scope), None)


class LrsClient:
    """Posts statements to one LRS with Basic or OAuth2 client-credentials auth, TLS verified."""

    def __init__(self, tokens: TokenCache | None = None) -> None:
        self.tokens = tokens or TokenCache()
        self.http = requests.Session()

    def post(self, target: LrsTarget, statements: list[dict[str, Any]]) -> requests.Response:
        headers = {"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json"}
        auth: tuple[str, str] | None = None
        if target.auth == "oauth2":
            headers["Authorization"] = f"Bearer {self.tokens.token(target)}"
        elif target.username or target.secret:
            auth = (target.username, target.secret)
        response = self.http.post(
            target.statements_url(),
            data=json.dumps(statements),
            headers=headers,
            auth=auth,
            timeout=target.timeout,
        )
        if response.status_code == 401 and target.auth == "oauth2":
            self.tokens.forget(target)
        return response


class XapiSender:
    """The outbox sender for ``xapi`` items: payload ``{"statement": {...}}``."""

    def __init__(self, client: LrsClient | None = None) -> None:
        self.client = client or LrsClient()

    def prepare(self, session: Session, destination: str) -> LrsTarget | None:
        return target_for(session, destination)

    def send(self, prepared: LrsTarget | None, parcels: list[Parcel]) -> list[Outcome]:
        if prepared is None:
            return [Outcome.rejected("This LRS endpoint was removed.")] * len(parcels)
        outcome = self._post(prepared, parcels)
        if outcome.status != "failed" or len(parcels) == 1:
            return [outcome] * len(parcels)
        # One bad statement spoils a batch: find it by sending them one at a time.
        outcomes: list[Outcome] = []
        for parcel in parcels:
            if outcomes and outcomes[-1].status == "pending":
                outcomes.append(outcomes[-1])  # the LRS went away meanwhile: retry the rest
            else:
                outcomes.append(self._post(prepared, [parcel]))
        return outcomes

    def _post(self, target: LrsTarget, parcels: list[Parcel]) -> Outcome:
        try:
            response = self.client.post(target, [p.payload["statement"] for p in parcels])
        except (requests.ConnectionError, requests.Timeout) as exc:
            return Outcome.retry(f"LRS unreachable: {type(exc).__name__}")
        except (OAuth2Error, requests.RequestException) as exc:
            return Outcome.retry(f"LRS token request failed: {type(exc).__name__}: {exc}")
        status = response.status_code
        if 200 <= status < 300:
            return Outcome.delivered()
        reason = f"HTTP {status}: {response.text[:500]}"
        if status == 409 and len(parcels) == 1:
            # The LRS already holds a statement with this id: an earlier try reached it.
            return Outcome.delivered(f"already stored (409): {response.text[:200]}")
        if status >= 500 or status in TRANSIENT_STATUSES:
            return Outcome.retry(reason)
        return Outcome.rejected(reason)
