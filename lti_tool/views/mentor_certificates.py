"""Mentor pages for certificates: the certificate, its PDF, badge and OB 3.0 credential."""

from __future__ import annotations

from flask import Response
from flask import g
from flask import render_template
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services import open_badges
from lti_tool.urls import external_url
from lti_tool.views.mentor import bp


@bp.get("/certificates")
@requires_role(Role.MENTOR)
def certificates() -> ResponseReturnValue:
    """The mentor's certificates (or what is still missing), with downloads and the verify link."""
    mine = certification.for_mentor(db.session, g.user, g.context, utcnow())
    return render_template(
        "mentor/certificates.html",
        mine=mine,
        school=open_badges.issuer_name(g.user.platform),
        learner_name=g.user.display_name if certification.shows_name(g.user.platform) else None,
        verify_url=lambda c: external_url("verify.certificate", code=c.code),
        assertion_url=lambda c: external_url("verify.assertion", code=c.code),
        history=certification.history(db.session, g.user.id, g.context.id),
    )


@bp.get("/certificates/<code>.pdf")
@requires_role(Role.MENTOR)
def certificate_pdf_download(code: str) -> ResponseReturnValue:
    """The printable certificate (PDF) in the school's name."""
    # Imported here: only the PDF routes need reportlab, so web workers start without it.
    from lti_tool.services import certificate_pdf

    found = certification.for_learner(db.session, g.user, code)
    platform = g.user.platform
    pdf = certificate_pdf.render(certificate_pdf.CertificateText(
        school=open_badges.issuer_name(platform),
        programme_title=found.programme_title,
        learner_name=g.user.display_name if certification.shows_name(platform) else None,
        earned_at=as_utc(found.earned_at),
        expires_at=as_utc(found.expires_at),
        code=found.code,
        verify_url=external_url("verify.certificate", code=found.code),
        is_renewal=found.renewal_of_id is not None,
    ))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="peerready-certificate-{found.code}.pdf"'
    return response


@bp.get("/certificates/<code>/credential.jwt")
@requires_role(Role.MENTOR)
def credential(code: str) -> ResponseReturnValue:
    """The Open Badges 3.0 credential (a signed VC-JWT) for digital wallets."""
    found = certification.for_learner(db.session, g.user, code)
    token = open_badges.credential_jwt(db.session, found, g.user.platform)
    response = Response(token, mimetype=open_badges.VC_JWT_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="peerready-credential-{found.code}.jwt"'
    return response
