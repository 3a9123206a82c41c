import sys
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from commitments import audit, services
from commitments.audit import checkpoints
from commitments.choices import VerificationTrigger

# Exit codes of --checkpoint: the history is not what the checkpoint saw; the checkpoint itself
# cannot be trusted (not signed by this tracker's key, altered, unreadable).
NOT_A_PREFIX = 1
CHECKPOINT_REFUSED = 2


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain, replay the status history against the live record and "
        "check every stored checkpoint (its signature, its event's hash); exits non-zero "
        "naming the first broken event, each disagreeing commitment or checkpoint. With "
        "--checkpoint FILE (a checkpoint's JSON as the API served it): checks its signature, "
        "then that the history it saw is still a prefix of today's. The outcome of a full "
        "verification is recorded (as the hourly one is: /metrics, the audit log page; a broken "
        "chain tells the admins) unless --no-record."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="a kept checkpoint (GET /api/v1/audit/checkpoints/latest/); '-' reads stdin",
        )
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="do not record the outcome (nor tell the admins of a broken chain)",
        )

    def handle(self, *args, **options):
        if options["checkpoint"]:
            self.check_checkpoint(options["checkpoint"])
            return
        started_at = timezone.now()
        report = audit.verify()
        if not options["no_record"]:
            self.record(report, started_at)
        rate = report.checked / report.seconds if report.seconds else 0
        note = f"{report.checked} events checked in {report.seconds:.3f} s ({rate:,.0f}/s)."
        if report.broken_sequence is not None:
            raise CommandError(
                f"Audit chain broken at event #{report.broken_sequence}: {report.broken_reason}. "
                + note
            )
        for problem in report.checkpoint_problems:
            self.stderr.write(problem)
        if report.mismatches:
            for m in report.mismatches:
                self.stderr.write(
                    f"Commitment {m.commitment_id}: live {m.field} is {m.live!r}, "
                    f"its events say {m.replayed!r}."
                )
            raise CommandError(
                f"{len(report.mismatches)} disagreement(s) between the record and its history. "
                + note
            )
        if report.checkpoint_problems:
            raise CommandError(
                f"{len(report.checkpoint_problems)} of {report.checkpoints_checked} stored "
                "checkpoint(s) contradict today's history (cut, rewritten, or forged): "
                + " ".join(report.checkpoint_problems)
                + " "
                + note
            )
        self.stdout.write(
            f"Audit chain intact. {note} "
            f"{report.checkpoints_checked} stored checkpoint(s) agree with it."
        )

    def record(self, report: audit.VerifyReport, started_at) -> None:
        """Keep the outcome as the schedule does. A database that refuses the row (an older
        schema, a role without INSERT) does not hide what the walk found: it is said on
        stderr, and the exit status stays the chain's."""
        try:
            services.audit_verification_record(
                report=report, started_at=started_at, trigger=VerificationTrigger.COMMAND
            )
        except DatabaseError as error:
            self.stderr.write(f"This verification was not recorded: {error}")

    def check_checkpoint(self, path: str) -> None:
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
            kept = orjson.loads(raw)
        except (OSError, orjson.JSONDecodeError) as error:
            raise CommandError(
                f"Cannot read the checkpoint {path}: {error}", returncode=CHECKPOINT_REFUSED
            ) from error
        report = checkpoints.checkpoint_check(kept)
        if report.ok:
            self.stdout.write(f"{report.message} {report.checked} events checked.")
            return
        refused = report.outcome in ("bad_signature", "other_key", "malformed")
        raise CommandError(
            report.message, returncode=CHECKPOINT_REFUSED if refused else NOT_A_PREFIX
        )
