"""Quiz and item statistics, computed as Moodle's quiz statistics report computes them.

A school that also uses Moodle quizzes must see the same numbers for the same data, so every
formula follows Moodle's code, not a textbook variant: ``question/classes/statistics/questions/
calculator.php`` (items), ``mod/quiz/report/statistics/classes/calculator.php`` (the whole test)
and ``mod/quiz/report/statistics/statistics_table.php`` (display and the "dubious" rule), as
described in MoodleDocs "Quiz statistics calculations".

Notation used in the docstrings, for one item: ``s`` attempts that reached it; for attempt ``a``,
``x_a`` its mark on the item, ``T_a`` the sum of its item marks and ``o_a = T_a - x_a`` its mark
on the rest of the test. ``mean``, ``var`` and ``cov`` are sample statistics (divide by
``s - 1``), as Moodle's are. An "item" is a standard question or one decision in a scenario
(``"scenario/scene"``); items an attempt never reached (another branch) are left out of that
item's figures, as Moodle leaves out random questions an attempt did not draw.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Literal
from typing import TypeAlias

from lti_tool.lazy_import import lazy_import

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_import("numpy")  # loaded when a statistics page is first shown


# Which attempts count, as Moodle's "Calculate statistics from" setting: the first, last or
# highest-scoring finished attempt of each user, or all finished attempts.
Selection: TypeAlias = Literal["first", "last", "highest", "all"]
FlagKind: TypeAlias = Literal["negative-discrimination", "low-efficiency", "popular-wrong-answer"]

# Moodle highlights a question as dubious when its discriminative efficiency is below 15%
# (statistics_table::is_dubious_question).
DUBIOUS_EFFICIENCY = 15.0
# Our rule, not Moodle's: a wrong answer chosen by at least this share of attempts is flagged.
POPULAR_WRONG_SHARE = 0.30
# Our rule: no flags from fewer attempts than this; with 3 attempts one pupil moves everything.
MIN_ATTEMPTS_FOR_FLAGS = 5
# Variances below this count as zero: float sums of equal marks can leave 1e-33 instead of 0.
_ZERO = 1e-12


class MixedQuizVersions(ValueError):
    """The attempts have different maximum totals: the quiz changed, so they can't be pooled."""


@dataclass(frozen=True)
class ItemResult:
    """One attempt's answer to one item: its mark, the item's maximum and what was chosen.

    ``correct`` is the quiz engine's verdict (critical decisions are marked by the author);
    when it is None, an answer is right only if it earned the item's maximum.
    """

    score: float
    max_score: float
    response: tuple[str, ...] = ()
    correct: bool | None = None

    @property
    def is_right(self) -> bool:
        """The engine's verdict, or full marks when there is none."""
        if self.correct is not None:
            return self.correct
        return self.score >= self.max_score


@dataclass(frozen=True)
class AttemptScores:
    """One attempt: who, which attempt, when it finished (None: still going) and its marks.

    ``total`` is the attempt's mark (Moodle's ``sumgrades``) and should equal the sum of the
    item scores; ``max_total`` is the most the quiz allows.
    """

    user_id: str
    attempt_no: int
    finished_at: datetime | None
    total: float
    max_total: float
    items: Mapping[str, ItemResult] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseShare:
    """How many attempts gave one answer (for multiple-response: one option) to an item."""

    response: tuple[str, ...]
    count: int
    share: float  # count / attempts that reached the item, 0 to 1
    correct: bool


