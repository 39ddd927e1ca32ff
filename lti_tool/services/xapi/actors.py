"""Who a statement is about: a keyed pseudonym by default, the display name if the school allows.

The pseudonym is HMAC-SHA256 of the platform's issuer and the LTI ``sub``, keyed with a key
derived from the app's secret: stable across launches, and not reversible (nor linkable to other
tools' data) without that key. PeerReady stores no e-mail, so an actor never has ``mbox``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app

from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.services.crypto import derived_key

PSEUDONYM_SALT = b"peerready-xapi-actor"  # changing it gives every pupil a new actor in the LRS


def pseudonym(issuer: str, sub: str) -> str:
    """The stable, keyed pseudonym of ``sub`` on ``issuer`` (64 hex characters)."""
    key = derived_key(PSEUDONYM_SALT, b"hmac-sha256")
    return hmac.new(key, f"{issuer}\n{sub}".encode(), hashlib.sha256).hexdigest()


def sends_names(platform: Platform) -> bool:
    """True if the school turned on sending display names (``xapi_send_names``)."""
    return bool(platform.setting("xapi_send_names", current_app.config["XAPI_SEND_NAMES"]))


def actor_for(user: User, platform: Platform) -> dict[str, Any]:
    """The xAPI Agent for ``user``: an account on the platform, named only when allowed."""
    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": platform.issuer, "name": pseudonym(platform.issuer, user.sub)},
    }
    if sends_names(platform) and user.display_name:
        actor["name"] = user.display_name
    return actor
