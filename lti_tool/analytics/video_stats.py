"""How a class watched a video: completion, coverage, where viewers drop off and what they rewatch.

Inputs are played segments ``(start, end)`` in video seconds, one list per viewer, as
``modules.progress`` records them: merged (disjoint) for completion, coverage and drop-off;
raw (repeats kept, from the video events) for rewatching. Segments are clipped to
``[0, duration]``; reversed or empty ones (seeks) count for nothing, as in ``merge_segments``.

Everything is computed from one function of the flattened segments, vectorised with numpy:
``W(t) = Σ_segments clip(t - start, 0, end - start)``, the seconds played before time ``t``
summed over everyone. The seconds played inside a bin ``[a, b)`` are ``W(b) - W(a)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lti_tool.lazy_import import lazy_import

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_import("numpy")  # loaded when a statistics page is first shown


Segment = tuple[float, float]

# Videos up to this long get a point per second on the drop-off curve; longer ones get 100 bins.
PER_SECOND_UP_TO = 300.0
LONG_VIDEO_BINS = 100
# A second counts as a hot spot when viewers replay it this many extra times on average.
MIN_EXTRA_PLAYS = 0.25
# Float sums of many segments can miss a threshold by a hair (0.8999… for 0.9).
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DropOffCurve:
    """The share of viewers who watched each bin (``edges[i]`` to ``edges[i + 1]`` seconds).

    ``watched[i]`` = seconds played in the bin by all viewers / (bin width · viewers): a viewer
    who played 40% of a bin counts 0.4. With whole-second playback and per-second bins this is
    exactly the share of viewers who watched that second.
    """

    edges: tuple[float, ...]
    watched: tuple[float, ...]


@dataclass(frozen=True)
class VideoStats:
    """Completion and coverage of one video across its viewers.

    ``coverage`` of a viewer = unique seconds watched / duration; ``average_coverage`` is its
    mean over viewers; ``completion_rate`` = viewers with coverage ≥ ``threshold`` / viewers.
    With no viewers the rates are None.
    """

    viewers: int
    duration: float
    threshold: float
    completed: int
    completion_rate: float | None
    average_coverage: float | None
    dropoff: DropOffCurve


@dataclass(frozen=True)
class HotSpot:
    """A stretch viewers replayed: ``extra_plays`` is the mean extra plays per viewer over it."""

    start: float
    end: float
    extra_plays: float
    peak: float


def video_statistics(
    merged: Sequence[Sequence[Segment]],
    duration: float,
    *,
    threshold: float = 0.9,
    bins: int | None = None,
) -> VideoStats:
    """Completion rate, average coverage and the drop-off curve from merged segments per viewer.

    ``bins`` defaults to one per second for videos up to 5 minutes (the last may be shorter)
    and 100 equal bins for longer ones.
    """
    _check_duration(duration)
    viewer, starts, ends = _flatten(merged, duration)
    count = len(merged)
    coverage = np.bincount(viewer, weights=ends - starts, minlength=count) / duration
    completed = int(np.count_nonzero(coverage >= threshold - _TOLERANCE))
    edges = _edges(duration, bins)
    played = np.diff(_played_before(starts, ends, edges))
    watched = played / (np.diff(edges) * count) if count else np.zeros(len(edges) - 1)
    return VideoStats(
        viewers=count,
        duration=duration,
        threshold=threshold,
        completed=completed,
        completion_rate=completed / count if count else None,
        average_coverage=float(coverage.mean()) if count else None,
        dropoff=DropOffCurve(tuple(edges.tolist()), tuple(np.clip(watched, 0, 1).tolist())),
    )


def rewatch_curve(raw: Sequence[Sequence[Segment]], duration: float) -> tuple[float, ...]:
    """Extra plays per viewer for each second: (seconds played - unique seconds) / viewers.

    A second everyone watched twice scores 1.0; one that half the viewers watched three times
    scores 1.0 as well. Unique seconds come from merging each viewer's segments.
    """
    _check_duration(duration)
    edges = _edges(duration, math.ceil(duration))
    if not raw:
        return (0.0,) * (len(edges) - 1)
    viewer, starts, ends = _flatten(raw, duration)
    played = np.diff(_played_before(starts, ends, edges))
    merged_starts, merged_ends = _merge(viewer, starts, ends, duration)
    unique = np.diff(_played_before(merged_starts, merged_ends, edges))
    extra = (played - unique) / (np.diff(edges) * len(raw))
    return tuple(np.clip(extra, 0, None).tolist())


def rewatch_hot_spots(
    raw: Sequence[Sequence[Segment]],
    duration: float,
    *,
    top: int = 5,
    min_extra: float = MIN_EXTRA_PLAYS,
) -> tuple[HotSpot, ...]:
    """The ``top`` stretches replayed most, from raw segments (repeats kept) per viewer.

    A hot spot is a run of whole seconds whose ``rewatch_curve`` is at least ``min_extra``
    (0.25: on average a quarter of viewers replayed it once). Runs are ranked by their mean
    extra plays per viewer, then by start.
    """
    curve = np.array(rewatch_curve(raw, duration))
    hot = np.concatenate([[False], curve >= min_extra - _TOLERANCE, [False]])
    changes = np.flatnonzero(np.diff(hot.astype(np.int8)))
    spots = [
        HotSpot(
            start=float(first),
            end=float(min(last, duration)),
            extra_plays=float(curve[first:last].mean()),
            peak=float(curve[first:last].max()),
        )
        for first, last in zip(changes[::2], changes[1::2], strict=True)
    ]
    spots.sort(key=lambda spot: (-spot.extra_plays, spot.start))
    return tuple(spots[:top])


def _check_duration(duration: float) -> None:
    if not duration > 0 or math.isinf(duration):
        raise ValueError(f"duration must be a positive number of seconds, not {duration!r}")


def _flatten(
    per_viewer: Sequence[Sequence[Segment]], duration: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Viewer index, start and end arrays, clipped to the video, seeks and empties dropped."""
    sizes = [len(segments) for segments in per_viewer]
    viewer = np.repeat(np.arange(len(per_viewer)), sizes)
    flat = np.array([pair for segments in per_viewer for pair in segments], dtype=float)
    flat = flat.reshape(-1, 2)
    starts = np.clip(flat[:, 0], 0.0, duration)
    ends = np.clip(flat[:, 1], 0.0, duration)
    keep = ends > starts
    return viewer[keep], starts[keep], ends[keep]


