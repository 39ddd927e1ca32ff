"""Pupils' narration and checkpoints are worded for their age.

Flesch-Kincaid grade (textstat 0.7.3, which works offline) estimates the US school grade needed
to follow a text; add 5 for a rough reading age. Primary text aims at grade 5 or below (age 10,
the middle of our 8-11 range, so the youngest helpers can follow it when it is read aloud with
captions). Secondary text aims at grade 8 or below (age 13), so that Year 7 mentors, who are
11-12, can follow it when it is read aloud; that is easier than most GCSE texts.
"""

from __future__ import annotations

import pytest
import textstat

from modules.catalogue import Catalogue
from modules.catalogue import module_files
from modules.model import Audience
from modules.model import Module

MAX_GRADE = {Audience.PRIMARY: 5.0, Audience.SECONDARY: 8.0}
PUPIL_MODULES = sorted(i for i in module_files() if i.startswith(("primary-", "secondary-")))


def pupil_text(module: Module) -> dict[str, str]:
    """Text a pupil hears or reads, by kind: full sentences only, as the formula expects."""
    narration = " ".join(slide.narration for slide in module.script)
    checkpoints = " ".join(
        " ".join([point.prompt, *(f"{c.text} {c.feedback}" for c in point.choices)])
        for point in module.checkpoints
    )
    return {"narration": narration, "checkpoints": checkpoints}


@pytest.mark.parametrize("module_id", PUPIL_MODULES)
def test_pupil_wording_suits_their_age(shipped: Catalogue, module_id: str) -> None:
    module = shipped.module(module_id)
    limit = MAX_GRADE[module.audience]
    for kind, text in pupil_text(module).items():
        if text:
            grade = textstat.flesch_kincaid_grade(text)
            assert grade <= limit, f"{kind} reads at grade {grade}, above {limit}"


def test_every_pupil_module_is_checked(shipped: Catalogue) -> None:
    audiences = {shipped.module(i).audience for i in PUPIL_MODULES}
    assert audiences == {Audience.PRIMARY, Audience.SECONDARY}
    assert len(PUPIL_MODULES) == 12
