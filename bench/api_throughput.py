"""Benchmark (issue 4): API throughput under gunicorn, production settings, PostgreSQL.

    .venv/bin/python bench/api_throughput.py [--rounds 3] [--profile] [--reset] [--redis URL]
        [--quick]

--quick: one short round and a 20,000-event "large" history (bench/run.py --quick: shows the
bench works, not the goals). The figures with their goals are printed as `BENCH_RESULT {json}`
lines, which bench/run.py (`make bench`) collects.

In one run, on the same gunicorn (2 sync workers, DJANGO_DEBUG=false) and PostgreSQL, with
wrk (16 connections, 2 threads, loopback), requests/s of
  (a) GET /bench/bare/                       a bare Django view returning a small JSON object
  (b) GET /bench/stock/?limit=100            stock DRF ListAPIView + ModelSerializer +
                                             select_related (bench/urls.py)
  (c) GET /api/v1/commitments/?limit=100
  (d) (c) with a matching If-None-Match      (checked to answer 304 before and after)
and of GET /api/v1/changes/?limit=100 from the start and from a cursor near the end of a
history of 1,000 events and of 1,000,000 events (a second gunicorn on a second database; the
two alternate). Every page holds 100 rows (checked before measuring).

The machine may be shared: each figure is measured in --rounds rounds (3 s each; 2 s for the
feed; a 2 s warm-up before the first), the best round counts, every round is shown, and the
CPU used meanwhile by processes outside the benchmark is measured and shown ("other"). Before
each round the script waits for that to drop, and a round it disturbed (> 0.2 cores) is run
once more, both within --quiet-budget seconds in all.

(a) and (b) are served by a bench-only URLconf (bench/settings.py, bench/urls.py); every
request carries the same `Authorization: Bearer` read token (an api_client user). Beside the
wrk figures, each endpoint is also run in-process (Django's test client, same settings): SQL
queries per request and where the time goes (perf_counter around the main steps); --profile
also writes a cProfile per endpoint.

Databases (created, migrated and seeded on first use, reused afterwards; --reset drops them):
  BENCH_API_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/tracker_bench_api
      seed_demo (134 commitments, 727 events), history topped up to 1,000 events
  <the same>_1m
      the same, history topped up to 1,000,000 events (about 35 s, on first use)
The extra events are copies of the demo's own events (the same mix of actions), bulk-inserted
with SQL (INSERT ... SELECT generate_series): their hashes are placeholders, not a valid chain,
which does not matter for reading the feed (verify_audit would report them). The bench user's
token is issued once per database (create_api_token) and kept in bench/results/.token-*.

Plain http on loopback: DJANGO_SECURE_SSL_REDIRECT=false (TLS would sit in a proxy). No
REDIS_URL: the throttle counts in each worker's local-memory cache. API_THROTTLE_RATE is
100000000/min, so that the bench's one token is never refused (the throttle, a fixed-window
counter, costs one cache increment per request whatever the rate). AUDIT_HEAD_WATCH is on, as
in production: each worker keeps the audit chain's head (which list ETags name) from
PostgreSQL's notifications, on one more connection of its own.

Needs wrk (Debian: apt-get install wrk) and curl.

Raw wrk outputs, server logs, EXPLAIN ANALYZE plans and a summary go to
bench/results/api-<timestamp>/ (git-ignored).
"""

import argparse
import base64
import contextlib
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tracker_bench_api"
BENCH_USER = "bench-api"
SMALL_HISTORY = 1_000
LARGE_HISTORY = 1_000_000
PAGE = 100


def bench_env(database_url: str, throttle_rate: str, redis_url: str = "") -> dict[str, str]:
    """Production settings, as the environment gives them to tracker/settings.py: without
    Redis (each gunicorn worker caches for itself, and reads API tokens from the database at
    every request, so a revocation applies at once), or with `redis_url` as the shared cache
    (tokens cached 30 s, revocation deletes the entry), as production runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=os.environ.get(
            "BENCH_SECRET_KEY", "bench-api-throughput-0b7c1e5f9a2d4c68a1e3f5b7d9c2e4a6"
        ),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        # Production refuses to start without them; throwaway keys, this run's only.
        AUDIT_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        WEBHOOK_SECRET_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        DATABASE_URL=database_url,
        DJANGO_CONN_MAX_AGE="60",
        DJANGO_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        DJANGO_LOG_LEVEL="WARNING",
        API_THROTTLE_RATE=throttle_rate,
        PYTHONPATH=str(ROOT),
    )
    return env


# Databases ---------------------------------------------------------------------------------


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def admin_connection():
    import psycopg

    return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)


def ensure_database(url: str, reset: bool) -> None:
    name = db_name(url)
    with admin_connection() as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            c.execute(f'CREATE DATABASE "{name}"')


# Preparation: runs in a subprocess per database (Django set up on that database) -----------

FILL_SQL = """
INSERT INTO commitments_auditevent (
    sequence, occurred_at, actor_id, actor_name, action, object_type, object_id,
    commitment_id, update_id, effective_date, before, after, reason, request_id,
    prev_hash, hash)