@dataclass(frozen=True)
class ItemStats:
    """Moodle's statistics for one item. Percentages are 0 to 100; None comes with a reason.

    - ``facility`` = 100 · mean(x) / max: the average mark as a percentage of the maximum.
    - ``standard_deviation`` = 100 · sqrt(Σ(x_a - mean x)² / (s - 1)) / max.
    - ``discrimination_index`` = 100 · cov(x, o) / sqrt(var(x) · var(o)): the correlation
      between the item and the rest of the test; None if either variance is 0.
    - ``discriminative_efficiency`` = 100 · cov(x, o) / cov_max(x, o), where cov_max pairs the
      sorted x with the sorted o (the largest covariance these marks could have); None if 0.
    - ``effective_weight`` = 100 · sqrt(cov(x, T)) / Σ_items sqrt(cov(x_i, T)), over items with
      cov(x_i, T) ≥ 0; None for an item whose covariance with the total is negative.
    - ``options``: for each option, the attempts whose answer included it; ``responses``: each
      distinct whole answer, most common first.
    """

    item_id: str
    attempts: int
    max_score: float
    mean_score: float | None
    facility: float | None
    standard_deviation: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    effective_weight: float | None
    mark_variance: float | None  # var(x) in marks: feeds Cronbach's alpha
    options: tuple[ResponseShare, ...] = ()
    responses: tuple[ResponseShare, ...] = ()
    why_missing: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QuizStats:
    """Moodle's test statistics for the selected attempts; None comes with a reason.

    Marks are in quiz marks; the ``*_percent`` properties give them as a percentage of
    ``max_total``, as Moodle displays them. With ``d_a = T_a - mean`` and ``m_k = Σ d_a^k / s``:

    - ``standard_deviation`` = sqrt(Σ d_a² / (s - 1)) (needs s ≥ 2).
    - ``skewness`` = k3 / k2^(3/2) with k2 = s·m2/(s - 1), k3 = s²·m3 / ((s - 1)(s - 2))
      (needs s ≥ 3 and k2 > 0).
    - ``kurtosis`` = k4 / k2² with k4 = s²·((s + 1)·m4 - 3(s - 1)·m2²) / ((s - 1)(s - 2)(s - 3))
      (excess kurtosis: 0 for a normal distribution; needs s ≥ 4).
    - ``cic`` (coefficient of internal consistency, Cronbach's alpha, %) =
      100 · p/(p - 1) · (1 - Σ_items var(x_i) / k2), ``p`` items (needs s ≥ 3, p ≥ 2, k2 > 0).
    - ``error_ratio`` = 100 · sqrt(1 - cic/100) (%), and ``standard_error`` =
      error_ratio · standard_deviation / 100 (marks): the spread of marks due to chance.
    """

    selection: Selection
    attempts: int
    max_total: float | None
    mean: float | None
    median: float | None
    standard_deviation: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None
    why_missing: Mapping[str, str] = field(default_factory=dict)

    def percent(self, marks: float | None) -> float | None:
        """``marks`` as a percentage of the quiz's maximum."""
        if marks is None or not self.max_total:
            return None
        return 100 * marks / self.max_total

    @property
    def mean_percent(self) -> float | None:
        """The mean mark as a percentage of the maximum (Moodle's "Average grade")."""
        return self.percent(self.mean)

    @property
    def median_percent(self) -> float | None:
        """The median mark as a percentage of the maximum."""
        return self.percent(self.median)

    @property
    def standard_deviation_percent(self) -> float | None:
        """The standard deviation as a percentage of the maximum."""
        return self.percent(self.standard_deviation)

    @property
    def standard_error_percent(self) -> float | None:
        """The standard error as a percentage of the maximum."""
        return self.percent(self.standard_error)


@dataclass(frozen=True)
class ItemFlag:
    """An item a trainer should look at, and why, in plain words."""

    item_id: str
    kind: FlagKind
    reason: str


@dataclass(frozen=True)
class QuizReport:
    """Everything the quiz statistics page shows for one quiz."""

    quiz: QuizStats
    items: tuple[ItemStats, ...]
    flags: tuple[ItemFlag, ...]


def select_attempts(attempts: Iterable[AttemptScores], selection: Selection) -> list[AttemptScores]:
    """The finished attempts that count, ordered by user and attempt number.

    As Moodle: ``first`` and ``last`` are the lowest and highest attempt numbers among a user's
    finished attempts; ``highest`` is the highest total, the earlier attempt on a tie; ``all``
    keeps every finished attempt, each treated as if by a different person.
    """
    finished = sorted(
        (a for a in attempts if a.finished_at is not None),
        key=lambda a: (a.user_id, a.attempt_no),
    )
    if selection == "all":
        return finished
    by_user: dict[str, list[AttemptScores]] = {}
    for attempt in finished:
        by_user.setdefault(attempt.user_id, []).append(attempt)
    if selection == "first":
        return [mine[0] for mine in by_user.values()]
    if selection == "last":
        return [mine[-1] for mine in by_user.values()]
    if selection == "highest":
        return [min(mine, key=lambda a: (-a.total, a.attempt_no)) for mine in by_user.values()]
    raise ValueError(f"unknown attempt selection {selection!r}")


