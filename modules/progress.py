"""How much of a video a learner has watched, and whether that completes the module.

The player reports what it played as segments ``[start, end]`` in video seconds (so playback speed
does not matter). Segments may overlap, repeat, arrive out of order or run backwards after a seek
back. This module merges them into disjoint, sorted segments, which is also the form the server
stores as JSON: ``[[0.0, 41.5], [60.0, 75.25]]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Sequence
from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from modules.errors import InvalidProgress

Segment = tuple[float, float]

# More segments than this in one post or one stored row is not a real viewing.
MAX_SEGMENTS = 5000
# Gaps this short (seconds) between segments still count as contiguous for skip-ahead checks:
# browsers report the play position a few times a second, so consecutive reports never meet.
CONTIGUOUS_GAP = 1.0
# Stopping this close to the end (seconds) means the next visit starts from the beginning.
RESTART_MARGIN = 5.0


@dataclass(frozen=True)
class Coverage:
    """What the merged segments add up to for one video."""

    segments: tuple[Segment, ...]
    seconds: float  # unique seconds watched
    share: float  # seconds / duration, between 0 and 1
    furthest: float  # the furthest point reached by watching contiguously from 0


def merge_segments(segments: Iterable[Sequence[float]], duration: float) -> tuple[Segment, ...]:
    """Merge played segments into sorted, disjoint segments within ``[0, duration]``.

    A reversed segment (end before start) records a seek back, not playback, so it adds nothing;
    so do empty segments and anything outside the video. Segments that touch are joined.
    """
    clipped = sorted(
        (max(start, 0.0), min(end, duration))
        for start, end in _pairs(segments)
        if min(end, duration) > max(start, 0.0)
    )
    merged: list[Segment] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def covered_seconds(merged: Iterable[Segment]) -> float:
    """Total length of already merged (disjoint) segments."""
    return sum(end - start for start, end in merged)


def furthest_watched(merged: Sequence[Segment], gap: float = CONTIGUOUS_GAP) -> float:
    """The largest time reachable from 0 through merged segments, allowing gaps up to ``gap``.

    With ``prevent_skipping_ahead`` the player lets the learner seek anywhere up to this point.
    """
    reached = 0.0
    for start, end in merged:
        if start > reached + gap:
            break
        reached = max(reached, end)
    return reached


def measure(segments: Iterable[Sequence[float]], duration: float) -> Coverage:
    """Merge ``segments`` and report the unique seconds, share and furthest point watched."""
    if not duration > 0 or math.isinf(duration):
        raise ValueError(f"duration must be a positive number of seconds, not {duration!r}")
    merged = merge_segments(segments, duration)
    seconds = covered_seconds(merged)
    return Coverage(
        segments=merged,
        seconds=seconds,
        share=min(seconds / duration, 1.0),
        furthest=furthest_watched(merged),
    )


def is_complete(
    share: float,
    threshold: float,
    answered: Set[str] = frozenset(),
    required: Set[str] = frozenset(),
) -> bool:
    """Whether watching ``share`` of the video and answering ``answered`` completes the module.

    ``required`` is ``Module.required_checkpoint_ids``: every one must be among ``answered``.
    """
    # Allow for float rounding: 0.9 of a video summed from many segments can come out as 0.8999….
    return share >= threshold - 1e-9 and required <= answered


def resume_position(
    last_position: float | None, duration: float, limit: float | None = None
) -> float:
    """Where the player should start: the last position, or 0 if there is none or it was the end.

    ``limit`` (the furthest point watched, when skipping ahead is prevented) caps the answer.
    """
    if last_position is None or not math.isfinite(last_position):
        return 0.0
    position = min(max(last_position, 0.0), duration)
    if position >= duration - RESTART_MARGIN:
        return 0.0
    if limit is not None:
        position = min(position, max(limit, 0.0))
    return position


def segments_to_json(merged: Iterable[Segment]) -> list[list[float]]:
    """The JSON form the server stores: ``[[start, end], ...]``."""
    return [[start, end] for start, end in merged]


def segments_from_json(data: Any) -> tuple[Segment, ...]:
    """Read segments posted by a browser or stored as JSON, refusing anything malformed.

    Raises InvalidProgress for a value that is not a list of ``[start, end]`` pairs of finite
    numbers, or that has more than MAX_SEGMENTS pairs. The pairs are returned as given: merge them.
    """
    if not isinstance(data, list):
        raise InvalidProgress("segments must be a list of [start, end] pairs")
    if len(data) > MAX_SEGMENTS:
        raise InvalidProgress(f"more than {MAX_SEGMENTS} segments")
    pairs: list[Segment] = []
    for index, item in enumerate(data):
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise InvalidProgress(f"segment {index} is not a [start, end] pair")
        start, end = item
        if not (_is_number(start) and _is_number(end)):
            raise InvalidProgress(f"segment {index} must hold two finite numbers")
        pairs.append((float(start), float(end)))
    return tuple(pairs)


def _is_number(value: Any) -> bool:
    # bool is an int in Python, but true/false in JSON is not a time.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _pairs(segments: Iterable[Sequence[float]]) -> Iterable[Segment]:
    for segment in segments:
        start, end = segment
        if math.isfinite(start) and math.isfinite(end):
            yield float(start), float(end)
