"""The paths tree and critical-decision error rates on routes small enough to count by eye."""

from __future__ import annotations

from lti_tool.analytics.paths import DecisionAnswer
from lti_tool.analytics.paths import build_path_tree
from lti_tool.analytics.paths import common_paths
from lti_tool.analytics.paths import critical_error_rates

# Five attempts at "friend-request": request -> upset -> end-good (3 attempts),
# request -> end-blurred (1), and one attempt still at request -> upset.
ROUTES = [
    ["request", "upset", "end-good"],
    ["request", "end-blurred"],
    ["request", "upset", "end-good"],
    ["request", "upset"],
    ["request", "upset", "end-good"],
]


def test_path_tree_counts_attempts_through_each_scene() -> None:
    tree = build_path_tree(ROUTES)
    assert (tree.scene_id, tree.count, tree.ended) == ("", 5, 0)
    [request] = tree.children
    assert (request.scene_id, request.count, request.ended) == ("request", 5, 0)
    # 4 of 5 went on to "upset" (80%), 1 of 5 to "end-blurred" (20%): most taken first.
    upset, blurred = request.children
    assert (upset.scene_id, upset.count, upset.share(request)) == ("upset", 4, 0.8)
    assert (blurred.scene_id, blurred.count, blurred.share(request)) == ("end-blurred", 1, 0.2)
    # Of the 4 at "upset", 1 stopped there (in progress) and 3 reached "end-good".
    assert upset.ended == 1
    assert [(c.scene_id, c.count, c.ended) for c in upset.children] == [("end-good", 3, 3)]


def test_common_paths_lists_whole_routes_most_taken_first() -> None:
    paths = common_paths(build_path_tree(ROUTES))
    assert [(p.scenes, p.count, p.share) for p in paths] == [
        (("request", "upset", "end-good"), 3, 0.6),  # 3 of 5
        (("request", "end-blurred"), 1, 0.2),  # ties sorted by route
        (("request", "upset"), 1, 0.2),
    ]
    assert len(common_paths(build_path_tree(ROUTES), top=1)) == 1


def test_same_scene_reached_by_different_routes_is_two_nodes() -> None:
    tree = build_path_tree([["a", "b", "end"], ["a", "c", "b", "end"]])
    [a] = tree.children
    assert sorted(child.scene_id for child in a.children) == ["b", "c"]


def test_no_attempts_gives_an_empty_tree() -> None:
    tree = build_path_tree([])
    assert (tree.count, tree.children) == (0, ())
    assert common_paths(tree) == ()


def answer(
    attempt: int, scene: str, choice: str, correct: bool, critical: bool = True
) -> DecisionAnswer:
    return DecisionAnswer(attempt, "friend-request", scene, (choice,), correct, critical)


def test_critical_error_rate_counts_each_attempts_first_answer() -> None:
    answers = [
        answer(1, "request", "kind-no", True),
        answer(2, "request", "accept", False),
        answer(3, "request", "ignore", False),
        answer(4, "request", "accept", False),
        answer(4, "request", "kind-no", True),  # the same attempt back round a loop: ignored
        answer(1, "upset", "explain-rule", True, critical=False),  # not critical: ignored
        answer(1, "meet-up", "tell-adult", True),
        answer(2, "meet-up", "tell-adult", True),
    ]
    by_scene = {s.scene_id: s for s in critical_error_rates(answers)}
    assert set(by_scene) == {"request", "meet-up"}
    request = by_scene["request"]
    # 4 attempts answered first; 3 wrong (accept, ignore, accept): 3/4 = 75%.
    assert (request.answered, request.wrong, request.error_rate) == (4, 3, 0.75)
    # "accept" 2 of 4 attempts (50%), "ignore" 1 of 4 (25%).
    assert [(r.response, r.count, r.share) for r in request.wrong_responses] == [
        (("accept",), 2, 0.5),
        (("ignore",), 1, 0.25),
    ]
    assert by_scene["meet-up"].error_rate == 0.0
    # Worst decision first.
    assert critical_error_rates(answers)[0].scene_id == "request"