def item_statistics(attempts: Sequence[AttemptScores]) -> tuple[ItemStats, ...]:
    """Moodle's item statistics (see ``ItemStats``) over ``attempts``, items in first-seen order."""
    item_ids = list(dict.fromkeys(item for attempt in attempts for item in attempt.items))
    column = {item_id: j for j, item_id in enumerate(item_ids)}
    answers: list[Counter[tuple[tuple[str, ...], bool]]] = [Counter() for _ in item_ids]
    rows: list[int] = []
    cols: list[int] = []
    scores: list[float] = []
    tops: list[float] = []
    for row, attempt in enumerate(attempts):
        for item_id, result in attempt.items.items():
            j = column[item_id]
            rows.append(row)
            cols.append(j)
            scores.append(result.score)
            tops.append(result.max_score)
            answers[j][result.response, result.is_right] += 1
    marks = np.full((len(attempts), len(item_ids)), np.nan)  # NaN: the attempt never got here
    marks[rows, cols] = scores
    maxima = np.zeros(len(item_ids))
    np.maximum.at(maxima, cols, tops)
    reached = ~np.isnan(marks)
    sums = np.where(reached, marks, 0.0).sum(axis=1)  # T_a

    moments = [_item_moments(marks[reached[:, j], j], sums[reached[:, j]]) for j in column.values()]
    # Effective weights share out the sum of sqrt(cov(x_i, T)) over items with cov >= 0.
    root_sum = sum(math.sqrt(m.cov_total) for m in moments if m.cov_total and m.cov_total > 0)
    return tuple(
        _item_stats(item_id, float(maxima[j]), moments[j], root_sum, answers[j])
        for j, item_id in enumerate(item_ids)
    )


@dataclass(frozen=True)
class _Moments:
    s: int
    mean: float | None
    var: float | None  # var(x)
    var_other: float | None  # var(o)
    cov: float | None  # cov(x, o)
    cov_max: float | None  # sorted x against sorted o
    cov_total: float | None  # cov(x, T)


def _item_moments(x: np.ndarray, totals: np.ndarray) -> _Moments:
    s = len(x)
    if s == 0:
        return _Moments(0, None, None, None, None, None, None)
    mean = float(x.mean())
    if s == 1:
        return _Moments(1, mean, None, None, None, None, None)
    other = totals - x
    dx, do, dt = x - mean, other - other.mean(), totals - totals.mean()
    sorted_dx, sorted_do = np.sort(x) - mean, np.sort(other) - other.mean()
    n = s - 1
    return _Moments(
        s=s,
        mean=mean,
        var=float(dx @ dx) / n,
        var_other=float(do @ do) / n,
        cov=float(dx @ do) / n,
        cov_max=float(sorted_dx @ sorted_do) / n,
        cov_total=float(dx @ dt) / n,
    )


