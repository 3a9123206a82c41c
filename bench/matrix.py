"""Benchmark (issue 12): the matrix page, 50 participants x 40 guarantees, over a history of
1,000,000 audit events, on PostgreSQL: server time now and as of a date.

    .venv/bin/python bench/matrix.py [--rebuild] [--requests 30] [--as-of 2025-06-01]
                                     [--runs 3] [--explain] [--without-index NAME ...]

Uses its own database (BENCH_MATRIX_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
tracker_bench_matrix), created, migrated and filled on first use and reused afterwards (the
database's comment records what was built; --rebuild drops and builds it again, as does a
change of --events, --changes or --seed). A database this script did not create is never
dropped: if it holds tables, the script stops. Building takes a minute or two.

The data: one agreement (slug `bench-matrix`, signed 2024-01-15), 50 participants (40
countries, 10 organisations), 40 guarantees, 2,000 commitments (every participant pledges
every guarantee). The history is written directly, as a valid chain hashed exactly as
audit.record() hashes, with COPY: a million service calls would benchmark the services.
Each commitment is created, pledged on the agreement's date, then walks the ladder
(workflow.allowed_next, parliament where the participant needs it) with about --changes
status changes whose effective dates are spread over 2024-2026; about one in eight is a
correction, written as reviews._approve writes one: it names (`after.corrects`) a status
change that still stands (the latest, or sometimes an earlier one), moves on from the record
as it stood before that change, and may carry an earlier effective date. Every applied
change follows its submission (update.submitted, with its effective date), and some are
preceded by a rejected proposal (update.submitted + update.rejected). The rest of the
million are other events at random times: reference-data changes of participants,
guarantees, the agreement and sources, notes changes of commitments, drafts
(update.created, with an effective date) and account events. The live Commitment rows are
what the last standing status event says (checked: audit.verify() replays the status events
against them after the build, and commitments_as_of(today) must equal the live statuses).
No StatusUpdate rows are written (the events' update_id is empty): the matrix reads none.

The audit table's chain INSERT trigger checks each row against the head; the bench owns its
database and lifts that trigger for its COPY, as bench/api_throughput.py does (the chain it
writes is valid: verify() says so).

Server time, in process: Django's test client (no HTTP server) on production settings
(DJANGO_DEBUG=false, bench/settings.py), N requests after a warm-up, per measurement the
median and p95 in ms and the SQL queries per request; each measurement is run --runs times
and the run with the best median counts (the machine may be shared). Measured:
  - GET --url-now   (default /?agreement={slug})                "now"
  - GET --url-as-of (default /?agreement={slug}&as_of={as_of})  "as of"
  - GET --url-known (default /?agreement={slug}&known_on={as_of}) and --url-both (as_of and
    known_on={known_on}, --known-on 2026-06-01): the record as known on a day, and both
  - the selectors the matrix builds on, evaluated for the 2,000 commitments:
    commitment_list(), commitments_as_of(day=), commitments_known_at(moment=) and
    commitments_known_at(moment=, day=).
  - a prototype of another shape for the as-of read (one_pass_as_of: one query with a
    window instead of a correlated subquery per commitment), checked to answer the same.
Beside the wall time, the CPU time per call of this process (Django) and of its PostgreSQL
backend (from /proc): other work on a shared machine stretches the wall time, much less
the CPU time.
--explain writes EXPLAIN (ANALYZE, BUFFERS) of the selectors' queries to
bench/results/matrix-<time>/ (git-ignored); --without-index NAME measures with that index
dropped (inside a transaction that is rolled back: nothing changes on disk), to show what an
index buys.
"""

import argparse
import base64
import contextlib
import datetime as dt
import heapq
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tracker_bench_matrix"

# Production settings, as the environment gives them to tracker/settings.py (as
# bench/api_throughput.py sets them for its gunicorn), before Django is imported.
for _name in [k for k in os.environ if k.startswith(("DJANGO_", "DATABASE_"))]:
    del os.environ[_name]
