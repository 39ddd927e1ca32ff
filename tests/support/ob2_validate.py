"""Run IMS's Open Badges 2.0 validator (``openbadges`` 1.1.2) on a hosted assertion URL.

Runs in its own small venv (see tests/certification/conftest.py: its pins clash with the app's).
Prints the validator's report as JSON. The JSON-LD context https://w3id.org/openbadges/v2 is
answered from the copy the validator ships, so nothing leaves 127.0.0.1.

    python ob2_validate.py ASSERTION_URL [RECIPIENT_URL]
"""

import json
import sys

import requests
from requests.adapters import BaseAdapter
from requests.models import Response

from openbadges import verify
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_URI


class LocalContexts(BaseAdapter):
    """Answers the Open Badges JSON-LD context from the validator's own copy."""

    def send(self, request, **kwargs):
        if request.url.rstrip("/") != OPENBADGES_CONTEXT_V2_URI:
            raise requests.ConnectionError("offline: %s" % request.url)
        response = Response()
        response.status_code = 200
        response.url = request.url
        response.request = request
        response.headers["Content-Type"] = "application/ld+json"
        response._content = json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode()
        return response

    def close(self):
        pass


_init = requests.Session.__init__


def _session_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.mount("https://w3id.org/", LocalContexts())


requests.Session.__init__ = _session_init

options = {"use_cache": False}
profile = {"url": sys.argv[2]} if len(sys.argv) > 2 else None
report = verify(sys.argv[1], recipient_profile=profile, **options)
print(json.dumps(report, default=str))
