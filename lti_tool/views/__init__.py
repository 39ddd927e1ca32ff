"""Blueprints, one per audience; ``register_blueprints`` attaches them to the app."""

from __future__ import annotations

from flask import Flask

from lti_tool.security import is_development


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error pages; the demo platform only in development."""
    from lti_tool.views import admin
    from lti_tool.views import admin_lrs  # noqa: F401  (adds the LRS pages to admin.bp)
    from lti_tool.views import admin_settings  # noqa: F401  (adds the school settings page)
    from lti_tool.views import admin_privacy  # noqa: F401  (adds the data page to admin.bp)
    from lti_tool.views import errors
    from lti_tool.views import lti
    from lti_tool.views import mentor
    from lti_tool.views import mentor_certificates  # noqa: F401  (adds routes to mentor.bp)
    from lti_tool.views import mentor_quiz  # noqa: F401  (adds the quiz pages to mentor.bp)
    from lti_tool.views import privacy
    from lti_tool.views import registration
    from lti_tool.views import session_end
    from lti_tool.views import trainer
    from lti_tool.views import trainer_certification  # noqa: F401  (adds routes to trainer.bp)
    from lti_tool.views import trainer_dashboard  # noqa: F401  (adds the dashboard to trainer.bp)
    from lti_tool.views import trainer_privacy  # noqa: F401  (adds a pupil's data to trainer.bp)
    from lti_tool.views import trainer_quiz  # noqa: F401  (adds quiz settings to trainer.bp)
    from lti_tool.views import verify

    for blueprint in (lti.bp, registration.bp, mentor.bp, trainer.bp, admin.bp, verify.bp,
                      privacy.bp, session_end.bp):
        app.register_blueprint(blueprint)
    if app.config.get("DEMO_PLATFORM") and is_development(app):
        from lti_tool.demo import views as demo

        app.register_blueprint(demo.bp)
    from lti_tool import classroom

    classroom.init_app(app)  # the Google Classroom add-on's blueprint, CLI and grade hook
    errors.init_app(app)
