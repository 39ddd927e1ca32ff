"""Google Classroom add-on iframes: attachment discovery, teacher and student views, review.

Each entry point checks Classroom's query parameters, then either signs the user in silently
(remembered in this browser and matching ``login_hint``) or shows "Sign in with Google", which
opens Google in a pop-up. After that the visit is an ordinary launch: pupils train on the
mentor pages, teachers get the trainer pages, exactly as after a Moodle launch.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from lti_tool.access import Launch
from lti_tool.access import requires_role
from lti_tool.classroom import attachments
from lti_tool.classroom import mapping
from lti_tool.classroom import oauth
from lti_tool.classroom import params as addon_params
from lti_tool.classroom import review as work_review
from lti_tool.classroom import visits
from lti_tool.classroom.errors import ConsentRevoked
from lti_tool.classroom.params import AddOnParams
from lti_tool.errors import NotAllowed
from lti_tool.errors import SessionExpired
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import GoogleAccount
from lti_tool.security import FRAMED_BY_SESSION_KEY
from lti_tool.security import allow_framing_by
from lti_tool.services import deep_linking
from lti_tool.sessions import ServerSession
from lti_tool.sessions import ensure_saved

bp = Blueprint("classroom", __name__, url_prefix="/classroom")
PENDING = "classroom"


@bp.before_request
def framed_by_classroom() -> None:
    """These pages live in Classroom's iframes: Classroom (and only it) may frame them."""
    allow_framing_by(current_app.config["CLASSROOM_FRAME_ANCESTORS"])


@bp.get("/discovery")
def discovery() -> ResponseReturnValue:
    """Attachment Discovery iframe: a teacher adds PeerReady to an assignment."""
    return _enter("discovery")


@bp.get("/teacher")
def teacher_view() -> ResponseReturnValue:
    """Teacher View iframe: a teacher opens an attachment."""
    return _enter("teacher")


@bp.get("/student")
def student_view() -> ResponseReturnValue:
    """Student View iframe: a pupil opens an attachment and trains."""
    return _enter("student")


@bp.get("/review")
def review_view() -> ResponseReturnValue:
    """Student Work Review iframe: a teacher looks at one pupil's work."""
    return _enter("review")


@bp.get("/sign-in")
def sign_in() -> ResponseReturnValue:
    """The pop-up's first page: off to Google's consent screen (code flow with PKCE)."""
    view, params = _pending()
    assert isinstance(session, ServerSession) and session.sid is not None
    return redirect(oauth.authorization_url(view.scopes, session.sid, params.login_hint), 302)


@bp.get("/oauth/callback")
def oauth_callback() -> ResponseReturnValue:
    """Google sends the pop-up back here; the code reaches the iframe through its opener."""
    sign_in_result = oauth.finish(request.args.get("state"), request.args.get("code"),
                                  request.args.get("error"))
    code = visits.record_sign_in(db.session, sign_in_result)
    return render_template("classroom/signed_in.html", code=code)


@bp.get("/resume")
def resume() -> ResponseReturnValue:
    """The iframe, told by the pop-up that sign-in finished: continue as that user."""
    view, params = _pending()
    account = visits.redeem_code(db.session, request.args.get("code"), getattr(session, "sid", None))
    return _launch(account, view, params)


@bp.get("/picker")
@requires_role(Role.TRAINER)
def picker() -> ResponseReturnValue:
    """The same picker as LTI Deep Linking, posting to Classroom instead."""
    params = _discovery_params()
    items = deep_linking.items()
    groups = [(kind, [item for item in items if item.kind == kind]) for kind in ("programme", "module", "quiz")]
    points, notes = attachments.picker_grading(params, items)
    return render_template("trainer/deep_link.html", context=g.context, groups=groups, multiple=True,
                           picker_endpoint="classroom.choose", item_points=points, grade_notes=notes)


@bp.post("/picker")
@requires_role(Role.TRAINER)
def choose() -> ResponseReturnValue:
    """Create one attachment per chosen item, then let Classroom close the iframe."""
    params = _discovery_params()
    account = _account()
    created = attachments.create(db.session, account, g.context, params, request.form.getlist("item"))
    return render_template("classroom/attached.html", created=created)


@bp.get("/review/work")
@requires_role(Role.TRAINER)
def review_page() -> ResponseReturnValue:
    """One pupil's progress on the attachment, for the teacher grading it."""
    view, params = _pending()
    if view.name != "review" or params.submission_id is None:
        raise NotAllowed("review page outside the review iframe")
    attachment = mapping.find_attachment(db.session, params)
    pupil = mapping.submission_user(db.session, attachment, params.submission_id)
    summary = work_review.work_review(db.session, attachment, pupil) if pupil else None
    return render_template("classroom/review.html", attachment=attachment, summary=summary)


def _enter(name: str) -> ResponseReturnValue:
    view = visits.VIEWS[name]
    params = addon_params.parse(request.args, needs=view.needs)
    assert isinstance(session, ServerSession)
    session.regenerate()  # every iframe visit starts a fresh session: no fixation
    session[PENDING] = visits.pending_to_session(view, params)
    ensure_saved()
    account = visits.remembered_account(db.session, params.login_hint,
                                        request.cookies.get(visits.REMEMBER_COOKIE), view)
    if account is None:
        return _sign_in_page(view)
    return _launch(account, view, params)


def _launch(account: GoogleAccount, view: visits.View, params: AddOnParams) -> ResponseReturnValue:
    try:
        result = visits.launch(db.session, account, view, params)
    except ConsentRevoked:
        return _sign_in_page(view, revoked=True), 401
    session["launch"] = result.to_session()
    session[PENDING] = {**session[PENDING], "account_id": account.id}
    session[FRAMED_BY_SESSION_KEY] = list(current_app.config["CLASSROOM_FRAME_ANCESTORS"])
    response = redirect(url_for(_destination(view, result)), 303)
    _remember(response, account)
    return response


def _destination(view: visits.View, result: Launch) -> str:
    if view.name == "discovery":
        return "classroom.picker"
    if view.name == "review":
        return "classroom.review_page"
    return "mentor.start" if result.role is Role.MENTOR else "trainer.home"


def _remember(response: Response, account: GoogleAccount) -> None:
    """A partitioned cookie: next time, Classroom's login_hint is enough (no sign-in prompt)."""
    secure = request.is_secure
    response.set_cookie(
        visits.REMEMBER_COOKIE, visits.remember_token(account),
        max_age=int(current_app.config["CLASSROOM_REMEMBER_SECONDS"]), httponly=True,
        secure=secure, samesite="None" if secure else "Lax", partitioned=secure, path="/classroom/",
    )


def _sign_in_page(view: visits.View, *, revoked: bool = False) -> str:
    return render_template("classroom/signin.html", view=view, revoked=revoked,
                           teacher=view.scopes == oauth.TEACHER_SCOPES)


def _pending() -> tuple[visits.View, AddOnParams]:
    data: dict[str, Any] | None = session.get(PENDING)
    if not data:
        raise SessionExpired("no Classroom visit in this session")
    return visits.VIEWS[data["view"]], AddOnParams.from_session(data["params"])


def _discovery_params() -> AddOnParams:
    view, params = _pending()
    if view.name != "discovery" or not params.add_on_token:
        raise NotAllowed("the picker needs Classroom's attachment discovery iframe")
    return params


def _account() -> GoogleAccount:
    account = db.session.get(GoogleAccount, int(session[PENDING].get("account_id") or 0))
    if account is None:
        raise SessionExpired("the signed-in Google account is gone")
    return account
