"""Benchmark: verify_audit over a history of N events (default 100,000) on PostgreSQL.

    .venv/bin/python bench/verify_audit.py [--events 100000] [--runs 3] [--quick]

--quick: 10,000 events, one run (bench/run.py --quick: shows the bench works, not the goal).
Prints its figure as a `BENCH_RESULT {json}` line, which bench/run.py (`make bench`) collects.

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
tracker_bench), created and migrated on first use. The history is written directly (a valid
chain, hashed exactly as audit.record() hashes) because a million service calls would
benchmark the services, not the verification: half the events are status changes of 1,000
commitments, so the replay does real work.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")


def fill(events: int) -> None:
    from django.db import connection, transaction

    from commitments import audit
    from commitments.models import (
        AuditEvent,
        Commitment,
        Guarantee,
        Participant,
        unaudited_bulk_create,
    )
    from tests.audit_table import triggers_off
    from tests.factories import AgreementFactory

    # The audit table refuses TRUNCATE: the bench runs as its owner and lifts that refusal
    # for this one statement.
    with (
        transaction.atomic(),
        triggers_off("audit_event_no_truncate"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "TRUNCATE commitments_auditevent, commitments_commitment, commitments_guarantee, "
            "commitments_participant, commitments_agreement CASCADE"
        )
    n_commitments = 1000
    with transaction.atomic():
        guarantee = Guarantee.objects.create(
            agreement=AgreementFactory(), slug="bench", title="Bench", domain="air"
        )
        participants = unaudited_bulk_create(
            Participant,
            [
                Participant(code=f"P{i:05d}", name=f"P{i}", kind="organisation")
                for i in range(n_commitments)
            ],
        )
        commitments = unaudited_bulk_create(
            Commitment,
            [Commitment(participant=p, guarantee=guarantee) for p in participants],
        )
    versions = {c.pk: 0 for c in commitments}
    ids = list(versions)
    prev = audit.GENESIS
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    batch: list[AuditEvent] = []
    statuses = ["pledged", "signed", "in_parliament", "ratified", "in_force"]
    for seq in range(1, events + 1):
        if seq <= n_commitments or seq % 2 == 0:
            cid = ids[(seq - 1) % n_commitments]
            versions[cid] += 1
            v = versions[cid]
            action = audit.COMMITMENT_CREATED if v == 1 else audit.STATUS_CHANGED
            before = {} if v == 1 else {"status": statuses[(v - 2) % 5], "version": v - 1}
            after = {"status": statuses[(v - 1) % 5], "version": v, "status_date": "2024-05-01"}
            object_type, object_id = "commitments.commitment", str(cid)
        else:
            cid, action = None, audit.REFERENCE_CHANGED
            before, after = {"name": f"Old {seq}"}, {"name": f"New {seq}"}
            object_type, object_id = "commitments.participant", str(seq)
        event = AuditEvent(
            sequence=seq,
            occurred_at=start + datetime.timedelta(seconds=seq, microseconds=seq % 999_983),
            actor_id=None,
            actor_name="bench",
            action=action,
            object_type=object_type,
            object_id=object_id,
            commitment_id=cid,
            effective_date=datetime.date(2024, 5, 1) if cid else None,
            before=before,
            after=after,
            reason="",
            request_id=f"req-{seq}",
            prev_hash=prev,
        )
        event.hash = audit.chain_hash(prev, audit.event_content(event))
        prev = event.hash
        batch.append(event)
        if len(batch) == 10_000:
            unaudited_bulk_create(AuditEvent, batch)
            batch.clear()
    unaudited_bulk_create(AuditEvent, batch)
    # The live record as the history says it is (raw SQL: the model refuses bulk updates):
    # every status reached has the events' date as its stage date.
    day = datetime.date(2024, 5, 1)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE commitments_commitment SET version = %s, status = %s, status_date = %s, "
            "pledged_on = %s, signed_on = %s, in_parliament_on = %s, ratified_on = %s, "
            "in_force_on = %s WHERE id = %s",
            [
                (v, statuses[(v - 1) % 5], day, *(day if i < v else None for i in range(5)), pk)
                for pk, v in versions.items()
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 events, one run")
    args = parser.parse_args()
    if args.quick:
        args.events, args.runs = 10_000, 1

    from bench._setup import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from commitments import audit
    from commitments.models import AuditEvent

    call_command("migrate", verbosity=0)
    if AuditEvent.objects.count() != args.events:
        t = time.perf_counter()
        fill(args.events)
        print(f"wrote {args.events:,} events in {time.perf_counter() - t:.1f} s")
    rates = []
    for _ in range(args.runs):
        report = audit.verify()
        assert report.ok, (report.broken_reason, report.mismatches[:3])
        rates.append(report.checked / report.seconds)
        print(f"verified {report.checked:,} events in {report.seconds:.3f} s")
    best, median = max(rates), sorted(rates)[len(rates) // 2]
    print(f"best: {best:,.0f} events/s; median: {median:,.0f}")
    result = {
        "figure": f"verify_audit over {args.events:,} events",
        "goal": ">= 100,000 events/s",
        "measured": round(best),
        "unit": "events/s",
        "met": best >= 100_000,
        "detail": f"best of {args.runs}; median {median:,.0f}",
    }
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
