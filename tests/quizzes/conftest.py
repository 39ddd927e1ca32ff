"""Fixtures for the quiz core tests; the sample data lives in quiz_samples.py."""

from __future__ import annotations

from typing import Any

import pytest
from quiz_samples import tiny_quiz_data

from quizzes.model import Quiz
from quizzes.model import parse_quiz


@pytest.fixture
def tiny_data() -> dict[str, Any]:
    return tiny_quiz_data()


@pytest.fixture
def tiny() -> Quiz:
    return parse_quiz(tiny_quiz_data())
