"""A small valid quiz that the checker and engine tests change one thing at a time."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

NOW = datetime(2025, 9, 8, 10, 0, tzinfo=UTC)


def tiny_quiz_data() -> dict[str, Any]:
    """One scenario with a critical decision and a try-again loop, then three questions.

    Best walk: honest (2) then calm (2) = 4; questions add 2 + 2 + 1, so 9 in all.
    """
    return {
        "id": "tiny",
        "title": "Tiny quiz",
        "description": "A tiny quiz.",
        "audiences": ["primary", "secondary"],
        "settings": {"pass_mark": 0.5},
        "scenarios": [
            {
                "id": "promise",
                "title": "Promise?",
                "guidance": ["School's safeguarding and child protection policy"],
                "start": "ask",
                "scenes": {
                    "ask": {
                        "narrative": {"primary": "Lily asks you.", "secondary": "Jayden asks you."},
                        "critical": True,
                        "why": "Never promise to keep a secret.",
                        "choices": [
                            {
                                "id": "promise",
                                "text": "I promise.",
                                "feedback": "Never promise.",
                                "points": 0,
                                "correct": False,
                                "next": "retry",
                            },
                            {
                                "id": "honest",
                                "text": "I can't promise.",
                                "feedback": "Honest and kind.",
                                "points": 2,
                                "correct": True,
                                "next": "listen",
                            },
                        ],
                    },
                    "retry": {
                        "narrative": "Try again?",
                        "choices": [
                            {"id": "again", "text": "Again.", "feedback": "OK.", "next": "ask"},
                            {"id": "stop", "text": "Stop.", "feedback": "OK.", "next": "sad"},
                        ],
                    },
                    "listen": {
                        "narrative": "She talks.",
                        "choices": [
                            {
                                "id": "calm",
                                "text": "Stay calm.",
                                "feedback": "Yes.",
                                "points": 2,
                                "next": "good",
                            },
                            {
                                "id": "grill",
                                "text": "Ask lots.",
                                "feedback": "Not your job.",
                                "next": "good",
                            },
                        ],
                    },
                    "good": {"outcome": "She gets help."},
                    "sad": {"outcome": "Nobody knows."},
                },
            }
        ],
        "questions": [
            {
                "type": "ordering",
                "id": "steps",
                "title": "Steps",
                "prompt": "Put these in order.",
                "points": 2,
                "feedback": "Listen, explain, tell.",
                "steps": [
                    {"id": "listen", "text": "Listen."},
                    {"id": "explain", "text": "Explain."},
                    {"id": "tell", "text": "Tell."},
                ],
            },
            {
                "type": "multiple-response",
                "id": "signs",
                "title": "Signs",
                "prompt": "Tick all that apply.",
                "points": 2,
                "options": [
                    {
                        "id": "photos",
                        "text": "Photos.",
                        "correct": True,
                        "feedback": "Yes.",
                    },
                    {
                        "id": "secret",
                        "text": "Secrets.",
                        "correct": True,
                        "feedback": "Yes.",
                    },
                    {
                        "id": "homework",
                        "text": "Homework.",
                        "correct": False,
                        "feedback": "No.",
                    },
                    {"id": "weather", "text": "Weather.", "correct": False, "feedback": "No."},
                ],
            },
            {
                "type": "single-choice",
                "id": "when",
                "title": "When",
                "prompt": "When must you tell?",
                "critical": True,
                "why": "Safety first.",
                "options": [
                    {"id": "unsafe", "text": "When unsafe.", "correct": True, "feedback": "Yes."},
                    {"id": "never", "text": "Never.", "correct": False, "feedback": "No."},
                ],
            },
        ],
    }
