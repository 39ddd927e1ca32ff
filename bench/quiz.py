"""Quiz answer submits per second and latency, under gunicorn on PostgreSQL.

Pupils launch first (real launches) and start a scenario quiz. Then each client takes a free
pupil, reads the step page it is on (its step key, the form's CSRF token and the options) and
posts an answer: the first option, or positions 1..n for an ordering step. When an attempt
ends the pupil starts the next quiz. An answer is real work (scored by the engine, stored with
its xAPI statement, the attempt row locked), and a replayed or stale post would be a 409 that
does none of it, so every post must name the current step: that is why the client is Python
that reads the page, not wrk replaying one body. The rate counts answers per second of wall
time, each with the step page read before it (so it is a pupil's real cycle); the latencies
are the answer POST's alone.

    .venv/bin/python bench/quiz.py [--workers 2 4] [--clients 1 16] [--answers 1=150,16=600]
"""

from __future__ import annotations

import argparse
import json
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import requests  # noqa: E402

QUIZZES = ("confidentiality", "boundaries", "safeguarding-disclosures", "refresher")
MAX_SECONDS = 60


@dataclass
class Pupil:
    browser: requests.Session
    token: str
    quiz: int = 0
    attempt_url: str | None = None


def _form_field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    if not found:
        raise RuntimeError(f"no {name} on the step page")
    return unescape(found.group(1))


def _start(base: str, pupil: Pupil) -> None:
    """Start (or resume) the pupil's current quiz; move on to the next quiz if refused."""
    for _ in range(len(QUIZZES)):
        quiz_id = QUIZZES[pupil.quiz % len(QUIZZES)]
        listing = pupil.browser.get(f"{base}/mentor/quizzes", params={"s": pupil.token}, timeout=30)
        csrf = _form_field(listing.text, "csrf_token")
        started = pupil.browser.post(f"{base}/mentor/quizzes/{quiz_id}/start",
                                     params={"s": pupil.token}, data={"csrf_token": csrf},
                                     allow_redirects=False, timeout=30)
        if started.status_code == 303:
            pupil.attempt_url = base + started.headers["Location"]
            return
        pupil.quiz += 1
    raise RuntimeError("no quiz could be started")


def answer_once(base: str, pupil: Pupil, latencies: list[float], lock: threading.Lock) -> None:
    """Read the pupil's step page and post an answer; record the POST's latency."""
    if pupil.attempt_url is None:
        _start(base, pupil)
    assert pupil.attempt_url is not None
    page = pupil.browser.get(pupil.attempt_url, allow_redirects=False, timeout=30)
    if page.status_code == 303:  # finished: next quiz
        pupil.quiz += 1
        pupil.attempt_url = None
        _start(base, pupil)
        page = pupil.browser.get(pupil.attempt_url, allow_redirects=False, timeout=30)
    if page.status_code != 200:
        raise RuntimeError(f"step page answered {page.status_code}")
    form = re.search(r'<form method="post" action="([^"]+/answer[^"]*)"', page.text)
    if not form:
        raise RuntimeError("no answer form on the step page")
    data: dict[str, str | list[str]] = {"csrf_token": _form_field(page.text, "csrf_token"),
                                        "step_key": _form_field(page.text, "step_key")}
    positions = re.findall(r'name="(position-[^"]+)"', page.text)
    if positions:
        data.update({name: str(n) for n, name in enumerate(positions, 1)})
    else:
        options = re.findall(r'name="answer" id="[^"]*" value="([^"]+)"', page.text)
        if not options:
            raise RuntimeError("no options on the step page")
        data["answer"] = unescape(options[0])
    started = time.perf_counter()
    posted = pupil.browser.post(base + unescape(form.group(1)), data=data,
                                allow_redirects=False, timeout=30)
    elapsed = time.perf_counter() - started
    if posted.status_code != 303:
        raise RuntimeError(f"answer answered {posted.status_code}: {posted.text[:200]}")
    with lock:
        latencies.append(elapsed)


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--answers", default="1=150,16=600", help="answers per run, by clients")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    counts = {int(k): int(v) for k, v in (p.split("=") for p in args.answers.split(","))}
    print("== Quiz answer benchmark:", common.machine_note(), flush=True)
    platform = common.prepare_peerready()
    figures, rows = [], []
    for workers in args.workers:
        with common.gunicorn("peerready", "wsgi:app", workers,
                             common.peerready_config(common.POSTGRES)) as server:
            base = server.base_url
            pupils: queue.Queue[Pupil] = queue.Queue()
            for n in range(max(args.clients) * 2):
                browser = common.launch(base, platform, 6000 + workers * 100 + n,
                                        "Your peer mentor training")
                token = re.search(r"[?&]s=([^&]+)", browser.home_url).group(1)  # type: ignore[attr-defined,union-attr]
                pupils.put(Pupil(browser, token))
            for clients in args.clients:
                latencies: list[float] = []
                lock = threading.Lock()

                def operation(_: int, latencies: list[float] = latencies,
                              lock: threading.Lock = lock, base: str = base,
                              pupils: queue.Queue[Pupil] = pupils) -> None:
                    pupil = pupils.get()
                    try:
                        answer_once(base, pupil, latencies, lock)
                    finally:
                        pupils.put(pupil)

                cycles = common.run_load(operation, clients, counts.get(clients, 40 * clients),
                                         MAX_SECONDS)
                posts = common.Result(done=len(latencies), failed=cycles.failed,
                                      seconds=cycles.seconds, latencies=latencies)
                found = {"workers": workers, "clients": clients, "answers": posts.done,
                         "failed": cycles.failed, "rate": cycles.rate,
                         "p50": posts.percentile(50), "p99": posts.percentile(99)}
                figures.append(found)
                rows.append([workers, clients, posts.done, cycles.failed, found["rate"],
                             found["p50"], found["p99"]])
                for error in cycles.errors[:3]:
                    print(f"   error: {error}", flush=True)
                print(f"   {workers} workers, {clients:>2} clients: {found['rate']:.0f} answers/s, "
                      f"p99 {found['p99']:.0f} ms, failed {cycles.failed}", flush=True)
    print()
    print(common.table(["workers", "clients", "answers", "failed",
                        "answers/s (each with its page)", "answer p50 ms", "answer p99 ms"], rows))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
