"""Partial-credit rules for standard questions. Each returns a fraction of the question's points."""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Sequence
from itertools import combinations


def multiple_response_fraction(
    selected: Collection[str], correct: Collection[str], options: int
) -> float:
    """Score a tick-all-that-apply answer per option, as Moodle's multiple-answer questions do.

    Each correct option ticked earns ``1/k`` (``k`` correct options); each wrong option ticked
    costs ``1/m`` (``m`` wrong options); the total never drops below 0. So ticking everything,
    or nothing, scores 0, and only the exact set scores 1.
    """
    right = len(set(selected) & set(correct))
    wrong = len(set(selected) - set(correct))
    wrong_options = options - len(correct)
    penalty = wrong / wrong_options if wrong_options else 0.0
    return max(0.0, right / len(correct) - penalty)


def ordering_fraction(given: Sequence[str], expected: Sequence[str]) -> float:
    """Score an ordering by Kendall's tau, floored at 0.

    Count the pairs of steps the learner put the wrong way round (``d`` of ``P`` pairs); the
    fraction is ``max(0, 1 - 2d/P)``. The right order scores 1; swapping one neighbouring pair of
    five steps scores 0.8; a random order scores about 0 on average, and never below 0.
    """
    position = {step: i for i, step in enumerate(given)}
    pairs = list(combinations(expected, 2))
    if not pairs:
        return 1.0
    discordant = sum(1 for before, after in pairs if position[before] > position[after])
    return max(0.0, 1 - 2 * discordant / len(pairs))
