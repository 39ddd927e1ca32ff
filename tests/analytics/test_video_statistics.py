"""Video statistics on viewings short enough to draw on squared paper."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lti_tool.analytics.video_stats import rewatch_curve
from lti_tool.analytics.video_stats import rewatch_hot_spots
from lti_tool.analytics.video_stats import video_statistics
from modules.progress import covered_seconds
from modules.progress import merge_segments

# A 10-second video, four viewers (merged segments):
#   v1 0-10 (coverage 1.0)   v2 0-5 (0.5)   v3 0-2 and 6-10 (0.6)   v4 nothing (0)
MERGED = [[(0.0, 10.0)], [(0.0, 5.0)], [(0.0, 2.0), (6.0, 10.0)], []]


def test_completion_and_average_coverage() -> None:
    stats = video_statistics(MERGED, 10.0, threshold=0.9)
    # Only v1 reaches 90%: 1 of 4 = 25%. Mean coverage (1 + .5 + .6 + 0)/4 = 0.525.
    assert (stats.viewers, stats.completed, stats.completion_rate) == (4, 1, 0.25)
    assert stats.average_coverage == pytest.approx(0.525)
    # At a 50% threshold v1, v2 and v3 complete: 3 of 4.
    assert video_statistics(MERGED, 10.0, threshold=0.5).completion_rate == 0.75


def test_dropoff_per_second_for_a_short_video() -> None:
    curve = video_statistics(MERGED, 10.0).dropoff
    assert curve.edges == tuple(float(s) for s in range(11))
    # Seconds 0-1: v1 v2 v3 (3/4); 2-4: v1 v2 (2/4); 5: v1 (1/4); 6-9: v1 v3 (2/4).
    assert curve.watched == pytest.approx(
        [0.75, 0.75, 0.5, 0.5, 0.5, 0.25, 0.5, 0.5, 0.5, 0.5]
    )


def test_dropoff_counts_part_of_a_bin_and_a_short_last_bin() -> None:
    # A 2.5 s video; one viewer watched 0-1.5: second 0 all, second 1 half, the last half-second
    # (2-2.5) none.
    curve = video_statistics([[(0.0, 1.5)]], 2.5).dropoff
    assert curve.edges == (0.0, 1.0, 2.0, 2.5)
    assert curve.watched == pytest.approx([1.0, 0.5, 0.0])


def test_long_video_gets_a_hundred_bins() -> None:
    # 1000 s, one viewer watched the first 250 s: bins of 10 s, the first 25 watched.
    curve = video_statistics([[(0.0, 250.0)]], 1000.0).dropoff
    assert len(curve.watched) == 100 and curve.edges[1] == 10.0
    assert curve.watched == pytest.approx([1.0] * 25 + [0.0] * 75)


def test_no_viewers_gives_no_rates() -> None:
    stats = video_statistics([], 10.0)
    assert stats.completion_rate is None and stats.average_coverage is None
    assert stats.dropoff.watched == (0.0,) * 10


def test_segments_outside_the_video_and_seeks_count_for_nothing() -> None:
    # -5..2 clips to 0..2; 8..20 clips to 8..10; 7..6 is a seek back.
    stats = video_statistics([[(-5.0, 2.0), (7.0, 6.0), (8.0, 20.0)]], 10.0)
    assert stats.average_coverage == pytest.approx(0.4)


# Raw segments, repeats kept. v1 watched all, then replayed 3-5 once; v2 watched 0-6, replayed
# 3-5 twice, and played 8-9 twice (never before), plus a seek back 7 -> 6.
RAW = [
    [(0.0, 10.0), (3.0, 5.0)],
    [(0.0, 6.0), (3.0, 5.0), (3.0, 5.0), (8.0, 9.0), (8.0, 9.0), (7.0, 6.0)],
]


def test_rewatch_curve_counts_extra_plays_per_viewer() -> None:
    curve = rewatch_curve(RAW, 10.0)
    # Seconds 3 and 4: v1 1 extra + v2 2 extra = 3, over 2 viewers = 1.5.
    # Second 8: v2 played it twice, once counts as new: 1 extra / 2 viewers = 0.5.
    assert curve == pytest.approx([0, 0, 0, 1.5, 1.5, 0, 0, 0, 0.5, 0])


def test_hot_spots_are_the_most_replayed_stretches() -> None:
    spots = rewatch_hot_spots(RAW, 10.0)
    assert [(s.start, s.end, s.extra_plays) for s in spots] == [(3.0, 5.0, 1.5), (8.0, 9.0, 0.5)]
    assert len(rewatch_hot_spots(RAW, 10.0, top=1)) == 1
    # At 1 extra play per viewer only 3-5 remains.
    assert [s.start for s in rewatch_hot_spots(RAW, 10.0, min_extra=1.0)] == [3.0]


def test_no_replays_means_no_hot_spots() -> None:
    assert rewatch_hot_spots([[(0.0, 10.0)], [(0.0, 4.0), (4.0, 8.0)]], 10.0) == ()
    assert rewatch_hot_spots([], 10.0) == ()


def test_duration_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        video_statistics(MERGED, 0.0)


segment = st.tuples(
    st.floats(-5, 65, allow_nan=False), st.floats(-5, 65, allow_nan=False)
)


@given(st.lists(st.lists(segment, max_size=12), min_size=1, max_size=4))
def test_extra_plays_equal_played_minus_unique_seconds_of_merge_segments(raw) -> None:  # type: ignore[no-untyped-def]
    # The vectorised merge must agree with modules.progress.merge_segments, the merge the
    # module pages store: Σ extra · viewers = Σ clipped played seconds - Σ unique seconds.
    duration = 60.0
    played = sum(
        max(0.0, min(end, duration) - max(start, 0.0))
        for segments in raw
        for start, end in segments
    )
    unique = sum(covered_seconds(merge_segments(segments, duration)) for segments in raw)
    extra = sum(rewatch_curve(raw, duration)) * len(raw)
    assert extra == pytest.approx(played - unique, abs=1e-6)
