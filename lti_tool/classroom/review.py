"""What a teacher sees of one pupil's work on an attachment (the Student Work Review iframe)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lti_tool.models import ClassroomAttachment
from lti_tool.models import User
from lti_tool.services import programmes
from lti_tool.services import progress
from modules.model import Module


@dataclass(frozen=True)
class ModuleLine:
    """One module of the attachment, and how far the pupil got."""

    module: Module
    status: progress.Status


@dataclass(frozen=True)
class WorkReview:
    """The pupil's module progress for the attachment's target.

    Quiz decisions and certificates are added by the quiz and certification services when they
    merge (``quiz_summaries`` and ``certificate`` stay empty until then: the page says so).
    """

    modules: tuple[ModuleLine, ...]
    quiz_summaries: tuple[object, ...] = ()
    certificate: object | None = None

    @property
    def completed(self) -> int:
        return sum(line.status.complete for line in self.modules)


def work_review(session: Session, attachment: ClassroomAttachment, user: User) -> WorkReview:
    """The pupil's progress on the modules the attachment opens (a programme's, or one)."""
    link = attachment.resource_link
    target = programmes.target_of(link)
    if target is not None and target.kind == "module":
        module_ids: tuple[str, ...] = (target.id,)
    elif target is not None and target.kind == "programme":
        module_ids = tuple(programmes.programme(target.id).modules)
    else:
        module_ids = ()
    rows = progress.progress_by_module(session, user.id, link.context_id, module_ids)
    lines = []
    for module_id in module_ids:
        module = programmes.module(module_id)
        lines.append(ModuleLine(module, progress.status_of(rows.get(module_id), module)))
    return WorkReview(tuple(lines))