SELECT %(start)s + g, now() + g * interval '1 millisecond', t.actor_id, t.actor_name,
       t.action, t.object_type, t.object_id, t.commitment_id, t.update_id, t.effective_date,
       t.before, t.after, t.reason, 'bench',
       'bench' || lpad((%(start)s + g - 1)::text, 59, '0'),
       'bench' || lpad((%(start)s + g)::text, 59, '0')
FROM generate_series(1, %(n)s) AS g
JOIN commitments_auditevent AS t ON t.sequence = 1 + (g - 1) %% %(templates)s
"""


def fill_history(target: int) -> str:
    """Top the history up to `target` events with copies of the first (demo) events."""
    from django.db import connection

    from commitments.models import AuditEvent
    from tests.audit_table import triggers_off

    count = AuditEvent.objects.count()
    if count >= target:
        return f"{count:,} events (no insert)"
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    templates = min(count, 727)  # seed_demo writes 727 events: its mix of actions
    t = time.perf_counter()
    # The copies carry made-up hashes, which the chain's INSERT trigger refuses: the bench
    # owns its database and lifts that refusal for its fill (the history is for load only;
    # verify_audit is measured by bench/verify_audit.py on a valid chain).
    with triggers_off("audit_event_continues_chain"), connection.cursor() as cursor:
        # One statement per 200,000 rows keeps each transaction's memory small.
        done = 0
        while done < target - count:
            n = min(200_000, target - count - done)
            cursor.execute(FILL_SQL, {"start": last + done, "n": n, "templates": templates})
            done += n
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE commitments_auditevent")
    return f"inserted {target - count:,} events in {time.perf_counter() - t:.1f} s (SQL)"


def ensure_token() -> str:
    """The bench user's read token, issued once per database with create_api_token and kept
    in bench/results/ (git-ignored) so that re-runs add nothing to the history."""
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import ApiToken, User
    from accounts.services import api_token_hash

    if not User.objects.filter(username=BENCH_USER).exists():
        call_command("create_user", BENCH_USER, "--role", "api_client", stdout=io.StringIO())
    keep = RESULTS / f".token-{settings.DATABASES['default']['NAME']}"
    if keep.exists():
        key = keep.read_text().strip()
        token = ApiToken.objects.filter(key_hash=api_token_hash(key)).first()
        if token is not None and token.is_usable(timezone.now()):
            return key
    out = io.StringIO()
    call_command("create_api_token", BENCH_USER, "--scope", "read", "--name", "bench", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    RESULTS.mkdir(parents=True, exist_ok=True)
    keep.write_text(key + "\n")
    return key


def feed_queryset(start: int):
    from commitments.audit import CHANGE_ACTIONS
    from commitments.models import AuditEvent

    return (
        AuditEvent.objects.filter(sequence__gt=start, action__in=CHANGE_ACTIONS)
        .order_by("sequence")
        .values_list(
            "sequence", "action", "occurred_at", "object_type", "object_id", "after", "before"
        )[: PAGE + 1]
    )


# Where the time goes: these functions are timed (perf_counter around each call) during 100
# in-process requests per endpoint; "other" is the rest (middleware, DRF request and response
# handling, building the page's dicts, the test client). The app is being worked on: a target
# that no longer exists is skipped.
TIMERS = [
    (
        "authentication, incl. its query",
        "accounts.authentication:BearerTokenAuthentication.authenticate",
    ),
    ("permission check", "rest_framework.views:APIView.check_permissions"),
    ("throttle", "rest_framework.views:APIView.check_throttles"),
    ("filter backend (django-filter)", "rest_framework.generics:GenericAPIView.filter_queryset"),
    ("ETag: aggregate, incl. its query", "commitments.api.http:ConditionalMixin.list_validators"),
    ("ETag: the audit chain head, incl. query", "commitments.audit:head"),
    ("page: count? + query + rows", "rest_framework.generics:GenericAPIView.paginate_queryset"),
    ("serializer .data (per row)", "rest_framework.serializers:ListSerializer.data"),
    ("cursor signing (per row)", "commitments.api.views:cursor_for"),
    ("rendering (the default renderer)", "@renderer"),
]


SQL_VIEW = "SQL run by the view itself"
OTHER = "other: middleware, DRF plumbing, building rows, test client"


@contextlib.contextmanager
def timers():
    """Wraps the TIMERS functions; yields {label: [seconds, calls]}, where "depth" counts the
    timed calls in progress (SQL outside them is told apart)."""
    import importlib

    spent: dict = {label: [0.0, 0] for label, _ in TIMERS}
    spent["depth"] = 0
    undo = []

    def timed(label, func):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            spent["depth"] += 1
            try:
                return func(*a, **kw)
            finally:
                spent["depth"] -= 1
                spent[label][0] += time.perf_counter() - t
                spent[label][1] += 1

        return wrapper

    from django.conf import settings

    for label, target in TIMERS:
        if target == "@renderer":  # whichever class REST_FRAMEWORK names first
            path = settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"][0]
            target = "{}:{}.render".format(*path.rsplit(".", 1))
        module_name, _, attr = target.partition(":")
        owner = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        original = getattr(owner, "__dict__", {}).get(name)
        if original is None:
            continue
        if isinstance(original, property):
            wrapped = property(timed(label, original.fget))
        else:
            wrapped = timed(label, original)
        setattr(owner, name, wrapped)
        undo.append((owner, name, original))
    try:
        yield spent
    finally:
        for owner, name, original in undo:
            setattr(owner, name, original)


def timed_loop(client, path: str, headers: dict, n: int) -> tuple[float, dict, list]:
    """n requests with the TIMERS and every SQL query timed: (seconds, spent, queries)."""
    from django.db import connection

    queries: list[tuple[str, float, bool]] = []
    with timers() as spent:

        def record(execute, sql, params, many, context):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((sql, time.perf_counter() - t, spent["depth"] == 0))

        with connection.execute_wrapper(record):
            t = time.perf_counter()
            for _ in range(n):
                client.get(path, **headers)
            total = time.perf_counter() - t
    return total, spent, queries


def in_process(paths: dict[str, str], key: str, profile: bool, out_dir: Path) -> dict:
    """Per endpoint, through Django's test client (no HTTP server; the same settings and
    middleware): SQL queries per request and their time, the median time of a request, and
    where it goes (TIMERS); with --profile, a cProfile of 200 requests (profile-*.txt)."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    etag = client.get(paths["c"])["ETag"]
    stats = {}
    n = 100
    for name, path in paths.items():
        headers = {"HTTP_IF_NONE_MATCH": etag} if name == "d" else {}
        for _ in range(20):
            response = client.get(path, **headers)
        times = []
        for _ in range(n):
            t = time.perf_counter()
            client.get(path, **headers)
            times.append(time.perf_counter() - t)
        best = None
        for _ in range(3):  # the fastest of three loops: the least disturbed
            loop = timed_loop(client, path, headers, n)
            if best is None or loop[0] < best[0]:
                best = loop
        total, spent, queries = best
        distinct = list(dict.fromkeys(re.sub(r"\s+", " ", q[0])[:150] for q in queries))
        parts = {label: v[0] * 1000 / n for label, v in spent.items() if label != "depth" and v[1]}
        outside = sum(q[1] for q in queries if q[2]) * 1000 / n
        if outside:
            parts[SQL_VIEW] = outside
        parts[OTHER] = total * 1000 / n - sum(parts.values())
        stats[name] = {
            "status": response.status_code,
            "queries": len(queries) / n,
            "db_ms": sum(q[1] for q in queries) * 1000 / n,
            "sql": distinct,
            "median_ms": statistics.median(times) * 1000,
            "timed_ms": total * 1000 / n,
            "parts": parts,
        }
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(200):
                client.get(path, **headers)
            profiler.disable()
            text = io.StringIO()
            p = pstats.Stats(profiler, stream=text)
            p.sort_stats("tottime").print_stats(30)
            p.sort_stats("cumulative").print_stats(60)
            (out_dir / f"profile-{name}.txt").write_text(text.getvalue())
    return stats


