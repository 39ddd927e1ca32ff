"""Time the trainer-analytics statistics on a course the size issue 8 sets as the target.

500 learners, 10,000 quiz attempts (20 each; 12 scenario decisions and 8 questions per attempt)
and 200,000 video events (raw played segments) over 8 videos. The dashboard's budget is 300 ms
for a whole course page; loading rows from the database is not timed here.

    .venv/bin/python bench/analytics_stats.py [--seed N] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from lti_tool.analytics.paths import DecisionAnswer
from lti_tool.analytics.paths import build_path_tree
from lti_tool.analytics.paths import common_paths
from lti_tool.analytics.paths import critical_error_rates
from lti_tool.analytics.quiz_stats import AttemptScores
from lti_tool.analytics.quiz_stats import ItemResult
from lti_tool.analytics.quiz_stats import analyse_quiz
from lti_tool.analytics.video_stats import rewatch_hot_spots
from lti_tool.analytics.video_stats import video_statistics
from modules.progress import merge_segments

LEARNERS = 500
ATTEMPTS = 10_000
VIDEO_EVENTS = 200_000
VIDEOS = 8
DECISIONS = 12  # scenario scenes per attempt (two branches: "a" or "b" routes)
QUESTIONS = 8
OPTIONS = ("a", "b", "c", "d")


Attempts = tuple[list[AttemptScores], list[list[str]], list[DecisionAnswer]]


def make_attempts(rng: random.Random) -> Attempts:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    attempts, routes, answers = [], [], []
    per_learner = ATTEMPTS // LEARNERS
    for learner in range(LEARNERS):
        ability = rng.random()
        for number in range(1, per_learner + 1):
            items: dict[str, ItemResult] = {}
            route: list[str] = []
            branch = "a"
            for step in range(DECISIONS):
                scene = f"s{step}{branch}"
                right = rng.random() < 0.35 + 0.6 * ability
                choice = "a" if right else rng.choice(OPTIONS[1:])
                points = 2.0 if right else 0.0
                items[f"scenario/{scene}"] = ItemResult(points, 2.0, (choice,), right)
                route.append(scene)
                if step % 3 == 0:
                    answers.append(DecisionAnswer(
                        (learner, number), "scenario", scene, (choice,), right, True
                    ))
                branch = "a" if right else "b"
            for question in range(QUESTIONS):
                right = rng.random() < 0.3 + 0.6 * ability
                choice = "a" if right else rng.choice(OPTIONS[1:])
                items[f"q{question}"] = ItemResult(float(right), 1.0, (choice,), right)
            total = sum(result.score for result in items.values())
            finished = start + timedelta(minutes=learner * per_learner + number)
            attempts.append(AttemptScores(
                f"user-{learner}", number, finished, total, DECISIONS * 2.0 + QUESTIONS, items
            ))
            routes.append(route)
    return attempts, routes, answers


def make_video_events(rng: random.Random) -> list[tuple[float, list[list[tuple[float, float]]]]]:
    per_viewer = VIDEO_EVENTS // (VIDEOS * LEARNERS)
    videos = []
    for _ in range(VIDEOS):
        duration = rng.choice([180.0, 300.0, 600.0, 900.0])
        viewers = []
        for _ in range(LEARNERS):
            position, segments = 0.0, []
            for _ in range(per_viewer):
                if rng.random() < 0.1:  # seek back to rewatch
                    position = max(0.0, position - rng.uniform(5, 30))
                length = rng.uniform(2, 2 * duration / per_viewer)
                segments.append((position, min(duration, position + length)))
                position = min(duration, position + length)
            viewers.append(segments)
        videos.append((duration, viewers))
    return videos


def timed(label: str, repeat: int, run: Callable[[], Any]) -> float:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        runs.append((time.perf_counter() - began) * 1000)
    best, median = min(runs), statistics.median(runs)
    print(f"{label:<58} median {median:8.1f} ms   best {best:8.1f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    attempts, routes, answers = make_attempts(rng)
    videos = make_video_events(rng)
    merged = [(d, [list(merge_segments(v, d)) for v in viewers]) for d, viewers in videos]
    events = sum(len(v) for _, viewers in videos for v in viewers)
    print(f"{LEARNERS} learners, {len(attempts)} attempts x {DECISIONS + QUESTIONS} items, "
          f"{len(answers)} critical answers, {events} video events over {VIDEOS} videos\n")

    quiz_first = timed("quiz: first attempts (Moodle default)", args.repeat,
                       lambda: analyse_quiz(attempts, "first"))
    quiz_all = timed("quiz: all 10,000 attempts", args.repeat,
                     lambda: analyse_quiz(attempts, "all"))
    paths = timed("paths: tree and common routes of 10,000 attempts", args.repeat,
                  lambda: common_paths(build_path_tree(routes), top=10))
    critical = timed("paths: critical decision error rates", args.repeat,
                     lambda: critical_error_rates(answers))
    video = timed("video: completion, coverage, drop-off (8 videos)", args.repeat,
                  lambda: [video_statistics(m, d) for d, m in merged])
    hot = timed("video: rewatch hot spots from 200,000 raw events", args.repeat,
                lambda: [rewatch_hot_spots(v, d) for d, v in videos])
    course = quiz_all + paths + critical + video + hot
    print(f"\nwhole course page, worst case (all attempts): {course:.1f} ms (budget 300 ms)")
    print(f"whole course page, first attempts:           {course - quiz_all + quiz_first:.1f} ms")


if __name__ == "__main__":
    main()
