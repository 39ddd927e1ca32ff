"""What can go wrong in Classroom, each with a page that says what to do next."""

from __future__ import annotations

from lti_tool.errors import PeerReadyError


class ClassroomError(PeerReadyError):
    """Base for Classroom add-on problems."""

    heading = "PeerReady couldn't open from Classroom"
    message = "Something about this Classroom request didn't work."
    next_step = "Close PeerReady and open it again from the assignment in Google Classroom."


class InvalidAddOnParams(ClassroomError):
    status = 400
    message = "This page was opened without the details Google Classroom normally sends."


class NotConfigured(ClassroomError):
    status = 503
    heading = "PeerReady isn't set up for Google Classroom yet"
    message = "Your school's PeerReady has no Google sign-in set up."
    next_step = "Ask your school's IT admin to follow the Google Classroom set-up in PeerReady's guide."
    admin_hint = "Set PEERREADY_GOOGLE_CLIENT_ID and PEERREADY_GOOGLE_CLIENT_SECRET."


class SignInFailed(ClassroomError):
    status = 401
    heading = "Google sign-in didn't finish"
    message = "Google didn't confirm who you are, or the sign-in window was open too long."
    next_step = "Close this window and choose 'Sign in with Google' again in Classroom."


class ConsentRevoked(ClassroomError):
    status = 401
    heading = "Please sign in with Google again"
    message = "PeerReady can no longer reach your Google Classroom: its permission was removed or has expired."
    next_step = "Choose 'Sign in with Google' and allow PeerReady again."


class MissingScopes(ClassroomError):
    status = 403
    heading = "PeerReady needs your permission"
    message = "PeerReady needs every permission it asked for to work with this assignment."
    next_step = "Sign in with Google again and leave every box ticked."


class NotInCourse(ClassroomError):
    status = 403
    heading = "This assignment isn't in your class"
    message = "Google Classroom says you aren't a pupil or teacher in the class this assignment belongs to."
    next_step = "Check you are signed in to Google with your school account, then open the assignment again."


class AttachmentUnknown(ClassroomError):
    status = 404
    heading = "PeerReady doesn't know this attachment"
    message = "This PeerReady attachment wasn't made by this PeerReady, or it was removed."
    next_step = "Ask your teacher to add PeerReady to the assignment again."


class ClassroomUnavailable(ClassroomError):
    status = 503
    heading = "Google Classroom isn't answering"
    message = "PeerReady couldn't reach Google Classroom just now."
    next_step = "Wait a minute, then close PeerReady and open it again."
