"""Answering in-video checkpoints: the server checks answers, so the browser never needs
to be told which choice is correct before the learner picks one.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.errors import InvalidAnswer
from modules.model import CheckpointKind
from modules.model import Module


@dataclass(frozen=True)
class Answer:
    """The outcome of answering one checkpoint."""

    checkpoint_id: str
    choice_id: str | None  # None for a reflection
    correct: bool | None  # None for a reflection: there is no wrong answer
    feedback: str | None


def answer_checkpoint(module: Module, checkpoint_id: str, choice_id: str | None) -> Answer:
    """Check a learner's answer; raise InvalidAnswer for an unknown checkpoint or choice.

    A reflection is answered by reaching it and continuing, so ``choice_id`` must be None.
    Any answer to a question counts as answered for completion, right or wrong: the feedback
    teaches, and quizzes do the assessing.
    """
    point = module.checkpoint(checkpoint_id)
    if point is None:
        raise InvalidAnswer(f"module {module.id!r} has no checkpoint {checkpoint_id!r}")
    if point.kind is CheckpointKind.REFLECTION:
        if choice_id is not None:
            raise InvalidAnswer(f"checkpoint {checkpoint_id!r} is a reflection and has no choices")
        return Answer(checkpoint_id, None, None, None)
    choice = point.choice(choice_id) if choice_id is not None else None
    if choice is None:
        raise InvalidAnswer(f"checkpoint {checkpoint_id!r} has no choice {choice_id!r}")
    return Answer(checkpoint_id, choice.id, choice.correct, choice.feedback)