for _name in ("REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(_name, None)
os.environ.update(
    DJANGO_SETTINGS_MODULE="bench.settings",
    DJANGO_DEBUG="false",
    DJANGO_SECRET_KEY=os.environ.get(
        "BENCH_SECRET_KEY", "bench-matrix-5d1f3a9c7e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f"
    ),
    DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    DJANGO_SECURE_SSL_REDIRECT="false",
    # Production refuses to start without them; throwaway keys, this run's only.
    AUDIT_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
    WEBHOOK_SECRET_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    # --quick builds a small history in a database of its own, so the 1,000,000-event one stays.
    DATABASE_URL=os.environ.get("BENCH_MATRIX_DATABASE_URL", DEFAULT_DB)
    + ("_quick" if "--quick" in sys.argv else ""),
    DJANGO_CONN_MAX_AGE="60",
    DJANGO_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    DJANGO_LOG_LEVEL="WARNING",
)

SLUG = "bench-matrix"
SIGNED_ON = dt.date(2024, 1, 15)
LAST_DAY = dt.date(2026, 11, 30)  # effective dates and recorded times end here
START = dt.datetime(2024, 1, 15, 8, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 30, 18, tzinfo=dt.UTC)
N_PARTICIPANTS, N_COUNTRIES, N_GUARANTEES = 50, 40, 40
DOMAINS = ["land", "air", "sea", "training", "equipment", "monitoring", "technology"]


# The database ------------------------------------------------------------------------------


def db_name() -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[1]


def admin_connection():
    import psycopg

    return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)


MARK = "bench/matrix.py "  # the database's comment: this mark, then what was built (JSON)


def comment() -> str | None:
    """The database's comment ("" for none), or None where there is no such database."""
    with admin_connection() as c:
        row = c.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [db_name()],
        ).fetchone()
    return None if row is None else row[0]


def built_with() -> dict | None:
    """What the database was built with, or None: missing, not built, or not built here."""
    text = comment()
    if not text or not text.startswith(MARK):
        return None
    return json.loads(text.removeprefix(MARK))


def recreate_database() -> None:
    """Drops the database (only one this script made, or one with no tables) and creates it,
    marked as this script's while it is built."""
    import psycopg

    name = db_name()
    text = comment()
    if text is not None and not text.startswith(MARK):
        with psycopg.connect(
            os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")
        ) as c:
            tables = c.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
        if tables:
            raise SystemExit(
                f"{name} holds {tables} tables and was not built by bench/matrix.py: it is not "
                "dropped. Name another database in BENCH_MATRIX_DATABASE_URL."
            )
    with admin_connection() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    mark_built({})


def mark_built(params: dict) -> None:
    text = MARK + json.dumps(params, sort_keys=True)
    with admin_connection() as c:
        c.execute(f'COMMENT ON DATABASE "{db_name()}" IS ' + "'" + text.replace("'", "''") + "'")


# The history -------------------------------------------------------------------------------


