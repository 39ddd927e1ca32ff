"""Validate statements with Ralph's pydantic models, chosen explicitly per statement.

Ralph (``ralph-malph``) is a required dependency: its core pulls in only pydantic, langcodes and
rfc3987. It is imported on first use, so processes that never build a statement don't load it.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

BASE = "ralph.models.xapi.base.statements:BaseXapiStatement"
VIDEO_INITIALIZED = "ralph.models.xapi.video.statements:VideoInitialized"
VIDEO_PLAYED = "ralph.models.xapi.video.statements:VideoPlayed"
VIDEO_PAUSED = "ralph.models.xapi.video.statements:VideoPaused"
VIDEO_SEEKED = "ralph.models.xapi.video.statements:VideoSeeked"
VIDEO_COMPLETED = "ralph.models.xapi.video.statements:VideoCompleted"
VIDEO_TERMINATED = "ralph.models.xapi.video.statements:VideoTerminated"
VIDEO_CAPTIONS = "ralph.models.xapi.video.statements:VideoEnableClosedCaptioning"


class InvalidStatement(ValueError):
    """A statement that its model refuses: a bug in a builder, never the learner's doing."""


@cache
def _model(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def validate(data: dict[str, Any], model: str = BASE) -> None:
    """Check ``data`` against ``model`` and, if that is a profile model, the base model too."""
    from pydantic import ValidationError

    for path in dict.fromkeys((model, BASE)):
        try:
            _model(path).model_validate(data)
        except ValidationError as exc:
            raise InvalidStatement(f"{path.rpartition(':')[2]}: {exc}") from exc
