"""A real HTTP server on 127.0.0.1 for the far side of a boundary that can't run here."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar

from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

Handler = Callable[[Request], Response]
App = TypeVar("App")  # a WSGI callable with a writable ``base_url``


@dataclass
class FakeServer:
    """Routes (method, path) to handlers; records every request it received."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    received: list[Request] = field(default_factory=list)
    base_url: str = ""

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def json(self, method: str, path: str, body: Any, status: int = 200) -> None:
        """Answer ``method path`` with a fixed JSON body."""
        self.route(
            method, path, lambda _: Response(json.dumps(body), status, mimetype="application/json")
        )

    def hits(self, path: str) -> int:
        return sum(1 for r in self.received if r.path == path)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        request.get_data()  # keep the body for assertions
        self.received.append(request)
        handler = self.routes.get((request.method, request.path))
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)


@contextmanager
def running(app: App, ssl_context: ssl.SSLContext | None = None) -> Iterator[App]:
    """Serve a WSGI app on a free 127.0.0.1 port in a thread; sets ``app.base_url``.

    With ``ssl_context`` it serves HTTPS (see ``tests.support.tls``).
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
    scheme = "https" if ssl_context else "http"
    app.base_url = f"{scheme}://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