def _item_stats(
    item_id: str,
    max_score: float,
    m: _Moments,
    root_sum: float,
    answers: Counter[tuple[tuple[str, ...], bool]],
) -> ItemStats:
    why: dict[str, str] = {}
    facility = sd = di = de = weight = None
    if m.s == 0 or m.mean is None:
        why["facility"] = "No attempt reached this item."
    elif max_score > 0:
        facility = 100 * m.mean / max_score
    else:
        why["facility"] = "This item has no marks to earn."
    if m.s < 2 or m.var is None or m.var_other is None or m.cov is None:
        for name in ("standard_deviation", "discrimination_index", "discriminative_efficiency"):
            why[name] = "Needs at least two attempts that reached this item."
    else:
        if max_score > 0:
            sd = 100 * math.sqrt(m.var) / max_score
        if m.var < _ZERO:
            why["discrimination_index"] = why["discriminative_efficiency"] = (
                "Every attempt scored the same on this item, so it can't tell stronger "
                "answers from weaker ones."
            )
        elif m.var_other < _ZERO:
            why["discrimination_index"] = why["discriminative_efficiency"] = (
                "Every attempt scored the same on the rest of the quiz, so there is nothing "
                "to compare this item with."
            )
        else:
            di = 100 * m.cov / math.sqrt(m.var * m.var_other)
            if m.cov_max is not None and abs(m.cov_max) >= _ZERO:
                de = 100 * m.cov / m.cov_max
            else:
                why["discriminative_efficiency"] = "The marks leave no room to discriminate."
    if m.cov_total is None:
        why["effective_weight"] = "Needs at least two attempts that reached this item."
    elif m.cov_total < 0:
        why["effective_weight"] = "This item's marks go against the quiz total."
    elif root_sum > 0:
        weight = 100 * math.sqrt(m.cov_total) / root_sum
    else:
        why["effective_weight"] = "No item's marks vary with the quiz total."
    return ItemStats(
        item_id=item_id,
        attempts=m.s,
        max_score=max_score,
        mean_score=m.mean,
        facility=facility,
        standard_deviation=sd,
        discrimination_index=di,
        discriminative_efficiency=de,
        effective_weight=weight,
        mark_variance=m.var,
        options=_option_shares(answers),
        responses=_response_shares(answers),
        why_missing=why,
    )


