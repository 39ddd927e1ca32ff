"""``flask seed demo-course``: fill the demo platform's course with synthetic activity."""

from __future__ import annotations

import random
import time
from typing import cast

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lti_tool.demo import class_list
from lti_tool.demo import platform as demo
from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Deployment
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import seed
from quizzes.model import AUDIENCES
from quizzes.model import Audience

seed_cli = AppGroup("seed", help="Synthetic demo data for the trainer dashboard.")


@seed_cli.command("demo-course")
@click.option("--learners", default=300, show_default=True, help="Mentors to add.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="secondary", show_default=True)
@click.option("--seed", "seed_value", type=int, default=None, help="Random seed (repeatable data).")
@click.option("--base-url", default=None,
              help="Where the dev server runs, to register the demo platform if it isn't yet "
                   "(default: PEERREADY_PUBLIC_BASE_URL or http://127.0.0.1:5000).")
def demo_course_command(learners: int, audience: str, seed_value: int | None, base_url: str | None) -> None:
    """Add mentors with quiz attempts, viewing and certificates to the demo platform's course."""
    context = _demo_context(base_url)
    began = time.perf_counter()
    plan = seed.SeedPlan(learners=learners, audience=cast(Audience, audience), now=utcnow())
    report = seed.seed_course(db.session, context, plan, random.Random(seed_value))
    # The demo platform's class list (its NRPS service) lists every seeded mentor, including
    # those who never opened PeerReady, as a school's platform would.
    class_list.enrol([
        (sub, name) for sub, name in db.session.execute(
            select(User.sub, User.display_name)
            .where(User.platform_id == context.deployment.platform_id, User.sub.startswith("seed-"))
            .order_by(User.id)
        )
    ])
    click.echo(
        f"Added {report.learners} mentors to '{context.title}' (course {context.id}): "
        f"{report.attempts} quiz attempts ({report.answers} answers), {report.progress_rows} "
        f"module progress rows, {report.video_events} video events, {report.certificates} "
        f"certificates, in {time.perf_counter() - began:.1f} s."
    )


def _demo_context(base_url: str | None) -> Context:
    """The demo platform's course, registering the platform and making the course if needed."""
    platform = db.session.scalars(select(Platform).filter_by(registered_via="demo")).first()
    if platform is None:
        if "demo.authorize" not in current_app.view_functions:
            raise click.ClickException(
                "The demo platform is off here; it runs only in development with "
                "PEERREADY_DEMO_PLATFORM=true."
            )
        base = base_url or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
        with current_app.test_request_context(base_url=base):
            platform = demo.ensure_registered(db.session)
        click.echo(f"Registered the demo platform at {platform.issuer}.")
    deployment = db.session.scalars(
        select(Deployment).filter_by(platform_id=platform.id, deployment_id=demo.DEPLOYMENT_ID)
    ).one()
    context = db.session.scalars(
        select(Context).filter_by(deployment_id=deployment.id, lti_context_id=demo.COURSE["id"])
    ).first()
    if context is None:
        context = Context(deployment_id=deployment.id, lti_context_id=str(demo.COURSE["id"]),
                          title=str(demo.COURSE["title"]), label=str(demo.COURSE["label"]))
        db.session.add(context)
        db.session.commit()
    return context
