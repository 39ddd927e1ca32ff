"""Quiz statistics against figures worked out by hand with Moodle's formulas.

Each data set is small enough to check on paper; the comments show the arithmetic. Sample
statistics divide by s - 1, as Moodle's calculator does.
"""

from __future__ import annotations

import math
from datetime import UTC
from datetime import datetime

import pytest

from lti_tool.analytics.quiz_stats import AttemptScores
from lti_tool.analytics.quiz_stats import ItemResult
from lti_tool.analytics.quiz_stats import MixedQuizVersions
from lti_tool.analytics.quiz_stats import analyse_quiz
from lti_tool.analytics.quiz_stats import flag_items
from lti_tool.analytics.quiz_stats import item_statistics
from lti_tool.analytics.quiz_stats import quiz_statistics
from lti_tool.analytics.quiz_stats import select_attempts

DONE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def attempt(
    user: str, marks: dict[str, float], *, no: int = 1, choices: dict[str, str] | None = None,
    finished: bool = True, max_total: float | None = None,
) -> AttemptScores:
    """An attempt at one-mark items; ``choices`` gives the option picked (right = full marks)."""
    choices = choices or {}
    items = {
        item: ItemResult(mark, 1.0, (choices[item],) if item in choices else ())
        for item, mark in marks.items()
    }
    return AttemptScores(
        user, no, DONE if finished else None, sum(marks.values()),
        max_total if max_total is not None else float(len(marks)), items,
    )


# Five pupils, three one-mark items.      q1 q2 q3 | T
FIVE = [
    attempt("u1", {"q1": 1, "q2": 1, "q3": 1}, choices={"q1": "a"}),  # 3
    attempt("u2", {"q1": 1, "q2": 1, "q3": 0}, choices={"q1": "a"}),  # 2
    attempt("u3", {"q1": 1, "q2": 0, "q3": 1}, choices={"q1": "a"}),  # 2
    attempt("u4", {"q1": 0, "q2": 1, "q3": 0}, choices={"q1": "b"}),  # 1
    attempt("u5", {"q1": 0, "q2": 0, "q3": 0}, choices={"q1": "b"}),  # 0
]


def by_id(items):  # type: ignore[no-untyped-def]
    return {item.item_id: item for item in items}


def test_facility_and_standard_deviation_match_hand_working() -> None:
    q1 = by_id(item_statistics(FIVE))["q1"]
    # x = 1,1,1,0,0: mean 3/5 = 0.6 -> facility 60%.
    assert q1.facility == pytest.approx(60.0)
    # (x - 0.6)^2 = 0.16 x3 + 0.36 x2 = 1.2; / (5 - 1) = 0.3; sd = sqrt(0.3) = 0.547723 -> 54.77%.
    assert q1.standard_deviation == pytest.approx(100 * math.sqrt(0.3))
    assert q1.mark_variance == pytest.approx(0.3)
    assert q1.attempts == 5


def test_discrimination_index_correlates_item_with_rest_of_test() -> None:
    items = by_id(item_statistics(FIVE))
    # q1: x = 1,1,1,0,0; rest o = T - x = 2,1,1,1,0 (mean 1.0).
    #   dx = .4,.4,.4,-.6,-.6; do = 1,0,0,0,-1
    #   cov = (.4 + 0 + 0 + 0 + .6)/4 = 0.25; var(o) = (1 + 1)/4 = 0.5; var(x) = 0.3
    #   DI = 100 * 0.25 / sqrt(0.3 * 0.5) = 25 / 0.387298 = 64.55%
    assert items["q1"].discrimination_index == pytest.approx(64.5497, abs=1e-4)
    # q2: x = 1,1,0,1,0; o = 2,1,2,0,0 (mean 1.0); dx = .4,.4,-.6,.4,-.6; do = 1,0,1,-1,-1
    #   cov = (.4 + 0 - .6 - .4 + .6)/4 = 0 -> DI 0%.
    assert items["q2"].discrimination_index == pytest.approx(0.0, abs=1e-12)
    # q3: x = 1,0,1,0,0 (mean .4); o = 2,2,1,1,0 (mean 1.2)
    #   dx = .6,-.4,.6,-.4,-.4; do = .8,.8,-.2,-.2,-1.2
    #   cov = (.48 - .32 - .12 + .08 + .48)/4 = 0.15; var(o) = (.64+.64+.04+.04+1.44)/4 = 0.7
    #   DI = 100 * 0.15 / sqrt(0.3 * 0.7) = 15 / 0.458258 = 32.73%
    assert items["q3"].discrimination_index == pytest.approx(32.7327, abs=1e-4)


