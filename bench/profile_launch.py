"""Profile PeerReady's launch in-process: SQL statements, Redis commands and CPU per launch.

    .venv/bin/python bench/profile_launch.py [--launches 200] [--top 30] [--no-profile]

It uses the benchmark database and Redis prefix, the Flask test client (no gunicorn, no
network), and the same three requests as ``bench/launch.py``. Counts are deterministic, so
they compare before/after a change on a busy machine; the CPU time (this process only, without
the profiler) is the server's work plus the test client's small share, and the id_token is
signed outside the measured part.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

STEPS = ("login", "launch", "first page")


class Counts:
    """SQL statements (SQLAlchemy cursor events) and Redis commands, by launch step."""

    def __init__(self) -> None:
        self.step = "idle"
        self.sql: Counter[str] = Counter()
        self.redis: Counter[str] = Counter()
        self.statements: Counter[tuple[str, str]] = Counter()

    def on_sql(self, *args: Any) -> None:
        self.sql[self.step] += 1
        self.statements[self.step, " ".join(str(args[2]).split())[:110]] += 1

    def install(self, engine: Any) -> None:
        import redis
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self.on_sql)
        original = redis.Redis.execute_command
        counts = self

        def counted(client: Any, *args: Any, **options: Any) -> Any:
            counts.redis[counts.step] += 1
            key = str(args[1]).split(":")[1] if len(args) > 1 and ":" in str(args[1]) else ""
            counts.statements[counts.step, f"Redis {args[0]} {key}"] += 1
            return original(client, *args, **options)

        redis.Redis.execute_command = counted  # type: ignore[method-assign]


def baseline_cpu_ms(platform: Any, launches: int) -> float:
    """CPU per launch of the bare pylti1p3 baseline, measured the same way."""
    import os

    os.environ.update(common.baseline_env(platform))
    from baseline_app import create_app

    app = create_app()
    base = "http://localhost"
    spent_each: list[float] = []
    for number in range(launches + 30):
        client = app.test_client()
        started = time.process_time()
        login = client.post("/lti/login", data={
            "iss": platform.issuer, "login_hint": str(number),
            "target_link_uri": base + "/lti/launch", "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        })
        query = parse_qs(urlsplit(login.headers["Location"]).query)
        claims = platform.claims(query["nonce"][0], sub=f"pupil-{number % 30}",
                                 target_link_uri=base + "/lti/launch", name="Pupil")
        spent = time.process_time() - started
        token = common.sign(platform, claims)
        started = time.process_time()
        posted = client.post("/lti/launch", data={"id_token": token, "state": query["state"][0]})
        home = client.get(posted.headers["Location"])
        assert home.status_code == 200, home.data
        if number >= 30:  # after the same warm-up
            spent_each.append(spent + time.process_time() - started)
    return statistics.median(spent_each) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="pstats order, e.g. tottime")
    parser.add_argument("--no-profile", action="store_true", help="counts and CPU time only")
    parser.add_argument("--statements", action="store_true", help="list each SQL statement")
    args = parser.parse_args()
    from lti_tool import create_app
    from lti_tool.extensions import db

    platform = common.prepare_peerready()
    app = create_app(common.peerready_config(common.POSTGRES, for_app=True))
    counts = Counts()
    with app.app_context():
        counts.install(db.engine)
    base = "http://localhost"
    cpu: list[float] = []

    def one(number: int) -> None:
        client = app.test_client()
        started = time.process_time()
        spent = 0.0
        counts.step = "login"
        login = client.post("/lti/login", data={
            "iss": platform.issuer, "login_hint": str(number),
            "target_link_uri": base + "/lti/launch",
            "lti_message_hint": "resource-7", "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        })
        assert login.status_code == 302, login.data
        query = parse_qs(urlsplit(login.headers["Location"]).query)
        claims = platform.claims(query["nonce"][0], sub=f"pupil-{number % common.USER_POOL}",
                                 target_link_uri=base + "/lti/launch",
                                 name=f"Pupil {number % common.USER_POOL}")
        spent = time.process_time() - started
        token = common.sign(platform, claims)  # the platform's work, not PeerReady's
        started = time.process_time()
        counts.step = "launch"
        posted = client.post("/lti/launch", data={"id_token": token, "state": query["state"][0]})
        assert posted.status_code == 303, posted.data
        counts.step = "first page"
        home = client.get(posted.headers["Location"])
        assert home.status_code == 200
        counts.step = "idle"
        cpu.append(spent + time.process_time() - started)

    for n in range(1, 31):  # first launches of each pupil (inserts), then warm
        one(n)
    counts.sql.clear()
    counts.redis.clear()
    counts.statements.clear()
    cpu.clear()
    for n in range(1, args.launches + 1):  # returning pupils, as most real launches are
        one(n % 30 + 1)
    per = args.launches
    print(f"{per} returning launches: median {statistics.median(cpu) * 1000:.2f} ms CPU each "
          "(server and test client, no profiler)")
    print("per launch: " + "; ".join(
        f"{step} {counts.sql[step] / per:g} SQL, {counts.redis[step] / per:g} Redis"
        for step in STEPS)
        + f"; total {sum(counts.sql.values()) / per:g} SQL, "
        f"{sum(counts.redis.values()) / per:g} Redis")
    print(f"bare baseline (bench/baseline_app.py, same client, same launches): "
          f"median {baseline_cpu_ms(platform, per):.2f} ms CPU each")
    if args.statements:
        for (step, sql), n in sorted(counts.statements.items()):
            print(f"  {step:10} {n / per:4g}x {sql}")
    if args.no_profile:
        return
    profiler = cProfile.Profile(time.process_time)  # CPU time: waits on the network drop out
    profiler.enable()
    for n in range(1, args.launches + 1):
        one(n % 30 + 1)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
