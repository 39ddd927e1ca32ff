"""Launch failures: each says what went wrong for the user and what the school's admin checks."""

from __future__ import annotations

from lti_tool.errors import PeerReadyError

REOPEN = "Open PeerReady again from your course."


class LaunchError(PeerReadyError):
    """A login or launch PeerReady refused. Nothing is stored when one is raised."""

    status = 400
    heading = "PeerReady couldn't start"
    message = "Open PeerReady again from your course. If it keeps happening, tell your teacher."
    next_step = REOPEN
    admin_hint = "Check the tool registration on the platform and in PeerReady's admin page."


class LoginInvalid(LaunchError):
    admin_hint = "The platform's login request lacked iss or login_hint, or pointed off-site."


class UnknownIssuer(LaunchError):
    admin_hint = (
        "This platform (issuer) isn't registered with PeerReady. Register it with Dynamic "
        "Registration or `flask platform add`."
    )


class UnknownClient(LaunchError):
    admin_hint = (
        "The client_id isn't registered for this issuer. Compare the platform's tool settings."
    )


class UnknownDeployment(LaunchError):
    admin_hint = (
        "The deployment_id isn't registered for this platform. Add it on the admin page or "
        "with `flask platform add-deployment`."
    )


class TokenTooLarge(LaunchError):
    status = 413
    admin_hint = "The id_token was larger than PeerReady accepts (MAX_ID_TOKEN_BYTES)."


class InvalidToken(LaunchError):
    status = 401
    admin_hint = "The id_token isn't a well-formed JWT."


class DisallowedAlgorithm(InvalidToken):
    admin_hint = "LTI 1.3 id_tokens must be signed with RS256; this one wasn't."


class BadSignature(InvalidToken):
    admin_hint = (
        "The id_token's signature didn't verify with the platform's published keys. Check the "
        "platform's JWKS (key set) URL in the registration."
    )


class TokenExpired(InvalidToken):
    admin_hint = "The id_token had expired. Check both servers' clocks (NTP)."


class TokenNotYetValid(InvalidToken):
    admin_hint = "The id_token was issued in the future. Check both servers' clocks (NTP)."


class WrongAudience(InvalidToken):
    admin_hint = "The id_token's aud/azp doesn't name the client_id PeerReady was registered with."


class MissingClaim(LaunchError):
    admin_hint = "The launch lacks a claim LTI 1.3 requires (see the log for which)."


class WrongMessageType(LaunchError):
    admin_hint = "PeerReady accepts LtiResourceLinkRequest and LtiDeepLinkingRequest messages."


class WrongVersion(LaunchError):
    admin_hint = "PeerReady accepts LTI version 1.3.0 only."


class StateUnknown(LaunchError):
    status = 401
    heading = "This link has expired"
    message = "The sign-in took too long or was already used."
    admin_hint = "The OIDC state was unknown or expired (LAUNCH_STATE_SECONDS)."


class ReplayedLaunch(LaunchError):
    status = 401
    heading = "This link was already used"
    message = "Each sign-in can be used once."
    admin_hint = "The id_token or state was replayed."


class StateMismatch(LaunchError):
    status = 401
    heading = "We couldn't match this sign-in to your browser"
    message = "Your browser blocked what PeerReady needs to confirm it's really you."
    admin_hint = "The OIDC state didn't match the browser (cookie or platform storage)."


class CookiesBlocked(StateMismatch):
    """Raised with the login parameters so the page can offer to start again in a new window."""

    heading = "Open PeerReady in a new window"
    message = (
        "Your browser blocks cookies inside your course page, so PeerReady must open in its "
        "own window."
    )
    next_step = "Use the button below; your course stays open in this tab."

    def __init__(self, detail: str = "", *, login_url: str | None = None) -> None:
        super().__init__(detail)
        self.login_url = login_url
