"""Benchmark the My progress page: a long history against a short one, and against /healthz over HTTP.

Not a pytest test; run it by hand:

    .venv/bin/python tests/benchmarks/bench_progress.py [--duration 5] [--repeat 3] [--connections 4]

It loads the shipped bank into a temporary SQLite database and gives two guests a history
(bulk inserts, tests/progress_history.py): one with 10 answers, one with 100,000 answers over
two years (10,000 attempts, the review log, study days, a card per question). Then:

  (1) in-process (Flask test client, no network): the median time of GET /progress for each
      user, and their ratio. Goal: the long history takes at most 1.5x the short one.
  (2) over HTTP, as bench_http.py does it (gunicorn sync workers, 2 x cores + 1, driven by wrk
      with the guest's signed session cookie): requests per second of /progress for the long
      history, and for the short one, as a share of /healthz's. Goal: at least 0.3x.

It needs `wrk` (Debian package `wrk`) for (2); without it, (1) still runs and it exits 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_http import (  # noqa: E402
    USER_AGENT,
    BenchError,
    Server,
    Taker,
    load_shipped_bank,
    lua_script,
    run_wrk,
    server_env,
)

GOAL_TIME_RATIO = 1.5  # long history / short history, at most
GOAL_RPS_RATIO = 0.3  # /progress over /healthz, at least


def populate(env: dict[str, str]) -> tuple[object, dict[str, int]]:
    """The app in this process on the benchmark's database, with the two users' histories."""
    os.environ.update(env)
    from quizapp import create_app
    from quizapp.clock import now
    from quizapp.extensions import db
    from quizapp.services.attempts import new_guest
    from tests.progress_history import insert_history

    app = create_app()
    with app.app_context():
        users = {"10 answers": new_guest(db.session).id, "100,000 answers": new_guest(db.session).id}
        started = time.perf_counter()
        insert_history(db.session, users["10 answers"], answers=10, days=1, now=now())
        insert_history(db.session, users["100,000 answers"], answers=100_000, days=730, now=now())
        db.session.commit()
        print(f"histories written in {time.perf_counter() - started:.1f} s")
    return app, users


def session_cookie(app: object, user_id: int) -> str:
    """The user's session cookie as a browser holds it after a first visit to /progress."""
    from quizapp.extensions import db
    from quizapp.models import User

    with app.app_context():
        token = db.session.get(User, user_id).get_id()
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": token})  # Flask-Login's session key
    # The first visit adds what a browser then sends back (the CSRF token, session protection's
    # mark): without it, every benchmarked response would sign the cookie again, which wrk,
    # never storing the new one, would make it do on every request.
    client = app.test_client()
    client.set_cookie("session", cookie)
    if client.get("/progress", headers={"User-Agent": USER_AGENT}).status_code != 200:
        raise BenchError("the first visit to /progress failed")
    stored = client.get_cookie("session")
    return stored.value if stored else cookie


def time_in_process(app: object, cookies: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Per user, the milliseconds of each GET /progress, interleaved so that drift hits both alike."""
    clients = {}
    for name, cookie in cookies.items():
        client = app.test_client()
        client.set_cookie("session", cookie)
        clients[name] = client
    times: dict[str, list[float]] = {name: [] for name in clients}
    for client in clients.values():  # warm-up
        for _ in range(3):
            assert client.get("/progress").status_code == 200
    for _ in range(rounds):
        for name, client in clients.items():
            started = time.perf_counter()
            response = client.get("/progress")
            times[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or b"Weakest facts" not in response.data:
                raise BenchError(f"in-process /progress for {name}: HTTP {response.status_code}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run (default 5)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="wrk runs per page; the median counts (default 3)"
    )
    parser.add_argument("--connections", type=int, default=4, help="wrk connections = threads (default 4)")
    parser.add_argument("--rounds", type=int, default=60, help="in-process requests per user (default 60)")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-progress-") as tmp:
        work = Path(tmp)
        env = server_env(f"sqlite:///{work / 'bench.sqlite3'}")
        print(f"bank: {load_shipped_bank(env)} (the shipped bank, into a temporary SQLite database)")
        app, users = populate(env)
        cookies = {name: session_cookie(app, user_id) for name, user_id in users.items()}

        times = time_in_process(app, cookies, args.rounds)
        medians = {name: statistics.median(values) for name, values in times.items()}
        ratio = medians["100,000 answers"] / medians["10 answers"]
        print(f"\n== (1) GET /progress in-process, median of {args.rounds} ==")
        for name, median in medians.items():
            print(f"{name:<18} {median:7.2f} ms")
        verdict = "met" if ratio <= GOAL_TIME_RATIO else "missed"
        print(f"ratio long/short: {ratio:.2f}x (goal <= {GOAL_TIME_RATIO}x: {verdict})")

        if shutil.which("wrk") is None:
            print("bench_progress.py needs wrk for (2): apt-get install -y wrk", file=sys.stderr)
            return 2
        workers = 2 * cores + 1
        server = Server(env, workers, work / "gunicorn.log")
        try:
            server.wait_ready()
            scripts = {}
            for name, cookie, path in (
                ("healthz", cookies["10 answers"], "/healthz"),
                ("10 answers", cookies["10 answers"], None),
                ("100,000 answers", cookies["100,000 answers"], None),
            ):
                # lua_script names its file by mode and path: each script is moved to a name of its own.
                script = lua_script(work, [Taker(cookie, "/progress")], "get", path)
                scripts[name] = script.rename(work / f"progress-{len(scripts)}.lua")
            for script in scripts.values():
                run_wrk(server.base, script, args.connections, 1)
            samples: dict[str, list[float]] = {name: [] for name in scripts}
            cookies_set = 0
            for round_ in range(args.repeat):
                for name, script in scripts.items():
                    sample = run_wrk(server.base, script, args.connections, args.duration)
                    samples[name].append(sample.rps)
                    cookies_set += sample.counts["cookies"]
                shown = ", ".join(f"{n} {s[-1]:.0f}" for n, s in samples.items())
                print(f"  round {round_ + 1}/{args.repeat}: requests/s {shown}", flush=True)
        finally:
            server.stop()
        if cookies_set:
            print(f"warning: {cookies_set} responses set a cookie (a session signed again)")
        rps = {name: statistics.median(values) for name, values in samples.items()}
        print(
            f"\n== (2) requests per second over HTTP: gunicorn {workers} sync workers, "
            f"wrk -t{args.connections} -c{args.connections} -d{args.duration:g}s, median of {args.repeat} =="
        )
        for name, value in rps.items():
            share = value / rps["healthz"]
            goal = (
                ""
                if name == "healthz"
                else f"  (goal >= {GOAL_RPS_RATIO}x: {'met' if share >= GOAL_RPS_RATIO else 'missed'})"
            )
            label = "/healthz" if name == "healthz" else f"/progress, {name}"
            print(f"{label:<28} {value:8.1f}  {share:5.2f}x{goal}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average now {load} on {cores} CPUs (wrk shares the machine with the server)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench_progress.py: {error}", file=sys.stderr)
        sys.exit(1)
