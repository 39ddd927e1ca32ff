"""Print the summary table of a ``bench/run-all`` run from its JSON files, with each target."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main(folder: Path) -> None:
    rows = []
    launch = json.loads((folder / "launch.json").read_text())
    for cell in launch:
        ours = cell["peerready"]
        rows.append([f"launch, {cell['workers']} workers, {cell['clients']} clients",
                     f"{ours['rate']:.1f}/s (baseline {cell['baseline']['rate']:.1f}/s)",
                     f"{ours['p99']:.0f} ms", f"ratio {cell['ratio']:.2f}",
                     "met" if cell["ratio"] >= 0.8 else "missed"])
        if cell["clients"] == 16:
            rows.append([f"launch p99, {cell['workers']} workers, 16 clients", "", f"{ours['p99']:.0f} ms",
                         "< 100 ms", "met" if ours["p99"] < 100 else "missed"])
    for cell in json.loads((folder / "progress.json").read_text()):
        rows.append([f"progress post, {cell['workers']} workers, {cell['connections']} conn.",
                     f"{cell['rate']:.0f}/s", f"{cell['p99']:.0f} ms", f"{cell['failed']} failed", ""])
    quiz = folder / "quiz.json"
    for cell in json.loads(quiz.read_text()) if quiz.exists() else []:
        rows.append([f"quiz answer, {cell['workers']} workers, {cell['clients']} clients",
                     f"{cell['rate']:.0f}/s", f"{cell['p99']:.0f} ms", f"{cell['failed']} failed", ""])
    xapi = json.loads((folder / "xapi.json").read_text())
    rows.append([f"xAPI via outbox ({xapi['statements']} stmts, batch {xapi['batch']})",
                 f"{xapi['outbox']:.0f}/s (direct {xapi['direct']:.0f}/s)", "",
                 f"ratio {xapi['ratio']:.2f}", "met" if xapi["ratio"] >= 0.9 else "missed"])
    memory = json.loads((folder / "memory.json").read_text())
    rows.append([f"memory per worker after {memory['launches']} launches",
                 f"{memory['max_rss_mb']:.0f} MB", "", f"growth {memory['growth_mb']:.1f} MB",
                 "met" if memory["max_rss_mb"] < 150 else "missed"])
    print("\n== Summary")
    print(common.table(["measure", "rate", "p99", "against", "target"], rows))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results"))
