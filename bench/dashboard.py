"""Time the trainer dashboard on a course and a school the size issue 8 sets as the target.

Seeds (Core bulk inserts) one course of 500 mentors with about 10,000 quiz attempts played
through the quiz engine and about 200,000 video events, plus 199 more courses of 500 mentors
(100,000 in all) for the school roll-up. Then times, through the Flask test client as a launched
trainer, the course dashboard page, its roster CSV, the quiz statistics page (first attempts and
all attempts, cold and cached) and a video page, and the roll-up function and page.

    .venv/bin/python bench/dashboard.py [--database-url postgresql://…] [--repeat 7]

Without ``--database-url`` a fresh SQLite file in a temporary directory is used. The given
database (a PostgreSQL one is created if missing) is emptied first, unless ``--reuse`` is passed and it already holds the bench school
from an earlier run (then pending migrations are applied and the timings start at once).
On PostgreSQL the tables are vacuumed and analysed after seeding, as autovacuum would have
done on a database that has been in use for a while.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database_if_missing  # noqa: E402
from lti_tool import create_app  # noqa: E402
from lti_tool.extensions import db  # noqa: E402
from lti_tool.models import Certification  # noqa: E402
from lti_tool.models import Context  # noqa: E402
from lti_tool.models import Deployment  # noqa: E402
from lti_tool.models import Enrollment  # noqa: E402
from lti_tool.models import ModuleProgress  # noqa: E402
from lti_tool.models import Platform  # noqa: E402
from lti_tool.models import QuizAttempt  # noqa: E402
from lti_tool.models import User  # noqa: E402
from lti_tool.models import VideoEvent  # noqa: E402
from lti_tool.models.types import utcnow  # noqa: E402
from lti_tool.services import dashboard  # noqa: E402
from lti_tool.services import dashboard_cache  # noqa: E402
from lti_tool.services import programmes  # noqa: E402
from lti_tool.services import seed  # noqa: E402
from lti_tool.services.seed import SeedPlan  # noqa: E402

LEARNERS = 500
COURSES = 200
ISSUER = "https://bench.school.test"


def make_app(url: str, instance: Path) -> Flask:
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ENVIRONMENT": "test",
        "TESTING": True, "DEMO_PLATFORM": False, "SERVER_NAME": "tool.test",
        "RATELIMIT_ENABLED": False,
    })


def reset(url: str) -> None:
    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
    upgrade()


def bench_school() -> tuple[Platform, Context] | None:
    """The school and main course of an earlier run, if the database holds them."""
    platform = db.session.scalars(select(Platform).filter_by(issuer=ISSUER)).first()
    if platform is None:
        # End the read: on SQLite it holds the write lock (BEGIN IMMEDIATE), and the migration
        # that seeds a new file writes through a connection of its own.
        db.session.rollback()
        return None
    main = db.session.scalars(
        select(Context).filter_by(lti_context_id="course-0").order_by(Context.id)).first()
    return (platform, main) if main is not None else None


def settle(url: str) -> None:
    """Let PostgreSQL's planner see the seeded tables (VACUUM ANALYZE, as autovacuum would)."""
    if not url.startswith("postgresql"):
        return
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def seed_school(rng: random.Random) -> tuple[Platform, Context]:
    platform = Platform(issuer=ISSUER, client_id="bench", name="Bench school",
                        auth_login_url="https://bench.school.test/auth", key_set={"keys": []})
    platform.deployments.append(Deployment(deployment_id="1"))
    db.session.add(platform)
    db.session.commit()
    deployment = platform.deployments[0]
    contexts = [{"deployment_id": deployment.id, "lti_context_id": f"course-{i}",
                 "title": f"Peer mentors {i:03d}", "label": f"PM{i:03d}"} for i in range(COURSES)]
    db.session.execute(insert(Context), contexts)
    db.session.commit()
    courses = list(db.session.scalars(select(Context).order_by(Context.id)))
    main = courses[0]
    began = time.perf_counter()
    # About 20 attempts per mentor: three required quizzes, six or seven attempts each.
    plan = SeedPlan(LEARNERS, "secondary", utcnow(), attempts_per_quiz=(8, 8), quiz_share=1.0, stop_when_passed=False,
                    never_started=0.0, events_per_session=70, second_viewing=0.4)
    report = seed.seed_course(db.session, main, plan, rng)
    print(f"main course: {report.learners} mentors, {report.attempts} attempts, {report.answers} "
          f"answers, {report.video_events} video events, {report.certificates} certificates "
          f"({time.perf_counter() - began:.0f} s)")
    began = time.perf_counter()
    light_courses(platform, courses[1:], rng)
    print(f"{COURSES - 1} more courses of {LEARNERS} mentors ({time.perf_counter() - began:.0f} s)")
    return platform, main