def prepare(args) -> None:
    """Subprocess: migrate, seed, token, history, cursors (and the in-process figures)."""
    import django

    django.setup()
    from django.core.management import call_command

    from commitments.api.views import cursor_for
    from commitments.audit import CHANGE_ACTIONS
    from commitments.models import AuditEvent, Commitment

    call_command("migrate", verbosity=0)
    if not Commitment.objects.exists():
        call_command("seed_demo", stdout=io.StringIO())
    n_commitments = Commitment.objects.count()
    assert n_commitments >= PAGE, f"only {n_commitments} commitments"
    key = ensure_token()
    fill = fill_history(args.events)
    events = AuditEvent.objects.count()
    changes = AuditEvent.objects.filter(action__in=CHANGE_ACTIONS)
    # Near the end: 150 changes follow the cursor, so the page is full (100) and has_more.
    end = changes.order_by("-sequence").values_list("sequence", flat=True)[150]
    cursors = {"start": 0, "end": end}
    plans = {}
    for label, seq in cursors.items():
        plan = feed_queryset(seq).explain(analyze=True)
        first = plan.splitlines()[1].strip() if len(plan.splitlines()) > 1 else plan
        timing = re.search(r"Execution Time: ([\d.]+) ms", plan)
        plans[label] = {"node": first, "ms": float(timing.group(1)) if timing else None}
        (Path(args.out) / f"explain-changes-{events}-{label}.txt").write_text(plan + "\n")
    paths = {k: v.format(start=cursor_for(0), end=cursor_for(end)) for k, v in ENDPOINTS.items()}
    stats = in_process(paths, key, args.profile, Path(args.out)) if args.in_process else {}
    info = {
        "token": key,
        "commitments": n_commitments,
        "events": events,
        "change_events": changes.count(),
        "fill": fill,
        "cursors": {label: cursor_for(seq) for label, seq in cursors.items()},
        "cursor_sequences": cursors,
        "plans": plans,
        "paths": paths,
        "in_process": stats,
    }
    print("PREPARED " + json.dumps(info))