def test_discriminative_efficiency_divides_by_the_covariance_of_sorted_marks() -> None:
    items = by_id(item_statistics(FIVE))
    # q1: sorted x = 0,0,1,1,1 -> dx = -.6,-.6,.4,.4,.4; sorted o = 0,1,1,1,2 -> do = -1,0,0,0,1
    #   cov_max = (.6 + 0 + 0 + 0 + .4)/4 = 0.25 = cov -> DE 100%.
    assert items["q1"].discriminative_efficiency == pytest.approx(100.0)
    # q2: cov = 0 -> DE 0% (cov_max = (.6+.6+0+.4+.4)/4 = 0.5).
    assert items["q2"].discriminative_efficiency == pytest.approx(0.0, abs=1e-12)
    # q3: sorted x dx = -.4,-.4,-.4,.6,.6; sorted o = 0,1,1,2,2 -> do = -1.2,-.2,-.2,.8,.8
    #   cov_max = (.48 + .08 + .08 + .48 + .48)/4 = 0.4; DE = 100 * 0.15/0.4 = 37.5%.
    assert items["q3"].discriminative_efficiency == pytest.approx(37.5)


def test_effective_weights_share_out_square_roots_of_covariance_with_total() -> None:
    items = by_id(item_statistics(FIVE))
    # dT = 1.4,.4,.4,-.6,-1.6. cov(x, T): q1 (.56+.16+.16+.36+.96)/4 = .55,
    #   q2 (.56+.16-.24-.24+.96)/4 = .3, q3 (.84-.16+.24+.24+.64)/4 = .45 (sum 1.3 = var T).
    # sqrt: .741620, .547723, .670820; sum 1.960163 -> 37.8346%, 27.9427%, 34.2227%.
    assert items["q1"].effective_weight == pytest.approx(37.8346, abs=1e-4)
    assert items["q2"].effective_weight == pytest.approx(27.9427, abs=1e-4)
    assert items["q3"].effective_weight == pytest.approx(34.2227, abs=1e-4)


def test_test_statistics_match_hand_working() -> None:
    quiz = analyse_quiz(FIVE, "all").quiz
    # T = 3,2,2,1,0: mean 8/5 = 1.6 (53.33% of 3); median 2 (66.67%).
    assert quiz.attempts == 5
    assert quiz.mean == pytest.approx(1.6)
    assert quiz.mean_percent == pytest.approx(53.3333, abs=1e-4)
    assert quiz.median_percent == pytest.approx(66.6667, abs=1e-4)
    # d = 1.4,.4,.4,-.6,-1.6. Σd² = 1.96+.16+.16+.36+2.56 = 5.2; sd = sqrt(5.2/4) = 1.140175.
    assert quiz.standard_deviation == pytest.approx(math.sqrt(1.3))
    # Σd³ = 2.744+.064+.064-.216-4.096 = -1.44; Σd⁴ = 3.8416+.0256+.0256+.1296+6.5536 = 10.576
    # m2 = 1.04, m3 = -.288, m4 = 2.1152; k2 = 5·1.04/4 = 1.3; k3 = 25·(-.288)/(4·3) = -0.6
    # skewness = -0.6 / 1.3^1.5 = -0.6 / 1.482228 = -0.404796
    assert quiz.skewness == pytest.approx(-0.404796, abs=1e-6)
    # k4 = 25·(6·2.1152 - 3·4·1.04²)/(4·3·2) = 25·(12.6912 - 12.9792)/24 = -0.3
    # kurtosis = -0.3 / 1.3² = -0.177515
    assert quiz.kurtosis == pytest.approx(-0.177515, abs=1e-6)
    # Item variances .3 + .3 + .3 = .9; p = 3: CIC = 100·3/2·(1 - .9/1.3) = 46.1538%.
    assert quiz.cic == pytest.approx(46.1538, abs=1e-4)
    # Error ratio = 100·sqrt(1 - .461538) = 73.3799%; SE = .733799 · 1.140175 = 0.836660 marks
    # (= sqrt(1.3 · .538462) = sqrt(0.7)).
    assert quiz.error_ratio == pytest.approx(73.3799, abs=1e-4)
    assert quiz.standard_error == pytest.approx(math.sqrt(0.7))
    assert quiz.why_missing == {}


