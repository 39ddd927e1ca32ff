"""Resident memory per gunicorn worker across many launches: its size, and whether it grows.

Launches run in steps (16 clients, returning pupils from a pool of 1000); after each step the
script reads VmRSS of every worker from /proc. The first step is the warm-up; growth is measured
from its end to the last step.

    .venv/bin/python bench/memory.py [--launches 10000] [--workers 4] [--max-seconds 900]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

WARM_UP = 1000


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    print("== Memory benchmark:", common.machine_note(), flush=True)
    platform = common.prepare_peerready()
    deadline = time.monotonic() + args.max_seconds
    done = failed = 0
    rows, samples = [], []
    with common.gunicorn("peerready", "wsgi:app", args.workers,
                         common.peerready_config(common.POSTGRES)) as server:
        rss = server.worker_rss_mb()
        rows.append([0, *(f"{mb:.1f}" for mb in rss)])
        step = WARM_UP
        while done < args.launches and time.monotonic() < deadline:
            count = min(step, args.launches - done)
            result = common.run_load(
                lambda n, first=done: common.launch(
                    server.base_url, platform, first + n, "Your peer mentor training"),
                args.clients, count, deadline - time.monotonic())
            done += result.done
            failed += result.failed
            rss = server.worker_rss_mb()
            samples.append((done, rss))
            rows.append([done, *(f"{mb:.1f}" for mb in rss)])
            print(f"   after {done} launches ({failed} failed, {result.rate:.0f}/s): "
                  + ", ".join(f"{mb:.1f}" for mb in rss) + " MB", flush=True)
    print()
    print(common.table(["launches", *(f"worker {n + 1} MB" for n in range(args.workers))], rows))
    warm, last = samples[0][1], samples[-1][1]
    figures = {
        "launches": done, "failed": failed, "max_rss_mb": max(last),
        "after_warm_up_mb": max(warm), "growth_mb": max(b - a for a, b in zip(warm, last, strict=True)),
    }
    print(f"\n   largest worker after {done} launches: {figures['max_rss_mb']:.1f} MB; "
          f"largest growth of one worker since the warm-up ({WARM_UP}): {figures['growth_mb']:.1f} MB")
    if done < args.launches:
        print(f"   stopped at the time limit ({args.max_seconds:.0f} s) after {done} launches")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