class Event:
    """One audit event before it has its place in the chain."""

    __slots__ = (
        "action",
        "actor",
        "after",
        "at",
        "before",
        "commitment_id",
        "corrects",
        "effective_date",
        "object_id",
        "object_type",
        "reason",
        "sequence",
    )

    def __init__(self, at, action, object_type, object_id, **kw) -> None:
        self.at = at
        self.action = action
        self.object_type = object_type
        self.object_id = str(object_id)
        self.commitment_id = kw.get("commitment_id")
        self.effective_date = kw.get("effective_date")
        self.before = kw.get("before") or {}
        self.after = kw.get("after") or {}
        self.reason = kw.get("reason", "")
        self.actor = kw.get("actor", "bench-admin")
        self.corrects = kw.get("corrects")  # the Event a correction names
        self.sequence = 0

    def __lt__(self, other: "Event") -> bool:  # heapq.merge's tie-break: never needed
        return False


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class Walk:
    """One commitment's status history: its events, recorded in time order, and its live
    state (the last standing status event's `after`)."""

    def __init__(self, rng: random.Random, pk: int, code: str, slug: str, parliament: bool):
        from commitments import audit, workflow

        self.rng, self.pk, self.parliament = rng, pk, parliament
        self.audit, self.workflow = audit, workflow
        self.state = {name: None for name in audit.STATUS_STATE_FIELDS}
        self.state.update(status="pledged", status_date=iso(SIGNED_ON), pledged_on=iso(SIGNED_ON))
        self.state["version"] = 1
        self.at = START + dt.timedelta(minutes=rng.randrange(600))
        self.events: list[Event] = []
        # The status changes that still stand, each with the record as it stood before it
        # (what a correction naming it moves on from).
        self.standing: list[tuple[Event, dict]] = []
        self.changed_at = self.at
        self.corrections = 0
        self.emit(
            self.at,
            audit.COMMITMENT_CREATED,
            effective_date=SIGNED_ON,
            after={
                "participant": code,
                "guarantee": slug,
                **self.state,
                "subject_to_ratification": True,
            },
        )

    def emit(self, at: dt.datetime, action: str, object_type="commitments.commitment", **kw):
        object_id = kw.pop("object_id", self.pk)
        event = Event(at, action, object_type, object_id, commitment_id=self.pk, **kw)
        self.events.append(event)
        return event

    def tick(self, not_before: dt.datetime, hours: float) -> dt.datetime:
        """A recorded time after the last one, not before `not_before`, within `hours`
        (a few seconds later where that would pass the end of the history)."""
        start = max(self.at, not_before)
        at = start + dt.timedelta(seconds=self.rng.randrange(1, int(hours * 3600) + 2))
        if at > END:
            at = start + dt.timedelta(seconds=self.rng.randrange(1, 60))
        self.at = at
        return at

    def change(self, day: dt.date, update_ids, source_url: str) -> None:
        rng, workflow = self.rng, self.workflow
        status = self.state["status"]
        # Corrections: now and then, and more often once the ladder's end is reached (where
        # a day brings nothing else).
        terminal = status in ("in_force", "withdrawn")
        if self.standing and rng.random() < (0.25 if terminal else 0.07):
            self.correct(day, update_ids, source_url)
            return
        options = [
            s
            for s in workflow.allowed_next(status, needs_parliament=self.parliament)
            if s != "withdrawn" or rng.random() < 0.01
        ]
        if not options:
            return
        weights = [3 if s == "rejected" else 5 for s in options]
        new = rng.choices(options, weights)[0]
        basis_dates = {f: self.state[f] for f in workflow.STAGE_DATE_FIELDS.values()}
        self.apply(day, new, basis_dates, None, update_ids, source_url, before_state=None)

    def correct(self, day: dt.date, update_ids, source_url: str) -> None:
        rng, workflow = self.rng, self.workflow
        index = len(self.standing) - 1 if rng.random() < 0.7 else rng.randrange(len(self.standing))
        corrected, basis = self.standing[index]
        earliest = dt.date.fromisoformat(basis["status_date"])
        eff = earliest + dt.timedelta(days=rng.randint(0, max(0, (day - earliest).days)))
        options = [
            s
            for s in workflow.allowed_next(basis["status"], needs_parliament=self.parliament)
            if s != "withdrawn"
        ] or [basis["status"]]
        new = rng.choice(options)
        basis_dates = {f: basis[f] for f in workflow.STAGE_DATE_FIELDS.values()}
        del self.standing[index:]
        self.corrections += 1
        self.apply(eff, new, basis_dates, corrected, update_ids, source_url, before_state=basis)

    def apply(self, eff, new, basis_dates, corrected, update_ids, source_url, before_state):
        """Submission (maybe after a rejected one), then approval: the events reviews and
        status_updates write, in that order."""
        rng, audit = self.rng, self.audit
        basis = before_state or dict(self.state)
        not_before = dt.datetime.combine(eff, dt.time(7), tzinfo=dt.UTC)
        is_correction = corrected is not None
        if rng.random() < 0.25:  # a proposal turned down first
            self.submission(not_before, eff, new, is_correction, corrected, update_ids, source_url)
            self.emit(
                self.tick(not_before, 48),
                audit.UPDATE_REJECTED,
                "commitments.statusupdate",
                object_id=next(update_ids) - 1,
                before={"state": "submitted"},
                after={"state": "rejected"},
                reason="The source does not say so.",
                actor="bench-reviewer",
            )
        self.submission(not_before, eff, new, is_correction, corrected, update_ids, source_url)
        before = dict(self.state)
        dates = self.workflow.stage_dates_after(
            {k: dt.date.fromisoformat(v) if v else None for k, v in basis_dates.items()},
            new,
            eff,
        )
        self.state.update({k: iso(v) for k, v in dates.items()})
        self.state.update(status=new, status_date=iso(eff), version=self.state["version"] + 1)
        event = self.emit(
            self.tick(not_before, 72),
            audit.STATUS_CHANGED,
            effective_date=eff,
            before=before,
            after={
                **self.state,
                "proposed_by": "bench-analyst",
                "is_correction": is_correction,
                # "corrects": the named event's sequence, known once the chain is ordered.
            },
            reason="Corrected: the earlier source was wrong." if is_correction else "",
            actor="bench-reviewer",
            corrects=corrected,
        )
        self.changed_at = event.at
        self.standing.append((event, basis))

    def submission(self, not_before, eff, new, is_correction, corrected, update_ids, url):
        self.emit(
            self.tick(not_before, 48),
            self.audit.UPDATE_SUBMITTED,
            "commitments.statusupdate",
            object_id=next(update_ids),
            effective_date=eff,
            after={
                "state": "submitted",
                "proposed_status": new,
                "effective_date": iso(eff),
                "summary": f"{new.replace('_', ' ').capitalize()} on {iso(eff)}.",
                "is_correction": is_correction,
                "correction_reason": "The earlier source was wrong." if is_correction else "",
                "corrects": None,  # filled in with the sequence when the chain is ordered
                "base_version": self.state["version"],
                "sources": [url],
            },
            actor="bench-analyst",
            corrects=corrected,
        )