def test_share_choosing_each_option_and_popular_wrong_answer_is_flagged() -> None:
    report = analyse_quiz(FIVE, "all")
    q1 = by_id(report.items)["q1"]
    # 'a' chosen by u1-u3 (3/5, right); 'b' by u4, u5 (2/5 = 40%, wrong).
    assert [(o.response, o.count, o.share, o.correct) for o in q1.options] == [
        (("a",), 3, 0.6, True),
        (("b",), 2, 0.4, False),
    ]
    flagged = [(f.item_id, f.kind) for f in report.flags]
    assert ("q1", "popular-wrong-answer") in flagged
    reason = next(f.reason for f in report.flags if f.kind == "popular-wrong-answer")
    assert reason.startswith('40% of attempts chose "b", which is wrong.')


def test_item_that_does_not_discriminate_is_flagged_as_moodle_marks_dubious_ones() -> None:
    flags = {(f.item_id, f.kind) for f in analyse_quiz(FIVE, "all").flags}
    # q2 has DE 0% < 15%; q1 (100%) and q3 (37.5%) are fine.
    assert ("q2", "low-efficiency") in flags
    assert not {("q1", "low-efficiency"), ("q3", "low-efficiency")} & flags


def test_item_answered_better_by_weaker_pupils_gets_negative_discrimination_flag() -> None:
    data = [                                                # q1 q2 bad | T
        attempt("u1", {"q1": 1, "q2": 1, "bad": 0}),        #  1  1  0  | 2
        attempt("u2", {"q1": 1, "q2": 1, "bad": 0}),        #  1  1  0  | 2
        attempt("u3", {"q1": 1, "q2": 0, "bad": 0}),        #  1  0  0  | 1
        attempt("u4", {"q1": 0, "q2": 0, "bad": 1}),        #  0  0  1  | 1
        attempt("u5", {"q1": 0, "q2": 0, "bad": 1}),        #  0  0  1  | 1
    ]
    report = analyse_quiz(data, "all")
    bad = by_id(report.items)["bad"]
    # x = 0,0,0,1,1 (mean .4); o = 2,2,1,0,0 (mean 1); dx = -.4,-.4,-.4,.6,.6; do = 1,1,0,-1,-1
    # cov = (-.4 - .4 + 0 - .6 - .6)/4 = -0.5; var x = .3, var o = 4/4 = 1
    # DI = 100 · -0.5 / sqrt(.3) = -91.287%
    assert bad.discrimination_index == pytest.approx(-91.2871, abs=1e-4)
    kinds = [f.kind for f in report.flags if f.item_id == "bad"]
    assert kinds == ["negative-discrimination"]  # not also "low-efficiency"
    # Its covariance with the total is negative, so Moodle shows no effective weight.
    assert bad.effective_weight is None and "effective_weight" in bad.why_missing


def test_no_flags_from_fewer_than_five_attempts() -> None:
    assert flag_items(item_statistics(FIVE[:4])) == ()


def test_one_attempt_gives_means_and_reasons_instead_of_spreads() -> None:
    report = analyse_quiz(FIVE[:1], "all")
    quiz, q1 = report.quiz, by_id(report.items)["q1"]
    assert quiz.mean == 3 and quiz.median == 3
    assert quiz.standard_deviation is None and quiz.cic is None and quiz.kurtosis is None
    assert quiz.why_missing["standard_deviation"] == "Needs at least two attempts."
    assert quiz.why_missing["cic"] == "Needs at least three attempts."
    assert q1.facility == 100.0
    assert q1.discrimination_index is None
    assert q1.why_missing["discrimination_index"] == (
        "Needs at least two attempts that reached this item."
    )


