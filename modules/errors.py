"""Errors raised by the video module core.

Every ``ModuleError`` has a ``message`` that is safe to show to a pupil. ``InvalidContent`` and its
subclasses are the exception: they are raised only while content is loaded (at start-up or by
``flask content check``), their ``location`` and ``message`` are for content authors, and the shared
loader turns them into ``ContentError`` with the file name.
"""

from __future__ import annotations


class ModuleError(Exception):
    """Base for everything the module core refuses. Messages are safe to show to a pupil."""

    message = "Something in this training video didn't work."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class ModuleNotFound(ModuleError):
    """A link or request names a module that is not in the catalogue."""

    message = "We can't find that training video. Ask your teacher to check the link."

    def __init__(self, module_id: str) -> None:
        self.module_id = module_id
        super().__init__()


class ProgrammeNotFound(ModuleError):
    """A link or request names a programme that is not in the catalogue."""

    message = "We can't find that training programme. Ask your teacher to check the link."

    def __init__(self, programme_id: str) -> None:
        self.programme_id = programme_id
        super().__init__()


class InvalidProgress(ModuleError):
    """Watched segments sent by a browser, or read back from storage, are malformed."""

    message = "We couldn't save how much of the video you watched. Keep watching and try again."

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__()


class InvalidContent(ModuleError):
    """A module or programme file that the schema accepts but that cannot be used.

    ``location`` is a path inside the file such as ``checkpoints[1].at``; ``message`` says what
    is wrong, for the content author.
    """

    def __init__(self, location: str, message: str) -> None:
        self.location = location
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class UnknownModule(InvalidContent):
    """A programme names a module id that no module folder provides."""

    def __init__(self, programme_id: str, location: str, module_id: str) -> None:
        self.programme_id = programme_id
        self.module_id = module_id
        super().__init__(location, f"'{module_id}' is not a module in the catalogue")


class InvalidCaptions(InvalidContent):
    """A WebVTT file that breaks the rules the player and transcript rely on."""


class InvalidAnswer(ModuleError):
    """An answer names a checkpoint or a choice that the module does not have."""

    message = "That answer isn't one of the options. Go back and choose again."

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__()
