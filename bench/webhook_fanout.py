"""Benchmark: one approved status change fanned out to N webhook endpoints (default 1,000),
all on one local receiver, delivered by a real Celery worker with 2 processes.

    .venv/bin/python bench/webhook_fanout.py [--endpoints 1000] [--runs 3] [--concurrency 2]
        [--quick]

--quick: 100 endpoints, one run (bench/run.py --quick: shows the bench works, not the goal).

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:
5432/tracker_bench, created and migrated on first use) and Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/15). Each run approves one update through services.update_approve and
times that call, then waits until every delivery is recorded as delivered. Afterwards every
request the receiver got is verified with the standardwebhooks reference library.

Reported: the approving call's own duration; the time from the approval's start to the last
delivery recorded; deliveries per second over that time. The median run is printed as a
`BENCH_RESULT {json}` line, which bench/run.py (`make bench`) collects.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench"
)
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"  # the receiver is on loopback
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
RESULTS = ROOT / "bench" / "results"


class _Server(ThreadingHTTPServer):
    # The listen() backlog is set in the constructor: a small one resets connections when
    # 2 processes with WEBHOOK_THREADS each connect at once, and the bench would time the retries.
    request_queue_size = 256
    daemon_threads = True


class Receiver:
    """A threaded HTTP/1.1 server on 127.0.0.1 that answers 200 and keeps what it got."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes, float]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    receiver.received.append(
                        (self.path, dict(self.headers.items()), body, time.time())
                    )
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


def start_worker(concurrency: int) -> subprocess.Popen:
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / "webhook_fanout_worker.log"
    log = log_path.open("wb")
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "tracker",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker.poll() is None:
        if b" ready." in log_path.read_bytes():
            return worker
        time.sleep(0.1)
    worker.kill()
    raise SystemExit(f"The worker did not start:\n{log_path.read_text()}")


def setup(endpoints: int, base_url: str) -> dict[str, str]:
    """A clean record and notification state, and N endpoints (no filters: all follow every change).
    Returns each endpoint's path → secret."""
    from django.db import connection, transaction

    from accounts.roles import Role
    from commitments.models import WebhookEndpoint
    from commitments.webhooks.signing import new_secret
    from tests.audit_table import triggers_off
    from tests.factories import UserFactory

    # The audit table refuses TRUNCATE (migration 0006): the bench runs as its owner and lifts
    # that refusal for this one statement, as bench/verify_audit.py does.
    with (
        transaction.atomic(),
        triggers_off("audit_event_no_truncate"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "TRUNCATE commitments_webhookendpoint, commitments_notification, "
            "commitments_subscription, commitments_auditevent, commitments_agreement, "
            "commitments_participant, commitments_source CASCADE"
        )
    owner = UserFactory(username="bench-owner")
    UserFactory(username="bench-reviewer", roles=[Role.REVIEWER])
    made = WebhookEndpoint.objects.bulk_create(
        WebhookEndpoint(owner=owner, url=f"{base_url}/hook/{i}", secret=new_secret())
        for i in range(endpoints)
    )
    return {f"/hook/{i}": endpoint.secret for i, endpoint in enumerate(made)}


def one_run(endpoints: int, timeout: float) -> dict[str, float]:
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import User
    from commitments.choices import DeliveryState
    from commitments.models import WebhookAttempt, WebhookDelivery
    from commitments.services import update_approve
    from tests.factories import StatusUpdateFactory

    update = StatusUpdateFactory()
    reviewer = User.objects.get(username="bench-reviewer")
    started_at = timezone.now()
    started = time.perf_counter()
    update_approve(update=update, reviewer=reviewer)
    approve_seconds = time.perf_counter() - started
    event_deliveries = WebhookDelivery.objects.filter(message__event__update=update)
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        done = event_deliveries.filter(state=DeliveryState.DELIVERED).count()
        if done >= endpoints:
            break
        time.sleep(0.05)
    last = event_deliveries.aggregate(last=Max("delivered_at"))["last"]
    to_last = (last - started_at).total_seconds() if last else float("nan")
    attempts = WebhookAttempt.objects.filter(delivery__in=event_deliveries).count()
    return {
        "delivered": done,
        "attempts": attempts,
        "approve_ms": approve_seconds * 1000,
        "to_last_s": to_last,
        "per_second": done / to_last if last else 0.0,
    }


def verify(receiver: Receiver, secrets: dict[str, str]) -> tuple[int, int, int]:
    """(requests, signatures verified, distinct webhook ids) over everything received."""
    from standardwebhooks import Webhook

    verified, ids = 0, set()
    for path, headers, body, _ in receiver.received:
        Webhook(secrets[path]).verify(body, headers)
        verified += 1
        ids.add(headers["webhook-id"])
    return len(receiver.received), verified, len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--quick", action="store_true", help="100 endpoints, one run")
    args = parser.parse_args()
    if args.quick:
        args.endpoints, args.runs = 100, 1

    from bench._setup import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    receiver = Receiver()
    secrets = setup(args.endpoints, receiver.base_url)
    worker = start_worker(args.concurrency)
    try:
        results = []
        for run in range(1, args.runs + 1):
            result = one_run(args.endpoints, args.timeout)
            results.append(result)
            print(
                f"run {run}: {result['delivered']}/{args.endpoints} delivered "
                f"({result['attempts']} attempts) in {result['to_last_s']:.2f} s "
                f"= {result['per_second']:.0f} deliveries/s; "
                f"the approving call took {result['approve_ms']:.0f} ms"
            )
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
    received, verified, ids = verify(receiver, secrets)
    print(f"receiver: {received} requests, {verified} signatures verified, {ids} webhook ids")
    median = statistics.median(r["to_last_s"] for r in results)
    rate = statistics.median(r["per_second"] for r in results)
    approve = statistics.median(r["approve_ms"] for r in results)
    print(
        f"median: all {args.endpoints} delivered in {median:.2f} s ({rate:.0f} deliveries/s); "
        f"approving call {approve:.0f} ms"
    )
    complete = all(r["delivered"] == args.endpoints for r in results)
    signed = verified == args.endpoints * args.runs
    result = {
        "figure": f"webhook fan-out: one approval to {args.endpoints:,} endpoints, "
        f"{args.concurrency} worker processes",
        "goal": "all delivered, signed and recorded in < 5 s",
        "measured": round(median, 2),
        "unit": "s",
        "met": complete and signed and median < 5,
        "detail": f"median of {args.runs}; {rate:,.0f} deliveries/s; approving call "
        f"{approve:.0f} ms; {'all' if complete and signed else 'NOT all'} delivered and signed",
    }
    print("BENCH_RESULT " + json.dumps(result), flush=True)
    if not complete or not signed:
        raise SystemExit("Not every delivery arrived signed and recorded.")


if __name__ == "__main__":
    main()