def light_courses(platform: Platform, courses: list[Context], rng: random.Random) -> None:
    """Mentors, module progress and certificates only: what the roll-up reads."""
    modules = [programmes.module(m) for m in programmes.programmes()[1].modules]
    now = utcnow()
    indices = iter(rng.sample(range(1, 131072), 131071))
    for course in courses:
        tag = uuid.uuid4().hex[:6]
        users = [{"platform_id": platform.id, "sub": f"{tag}-{i}", "display_name": None}
                 for i in range(LEARNERS)]
        ids = list(db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), users))
        db.session.execute(insert(Enrollment), [
            {"user_id": u, "context_id": course.id, "role": "mentor", "lti_roles": []} for u in ids])
        progress, certified = [], []
        for u in ids:
            reached = rng.randint(0, len(modules))
            for module in modules[:reached]:
                share = 1.0 if rng.random() < 0.8 else rng.random()
                progress.append({"user_id": u, "context_id": course.id, "module_id": module.id,
                                 "segments": [[0, share * module.duration_seconds]],
                                 "covered_seconds": share * module.duration_seconds,
                                 "share": share, "furthest": share * module.duration_seconds,
                                 "answered_checkpoints": [],
                                 "completed_at": now if share >= 0.9 else None})
            if reached == len(modules) and rng.random() < 0.1 and len(certified) < 120:
                certified.append(u)
        db.session.execute(insert(ModuleProgress), progress)
        if certified:
            db.session.execute(insert(Certification), [
                {"code": uuid.uuid4().hex, "credential_uuid": str(uuid.uuid4()),
                 "platform_id": platform.id, "user_id": u, "context_id": course.id,
                 "programme_id": "becoming-a-peer-mentor-secondary", "programme_title": "Becoming a peer mentor",
                 "criteria": "bench", "earned_at": now - timedelta(days=10),
                 "expires_at": now + timedelta(days=355), "status_index": next(indices),
                 "recipient_salt": "00"} for u in certified])
    db.session.commit()


def launch_as_trainer(app: Flask, platform: Platform, main: Context) -> Any:
    """A test client whose session is a trainer (and school admin) launched into ``main``."""
    trainer = db.session.scalars(
        select(User).filter_by(platform_id=platform.id, sub="bench-trainer")).first()
    if trainer is None:
        trainer = User(platform_id=platform.id, sub="bench-trainer", display_name="Ms Bench")
        db.session.add(trainer)
        db.session.flush()
        db.session.add(Enrollment(user_id=trainer.id, context_id=main.id, role="trainer",
                                  lti_roles=[]))
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["launch"] = {"user_id": trainer.id, "context_id": main.id,
                             "platform_id": platform.id, "role": "trainer",
                             "resource_link_id": None, "launch_id": "bench-launch",
                             "is_school_admin": True}
    return client


def timed(label: str, repeat: int, run: Callable[[], Any], budget: float | None = None) -> float:
    """Print the median wall-clock and CPU time of ``repeat`` runs, and the first run's.

    CPU time is this process's only (on SQLite that includes the database's work, on PostgreSQL
    not): on a machine shared with other work it shows the cost of one run on one core.
    """
    runs, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        runs.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    median = statistics.median(runs)
    target = f"  (target {budget:.0f} ms: {'ok' if median <= budget else 'MISSED'})" if budget else ""
    print(f"{label:<56} median {median:7.1f} ms  cpu {statistics.median(cpu):7.1f} ms"
          f"  first {runs[0]:7.1f} ms{target}")
    return median


def get(client: Any, url: str) -> Callable[[], None]:
    def run() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data of an earlier run in --database-url if it is there")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="peerready-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        create_database_if_missing(url)
    app = make_app(url, workdir)
    with app.app_context():
        if args.reuse and args.database_url:
            upgrade()
            found = bench_school()
        else:
            found = None
        if found is None:
            reset(url)
            found = seed_school(random.Random(args.seed))
            settle(url)
        platform, main_course = found
        print(f"database: {db.engine.dialect.name}")
        counts = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in
                  (("users", User), ("attempts", QuizAttempt), ("video events", VideoEvent),
                   ("module progress", ModuleProgress))}
        print("rows: " + ", ".join(f"{n} {c:,}" for n, c in counts.items()) + "\n")
        client = launch_as_trainer(app, platform, main_course)
        r = args.repeat
        def changed() -> None:  # as after a mentor's new attempt: the course's caches miss
            dashboard_cache.course_changed(main_course.id)
            get(client, "/trainer/dashboard")()

        timed("course dashboard page, just after a change (cold)", r, changed, 300)
        timed("course dashboard page (roster of 500, overview)", r, get(client, "/trainer/dashboard"), 300)
        timed("roster CSV", r, get(client, "/trainer/dashboard/roster.csv"), 300)
        timed("roster filtered and sorted (status, activity)", r,
              get(client, "/trainer/dashboard?status=in-progress&sort=activity&order=desc"), 300)
        for selection in ("first", "all"):
            dashboard.analysis_cache.clear()
            timed(f"quiz page, {selection} attempts, cold (no cache)", 1,
                  get(client, f"/trainer/dashboard/quizzes/boundaries?selection={selection}"), 300)
            timed(f"quiz page, {selection} attempts, cached", r,
                  get(client, f"/trainer/dashboard/quizzes/boundaries?selection={selection}"), 300)
        module = programmes.programmes()[1].modules[0]
        dashboard.analysis_cache.clear()
        timed("video page, cold (no cache)", 1, get(client, f"/trainer/dashboard/videos/{module}"), 300)
        timed("video page, cached", r, get(client, f"/trainer/dashboard/videos/{module}"), 300)
        timed("school roll-up function (200 courses, 100,000 mentors)", r,
              lambda: dashboard.school_rollup(db.session, platform.id, utcnow()), 2000)
        timed("school roll-up page", r, get(client, "/trainer/dashboard/school"), 2000)


if __name__ == "__main__":
    main()