def other_events(
    rng: random.Random, n: int, refs: dict, commitment_ids: list, update_ids, notes: dict
):
    """n events that are not the matrix commitments' status history, in time order;
    `notes` learns each commitment's last notes."""
    from commitments import audit

    span = (END - START).total_seconds()
    offsets = sorted(rng.random() * span for _ in range(n))
    kinds = ["reference"] * 75 + ["notes"] * 2 + ["draft"] * 3 + ["account"] * 20
    for i, offset in enumerate(offsets):
        at = START + dt.timedelta(seconds=offset)
        kind = rng.choice(kinds)
        if kind == "reference":
            object_type, pk = rng.choice(refs["objects"])
            yield Event(
                at,
                audit.REFERENCE_CHANGED,
                object_type,
                pk,
                before={"notes": f"Note {i - 1}."},
                after={"notes": f"Note {i}."},
            )
        elif kind == "notes":
            cid = rng.choice(commitment_ids)
            new = f"Bench note {i}."
            yield Event(
                at,
                audit.COMMITMENT_CHANGED,
                "commitments.commitment",
                cid,
                commitment_id=cid,
                before={"notes": notes.get(cid, "")},
                after={"notes": new},
            )
            notes[cid] = new
        elif kind == "draft":
            cid = rng.choice(commitment_ids)
            eff = max(SIGNED_ON, at.date() - dt.timedelta(days=rng.randrange(60)))
            yield Event(
                at,
                audit.UPDATE_CREATED,
                "commitments.statusupdate",
                next(update_ids),
                commitment_id=cid,
                effective_date=eff,
                after={
                    "state": "draft",
                    "proposed_status": "signed",
                    "effective_date": iso(eff),
                    "summary": "Draft.",
                    "is_correction": False,
                    "correction_reason": "",
                    "corrects": None,
                    "base_version": 1,
                    "sources": [],
                },
                actor="bench-analyst",
            )
        else:
            yield Event(
                at,
                audit.USER_CHANGED,
                "accounts.user",
                rng.randrange(1, 40),
                before={"last_name": "A"},
                after={"last_name": "B"},
            )


COLUMNS = (
    "sequence, occurred_at, actor_id, actor_name, action, object_type, object_id, "
    "commitment_id, update_id, effective_date, before, after, reason, request_id, prev_hash, hash"
)


