"""The documented partial-credit rules for standard questions."""

import pytest

from quizzes.scoring import multiple_response_fraction
from quizzes.scoring import ordering_fraction

RIGHT = {"a", "b"}


@pytest.mark.parametrize(
    ("ticked", "fraction"),
    [
        ({"a", "b"}, 1.0),
        ({"a"}, 0.5),
        ({"a", "b", "c"}, 0.5),
        ({"a", "c"}, 0.0),
        ({"a", "b", "c", "d"}, 0.0),
        (set(), 0.0),
        ({"c", "d"}, 0.0),
    ],
)
def test_multiple_response_scores_each_option(ticked, fraction):
    assert multiple_response_fraction(ticked, RIGHT, options=4) == pytest.approx(fraction)


def test_multiple_response_with_no_wrong_options_has_no_penalty():
    assert multiple_response_fraction({"a"}, RIGHT, options=2) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("given", "fraction"),
    [
        ("abcde", 1.0),
        ("bacde", 0.8),
        ("abced", 0.8),
        ("edcba", 0.0),
        ("cabde", 0.6),
    ],
)
def test_ordering_scores_by_kendall_tau_floored_at_zero(given, fraction):
    assert ordering_fraction(list(given), list("abcde")) == pytest.approx(fraction)
