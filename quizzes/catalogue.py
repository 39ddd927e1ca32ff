"""Where the shipped quizzes live, for the app to load with the shared content loader.

The app loads each file with ``lti_tool.content.load(path, SCHEMA_PATH, parse_quiz)``; this package
imports nothing from ``lti_tool`` so the quiz core stays free of Flask and I/O.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from quizzes.model import parse_quiz

CONTENT_DIR: Final = Path(__file__).parent / "content"
SCHEMA_PATH: Final = Path(__file__).parent / "scenario.schema.json"

__all__ = ["CONTENT_DIR", "SCHEMA_PATH", "parse_quiz", "quiz_files"]


def quiz_files() -> list[Path]:
    """The shipped quiz files, sorted by name (one quiz per ``*.yaml``)."""
    return sorted(CONTENT_DIR.glob("*.yaml"))