def test_everyone_right_gives_no_division_by_zero() -> None:
    everyone = [attempt(f"u{i}", {"q1": 1, "q2": 1, "q3": 1}) for i in range(6)]
    report = analyse_quiz(everyone, "all")
    quiz, q1 = report.quiz, by_id(report.items)["q1"]
    # All totals 3: sd 0, and k2 = 0, so skewness, kurtosis and alpha are undefined.
    assert quiz.standard_deviation == 0
    assert quiz.skewness is None and quiz.kurtosis is None and quiz.cic is None
    assert "same total" in quiz.why_missing["cic"]
    assert q1.facility == 100 and q1.standard_deviation == 0
    assert q1.discrimination_index is None and q1.discriminative_efficiency is None
    assert "Every attempt scored the same on this item" in q1.why_missing["discrimination_index"]
    assert report.flags == ()


def test_rest_of_test_without_variance_gives_a_reason() -> None:
    # q1 varies but q2 + q3 is always 1: o has no variance, so DI is undefined.
    data = [attempt(f"u{i}", {"q1": i % 2, "q2": 1, "q3": 0}) for i in range(4)]
    q1 = by_id(item_statistics(data))["q1"]
    assert q1.discrimination_index is None
    assert "rest of the quiz" in q1.why_missing["discrimination_index"]


def test_no_attempts_yet() -> None:
    report = analyse_quiz([], "first")
    assert report.quiz.attempts == 0 and report.quiz.mean is None
    assert report.quiz.why_missing["mean"] == "No finished attempts yet."
    assert report.items == () and report.flags == ()


def test_branch_items_use_only_attempts_that_reached_them() -> None:
    data = [
        attempt("u1", {"s/start": 1, "s/left": 1}, max_total=2),
        attempt("u2", {"s/start": 0, "s/right": 0}, max_total=2),
        attempt("u3", {"s/start": 1, "s/left": 0}, max_total=2),
    ]
    items = by_id(item_statistics(data))
    assert items["s/left"].attempts == 2 and items["s/left"].facility == 50.0
    assert items["s/right"].attempts == 1 and items["s/right"].facility == 0.0


def test_attempts_with_different_maximum_totals_are_refused() -> None:
    data = [attempt("u1", {"q1": 1}), attempt("u2", {"q1": 1, "q2": 1})]
    with pytest.raises(MixedQuizVersions):
        quiz_statistics(data, item_statistics(data))


# u1: attempts 1 (2 marks), 2 (5), 3 (5), 4 unfinished (9). u2: 1 unfinished, 2 (3 marks).
HISTORY = [
    AttemptScores("u1", 1, DONE, 2, 10),
    AttemptScores("u1", 2, DONE, 5, 10),
    AttemptScores("u1", 3, DONE, 5, 10),
    AttemptScores("u1", 4, None, 9, 10),
    AttemptScores("u2", 1, None, 1, 10),
    AttemptScores("u2", 2, DONE, 3, 10),
]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("first", [("u1", 1), ("u2", 2)]),  # u2's first attempt is unfinished
        ("last", [("u1", 3), ("u2", 2)]),  # u1's attempt 4 is unfinished
        ("highest", [("u1", 2), ("u2", 2)]),  # 5 = 5: the earlier attempt, as Moodle
        ("all", [("u1", 1), ("u1", 2), ("u1", 3), ("u2", 2)]),
    ],
)
def test_attempt_selection_counts_only_finished_attempts(selection, expected) -> None:  # type: ignore[no-untyped-def]
    chosen = select_attempts(HISTORY, selection)
    assert [(a.user_id, a.attempt_no) for a in chosen] == expected


def test_report_uses_first_attempts_by_default() -> None:
    assert analyse_quiz(HISTORY).quiz.mean == pytest.approx((2 + 3) / 2)