def run_prepare(env: dict, events: int, out: Path, in_process_: bool, profile: bool) -> dict:
    cmd = [PYTHON, __file__, "_prepare", "--events", str(events), "--out", str(out)]
    cmd += ["--in-process"] if in_process_ else []
    cmd += ["--profile"] if profile else []
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"preparing {db_name(env['DATABASE_URL'])} failed")
    line = next(x for x in done.stdout.splitlines() if x.startswith("PREPARED "))
    return json.loads(line.removeprefix("PREPARED "))


# The server ---------------------------------------------------------------------------------

ENDPOINTS = {
    "a": "/bench/bare/",
    "b": f"/bench/stock/?limit={PAGE}",
    "c": f"/api/v1/commitments/?limit={PAGE}",
    "d": f"/api/v1/commitments/?limit={PAGE}",
    "changes-start": f"/api/v1/changes/?limit={PAGE}&after={{start}}",
    "changes-end": f"/api/v1/changes/?limit={PAGE}&after={{end}}",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn, 2 sync workers, on a free loopback port; stopped on exit, also on errors."""

    def __init__(self, env: dict, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.control = f"/tmp/bench-api-{os.getpid()}-{self.port}.ctl"
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "tracker.wsgi",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--control-socket",
                self.control,
            ],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        OURS["sessions"].add(self.proc.pid)
        OURS["databases"].add(db_name(env["DATABASE_URL"]))

    def __enter__(self) -> "Server":
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}): see {self.log.name}")
            with contextlib.suppress(OSError):
                if fetch(self.base + ENDPOINTS["a"])[0] == 200:
                    return self
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer within 30 s")

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # the master, by its id: it stops its workers
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session, started above
                self.proc.wait()
        self.log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.control)


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def curl_status(url: str, headers: dict) -> str:
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    return subprocess.run([*cmd, url], capture_output=True, text=True, timeout=10).stdout


# Other load on the machine ------------------------------------------------------------------
# The machine is shared: CPU used meanwhile by processes that are not this benchmark's (its
# gunicorn, wrk, its PostgreSQL backends, itself) is measured, waited out before each figure
# when possible, and reported beside each figure.

TICK = os.sysconf("SC_CLK_TCK")


OURS: dict[str, set] = {"sessions": set(), "databases": set()}  # filled by Server


def cpu_sample() -> tuple[float, int, int]:
    """(time, busy jiffies of the whole machine, jiffies of this benchmark's processes)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(fields[i]) for i in (0, 1, 2))  # user, nice, system
    ours = 0
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            pid, rest = int(entry.name), stat[stat.rindex(")") + 2 :].split()
            session, cpu = int(rest[3]), int(rest[11]) + int(rest[12])
            mine = pid == me or session in OURS["sessions"]
            if not mine and stat[stat.index("(") + 1 : stat.rindex(")")] == "postgres":
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                mine = any(f" {db} ".encode() in cmdline for db in OURS["databases"])
        except (OSError, ValueError, IndexError):
            continue
        if mine:
            ours += cpu + (int(rest[13]) + int(rest[14]) if pid == me else 0)  # + reaped wrk
    return time.monotonic(), busy, ours


def others_cores(before: tuple, after: tuple) -> float:
    """Cores used by other processes between two samples."""
    seconds = after[0] - before[0]
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / TICK / seconds)


QUIET = {"budget": 45.0}  # seconds of waiting and repeating, in all (--quiet-budget)


def wait_for_quiet(threshold: float = 0.2) -> float:
    """Waits, within the run's budget, until other processes use under `threshold` cores."""
    while True:
        t = time.monotonic()
        before = cpu_sample()
        time.sleep(0.5)
        load = others_cores(before, cpu_sample())
        QUIET["budget"] -= time.monotonic() - t
        if load < threshold or QUIET["budget"] <= 0:
            return load


# wrk ----------------------------------------------------------------------------------------


def wrk(url: str, headers: dict, seconds: float, out: Path | None, args) -> dict:
    duration = f"-d{max(1, round(seconds))}s"
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", duration, "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    text = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    if out is not None:
        shown = " ".join(cmd).replace(headers.get("Authorization", "~"), "Bearer …")
        out.write_text(f"{shown}\n\n{text}")
    return parse_wrk(text)


def ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(text: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if rps is None:
        raise SystemExit("wrk printed no Requests/sec:\n" + text)
    result = {"rps": float(rps.group(1)), "non_2xx_3xx": 0, "socket_errors": ""}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        result[f"p{pct}_ms"] = ms(*m.groups()) if m else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad:
        result["non_2xx_3xx"] = int(bad.group(1))
    errors = re.search(r"Socket errors: (.*)", text)
    if errors:
        result["socket_errors"] = errors.group(1)
    return result


DISTURBED = 0.2  # cores used by other processes above which a round is repeated


def measure(figure: dict, round_: int, out: Path, args) -> list[dict]:
    """One round of one figure (the first round after a warm-up); a round disturbed by other
    processes is repeated once while the quiet budget lasts. Returns every attempt."""
    url = figure["server"].base + figure["path"]
    if round_ == 0:
        wrk(url, figure["headers"], args.warmup, None, args)
    name, attempts = figure["name"], []
    for attempt in range(2):
        quiet = wait_for_quiet()
        before = cpu_sample()
        raw = out / f"wrk-{name}-{round_}{'-again' if attempt else ''}.txt"
        result = wrk(url, figure["headers"], figure["seconds"], raw, args)
        result["others_cores"] = others_cores(before, cpu_sample())
        result["others_before"] = quiet
        attempts.append(result)
        print(
            f"  {name:<18} {result['rps']:>8,.0f} req/s   p50 {result['p50_ms']:6.2f} ms   "
            f"p99 {result['p99_ms']:6.2f} ms   other processes: {result['others_cores']:.2f} "
            f"cores{'  (again)' if attempt else ''}",
            flush=True,
        )
        if result["non_2xx_3xx"] or result["socket_errors"]:
            raise SystemExit(f"{name}: {result['non_2xx_3xx']} errors {result['socket_errors']}")
        if result["others_cores"] <= DISTURBED or QUIET["budget"] < figure["seconds"]:
            break
        QUIET["budget"] -= figure["seconds"]
    return attempts


def best_of(rounds: list[dict]) -> dict:
    """The round with the most requests/s (the least disturbed), with every round's rate."""
    best = dict(max(rounds, key=lambda r: r["rps"]))
    best["all_rps"] = [r["rps"] for r in rounds]
    best["all_others"] = [r["others_cores"] for r in rounds]
    best["median_rps"] = statistics.median(best["all_rps"])
    return best


# Checks before measuring --------------------------------------------------------------------


def compare_rows(rows_b: list[dict], rows_c: list[dict]) -> str:
    if rows_b == rows_c:
        return "the same rows"
    only_c = sorted({k for r in rows_c for k in r} - {k for r in rows_b for k in r})
    only_b = sorted({k for r in rows_b for k in r} - {k for r in rows_c for k in r})
    differ = sorted(
        {k for rb, rc in zip(rows_b, rows_c, strict=True) for k in rb if k in rc and rb[k] != rc[k]}
    )
    return (
        f"the same rows but: only in (c) {only_c or '-'}, only in (b) {only_b or '-'}, "
        f"values differ in {differ or '-'}"
    )


def check_responses(server: "Server", info: dict, auth: dict, full: bool) -> str:
    """Everything measured answers what it should; returns the ETag for (d)."""
    base, paths = server.base, info["paths"]
    etag = ""
    if full:
        status, _, body = fetch(base + paths["a"], auth)
        assert status == 200 and json.loads(body)["ok"] is True, (status, body[:200])
        status, head_c, body_c = fetch(base + paths["c"], auth)
        assert status == 200, (status, body_c[:300])
        rows_c = json.loads(body_c)["results"]
        status, _, body_b = fetch(base + paths["b"], auth)
        assert status == 200, (status, body_b[:300])
        rows_b = json.loads(body_b)["results"]
        assert len(rows_b) == len(rows_c) == PAGE, (len(rows_b), len(rows_c))
        etag = head_c["ETag"]
        code = curl_status(base + paths["d"], {**auth, "If-None-Match": etag})
        assert code == "304", f"(d) answered {code}, not 304"
        no_auth = fetch(base + paths["c"])[0]
        assert no_auth == 401, f"(c) without a token answered {no_auth}"
        print(
            f"  checks: (b) and (c) answer {PAGE} rows: {compare_rows(rows_b, rows_c)}; "
            f"(d) curl with If-None-Match -> {code}; (c) without a token -> {no_auth}"
        )
    for label in ("start", "end"):
        status, _, body = fetch(base + paths[f"changes-{label}"], auth)
        page = json.loads(body)
        assert status == 200 and len(page["results"]) == PAGE and page["has_more"], body[:300]
    print(f"  checks: /changes/ pages (start, end) hold {PAGE} events and has_more")
    return etag


# Main ---------------------------------------------------------------------------------------


def git_state() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout

    changed = [line[3:] for line in git("status", "--short").splitlines()]
    changed = [f for f in changed if not f.startswith("bench/")]
    head = git("rev-parse", "--short", "HEAD").strip()
    return head + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every figure")
    parser.add_argument("--duration", type=float, default=3, help="seconds per figure, round")
    parser.add_argument("--changes-duration", type=float, default=2, help="per feed figure")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before round 1")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--throttle-rate", default="100000000/min")
    parser.add_argument(
        "--quiet-budget",
        type=float,
        default=45,
        help="seconds, in all, of waiting for other processes to go quiet and of repeating "
        "disturbed rounds",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile every endpoint")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the databases")
    parser.add_argument(
        "--redis",
        default="",
        help="a Redis URL for the shared cache (production's setup); none: a cache per worker",
    )
    parser.add_argument(
        "--large-history", type=int, default=LARGE_HISTORY, help="events of the large history"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one 1 s round, a 20,000-event large history"
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.changes_duration, args.warmup = 1, 1.0, 1.0, 0.5
        args.quiet_budget, args.large_history = 5.0, 20_000
    missing = [tool for tool in ("wrk", "curl") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"needs {' and '.join(missing)}: apt-get install {' '.join(missing)}")

    started = time.monotonic()
    QUIET["budget"] = args.quiet_budget
    out = RESULTS / time.strftime("api-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    url_small = os.environ.get("BENCH_API_DATABASE_URL", DEFAULT_DB)
    url_large = url_small + "_1m"
    env_small = bench_env(url_small, args.throttle_rate, args.redis)
    env_large = bench_env(url_large, args.throttle_rate, args.redis)
    code = git_state()

    print("preparing the databases …", flush=True)
    for url in (url_small, url_large):
        ensure_database(url, args.reset)
    small = run_prepare(env_small, SMALL_HISTORY, out, True, args.profile)
    large = run_prepare(env_large, args.large_history, out, False, False)
    for url, info in ((url_small, small), (url_large, large)):
        print(
            f"  {db_name(url)}: {info['commitments']} commitments, {info['events']:,} events "
            f"({info['change_events']:,} in the feed); {info['fill']}"
        )

    auth_small = {"Authorization": f"Bearer {small['token']}"}
    auth_large = {"Authorization": f"Bearer {large['token']}"}
    print("gunicorn (2 sync workers each) on both databases …", flush=True)
    with (
        Server(env_small, out / "gunicorn-1k.log") as s_small,
        Server(env_large, out / "gunicorn-1m.log") as s_large,
    ):
        etag = check_responses(s_small, small, auth_small, full=True)
        check_responses(s_large, large, auth_large, full=False)
        figures = []
        for name in ("a", "b", "c", "d"):
            headers = {**auth_small, "If-None-Match": etag} if name == "d" else auth_small
            path, seconds = small["paths"][name], args.duration
            figures.append(
                {
                    "name": name,
                    "server": s_small,
                    "path": path,
                    "headers": headers,
                    "seconds": seconds,
                }
            )
        for label in ("start", "end"):  # 1k and 1M alternate, so that they see the same load
            for size, server, info, auth in (
                ("1k", s_small, small, auth_small),
                ("1m", s_large, large, auth_large),
            ):
                figures.append(
                    {
                        "name": f"changes-{label}-{size}",
                        "server": server,
                        "path": info["paths"][f"changes-{label}"],
                        "headers": auth,
                        "seconds": args.changes_duration,
                    }
                )
        rounds: dict[str, list] = {f["name"]: [] for f in figures}
        for round_ in range(args.rounds):
            print(f"round {round_ + 1} of {args.rounds}", flush=True)
            for figure in figures:
                rounds[figure["name"]] += measure(figure, round_, out, args)
        code_d = curl_status(
            s_small.base + small["paths"]["d"], {**auth_small, "If-None-Match": etag}
        )
        assert code_d == "304", f"(d) answered {code_d} after the run"
    results = {name: best_of(r) for name, r in rounds.items()}

    report = summarise(results, small, large, args, code)
    print("\n" + report)
    (out / "summary.md").write_text(report + "\n")
    hidden = {"small": {**small, "token": "…"}, "large": {**large, "token": "…"}}
    (out / "results.json").write_text(json.dumps({"wrk": results, **hidden}, indent=2))
    for row in bench_results(results, small, large, args):
        print("BENCH_RESULT " + json.dumps(row), flush=True)
    print(f"\nraw outputs: {out.relative_to(ROOT)}/ ({time.monotonic() - started:.0f} s in all)")


def bench_results(results: dict, small: dict, large: dict, args) -> list[dict]:
    """The figures beside their goals (issue 4), for bench/run.py: requests/s of (a) and (b),
    (c) and (d) as ratios to (a), the feed's large-history rate as a ratio to the small one."""
    a, b, c, d = (results[k]["rps"] for k in "abcd")
    cache = "Redis" if args.redis else "a cache per gunicorn worker"
    where = f"gunicorn 2 sync workers, {cache}"
    rows = [
        {
            "figure": "API (a): a bare Django view returning a small JSON object",
            "goal": "reference",
            "measured": round(a),
            "unit": "requests/s",
            "met": None,
            "detail": where,
        },
        {
            "figure": "API (b): a stock DRF ListAPIView, ModelSerializer, 100 rows",
            "goal": "reference",
            "measured": round(b),
            "unit": "requests/s",
            "met": None,
            "detail": f"{b / a:.3f} of (a)",
        },
        {
            "figure": "API (c): GET /api/v1/commitments/?limit=100",
            "goal": ">= 3 x (b) and >= 0.25 of (a)",
            "measured": round(c / a, 3),
            "unit": "of (a)",
            "met": c >= 3 * b and c >= 0.25 * a,
            "detail": f"{c:,.0f} requests/s, {c / b:.1f} x (b)",
        },
        {
            "figure": "API (d): (c) with a matching If-None-Match (304)",
            "goal": ">= 0.6 of (a)",
            "measured": round(d / a, 3),
            "unit": "of (a)",
            "met": d >= 0.6 * a,
            "detail": f"{d:,.0f} requests/s",
        },
    ]
    for label in ("start", "end"):
        r_small = results[f"changes-{label}-1k"]["rps"]
        r_large = results[f"changes-{label}-1m"]["rps"]
        rows.append(
            {
                "figure": f"/changes/?limit=100 at {large['events']:,} events vs "
                f"{small['events']:,}, cursor at the {label}",
                "goal": "as fast (>= 0.9)",
                "measured": round(r_large / r_small, 2),
                "unit": "ratio",
                "met": r_large >= 0.9 * r_small,
                "detail": f"{r_large:,.0f} vs {r_small:,.0f} requests/s",
            }
        )
    return rows


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def rounds_(r: dict) -> str:
    """Every attempt's requests/s; * marks those disturbed by other processes."""
    return " / ".join(
        f"{x:,.0f}{'*' if o > DISTURBED else ''}"
        for x, o in zip(r["all_rps"], r["all_others"], strict=True)
    )


def summarise(results: dict, small: dict, large: dict, args, code: str) -> str:
    a, b, c, d = (results[k]["rps"] for k in "abcd")
    goals = {
        "a": ("reference", None),
        "b": ("reference (STACK.md: about 0.08)", None),
        "c": (f">= 3 x (b) [{c / b:.2f} x] and >= 0.25 (a)", c >= 3 * b and c >= 0.25 * a),
        "d": (">= 0.6 (a)", d >= 0.6 * a),
    }
    labels = {
        "a": "(a) bare Django JsonResponse",
        "b": "(b) stock DRF ListAPIView, limit=100",
        "c": "(c) /api/v1/commitments/?limit=100",
        "d": "(d) (c) + If-None-Match -> 304",
    }
    stats = small["in_process"]
    lines = [
        f"code: {code}",
        f"wrk -t{args.threads} -c{args.connections} on loopback; {args.rounds} rounds over "
        f"every figure ({args.duration:g} s each for (a)-(d), {args.changes_duration:g} s for "
        f"the feed; {args.warmup:g} s of warm-up before round 1); requests/s = the best round, "
        "'rounds' = every round's (* = disturbed: other processes used > 0.2 cores; such a "
        "round is run again while --quiet-budget lasts). 'other' = cores used by processes "
        "outside the benchmark during the best round. gunicorn 27, 2 sync workers, "
        "DJANGO_DEBUG=false, plain http (DJANGO_SECURE_SSL_REDIRECT=false), PostgreSQL, "
        f"API_THROTTLE_RATE={args.throttle_rate}; "
        f"cache: {'Redis ' + args.redis if args.redis else 'per worker, no Redis'}; "
        f"{os.cpu_count()} cores.",
        "",
        "| endpoint | requests/s | ratio to (a) | rounds | p50 ms | p99 ms | other "
        "| SQL queries | in-process ms | goal | met? |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for k in "abcd":
        r, s = results[k], stats.get(k, {})
        goal, ok = goals[k]
        lines.append(
            f"| {labels[k]} | {r['rps']:,.0f} | {r['rps'] / a:.3f} | {rounds_(r)} "
            f"| {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {r['others_cores']:.2f} | {s.get('queries', 0):g} "
            f"| {s.get('median_ms', 0):.2f} | {goal} | {'-' if ok is None else verdict(ok)} |"
        )
    lines += [
        "",
        "GET /api/v1/changes/?limit=100&after=<cursor>, the 1k and 1M servers alternating. "
        "History beyond the demo's 727 events: SQL copies of them (their hashes are "
        "placeholders, not a valid chain: irrelevant to reading the feed).",
        "",
        "| history | cursor | requests/s | rounds | p50 ms | p99 ms | other "
        "| SQL, EXPLAIN ANALYZE | 1M / 1k | as fast (>= 0.9)? |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for label in ("start", "end"):
        r_small, r_large = results[f"changes-{label}-1k"], results[f"changes-{label}-1m"]
        ratio = r_large["rps"] / r_small["rps"]
        for size, info, r in (("1k", small, r_small), ("1M", large, r_large)):
            plan = info["plans"][label]
            node = re.sub(r"\s+\(cost=.*", "", plan["node"]).removeprefix("->  ")
            last = size == "1M"
            lines.append(
                f"| {info['events']:,} | {label} (after #{info['cursor_sequences'][label]:,}) "
                f"| {r['rps']:,.0f} | {rounds_(r)} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
                f"| {r['others_cores']:.2f} | {plan['ms']} ms, {node} "
                f"| {f'{ratio:.2f}' if last else ''} | {verdict(ratio >= 0.9) if last else ''} |"
            )
    lines += ["", "In-process (Django test client, same settings, no HTTP): per request"]
    for k, s in stats.items():
        lines.append(
            f"  {k:<14} HTTP {s['status']}: {s['queries']:g} SQL queries, {s['db_ms']:.2f} ms "
            f"waiting on SQL, median {s['median_ms']:.2f} ms in all"
        )
        lines += [f"      {sql}" for sql in s["sql"]]
    names = list(stats)
    present = {label for n in names for label in stats[n]["parts"]}
    labels_ = [x for x in [*(t[0] for t in TIMERS), SQL_VIEW, OTHER] if x in present]
    lines += [
        "",
        "Where the time goes, in-process, ms per request (perf_counter around these calls;"
        " SQL = waiting on PostgreSQL, included in the rows that run queries)",
        "",
        "| | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for label in labels_:
        cells = " | ".join(
            f"{stats[n]['parts'][label]:.2f}" if label in stats[n]["parts"] else "" for n in names
        )
        lines.append(f"| {label} | {cells} |")
    lines.append(
        "| **total (timed loop)** | "
        + " | ".join(f"**{stats[n]['timed_ms']:.2f}**" for n in names)
        + " |"
    )
    lines.append(
        "| of which SQL (all queries) | "
        + " | ".join(f"{stats[n]['db_ms']:.2f}" for n in names)
        + " |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_prepare":
        sub = argparse.ArgumentParser()
        sub.add_argument("_prepare")
        sub.add_argument("--events", type=int, required=True)
        sub.add_argument("--out", required=True)
        sub.add_argument("--in-process", action="store_true")
        sub.add_argument("--profile", action="store_true")
        sys.path.insert(0, str(ROOT))
        prepare(sub.parse_args())
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the server is stopped
        main()
