"""The school's settings page (names, certification rules, the school's name)."""

from __future__ import annotations

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.services import reminders
from lti_tool.services import school_settings
from lti_tool.views.admin import bp
from lti_tool.views.admin import requires_admin
from lti_tool.views.admin import visible_platform


@bp.route("/platforms/<int:platform_id>/settings", methods=["GET", "POST"])
@requires_admin
def school_settings_page(platform_id: int) -> ResponseReturnValue:
    """Show and change the school's settings."""
    platform = visible_platform(platform_id)
    if request.method == "POST":
        try:
            school_settings.update(db.session, platform, request.form.to_dict())
        except school_settings.InvalidSetting as exc:
            db.session.rollback()
            flash(str(exc), "problem")
            return render_template(
                "admin/settings.html",
                platform=platform,
                settings=school_settings.SETTINGS,
                values={**request.form.to_dict(), reminders.PASSWORD: ""},
                secrets_saved=_secrets_saved(platform),
            ), 400
        flash("Settings saved.", "ok")
        return redirect(url_for("admin.school_settings_page", platform_id=platform_id), 303)
    values = {
        key: ("on" if value is True else "off" if value is False else value or "")
        for key, value in school_settings.current(platform).items()
    }
    return render_template(
        "admin/settings.html", platform=platform, settings=school_settings.SETTINGS, values=values,
        secrets_saved=_secrets_saved(platform),
    )


def _secrets_saved(platform: Platform) -> dict[str, bool]:
    return {
        s.key: school_settings.has_secret(platform, s.key)
        for s in school_settings.SETTINGS if s.kind == "secret"
    }
