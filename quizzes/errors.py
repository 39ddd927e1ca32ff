"""Everything the quiz core refuses. Each ``message`` is safe to show to a pupil."""

from __future__ import annotations


class QuizError(Exception):
    """Base for everything the quiz engine refuses. Messages are safe to show to a pupil."""

    message = "Something in this quiz didn't work."

    def __init__(self, detail: str = "") -> None:
        # ``detail`` is for logs and developers; pages show ``message``.
        self.detail = detail
        super().__init__(detail or self.message)


class InvalidChoice(QuizError):
    """The response names an option that this step does not have (or names one twice)."""

    message = "That answer isn't one of the options. Go back and choose again."


class IncompleteAnswer(QuizError):
    """An ordering response that leaves some steps out."""

    message = "Put every step in order, then carry on."


class StaleAnswer(QuizError):
    """An answer to a step that is no longer current: the back button or a double submit."""

    message = "You have already answered that one. Here is where you are now."


class AttemptFinished(QuizError):
    """An answer sent to an attempt that has already ended."""

    message = "This attempt is finished. You can look at your results."


class NoAttemptsLeft(QuizError):
    """The quiz allows no further attempts for this learner."""

    message = "You have used all your tries for this quiz. Talk to your peer-support coordinator."


class WrongAudience(QuizError):
    """An attempt asked for an audience the quiz was not written for."""

    message = "This quiz isn't set up for your group. Ask your coordinator which one to do."


class InvalidState(QuizError):
    """A stored attempt that cannot be read back (damaged, or from another quiz)."""

    message = "We couldn't pick up this attempt where you left it. Please start it again."


class InvalidContent(QuizError):
    """A quiz file problem a schema cannot see; ``lti_tool.content.load`` adds the file name."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        # Authors, not pupils, read this one: it names the place and what is wrong.
        self.message = message
