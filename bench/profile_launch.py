"""Profile PeerReady's launch in-process (cProfile): where a launch's server time goes.

    .venv/bin/python bench/profile_launch.py [--launches 200] [--top 30]

It uses the benchmark database and Redis prefix, the Flask test client (no gunicorn, no
network), and the same three requests as ``bench/launch.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    from lti_tool import create_app

    platform = common.prepare_peerready()
    app = create_app(common.peerready_config(common.POSTGRES, for_app=True))
    base = "http://localhost"

    def one(number: int) -> None:
        client = app.test_client()
        login = client.post("/lti/login", data={
            "iss": platform.issuer, "login_hint": str(number), "target_link_uri": base + "/lti/launch",
            "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id,
        })
        assert login.status_code == 302, login.data
        query = parse_qs(urlsplit(login.headers["Location"]).query)
        claims = platform.claims(query["nonce"][0], sub=f"pupil-{number % common.USER_POOL}",
                                 target_link_uri=base + "/lti/launch")
        posted = client.post("/lti/launch", data={"id_token": common.sign(platform, claims),
                                                  "state": query["state"][0]})
        assert posted.status_code == 303, posted.data
        home = client.get(posted.headers["Location"])
        assert home.status_code == 200

    for n in range(20):
        one(n)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for n in range(args.launches):
        one(n)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.launches} launches in {elapsed:.2f} s: {elapsed / args.launches * 1000:.1f} ms each")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