def _option_shares(answers: Counter[tuple[tuple[str, ...], bool]]) -> tuple[ResponseShare, ...]:
    """Per option: attempts whose answer included it; ``correct`` if it was in a right answer."""
    counts: Counter[str] = Counter()
    in_right: set[str] = set()
    for (response, right), count in answers.items():
        for option in set(response):
            counts[option] += count
        if right:
            in_right.update(response)
    total = answers.total()
    return tuple(
        ResponseShare((option,), count, count / total, option in in_right)
        for option, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _response_shares(answers: Counter[tuple[tuple[str, ...], bool]]) -> tuple[ResponseShare, ...]:
    total = answers.total()
    return tuple(
        ResponseShare(response, count, count / total, right)
        for (response, right), count in sorted(answers.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def quiz_statistics(
    attempts: Sequence[AttemptScores], items: Sequence[ItemStats], selection: Selection = "all"
) -> QuizStats:
    """Moodle's test statistics (see ``QuizStats``) for already selected ``attempts``.

    ``items`` are their item statistics: Cronbach's alpha needs the item count and the sum of the
    item mark variances. Raises ``MixedQuizVersions`` if the attempts' maximum totals differ.
    """
    s = len(attempts)
    why: dict[str, str] = {}
    maxima = {round(a.max_total, 9) for a in attempts}
    if len(maxima) > 1:
        raise MixedQuizVersions(f"attempts have different maximum totals: {sorted(maxima)}")
    if s == 0:
        reason = "No finished attempts yet."
        names = ("mean", "median", "standard_deviation", "skewness", "kurtosis", "cic")
        missing = dict.fromkeys(names, reason)
        nothing = None
        return QuizStats(
            selection, 0, nothing, nothing, nothing, nothing, nothing, nothing, nothing, nothing,
            nothing, why_missing=missing,
        )
    totals = np.array([a.total for a in attempts], dtype=float)
    mean = float(totals.mean())
    median = float(np.median(totals))
    sd = skewness = kurtosis = cic = error_ratio = standard_error = None
    d = totals - mean
    power2, power3, power4 = float(np.sum(d**2)), float(np.sum(d**3)), float(np.sum(d**4))
    if s < 2:
        why["standard_deviation"] = "Needs at least two attempts."
    else:
        sd = math.sqrt(power2 / (s - 1))
    m2, m3, m4 = power2 / s, power3 / s, power4 / s
    k2 = s * m2 / (s - 1) if s > 1 else 0.0
    p = len(items)
    if s < 3:
        why["skewness"] = why["cic"] = "Needs at least three attempts."
    elif k2 < _ZERO:
        why["skewness"] = why["kurtosis"] = why["cic"] = (
            "Every attempt has the same total, so the spread of marks can't be described."
        )
    else:
        k3 = s * s * m3 / ((s - 1) * (s - 2))
        skewness = k3 / k2**1.5
        if s > 3:
            k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
            kurtosis = k4 / (k2 * k2)
        if p > 1:
            item_variance = sum(item.mark_variance or 0.0 for item in items)
            cic = (100 * p / (p - 1)) * (1 - item_variance / k2)
            if cic <= 100:  # Moodle gets NaN beyond 100 (possible with branching) and stores null
                error_ratio = 100 * math.sqrt(1 - cic / 100)
                standard_error = error_ratio * (sd or 0.0) / 100
            else:
                why["error_ratio"] = "Not defined when the internal consistency is above 100%."
        else:
            why["cic"] = "Needs at least two items."
    if s < 4 and "kurtosis" not in why:
        why["kurtosis"] = "Needs at least four attempts."
    for name in ("error_ratio", "standard_error"):
        if "cic" in why:
            why.setdefault(name, why["cic"])
        elif "error_ratio" in why:
            why.setdefault(name, why["error_ratio"])
    return QuizStats(
        selection=selection,
        attempts=s,
        max_total=maxima.pop(),
        mean=mean,
        median=median,
        standard_deviation=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        cic=cic,
        error_ratio=error_ratio,
        standard_error=standard_error,
        why_missing=why,
    )


def flag_items(
    items: Iterable[ItemStats],
    *,
    min_attempts: int = MIN_ATTEMPTS_FOR_FLAGS,
    popular_share: float = POPULAR_WRONG_SHARE,
) -> tuple[ItemFlag, ...]:
    """Items a trainer should review, each with a plain reason.

    Rules, for items reached by at least ``min_attempts`` attempts:

    - ``negative-discrimination``: discrimination index below 0 (attempts that did worse on the
      rest of the quiz did better here: the marked answer or the wording may be wrong).
    - ``low-efficiency``: otherwise, discriminative efficiency below 15%, the rule by which
      Moodle marks a question "dubious".
    - ``popular-wrong-answer``: a wrong whole answer given by at least ``popular_share`` (30%)
      of the attempts that reached the item: a misleading option or a common misconception.
      Attempts that recorded no answer (an empty response) are not an answer to flag.
    """
    flags: list[ItemFlag] = []
    threshold = popular_share - 1e-9  # 3 of 10 is 30% even if 3/10 rounds below 0.3
    for item in items:
        if item.attempts < min_attempts:
            continue
        di, de = item.discrimination_index, item.discriminative_efficiency
        if di is not None and di < 0:
            flags.append(ItemFlag(item.item_id, "negative-discrimination", (
                f"Mentors who did less well on the rest of the quiz did better on this one "
                f"(discrimination index {di:.0f}%). Check the marked answer and the wording."
            )))
        elif de is not None and de < DUBIOUS_EFFICIENCY:
            flags.append(ItemFlag(item.item_id, "low-efficiency", (
                f"This hardly separates mentors who understand from those who don't "
                f"(discriminative efficiency {de:.0f}%; Moodle flags items below "
                f"{DUBIOUS_EFFICIENCY:.0f}%). It may be too easy, too hard or unclear."
            )))
        for response in item.responses:
            if response.response and not response.correct and response.share >= threshold:
                answer = ", ".join(response.response)
                flags.append(ItemFlag(item.item_id, "popular-wrong-answer", (
                    f"{response.share:.0%} of attempts chose \"{answer}\", which is wrong. "
                    f"The option may mislead, or it is a common misunderstanding to discuss."
                )))
    return tuple(flags)


def analyse_quiz(attempts: Iterable[AttemptScores], selection: Selection = "first") -> QuizReport:
    """Select attempts, then compute item statistics, test statistics and flags.

    Moodle's default is the first attempt of each user: later attempts build on earlier ones
    and break the assumptions behind item analysis.
    """
    chosen = select_attempts(attempts, selection)
    items = item_statistics(chosen)
    return QuizReport(quiz_statistics(chosen, items, selection), items, flag_items(items))
