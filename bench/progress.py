"""Video progress posts per second and latency, with wrk (Debian's ``wrk``) against gunicorn.

Sixteen pupils launch first (real launches); then wrk posts the player's progress reports, each
with a new segment and a new event id (a Lua counter), round-robin over the pupils' session
tokens, for a bounded time. Quiz answer submits are in ``bench/quiz.py`` (they must name the
current step, so a Python client reads each step page first).

    .venv/bin/python bench/progress.py [--workers 2 4] [--connections 1 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

MODULE = "secondary-listening-well"  # 86.4 s long
PUPILS = 16
LUA = r"""
local tokens = {TOKENS}
local counter = 0
local thread_id = 0
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end
request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local start = (counter * 5) % 80
  local id = string.format("t%d-e%d", thread_id, counter)
  local body = string.format(
    '{"player_session":"bench-%d","segments":[[%d,%d]],"events":[{"id":"%s","type":"paused","at":"2026-03-02T10:00:00Z","position":%d}]}',
    thread_id, start, start + 5, id, start + 5)
  return wrk.format("POST", "/mentor/modules/MODULE/progress",
    {["Content-Type"] = "application/json", ["X-PeerReady-Session"] = token}, body)
end
"""


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, the latency percentiles (ms) and the failures from wrk --latency."""
    def ms(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    requests_done = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": ms("50"), "p90": ms("90"), "p99": ms("99"), "requests": requests_done,
        "failed": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in errors.groups()) if errors else 0),
    }


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    print("== Progress-post benchmark:", common.machine_note(), flush=True)
    platform = common.prepare_peerready()
    figures, rows = [], []
    for workers in args.workers:
        with common.gunicorn("peerready", "wsgi:app", workers,
                             common.peerready_config(common.POSTGRES)) as server, \
             tempfile.TemporaryDirectory() as tmp:
            tokens = []
            for pupil in range(PUPILS):
                browser = common.launch(server.base_url, platform, 5000 + pupil,
                                        "Your peer mentor training")
                tokens.append(re.search(r"[?&]s=([^&]+)", browser.home_url).group(1))  # type: ignore[attr-defined,union-attr]
            script = Path(tmp) / "progress.lua"
            script.write_text(LUA.replace("{TOKENS}", "{" + ",".join(json.dumps(t) for t in tokens)
                                          + "}").replace("MODULE", MODULE))
            for connections in args.connections:
                threads = min(connections, 2)
                command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{args.seconds}s",
                           "--timeout", "10s", "--latency", "-s", str(script), server.base_url]
                run = subprocess.run(command, capture_output=True, text=True,
                                     timeout=args.seconds + 30, check=True)
                found = parse_wrk(run.stdout)
                figures.append({"workers": workers, "connections": connections, **found})
                rows.append([workers, connections, found["requests"], found["failed"],
                             found["rate"], found["p50"], found["p90"], found["p99"]])
                print(f"   {workers} workers, {connections:>2} connections: {found['rate']:.0f}/s, "
                      f"p99 {found['p99']:.0f} ms, failed {found['failed']}", flush=True)
    print()
    print(common.table(["workers", "connections", "posts", "failed", "posts/s", "p50 ms",
                        "p90 ms", "p99 ms"], rows))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
