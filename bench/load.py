"""The vote-closing rush through the real stack, against its floor.

Starts, on this machine only (127.0.0.1): gunicorn (gthread workers) and one Celery worker on
a database of its own (the demo data, a participatory vote with 40 projects and 5,000
registered, confirmed voters, each with a session), Redis as broker. Then drives concurrent
clients with locust in headless mode (a maintained load tool whose users are plain Python and
whose per-request statistics — counts, percentiles, failures — are exactly what we report):

- residents cast a ballot and change it (half through the page form, half through the API;
  one in twenty first sends a ballot with too many projects, which must get its French 400);
- one user in ten is an agent loading the review queue, the convention list and the dashboard.

The floor: the same stack and the same clients, each resident request replaced by a minimal
authenticated view that inserts one row. Integrity: the ballots in the database equal the last
successful response of every voter, one per voter, none lost.

value = ballots/s accepted, reference = floor inserts/s (goal ratio ≥ 0.5), with p50/p95/p99
per kind of request, errors (goal 0) and the integrity check.

Two vote phases. The first drives the residents without any pause: it saturates the stack and
gives the throughput compared with the floor. At saturation a request's latency is mostly its
wait in the queue (Little's law: clients / throughput), so the latency goal (p95 ≤ 300 ms at 50
concurrent voters) is measured in a second phase with other voters of the same call who pause
BENCH_LOAD_PACE seconds on average (default 2) before each ballot, as people reading a page
do — still far above a real rush: 45 residents voting twice every few seconds is tens of
thousands of ballots an hour. Both phases are reported; the JSON line's ``p95_ballot_ms`` is
the paced one, ``p95_ballot_ms_saturated`` the other.

    python -m bench.load
    BENCH_LOAD_USERS=50 BENCH_LOAD_SECONDS=30 BENCH_LOAD_WORKERS=3 BENCH_LOAD_THREADS=4 \
        python -m bench.load
    DB_POOL=1 python -m bench.load        # psycopg connection pool in the web processes
    CONN_MAX_AGE=60 python -m bench.load  # persistent connections instead
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

from bench.harness import bench_database, emit

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = 40
VOTERS = int(os.environ.get("BENCH_LOAD_VOTERS", "5000"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
WORKERS = os.environ.get("BENCH_LOAD_WORKERS", "3")
THREADS = os.environ.get("BENCH_LOAD_THREADS", "4")
PACE = os.environ.get("BENCH_LOAD_PACE", "2")
BALLOT_ROWS = ("ballot (API)", "ballot (page)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(work: Path, host: str) -> dict:
    """The demo, then 40 projects on the open vote and 5,000 confirmed voters with sessions."""
    from django.conf import settings
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from backoffice.core.models import User
    from funds.models import BallotStyle, Call, CallKind, CallPhase, Voter
    from funds.voting.demo import _project

    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    call = Call.objects.get(kind=CallKind.PARTICIPATORY, phase=CallPhase.VOTE)
    Call.objects.filter(pk=call.pk).update(ballot_style=BallotStyle.APPROVAL, min_choices=1,
                                           max_choices=3)
    agent = User.objects.get(email="agent@demo.local")
    for number in range(call.applications.count(), PROJECTS):
        _project(call, None, agent, f"Projet de quartier n° {number + 1}", Decimal("9000.00"),
                 "Un projet proposé par les habitants.")
    projects = sorted(call.applications.values_list("pk", flat=True))
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"habitant{i}@bench.example", first_name="Habitant", last_name=f"N{i}",
             password="!", is_active=True) for i in range(VOTERS))
    Voter.objects.bulk_create(
        Voter(call=call, user=user, email=user.email, first_name=user.first_name,
              last_name=user.last_name, birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i),
              resident=True, verified_at=now) for i, user in enumerate(users))
    backend = next((b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")),
                   settings.AUTHENTICATION_BACKENDS[0])
    store = SessionStore()
    expire = now + dt.timedelta(days=1)

    def session_for(user) -> Session:
        return Session(session_key=secrets.token_hex(16), expire_date=expire,
                       session_data=store.encode({SESSION_KEY: str(user.pk),
                                                  "_auth_user_backend": backend,
                                                  HASH_SESSION_KEY: user.get_session_auth_hash()}))

    voter_sessions = Session.objects.bulk_create(session_for(user) for user in users)
    agents = [session_for(agent) for _ in range(5)]
    Session.objects.bulk_create(agents)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, user_id bigint, "
                       "at timestamptz NOT NULL)")
    data = {"host": host, "call": call.pk, "projects": projects, "max": 3,
            "csrf": secrets.token_hex(16),
            "voters": [{"voter": str(u.pk), "session": s.session_key}
                       for u, s in zip(users, voter_sessions, strict=True)],
            "agents": [s.session_key for s in agents],
            "vote_url": reverse("funds:vote", args=[call.pk]),
            "queue_url": reverse("funds:review-queue", args=[
                Call.objects.filter(kind=CallKind.INITIATIVES).order_by("pk").first().pk])}
    path = work / "data.json"
    path.write_text(json.dumps(data))
    return data


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(log, "wb"),  # noqa: SIM115
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def run_locust(mode: str, work: Path, env: dict, host: str, *, label: str | None = None,
               pace: str = "0", offset: int = 0) -> tuple[dict, dict]:
    prefix = work / (label or mode)
    out = work / f"{label or mode}-out.json"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_locustfile.py"),
         "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{SECONDS}s",
         "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
         "--loglevel", "WARNING"],
        cwd=ROOT, check=False, timeout=SECONDS + 120,
        env={**env, "LOAD_DATA": str(work / "data.json"), "LOAD_MODE": mode,
             "LOAD_OUT": str(out), "LOAD_PACE": pace, "LOAD_VOTER_OFFSET": str(offset)})
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows, json.loads(out.read_text()) if out.exists() else {}


def figures(row: dict) -> dict:
    return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "per_s": round(float(row["Requests/s"]), 2),
            "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"])}


def integrity(call_pk: int, last_success: dict) -> dict:
    from funds.models import Ballot

    stored = dict(Ballot.objects.filter(call_id=call_pk, voter__user__email__endswith=
                                        "@bench.example").values_list("voter__user_id",
                                                                      "choices"))
    lost = [v for v in last_success if int(v) not in stored]
    different = [v for v, choices in last_success.items()
                 if int(v) in stored and sorted(stored[int(v)]) != sorted(choices)]
    unexpected = [v for v in stored if str(v) not in last_success]
    return {"ballots": len(stored), "successful_voters": len(last_success), "lost": len(lost),
            "different": len(different), "without_success": len(unexpected)}


def main() -> None:
    with bench_database() as connection:
        from django.conf import settings

        port = _free_port()
        host = f"http://127.0.0.1:{port}"
        work = Path(tempfile.mkdtemp(prefix="bench-load-"))
        started = time.perf_counter()
        data = seed(work, host)
        print(f"# seeded {len(data['voters'])} voters, {len(data['projects'])} projects in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        db = settings.DATABASES["default"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.load_settings",
               "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/"
                               f"{connection.settings_dict['NAME']}",
               "REDIS_URL": settings.REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "0",
               "MEDIA_ROOT": str(work / "media"),
               "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
        connection.close()
        web = start([sys.executable, "-m", "gunicorn", "backoffice.wsgi", "-b",
                     f"127.0.0.1:{port}", "-w", WORKERS, "-k", "gthread", "--threads",
                     THREADS, "--timeout", "60",
                     # as behind the reverse proxy, whose upstream connections stay open:
                     # gunicorn's 2 s default would close them under paced clients' feet
                     "--keep-alive", "75"], env, work / "gunicorn.log")
        worker = start([sys.executable, "-m", "celery", "-A", "backoffice", "worker",
                        "--concurrency=1", "--without-gossip", "--without-mingle",
                        "--without-heartbeat", f"--hostname=bench-load-{os.getpid()}@%h"],
                       env, work / "worker.log")
        try:
            wait_http(f"{host}/healthz")
            floor_rows, _ = run_locust("floor", work, env, host)
            vote_rows, out = run_locust("vote", work, env, host)
            paced_rows, paced_out = run_locust("vote", work, env, host, label="vote-paced",
                                               pace=PACE, offset=out.get("voters_taken", 0))
        finally:
            stop(web)
            stop(worker)
        floor = figures(floor_rows["floor insert"])
        kinds = {name: figures(row) for name, row in vote_rows.items() if name != "Aggregated"}
        ballots_per_s = sum(kinds[n]["per_s"] * (1 - kinds[n]["failures"] /
                                                 max(kinds[n]["requests"], 1))
                            for n in BALLOT_ROWS if n in kinds)
        p95_saturated = max(kinds[n]["p95_ms"] for n in BALLOT_ROWS if n in kinds)
        paced = {name: figures(row) for name, row in paced_rows.items() if name != "Aggregated"}
        p95 = max(paced[n]["p95_ms"] for n in BALLOT_ROWS if n in paced)
        errors = sum(k["failures"] for k in [*kinds.values(), *paced.values()])
        check = integrity(data["call"], {**out.get("last_success", {}),
                                         **paced_out.get("last_success", {})})
        print(f"# floor: {floor}", flush=True)
        for name, row in sorted(kinds.items()):
            print(f"# saturated, {name}: {row}", flush=True)
        for name, row in sorted(paced.items()):
            print(f"# paced ({PACE} s), {name}: {row}", flush=True)
        print(f"# integrity: {check}; refused as expected: {out.get('refused')}, "
              f"{paced_out.get('refused')}", flush=True)
        print(f"# logs in {work}", flush=True)
        emit("load_vote_rush", value=ballots_per_s, unit="ballots/s", reference=floor["per_s"],
             users=USERS, seconds=SECONDS, workers=int(WORKERS), threads=int(THREADS),
             p95_ballot_ms=p95, p95_ballot_ms_saturated=p95_saturated, pace_s=float(PACE),
             errors=errors, integrity_ok=(check["lost"] == 0 and
                                                             check["different"] == 0
                                                             and check["without_success"] == 0),
             integrity=check, kinds=kinds, paced=paced, floor=floor)


if __name__ == "__main__":
    main()
