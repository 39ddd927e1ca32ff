"""Run Ralph's LRS (a real xAPI server) on 127.0.0.1 for the delivery tests.

``RalphLrs`` starts ``python -m tests.support.ralph_lrs`` as a subprocess with Ralph's
filesystem backend in a temporary directory; ``stop()`` and ``start()`` take it down and bring it
back on the same port with the same data. Two Ralph 5.1.0 bugs are worked around in ``main``
(in the server process only, not in PeerReady):

- its filesystem backend writes with the "create" operation by default, so only the first POST
  succeeds (later ones find the file exists): we make "append" the default;
- its GET filters compare ``verb`` and ``activity`` as IRI objects with the strings stored in
  the file, so they never match: we compare them as strings.

It reads the whole file on every POST (to find duplicate ids), so tests keep volumes modest.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bcrypt
import requests

USERNAME = "peerready"
PASSWORD = "lrs-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RalphLrs:
    """A Ralph LRS subprocess with Basic auth (``USERNAME``/``PASSWORD``), and more if asked."""

    def __init__(
        self, directory: Path, env: dict[str, str] | None = None, port: int | None = None
    ) -> None:
        self.directory = directory
        self.extra_env = env or {}  # more RALPH_* settings, e.g. OIDC auth
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        self.process: subprocess.Popen[bytes] | None = None
        auth = [{
            "agent": {"account": {"homePage": "https://lrs.example.org", "name": "peerready"}},
            "scopes": ["all"],
            "hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
            "username": USERNAME,
        }]
        (directory / "auth.json").write_text(json.dumps(auth), encoding="utf-8")

    def start(self) -> None:
        env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.directory),
            "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory),
            "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000",
            **self.extra_env,
        }
        with (self.directory / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.ralph_lrs", str(self.port)],
                env=env, cwd=Path(__file__).resolve().parents[2],
                stdout=subprocess.DEVNULL, stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("Ralph did not start: see " + str(self.directory / "server.log"))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def statements(self, **params: str) -> list[dict[str, Any]]:
        """Statements read back through the xAPI GET API (one page of up to 1000)."""
        response = requests.get(
            self.url + "statements", params={"limit": "1000", **params},
            auth=(USERNAME, PASSWORD), headers={"X-Experience-API-Version": "1.0.3"}, timeout=10,
        )
        response.raise_for_status()
        return list(response.json()["statements"])


def main(port: int) -> None:
    """Serve Ralph's LRS on 127.0.0.1:``port``, with the two workarounds described above."""
    import uvicorn
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    by_verb, by_activity = FSLRSBackend._add_filter_by_verb, FSLRSBackend._add_filter_by_activity
    FSLRSBackend._add_filter_by_verb = staticmethod(  # type: ignore[method-assign]
        lambda filters, verb_id: by_verb(filters, str(verb_id) if verb_id else None)
    )
    FSLRSBackend._add_filter_by_activity = staticmethod(  # type: ignore[method-assign]
        lambda filters, object_id, related: by_activity(
            filters, str(object_id) if object_id else None, related
        )
    )
    from ralph.api import app

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