def build(args) -> dict:
    """Writes the reference data, the history and the live commitments; returns figures."""
    import orjson
    from django.db import connection, transaction

    from commitments import audit
    from commitments.models import (
        Agreement,
        Commitment,
        Guarantee,
        Participant,
        unaudited_bulk_create,
    )
    from tests.audit_table import triggers_off

    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    with transaction.atomic():
        agreement = unaudited_bulk_create(
            Agreement,
            [
                Agreement(
                    slug=SLUG,
                    title="Bench agreement (50 x 40)",
                    kind="treaty",
                    signed_on=SIGNED_ON,
                    place="Bench",
                )
            ],
        )[0]
        codes = [
            chr(65 + i // 26) + chr(65 + i % 26) if i < N_COUNTRIES else f"ORG{i:02d}"
            for i in range(N_PARTICIPANTS)
        ]
        participants = unaudited_bulk_create(
            Participant,
            [
                Participant(
                    code=code,
                    name=f"Bench participant {code}",
                    kind="country" if i < N_COUNTRIES else "organisation",
                    needs_parliamentary_approval=i < N_COUNTRIES and i % 5 != 0,
                )
                for i, code in enumerate(codes)
            ],
        )
        guarantees = unaudited_bulk_create(
            Guarantee,
            [
                Guarantee(
                    agreement=agreement,
                    slug=f"bench-g{i:02d}",
                    title=f"Bench guarantee {i:02d}",
                    domain=DOMAINS[i % len(DOMAINS)],
                    position=i,
                )
                for i in range(N_GUARANTEES)
            ],
        )
        commitments = unaudited_bulk_create(
            Commitment,
            [
                Commitment(
                    participant=p,
                    guarantee=g,
                    status="pledged",
                    status_date=SIGNED_ON,
                    pledged_on=SIGNED_ON,
                    status_changed_at=START,
                    version=1,
                )
                for p in participants
                for g in guarantees
            ],
        )
    by_id = {p.pk: p for p in participants}
    slugs = {g.pk: g.slug for g in guarantees}

    # The matrix commitments' histories.
    update_ids = iter(range(1, 10**9))
    walks = []
    for c in commitments:
        p = by_id[c.participant_id]
        walk = Walk(rng, c.pk, p.code, slugs[c.guarantee_id], p.needs_parliamentary_approval)
        k = max(1, round(rng.gauss(args.changes, args.changes / 3)))
        days = sorted(
            SIGNED_ON + dt.timedelta(days=rng.randint(1, (LAST_DAY - SIGNED_ON).days))
            for _ in range(k)
        )
        for day in days:
            walk.change(day, update_ids, f"https://bench.example.org/{c.pk}/{day}")
        walks.append(walk)
    history = sorted((e for w in walks for e in w.events), key=lambda e: e.at)
    refs = [
        Event(START - dt.timedelta(minutes=10), audit.REFERENCE_CREATED, "commitments.agreement",
              agreement.pk, after={"slug": SLUG, "title": agreement.title}),
        *(
            Event(START - dt.timedelta(minutes=9), audit.REFERENCE_CREATED,
                  "commitments.participant", p.pk, after={"code": p.code, "name": p.name})
            for p in participants
        ),
        *(
            Event(START - dt.timedelta(minutes=8), audit.REFERENCE_CREATED,
                  "commitments.guarantee", g.pk, after={"slug": g.slug, "title": g.title})
            for g in guarantees
        ),
    ]  # fmt: skip
    n_other = args.events - len(history) - len(refs)
    if n_other < 0:
        raise SystemExit(f"--events {args.events:,} is fewer than the status history's")
    objects = [("commitments.participant", p.pk) for p in participants]
    objects += [("commitments.guarantee", g.pk) for g in guarantees]
    objects += [("commitments.agreement", agreement.pk)]
    objects += [("commitments.source", i) for i in range(1, 500)]
    notes: dict[int, str] = {}
    ids = [c.pk for c in commitments]
    other = other_events(rng, n_other, {"objects": objects}, ids, update_ids, notes)
    t1 = time.perf_counter()

    # The chain, written with COPY. The chain's INSERT trigger would check each row against
    # the head: the bench owns its database and lifts it for this fill.
    prev = audit.GENESIS
    counts: dict[str, int] = {}
    sequence = 0
    with (
        transaction.atomic(),
        triggers_off("audit_event_continues_chain"),
        connection.cursor() as cursor,
        cursor.copy(f"COPY commitments_auditevent ({COLUMNS}) FROM STDIN") as copy,
    ):
        for event in heapq.merge(refs, history, other, key=lambda e: e.at):
            sequence += 1
            event.sequence = sequence
            if event.corrects is not None:  # a correction (or its submission)
                event.after["corrects"] = event.corrects.sequence
            counts[event.action] = counts.get(event.action, 0) + 1
            occurred = event.at.isoformat(timespec="microseconds")
            effective = iso(event.effective_date)
            content = audit.content_of(
                sequence=sequence,
                occurred_at=occurred,
                actor_id=None,
                actor_name=event.actor,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                commitment_id=event.commitment_id,
                update_id=None,
                effective_date=effective,
                before=event.before,
                after=event.after,
                reason=event.reason,
                request_id=f"bench-{sequence}",
            )
            digest = audit.chain_hash(prev, content)
            copy.write_row(
                (
                    sequence,
                    occurred,
                    None,
                    event.actor,
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.commitment_id,
                    None,
                    effective,
                    orjson.dumps(event.before).decode(),
                    orjson.dumps(event.after).decode(),
                    event.reason,
                    content["request_id"],
                    prev,
                    digest,
                )
            )
            prev = digest
    t2 = time.perf_counter()

    # The live record, as the last standing status event of each commitment says it is (raw
    # SQL: the model refuses bulk updates).
    fields = list(audit.STATUS_STATE_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE commitments_commitment SET "
            + ", ".join(f"{f} = %s" for f in fields)
            + ", status_changed_at = %s, notes = %s WHERE id = %s",
            [
                [w.state[f] for f in fields] + [w.changed_at, notes.get(w.pk, ""), w.pk]
                for w in walks
            ],
        )
        cursor.execute("VACUUM ANALYZE")
    t3 = time.perf_counter()
    return {
        "events": sequence,
        "actions": counts,
        "status_events": sum(
            1 for w in walks for e in w.events if e.action in audit.STATUS_ACTIONS
        ),
        "corrections": sum(w.corrections for w in walks),
        "seconds": {
            "generate": round(t1 - t0, 1),
            "hash and COPY": round(t2 - t1, 1),
            "live rows, VACUUM ANALYZE": round(t3 - t2, 1),
        },
    }


def check_build(as_of: dt.date) -> str:
    """The chain verifies (with the replay of status events against the live rows), and the
    status as of today is the live status for every commitment."""
    from django.utils import timezone

    from commitments import audit, selectors

    report = audit.verify()
    assert report.ok, (report.broken_reason, report.mismatches[:3])
    today = timezone.localdate()
    rows = selectors.commitments_as_of(day=today).filter(guarantee__agreement__slug=SLUG)
    wrong = [c.pk for c in rows if c.status_on != c.status]
    assert not wrong, f"as of today differs from the live status for {len(wrong)}: {wrong[:5]}"
    return f"verify(): {report.checked:,} events in {report.seconds:.1f} s, ok"


# Measuring ---------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


SLOW_MS = 2000.0  # a call slower than this is timed 3 times, in one run


def timed(fn, n: int, warmup: int) -> dict:
    """n calls of fn after `warmup` ones (at least 2): median and p95 in ms, queries and CPU
    time per call. Calls slower than SLOW_MS (a missing index at 1,000,000 events) are
    timed 3 times only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        t = time.perf_counter()
        result = fn()
        first = (time.perf_counter() - t) * 1000
    # Read now: the next request's request_started signal empties the log they slice.
    sql = [q["sql"] for q in queries.captured_queries]
    t = time.perf_counter()
    fn()  # the first call may have read from disk
    slow = min(first, (time.perf_counter() - t) * 1000) > SLOW_MS
    if slow:
        n = min(n, 3)
    else:
        for _ in range(warmup - 2):
            fn()
    times = []
    cpu = cpu_ms()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    cpu = {k: (v - cpu[k]) / n for k, v in cpu_ms().items()}
    return {
        "cpu": cpu,
        "median": statistics.median(times),
        "p95": percentile(times, 95),
        "n": n,
        "slow": slow,
        "queries": len(sql),
        "result": result,
        "sql": sql,
    }


def cpu_ms() -> dict[str, float]:
    """CPU time used so far, in ms, by this process (Django) and by its PostgreSQL backend:
    unlike the wall time, barely changed by other work on a shared machine (beyond caches)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        BACKEND["backend"] = cursor.fetchone()[0]
    me = os.times()
    try:
        stat = Path(f"/proc/{BACKEND['backend']}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        backend = (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):  # another host: the app's side only
        backend = float("nan")
    return {"django": (me.user + me.system) * 1000, "postgres": backend}


BACKEND: dict[str, int] = {}


def other_load() -> str:
    """The machine's load, as other work on it adds to the figures."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def one_pass_as_of(day: dt.date) -> dict[int, str]:
    """A prototype of another shape for the as-of read (not the selectors' code): one query
    over the matrix's status events up to `day` that no correction superseded, the latest of
    each commitment picked by a window (ROW_NUMBER, which SQLite has too), instead of one
    correlated subquery per commitment. {commitment id: status on `day`}."""
    from django.db.models import F, Window
    from django.db.models.fields.json import KT
    from django.db.models.functions import RowNumber

    from commitments import audit
    from commitments.models import AuditEvent
    from commitments.selectors.timeline import _superseded

    latest = (
        AuditEvent.objects.filter(
            action__in=audit.STATUS_ACTIONS,
            effective_date__lte=day,
            commitment__guarantee__agreement__slug=SLUG,
        )
        .exclude(_superseded())
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("commitment_id")],
                order_by=[F("effective_date").desc(), F("sequence").desc()],
            )
        )
        .filter(rank=1)
        .values_list("commitment_id", KT("after__status"))
    )
    return dict(latest)


def measurements(args) -> list[tuple[str, str, float | None, object]]:
    """(label, goal text, goal in ms or None, a function to time)."""
    from django.test import Client

    from commitments import selectors

    as_of = args.as_of
    known = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.UTC)
    client = Client(HTTP_HOST="localhost")
    values = {"slug": SLUG, "as_of": as_of.isoformat(), "known_on": args.known_on.isoformat()}
    url_now, url_as_of, url_known, url_both = (
        url.format(**values)
        for url in (args.url_now, args.url_as_of, args.url_known, args.url_both)
    )

    def get(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)

        return call

    def rows(qs, field=None, keep=""):
        def call():
            items = list(qs.filter(guarantee__agreement__slug=SLUG))
            assert len(items) == N_PARTICIPANTS * N_GUARANTEES, len(items)
            if keep:
                seen[keep] = {c.pk: getattr(c, field) for c in items}
            if field:
                return sum(1 for c in items if getattr(c, field) is not None)
            return len(items)

        return call

    def prototype():
        by_id = one_pass_as_of(as_of)
        items = list(selectors.commitment_list().filter(guarantee__agreement__slug=SLUG))
        for c in items:
            c.status_on = by_id.get(c.pk)
        if "as_of" in seen:  # the same answer as the selector (measured just before)
            got = {c.pk: c.status_on for c in items}
            assert got == seen.pop("as_of"), "the prototype's answer differs"
        return sum(1 for c in items if c.status_on is not None)

    seen: dict[str, dict] = {}
    return [
        (f"GET {url_now} (now)", "< 150 ms", 150.0, get(url_now)),
        (f"GET {url_as_of} (as of)", "< 300 ms", 300.0, get(url_as_of)),
        (f"GET {url_known} (as known on)", "< 300 ms", 300.0, get(url_known)),
        (f"GET {url_both} (both)", "< 300 ms", 300.0, get(url_both)),
        ("commitment_list(), 2,000 rows", "", None, rows(selectors.commitment_list())),
        (
            f"commitments_as_of(day={as_of}), 2,000 rows",
            "",
            None,
            rows(selectors.commitments_as_of(day=as_of), "status_on", keep="as_of"),
        ),
        (
            f"commitments_known_at(moment={known:%Y-%m-%d %H:%M}), 2,000 rows",
            "",
            None,
            rows(selectors.commitments_known_at(moment=known), "status_known"),
        ),
        (
            f"commitments_known_at(moment=now, day={as_of}), 2,000 rows",
            "",
            None,
            rows(
                selectors.commitments_known_at(moment=dt.datetime.now(dt.UTC), day=as_of),
                "status_known",
            ),
        ),
        (
            f"prototype: one-pass as of {as_of} + commitment_list(), 2 queries",
            "",
            None,
            prototype,
        ),
    ]


@contextlib.contextmanager
def without_indexes(names: list[str]):
    """The named indexes dropped for the block, in a transaction rolled back after it."""
    from django.db import connection, transaction

    if not names:
        yield
        return
    with contextlib.suppress(_Rollback), transaction.atomic():
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        raise _Rollback


class _Rollback(Exception):
    pass


def explain(out: Path, as_of: dt.date) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the selectors' queries, to files; one line each."""
    from commitments import selectors

    known = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.UTC)
    queries = {
        "as_of": selectors.commitments_as_of(day=as_of),
        "known_at": selectors.commitments_known_at(moment=known),
        "known_at_day": selectors.commitments_known_at(moment=dt.datetime.now(dt.UTC), day=as_of),
    }
    lines = []
    out.mkdir(parents=True, exist_ok=True)
    for name, qs in queries.items():
        qs = qs.filter(guarantee__agreement__slug=SLUG)
        plan = qs.explain(analyze=True, buffers=True)
        path = out / f"explain-{name}.txt"
        path.write_text(str(qs.query) + "\n\n" + plan + "\n")
        total = next((x for x in plan.splitlines() if "Execution Time" in x), "?").strip()
        lines.append(f"  {name}: {total} ({path.relative_to(ROOT)})")
    return lines


def git_state() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout

    changed = [line[3:] for line in git("status", "--short").splitlines()]
    changed = [f for f in changed if not f.startswith("bench/")]
    head = git("rev-parse", "--short", "HEAD").strip()
    return head + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and build the database")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per run")
    parser.add_argument("--warmup", type=int, default=3, help="requests before timing")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; best counts")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 1))
    parser.add_argument("--url-now", default="/?agreement={slug}")
    parser.add_argument("--url-as-of", default="/?agreement={slug}&as_of={as_of}")
    parser.add_argument("--url-known", default="/?agreement={slug}&known_on={as_of}")
    parser.add_argument(
        "--url-both", default="/?agreement={slug}&as_of={as_of}&known_on={known_on}"
    )
    parser.add_argument(
        "--known-on",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 6, 1),
        help="the record's day for --url-both",
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--changes", type=float, default=8, help="days with a change, per commitment"
    )
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the selectors")
    parser.add_argument(
        "--without-index",
        action="append",
        default=[],
        metavar="NAME",
        help="measure with this index dropped (rolled back afterwards)",
    )
    parser.add_argument("--only", default="", help="measure only labels containing this")
    parser.add_argument(
        "--quick", action="store_true", help="50,000 events, 5 calls, one run (not the goal)"
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.requests, args.warmup, args.runs = 50_000, 5, 1, 1

    params = {"events": args.events, "changes": args.changes, "seed": args.seed}
    started = time.monotonic()
    if args.rebuild or built_with() != params:
        print(f"building {db_name()} ({params}) …", flush=True)
        recreate_database()
        fresh = True
    else:
        fresh = False
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if fresh:
        figures = build(args)
        print(f"  {figures['events']:,} events: {json.dumps(figures['actions'])}")
        print(
            f"  {figures['status_events']:,} status events of the 2,000 commitments "
            f"({figures['corrections']:,} corrections); seconds: {figures['seconds']}"
        )
        print("  " + check_build(args.as_of), flush=True)
        mark_built(params)
    else:
        print(f"reusing {db_name()} ({params}; --rebuild to build it again)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM commitments_auditevent")
        n_events = cursor.fetchone()[0]

    out = RESULTS / time.strftime("matrix-%Y%m%d-%H%M%S")
    load_before = other_load()
    results = []
    with without_indexes(args.without_index):
        if args.explain:
            print("EXPLAIN (ANALYZE, BUFFERS):")
            print("\n".join(explain(out, args.as_of)), flush=True)
        for label, goal, goal_ms, fn in measurements(args):
            if args.only and args.only not in label:
                continue
            runs = [timed(fn, args.requests, args.warmup)]
            while len(runs) < args.runs and not runs[0]["slow"]:
                runs.append(timed(fn, args.requests, args.warmup))
            best = min(runs, key=lambda r: r["median"])
            best["all"] = [r["median"] for r in runs]
            results.append((label, goal, goal_ms, best))
            print(
                f"  {label}: median {best['median']:.1f} ms (runs: "
                + ", ".join(f"{m:.1f}" for m in best["all"])
                + f"), p95 {best['p95']:.1f} ms, {best['queries']} queries, CPU "
                f"{best['cpu']['django']:.1f} + {best['cpu']['postgres']:.1f} ms",
                flush=True,
            )
    load_after = other_load()

    lines = [
        "",
        f"code: {git_state()}; database {db_name()}: {n_events:,} audit events, "
        f"{N_PARTICIPANTS} x {N_GUARANTEES} commitments"
        + (f"; WITHOUT index {', '.join(args.without_index)}" if args.without_index else ""),
        f"{args.requests} timed calls after {args.warmup} of warm-up, per run; {args.runs} runs "
        "per measurement, the best median counts (its p95 shown); in process (Django test "
        "client, DJANGO_DEBUG=false, no HTTP server).",
        f"before: {load_before}; after: {load_after}",
        "",
        "| measurement | median ms | p95 ms | queries | CPU ms: Django + PostgreSQL | goal "
        "| met? |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for label, goal, goal_ms, r in results:
        met = "-" if goal_ms is None else ("yes" if r["median"] < goal_ms else "NO")
        slow = " (slow: 3 calls, 1 run)" if r["slow"] else ""
        lines.append(
            f"| {label}{slow} | {r['median']:,.1f} | {r['p95']:,.1f} | {r['queries']} "
            f"| {r['cpu']['django']:,.1f} + {r['cpu']['postgres']:,.1f} | {goal or '-'} | {met} |"
        )
    print("\n".join(lines))
    for label, goal, goal_ms, r in results:
        if goal_ms is None:
            continue
        result = {
            "figure": f"matrix {label}, {n_events:,} events",
            "goal": goal,
            "measured": round(r["median"], 1),
            "unit": "ms (median)",
            "met": r["median"] < goal_ms,
            "detail": f"p95 {r['p95']:,.1f} ms, {r['queries']} queries, best of {len(r['all'])}",
        }
        print("BENCH_RESULT " + json.dumps(result), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print(f"\n({time.monotonic() - started:.0f} s in all; {out.relative_to(ROOT)}/)")


if __name__ == "__main__":
    main()
