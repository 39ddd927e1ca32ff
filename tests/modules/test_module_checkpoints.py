"""Answering in-video checkpoints."""

from __future__ import annotations

import pytest

from modules.catalogue import Catalogue
from modules.checkpoints import Answer
from modules.checkpoints import answer_checkpoint
from modules.errors import InvalidAnswer


def test_right_and_wrong_answers_get_their_feedback(shipped: Catalogue) -> None:
    module = shipped.module("secondary-confidentiality")
    right = answer_checkpoint(module, "promise-not-to-tell", "cannot-promise")
    wrong = answer_checkpoint(module, "promise-not-to-tell", "promise")
    assert right.correct is True and right.feedback
    assert wrong.correct is False and wrong.feedback and "Never promise" in wrong.feedback


def test_a_reflection_is_answered_without_a_choice(shipped: Catalogue) -> None:
    module = shipped.module("primary-looking-after-yourself")
    assert answer_checkpoint(module, "feeling-worried", None) == Answer(
        "feeling-worried", None, None, None
    )


@pytest.mark.parametrize(
    ("module_id", "checkpoint_id", "choice_id"),
    [
        ("secondary-confidentiality", "no-such-checkpoint", "promise"),
        ("secondary-confidentiality", "promise-not-to-tell", "no-such-choice"),
        ("secondary-confidentiality", "promise-not-to-tell", None),
        ("primary-looking-after-yourself", "feeling-worried", "promise"),
    ],
)
def test_unknown_answers_are_refused_with_a_pupil_safe_message(
    shipped: Catalogue, module_id: str, checkpoint_id: str, choice_id: str | None
) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        answer_checkpoint(shipped.module(module_id), checkpoint_id, choice_id)
    assert caught.value.message == "That answer isn't one of the options. Go back and choose again."
    assert caught.value.detail
