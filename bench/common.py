"""What every benchmark shares: a prepared database, gunicorn servers, a bounded load loop.

Everything runs on 127.0.0.1. Each load loop stops at a request count *and* a time limit,
whichever comes first, and counts failures instead of hiding them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.platform import TestPlatform  # noqa: E402  (the test LMS that signs id_tokens)

POSTGRES = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/peerready_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_PREFIX = os.environ.get("BENCH_REDIS_KEY_PREFIX", "peerready-bench:")
SECRET = "bench-secret-key-not-for-production"
USER_POOL = 1000  # launches cycle through this many pupils: most real launches are returning users
REQUEST_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_peerready(url: str = POSTGRES) -> TestPlatform:
    """Empty ``url``, migrate it, make the tool's key and register a platform with inline JWKS."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.services import keys

    create_database_if_missing(url)
    app = create_app(peerready_config(url, for_app=True))
    platform = TestPlatform()
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
        keys.active_key(db.session)
        db.session.commit()
        platform.register()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    flush_redis()
    return platform


def create_database_if_missing(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` (connecting to ``postgres``) if absent."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                        (target.database,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.database)))


def flush_redis() -> None:
    """Delete this benchmark's Redis keys (only those under its own prefix)."""
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=REDIS_PREFIX + "*", count=1000):
        client.delete(key)


def peerready_config(url: str, for_app: bool = False, **extra: Any) -> dict[str, Any]:
    """PeerReady as in production: PostgreSQL, Redis for state/sessions, no rate limit."""
    config = {
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "ENVIRONMENT": "production",
        "DEMO_PLATFORM": False, "REDIS_URL": REDIS, "REDIS_KEY_PREFIX": REDIS_PREFIX,
        "RATELIMIT_ENABLED": False, **extra,
    }
    if for_app:
        return {**config, "LOGGING_CONFIG": None}
    return {f"PEERREADY_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def baseline_env(platform: TestPlatform) -> dict[str, str]:
    return {
        "BASELINE_SECRET_KEY": SECRET,
        "BASELINE_PLATFORM": json.dumps({
            "issuer": platform.issuer, "client_id": platform.client_id,
            "deployment_id": platform.deployment_id, "jwks": platform.jwks(),
            "auth_login_url": platform.issuer + "/mod/lti/auth.php",
        }),
    }


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def worker_rss_mb(self) -> list[float]:
        return [rss_mb(pid) for pid in self.worker_pids()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def gunicorn(name: str, module: str, workers: int, env: dict[str, str],
             log: Path | None = None) -> Iterator[Server]:
    """gunicorn (sync workers, no access log) serving ``module`` on a free 127.0.0.1 port."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--no-control-socket",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--timeout", "30",
        "--error-logfile", str(log or "/dev/null"), module,
    ]
    # PEERREADY_WEB_WORKER as config/gunicorn.conf.py sets it in production (the baseline ignores it)
    process = subprocess.Popen(command, env={**os.environ, "PEERREADY_WEB_WORKER": "true", **env},
                               cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(name, f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name}: gunicorn exited with {process.returncode}")
            try:
                requests.get(server.base_url + "/lti/login", timeout=10)
                if len(server.worker_pids()) == workers:
                    break
            except requests.RequestException:  # not listening yet, or still importing
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class Result:
    """One load run: completed operations, failures, wall time and each operation's latency."""

    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
        return ordered[rank] * 1000

    def summary(self) -> dict[str, float]:
        return {"rate": self.rate, "p50": self.percentile(50), "p95": self.percentile(95),
                "p99": self.percentile(99), "done": self.done, "failed": self.failed,
                "mean_ms": statistics.fmean(self.latencies) * 1000 if self.latencies else 0.0}


def run_load(operation: Callable[[int], None], clients: int, total: int, max_seconds: float) -> Result:
    """``clients`` threads call ``operation(n)`` until ``total`` are done or time runs out."""
    result = Result()
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            started = time.perf_counter()
            try:
                operation(number)
            except Exception as exc:  # counted and reported, never hidden
                with lock:
                    result.failed += 1
                    if len(result.errors) < 5:
                        result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            elapsed = time.perf_counter() - started
            with lock:
                result.done += 1
                result.latencies.append(elapsed)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + REQUEST_SECONDS + 5)
    result.seconds = time.perf_counter() - wall0
    result.client_cpu_seconds = time.process_time() - cpu0
    return result


def sign(platform: TestPlatform, claims: dict[str, Any]) -> str:
    """RS256 with the key object: ``TestPlatform.sign`` reloads its PEM each time, and loading
    an RSA private key (with its consistency checks) costs more than the whole launch."""
    import jwt

    return jwt.encode(claims, platform.key.private, algorithm="RS256",
                      headers={"kid": platform.key.kid})


def launch(base_url: str, platform: TestPlatform, number: int, expect: str) -> requests.Session:
    """One complete launch by a new browser: login, signed id_token POST, first page."""
    browser = requests.Session()
    launch_url = f"{base_url}/lti/launch"
    login = browser.post(f"{base_url}/lti/login", data={
        "iss": platform.issuer, "login_hint": str(number), "target_link_uri": launch_url,
        "lti_message_hint": "resource-7", "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }, allow_redirects=False, timeout=REQUEST_SECONDS)
    if login.status_code != 302:
        raise RuntimeError(f"login answered {login.status_code}")
    query = parse_qs(urlsplit(login.headers["Location"]).query)
    claims = platform.claims(query["nonce"][0], sub=f"pupil-{number % USER_POOL}",
                             target_link_uri=launch_url, name=f"Pupil {number % USER_POOL}")
    posted = browser.post(launch_url, data={"id_token": sign(platform, claims),
                                            "state": query["state"][0]},
                          allow_redirects=False, timeout=REQUEST_SECONDS)
    if posted.status_code not in (302, 303):
        raise RuntimeError(f"launch answered {posted.status_code}: {posted.text[:200]}")
    home = browser.get(base_url + posted.headers["Location"], timeout=REQUEST_SECONDS)
    if home.status_code != 200 or expect not in home.text:
        raise RuntimeError(f"first page answered {home.status_code}")
    browser.home_url = home.url  # type: ignore[attr-defined]
    return browser


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain-text table (also valid Markdown)."""
    cells = [[str(c) for c in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def machine_note() -> str:
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores; load average before the run {load[0]:.2f}, {load[1]:.2f}, "
            f"{load[2]:.2f} (other work on this machine shares the cores)")
