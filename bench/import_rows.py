"""Benchmark: import 10,000 status updates from a CSV file on PostgreSQL: the dry run
(services.import_check), then the import (services.import_apply), and the two together.

    .venv/bin/python bench/import_rows.py [--rows 10000] [--runs 3] [--quick]

--quick: 1,000 rows, one run (bench/run.py --quick: shows the bench works, not the goal).
Prints its figures as `BENCH_RESULT {json}` lines, which bench/run.py (`make bench`) collects.

Uses its own database (BENCH_DATABASE_URL with `_import` appended, default
postgres://postgres@127.0.0.1:5432/tracker_bench_import), created and migrated on first use;
each run starts from an empty record: one commitment per row (signed), written directly, and
an analyst and three reviewers. The file moves each commitment to in_parliament, with a
source each. Goal: the dry run and the import together under 10 s.
"""

import argparse
import csv
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = (
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench")
    + "_import"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

GOAL_SECONDS = 10.0
GUARANTEES = 10


def fresh_record(rows: int):
    """An empty record, then `rows` signed commitments and the people; returns the analyst
    and the (code, slug) of each commitment."""
    import datetime

    from django.db import connection, transaction

    from accounts.models import User
    from accounts.roles import Role, role_groups
    from commitments.models import (
        Agreement,
        Commitment,
        Guarantee,
        Participant,
        unaudited_bulk_create,
    )
    from tests.audit_table import triggers_off

    with (
        transaction.atomic(),
        triggers_off("audit_event_no_truncate"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "TRUNCATE commitments_auditevent, commitments_notification, "
            "commitments_statusupdate_sources, commitments_statusupdate, commitments_source, "
            "commitments_commitment, commitments_guarantee, commitments_participant, "
            "commitments_agreement, commitments_importupload, accounts_user CASCADE"
        )
    with transaction.atomic():
        agreement = unaudited_bulk_create(
            Agreement,
            [Agreement(slug="bench", title="Bench", signed_on=datetime.date(2024, 3, 15))],
        )[0]
        guarantees = unaudited_bulk_create(
            Guarantee,
            [
                Guarantee(agreement=agreement, slug=f"g{i}", title=f"G{i}", domain="air")
                for i in range(GUARANTEES)
            ],
        )
        participants = unaudited_bulk_create(
            Participant,
            [
                Participant(code=f"P{i:05d}", name=f"P{i}", kind="organisation")
                for i in range(-(-rows // GUARANTEES))
            ],
        )
        pairs = [(p, g) for p in participants for g in guarantees][:rows]
        unaudited_bulk_create(
            Commitment,
            [
                Commitment(
                    participant=p,
                    guarantee=g,
                    status="signed",
                    status_date=datetime.date(2024, 4, 1),
                    pledged_on=datetime.date(2024, 3, 15),
                    signed_on=datetime.date(2024, 4, 1),
                )
                for p, g in pairs
            ],
        )
        analyst = User.objects.create_user("bench-analyst", "analyst@example.org")
        analyst.groups.set(role_groups([Role.ANALYST]))
        for n in range(3):
            reviewer = User.objects.create_user(f"bench-reviewer{n}", f"r{n}@example.org")
            reviewer.groups.set(role_groups([Role.REVIEWER]))
    return analyst, [(p.code, g.slug) for p, g in pairs]


def csv_file(keys) -> bytes:
    from commitments.services.imports import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n, (code, slug) in enumerate(keys):
        writer.writerow(
            [
                code,
                slug,
                "in_parliament",
                "2024-05-02",
                f"Bill {n} tabled in parliament.",
                f"https://news.example.org/{code}/{slug}",
                f"Tabled {n}",
                "no",
                "",
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 rows, one run")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.runs = 1_000, 1

    from bench._setup import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from commitments import audit, services
    from commitments.models import StatusUpdate

    call_command("migrate", verbosity=0)
    runs = []
    for run in range(args.runs):
        analyst, keys = fresh_record(args.rows)
        content = csv_file(keys)
        started = time.perf_counter()
        checked = services.import_check(file=content, filename="bench.csv", author=analyst)
        dry = time.perf_counter() - started
        assert checked.ok, [r.errors for r in checked.rows if r.errors][:3]
        started = time.perf_counter()
        imported = services.import_apply(file=content, filename="bench.csv", author=analyst)
        applied = time.perf_counter() - started
        assert imported.ok and StatusUpdate.objects.count() == args.rows
        chain = audit.verify()
        assert chain.broken_sequence is None, chain.broken_reason
        print(
            f"run {run + 1}: {args.rows:,} rows ({len(content) / 1e6:.1f} MB): dry run "
            f"{dry:.2f} s, import {applied:.2f} s, together {dry + applied:.2f} s; chain of "
            f"{chain.checked:,} events intact"
        )
        runs.append((dry + applied, dry, applied))
    total, dry, applied = min(runs)
    detail = f"best of {args.runs}; load average {os.getloadavg()[0]:.1f}"
    for figure, measured, met in [
        (f"import dry run of {args.rows:,} CSV rows", dry, None),
        (f"import of {args.rows:,} CSV rows (after the dry run)", applied, None),
        (f"import of {args.rows:,} rows: dry run + import", total, total < GOAL_SECONDS),
    ]:
        result = {
            "figure": figure,
            "goal": f"< {GOAL_SECONDS:.0f} s" if met is not None else "",
            "measured": round(measured, 2),
            "unit": "s",
            "met": met,
            "detail": detail,
        }
        print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