def _edges(duration: float, bins: int | None) -> np.ndarray:
    if bins is None:
        bins = math.ceil(duration) if duration <= PER_SECOND_UP_TO else LONG_VIDEO_BINS
    if bins == math.ceil(duration) and bins > 1:  # whole seconds; the last may be shorter
        per_second: np.ndarray = np.minimum(np.arange(bins + 1, dtype=float), duration)
        return per_second
    return np.linspace(0.0, duration, bins + 1)


def _played_before(starts: np.ndarray, ends: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``W(t) = Σ clip(t - start, 0, end - start)`` for every ``t``, in O((n + m) log n).

    Σ_{start ≤ t} (t - start) counts every segment begun by ``t`` as if still playing;
    Σ_{end ≤ t} (t - end) takes back the time after those already finished.
    """
    s, e = np.sort(starts), np.sort(ends)
    sum_s = np.concatenate([[0.0], np.cumsum(s)])
    sum_e = np.concatenate([[0.0], np.cumsum(e)])
    i = np.searchsorted(s, t, side="right")
    j = np.searchsorted(e, t, side="right")
    result: np.ndarray = (t * i - sum_s[i]) - (t * j - sum_e[j])
    return result


def _merge(
    viewer: np.ndarray, starts: np.ndarray, ends: np.ndarray, duration: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge each viewer's segments (touching ones join), all viewers at once.

    Shifting viewer ``k`` by ``k · (duration + 1)`` puts each viewer's segments in a stretch of
    the line of its own, so one sort and one running maximum merge everyone's.
    """
    if len(starts) == 0:
        return starts, ends
    offset = viewer * (duration + 1.0)
    order = np.argsort(starts + offset, kind="stable")
    s, e = (starts + offset)[order], (ends + offset)[order]
    reach = np.maximum.accumulate(e)
    begins = np.concatenate([[True], s[1:] > reach[:-1]])
    first = np.flatnonzero(begins)
    merged_ends = np.maximum.reduceat(e, first)
    shift = offset[order][first]
    return s[first] - shift, merged_ends - shift
