"""Watch progress: merging played segments, completion and resume."""

from __future__ import annotations

import itertools
import json
import math
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.errors import InvalidProgress
from modules.progress import MAX_SEGMENTS
from modules.progress import covered_seconds
from modules.progress import furthest_watched
from modules.progress import is_complete
from modules.progress import measure
from modules.progress import merge_segments
from modules.progress import resume_position
from modules.progress import segments_from_json
from modules.progress import segments_to_json


@pytest.mark.parametrize(
    ("played", "merged"),
    [
        pytest.param([], (), id="nothing played"),
        pytest.param([[0, 10]], ((0, 10),), id="one segment"),
        pytest.param([[0, 10], [5, 15]], ((0, 15),), id="overlap"),
        pytest.param([[0, 10], [10, 20]], ((0, 20),), id="touching segments join"),
        pytest.param([[20, 30], [0, 10]], ((0, 10), (20, 30)), id="out of order"),
        pytest.param([[0, 10], [0, 10], [0, 10]], ((0, 10),), id="duplicates"),
        pytest.param([[2, 4], [0, 10]], ((0, 10),), id="contained"),
        # Watched 0-30, sought back to 10 and watched to 40: 30->10 is a seek, not playback.
        pytest.param([[0, 30], [30, 10], [10, 40]], ((0, 40),), id="seek back"),
        pytest.param([[50, 20]], (), id="a reversed segment alone adds nothing"),
        # At 2x speed the player still reports video time: 20 s of video in 10 s of wall time.
        pytest.param([[0, 10], [10, 30], [30, 35]], ((0, 35),), id="speed changes"),
        pytest.param([[-5, 5], [95, 130]], ((0, 5), (95, 100)), id="clamped to the video"),
        pytest.param([[100, 120], [-10, 0]], (), id="entirely outside the video"),
        pytest.param([[7, 7]], (), id="empty segment"),
        pytest.param([[0, math.nan], [math.inf, 5]], (), id="not finite"),
        pytest.param([[0.25, 0.5], [0.5, 0.75]], ((0.25, 0.75),), id="fractions"),
    ],
)
def test_merge_segments(played: list[list[float]], merged: tuple[tuple[float, float], ...]) -> None:
    assert merge_segments(played, 100) == merged


def test_coverage_counts_each_second_once() -> None:
    coverage = measure([[0, 60], [30, 90], [0, 60]], duration=120)
    assert coverage.segments == ((0, 90),)
    assert coverage.seconds == 90
    assert coverage.share == 0.75
    assert coverage.furthest == 90


def test_furthest_stops_at_the_first_real_gap() -> None:
    merged = merge_segments([[0, 10], [10.4, 20], [50, 60]], 100)
    assert furthest_watched(merged) == 20  # a 0.4 s gap between position reports is contiguous
    assert furthest_watched(merged, gap=0) == 10
    assert furthest_watched(merge_segments([[5, 10]], 100)) == 0  # skipped the start


def test_measure_refuses_a_video_without_a_length() -> None:
    with pytest.raises(ValueError, match="positive"):
        measure([[0, 1]], duration=0)


@pytest.mark.parametrize(
    ("share", "threshold", "answered", "required", "complete"),
    [
        (0.9, 0.9, set(), set(), True),
        (0.8999999999, 0.9, set(), set(), True),  # float rounding from many segments
        (0.89, 0.9, set(), set(), False),
        (1.0, 1.0, set(), set(), True),
        (1.0, 0.9, {"a"}, {"a", "b"}, False),
        (1.0, 0.9, {"a", "b", "extra"}, {"a", "b"}, True),
        (0.5, 0.9, {"a", "b"}, {"a", "b"}, False),
    ],
)
def test_is_complete(
    share: float, threshold: float, answered: set[str], required: set[str], complete: bool
) -> None:
    assert is_complete(share, threshold, frozenset(answered), frozenset(required)) is complete


@pytest.mark.parametrize(
    ("last", "limit", "resume"),
    [
        (None, None, 0.0),
        (42.5, None, 42.5),
        (-3, None, 0.0),
        (math.nan, None, 0.0),
        (96, None, 0.0),  # stopped within 5 s of the end: start again
        (500, None, 0.0),
        (42.5, 30, 30),  # skipping ahead prevented: no further than watched
        (20, 30, 20),
    ],
)
def test_resume_position(last: float | None, limit: float | None, resume: float) -> None:
    assert resume_position(last, 100, limit) == resume


def test_segments_round_trip_through_json() -> None:
    merged = merge_segments([[0, 12.75], [30, 31.5]], 100)
    stored = json.dumps(segments_to_json(merged))
    assert stored == "[[0.0, 12.75], [30.0, 31.5]]"
    assert segments_from_json(json.loads(stored)) == merged


@pytest.mark.parametrize(
    "posted",
    [
        {"start": 0, "end": 1},
        [[0, 1, 2]],
        [[0, "5"]],
        [[True, 5]],
        [[0, None]],
        [0, 5],
        [[0, 1]] * (MAX_SEGMENTS + 1),
    ],
)
def test_malformed_segments_are_refused_with_a_pupil_safe_message(posted: object) -> None:
    with pytest.raises(InvalidProgress) as caught:
        segments_from_json(posted)
    assert caught.value.message.startswith("We couldn't save")
    assert caught.value.detail


times = st.floats(min_value=-50, max_value=250, allow_nan=False)
segment_lists = st.lists(st.tuples(times, times), max_size=40)
durations = st.floats(min_value=0.5, max_value=200)


@given(segment_lists, durations)
def test_merged_coverage_never_exceeds_the_duration(
    played: list[tuple[float, float]], duration: float
) -> None:
    coverage = measure(played, duration)
    assert 0 <= coverage.seconds <= duration + 1e-9
    assert 0 <= coverage.share <= 1
    assert 0 <= coverage.furthest <= duration


@given(segment_lists, durations)
def test_merged_segments_are_sorted_disjoint_and_inside_the_video(
    played: list[tuple[float, float]], duration: float
) -> None:
    merged = merge_segments(played, duration)
    for start, end in merged:
        assert 0 <= start < end <= duration
    for (_, end), (start, _) in itertools.pairwise(merged):
        assert end < start


@given(segment_lists, durations)
def test_merging_is_idempotent(played: list[tuple[float, float]], duration: float) -> None:
    merged = merge_segments(played, duration)
    assert merge_segments(merged, duration) == merged


@given(segment_lists, durations, st.randoms(use_true_random=False))
def test_merging_ignores_order_and_batching(
    played: list[tuple[float, float]], duration: float, rng: Random
) -> None:
    shuffled = list(played)
    rng.shuffle(shuffled)
    half = len(shuffled) // 2
    batched = merge_segments(
        [*merge_segments(shuffled[:half], duration), *shuffled[half:]], duration
    )
    assert merge_segments(shuffled, duration) == merge_segments(played, duration) == batched


@given(segment_lists, durations)
def test_covered_seconds_is_at_most_the_sum_of_what_was_played(
    played: list[tuple[float, float]], duration: float
) -> None:
    played_seconds = sum(max(end - start, 0) for start, end in played)
    assert covered_seconds(merge_segments(played, duration)) <= played_seconds + 1e-9
