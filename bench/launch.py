"""Complete LTI launches per second and latency: PeerReady against the bare pylti1p3 baseline.

A launch is what a pupil's click costs: the OIDC login POST (302 to the platform), the signed
id_token POST (303) and the first page (200). Both apps run under the same gunicorn (sync
workers, no access log) at the same time, and are measured alternately in one run (baseline,
PeerReady, PeerReady, baseline for every cell) so that other work on the machine falls on both.

Why a Python client and not wrk or Locust: every launch needs the nonce the login just issued
signed into a fresh RS256 id_token, which wrk's Lua cannot do; Locust would add gevent and a web
UI for a loop of three requests. The client's own CPU time is printed so that a saturated client
would show.

    .venv/bin/python bench/launch.py [--workers 2 4] [--clients 1 16] [--launches 1=150,16=600]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PEERREADY_PAGE = "Your peer mentor training"
BASELINE_PAGE = "Welcome, "
MAX_SECONDS = 60
WARM_UP = 30


def merged(first: common.Result, second: common.Result) -> common.Result:
    return common.Result(
        done=first.done + second.done, failed=first.failed + second.failed,
        seconds=first.seconds + second.seconds,
        client_cpu_seconds=first.client_cpu_seconds + second.client_cpu_seconds,
        latencies=first.latencies + second.latencies, errors=first.errors + second.errors,
    )


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--launches", default="1=150,16=600",
                        help="launches per run for each client count (each cell runs twice)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    counts = {int(k): int(v) for k, v in (p.split("=") for p in args.launches.split(","))}

    print("== Launch benchmark:", common.machine_note(), flush=True)
    platform = common.prepare_peerready()
    rows, figures = [], []
    for workers in args.workers:
        with common.gunicorn("baseline", "bench.baseline_app:app", workers,
                             common.baseline_env(platform)) as baseline, \
             common.gunicorn("peerready", "wsgi:app", workers,
                             common.peerready_config(common.POSTGRES)) as peerready:
            apps = {"baseline": (baseline, BASELINE_PAGE), "peerready": (peerready, PEERREADY_PAGE)}
            for server, page in apps.values():  # warm-up: imports, connections, caches
                common.run_load(lambda n, s=server, p=page: common.launch(s.base_url, platform, n, p),
                                4, WARM_UP, MAX_SECONDS)
            for clients in args.clients:
                total = counts.get(clients, 40 * clients)
                runs: dict[str, list[common.Result]] = {"baseline": [], "peerready": []}
                for name in ("baseline", "peerready", "peerready", "baseline"):
                    server, page = apps[name]
                    runs[name].append(common.run_load(
                        lambda n, s=server, p=page: common.launch(s.base_url, platform, n, p),
                        clients, total, MAX_SECONDS))
                base, ours = (merged(*runs[n]) for n in ("baseline", "peerready"))
                for name, result in (("baseline", base), ("peerready", ours)):
                    s = result.summary()
                    rows.append([workers, clients, name, result.done, result.failed, s["rate"],
                                 s["p50"], s["p95"], s["p99"],
                                 result.client_cpu_seconds / result.seconds * 100])
                    for error in result.errors[:3]:
                        print(f"   {name} error: {error}", flush=True)
                ratio = ours.rate / base.rate if base.rate else 0.0
                figures.append({"workers": workers, "clients": clients,
                                "baseline": base.summary(), "peerready": ours.summary(),
                                "ratio": ratio})
                print(f"   {workers} workers, {clients:>2} clients: PeerReady {ours.rate:.1f}/s "
                      f"vs baseline {base.rate:.1f}/s = {ratio:.2f}; PeerReady p99 "
                      f"{ours.percentile(99):.0f} ms", flush=True)
    print()
    print(common.table(["workers", "clients", "app", "launches", "failed", "launches/s",
                        "p50 ms", "p95 ms", "p99 ms", "client CPU %"], rows))
    print()
    print(common.table(["workers", "clients", "PeerReady/baseline throughput", "PeerReady p99 ms"],
                       [[f["workers"], f["clients"], f["ratio"], f["peerready"]["p99"]]  # type: ignore[index]
                        for f in figures]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
