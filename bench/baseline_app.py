"""The bare baseline: the smallest pylti1p3 Flask launch, as pylti1p3's own Flask example does it.

OIDC login, the id_token POST validated by pylti1p3 alone (state cookie, nonce and launch data in
Flask's signed cookie session), then a first page that reads the launch back ``from_cache`` and
greets the user. No database, no Redis, no PeerReady code: what any LTI 1.3 tool must at least
do. The benchmark compares PeerReady with it under the same gunicorn and the same client.

Configured by environment: ``BASELINE_PLATFORM`` (a JSON object: issuer, client_id,
deployment_id, jwks, auth_login_url) and ``BASELINE_SECRET_KEY``.
"""

from __future__ import annotations

import json
import os
from html import escape
from typing import Any

from flask import Flask
from flask import request
from flask import session
from pylti1p3.contrib.flask import FlaskCookieService
from pylti1p3.contrib.flask import FlaskMessageLaunch
from pylti1p3.contrib.flask import FlaskOIDCLogin
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.contrib.flask import FlaskSessionService
from pylti1p3.tool_config import ToolConfDict


def create_app() -> Flask:
    conf = json.loads(os.environ["BASELINE_PLATFORM"])
    tool_conf = ToolConfDict({
        conf["issuer"]: [{
            "default": True,
            "client_id": conf["client_id"],
            "auth_login_url": conf["auth_login_url"],
            "auth_token_url": conf["auth_login_url"],
            "key_set": conf["jwks"],
            "deployment_ids": [conf["deployment_id"]],
        }]
    })
    app = Flask(__name__)
    app.secret_key = os.environ["BASELINE_SECRET_KEY"]

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Any:
        flask_request = FlaskRequest()
        oidc = FlaskOIDCLogin(flask_request, tool_conf, cookie_service=FlaskCookieService(flask_request),
                              session_service=FlaskSessionService(flask_request))
        target = flask_request.get_param("target_link_uri")
        return oidc.redirect(target)

    @app.post("/lti/launch")
    def launch() -> Any:
        flask_request = FlaskRequest()
        message_launch = FlaskMessageLaunch(flask_request, tool_conf,
                                            session_service=FlaskSessionService(flask_request),
                                            cookie_service=FlaskCookieService(flask_request))
        message_launch.validate()
        message_launch.save_launch_data()
        return "", 303, {"Location": f"/home?launch_id={message_launch.get_launch_id()}"}

    @app.get("/home")
    def home() -> Any:
        flask_request = FlaskRequest()
        message_launch = FlaskMessageLaunch.from_cache(
            request.args["launch_id"], flask_request, tool_conf,
            session_service=FlaskSessionService(flask_request),
        )
        data = message_launch.get_launch_data()
        name = escape(str(data.get("name", "")))
        course = escape(str(data.get("https://purl.imsglobal.org/spec/lti/claim/context", {}).get("title", "")))
        return f"<!doctype html><title>Home</title><h1>Welcome, {name}</h1><p>{course}</p>"

    @app.get("/ping")
    def ping() -> Any:
        return {"ok": True, "session": bool(session)}

    return app


app = create_app()
