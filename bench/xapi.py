"""xAPI forwarding: statements per second that PeerReady's outbox delivers to a real LRS (Ralph),
against posting the same statements straight to a Ralph LRS in the same batches.

Ralph's filesystem store reads its whole file on every POST, so it slows as it grows: each of
the four measured runs gets a fresh, empty Ralph, and they alternate (direct, outbox, outbox,
direct) so that other work on the machine falls on both ways alike. The statements are real ones:
PeerReady makes them from launches and the player's reports, then each is copied with a new id.

The outbox side is the delivery worker's own loop (``DeliveryWorker.run_once``, what
``flask xapi deliver`` runs) in this process, reading and marking items in PostgreSQL. As in
production, where the worker runs for weeks, one app and one worker serve every run (each
Ralph gets the same port), and a short untimed round of each way comes first: the timed runs
measure the steady rate, not a new process's first connections and compiled queries.

    .venv/bin/python bench/xapi.py [--statements 1000] [--batch 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import requests  # noqa: E402

PUPILS = 4
WARM_UP = 200  # statements sent each way, untimed, before the measured runs


def template_statements(platform: Any) -> list[dict[str, Any]]:
    """Statements PeerReady makes for launches and player reports (kept in its own store)."""
    from sqlalchemy import select

    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.models import StoredStatement

    app = create_app(common.peerready_config(common.POSTGRES, for_app=True))
    with common.gunicorn("peerready", "wsgi:app", 1,
                         common.peerready_config(common.POSTGRES)) as server:
        for pupil in range(PUPILS):
            browser = common.launch(server.base_url, platform, 7000 + pupil, "Your peer mentor training")
            token = browser.home_url.split("s=", 1)[1]  # type: ignore[attr-defined]
            events = [{"id": f"e{n}", "type": kind, "at": "2026-03-02T10:00:00Z", "position": n * 5}
                      for n, kind in enumerate(["played", "paused", "seeked", "played", "ended"])]
            posted = browser.post(
                f"{server.base_url}/mentor/modules/secondary-listening-well/progress",
                json={"player_session": f"p{pupil}", "segments": [[0, 40]], "events": events},
                headers={"X-PeerReady-Session": token}, timeout=30,
            )
            posted.raise_for_status()
    with app.app_context():
        found = [row.data for row in db.session.scalars(select(StoredStatement))]
        db.session.remove()
        db.engine.dispose()
    return found


def copies(templates: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [{**templates[n % len(templates)], "id": str(uuid.uuid4())} for n in range(count)]


def direct(lrs: Any, statements: list[dict[str, Any]], batch: int) -> float:
    """Post ``statements`` in batches straight to the LRS; return the seconds it took."""
    http = requests.Session()
    started = time.perf_counter()
    for start in range(0, len(statements), batch):
        response = http.post(lrs.url + "statements", data=json.dumps(statements[start:start + batch]),
                             auth=("peerready", "lrs-test-password"), timeout=60,
                             headers={"X-Experience-API-Version": "1.0.3",
                                      "Content-Type": "application/json"})
        response.raise_for_status()
    return time.perf_counter() - started


class OutboxWay:
    """One PeerReady app and delivery worker, kept for every outbox run (as a real worker is)."""

    def __init__(self, lrs_url: str, batch: int) -> None:
        from lti_tool import create_app
        from lti_tool.services import outbox

        self.app = create_app(common.peerready_config(
            common.POSTGRES, for_app=True, LRS_ENDPOINT=lrs_url, LRS_USERNAME="peerready",
            LRS_PASSWORD="lrs-test-password", LRS_ALLOW_HTTP=True, OUTBOX_BATCH_SIZE=batch))
        self.worker = outbox.DeliveryWorker(self.app)

    def __call__(self, lrs: Any, statements: list[dict[str, Any]], batch: int) -> float:
        """Queue ``statements`` in the outbox, then time the worker until each is delivered.

        ``batch`` is ignored (the worker's OUTBOX_BATCH_SIZE was set when it was made): the
        signature is ``direct``'s, so both ways run alike.
        """
        from sqlalchemy import delete
        from sqlalchemy import func
        from sqlalchemy import select

        from lti_tool.extensions import db
        from lti_tool.models import OutboxItem
        from lti_tool.services import outbox
        from lti_tool.services.xapi.endpoints import ENV_DESTINATION
        from lti_tool.services.xapi.recording import KIND

        with self.app.app_context():
            db.session.execute(delete(OutboxItem))
            for statement in statements:
                outbox.enqueue(db.session, kind=KIND, destination=ENV_DESTINATION,
                               item_id=statement["id"], payload={"statement": statement})
            db.session.commit()
            db.session.remove()
        started = time.perf_counter()
        while self.worker.run_once().handled:
            pass
        elapsed = time.perf_counter() - started
        with self.app.app_context():
            delivered = db.session.scalar(select(func.count()).select_from(OutboxItem)
                                          .where(OutboxItem.status == "delivered"))
            db.session.remove()
        if delivered != len(statements):
            raise RuntimeError(f"only {delivered} of {len(statements)} delivered")
        return elapsed


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50, help="OUTBOX_BATCH_SIZE, and the direct batch")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of direct, outbox, outbox, direct (each run a fresh Ralph)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from tests.support.ralph_lrs import RalphLrs

    print("== xAPI forwarding benchmark:", common.machine_note(), flush=True)
    platform = common.prepare_peerready()
    templates = template_statements(platform)
    statements = copies(templates, args.statements)
    print(f"   {len(templates)} distinct statements from {PUPILS} launches and reports, "
          f"sent as {len(statements)} with fresh ids, in batches of {args.batch}", flush=True)
    port = common.free_port()
    ways = {"direct": direct, "outbox": OutboxWay(f"http://127.0.0.1:{port}/xAPI/", args.batch)}

    def run(way: str, batch_of: list[dict[str, Any]]) -> tuple[float, int | None]:
        """``way`` with ``batch_of`` into a fresh, empty Ralph: seconds, statements read back."""
        with tempfile.TemporaryDirectory() as tmp:
            lrs = RalphLrs(Path(tmp), port=port)
            lrs.start()
            try:
                elapsed = ways[way](lrs, batch_of, args.batch)
                stored = len(lrs.statements(limit="1000")) if len(batch_of) <= 1000 else None
            finally:
                lrs.stop()
        return elapsed, stored

    warm_up = copies(templates, WARM_UP)
    for way in ways:
        run(way, warm_up)
    print(f"   warmed up: {WARM_UP} statements each way, not timed", flush=True)
    seconds: dict[str, list[float]] = {"direct": [], "outbox": []}
    round_ratios: list[float] = []
    for _ in range(args.rounds):
        this_round: dict[str, float] = {"direct": 0.0, "outbox": 0.0}
        for way in ("direct", "outbox", "outbox", "direct"):
            elapsed, stored = run(way, statements)
            seconds[way].append(elapsed)
            this_round[way] += elapsed
            print(f"   {way}: {len(statements) / elapsed:.0f} statements/s"
                  + (f" ({stored} read back from the LRS)" if stored is not None else ""),
                  flush=True)
        round_ratios.append(this_round["direct"] / this_round["outbox"])
    runs = 2 * args.rounds
    rates = {way: runs * len(statements) / sum(times) for way, times in seconds.items()}
    ratio = rates["outbox"] / rates["direct"]
    print()
    print(common.table(["way", "statements", "runs", "statements/s"],
                       [[way, len(statements), runs, rate] for way, rate in rates.items()]))
    print(f"\n   outbox / direct = {ratio:.2f} over all runs; per round "
          + ", ".join(f"{r:.2f}" for r in round_ratios))
    figures = {**rates, "ratio": ratio, "round_ratios": round_ratios,
               "statements": len(statements), "batch": args.batch}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
