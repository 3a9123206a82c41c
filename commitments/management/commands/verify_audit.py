from django.core.management.base import BaseCommand, CommandError

from commitments import audit


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain and replay the status history against the live record; "
        "exits non-zero naming the first broken event or each disagreeing commitment."
    )

    def handle(self, *args, **options):
        report = audit.verify()
        rate = report.checked / report.seconds if report.seconds else 0
        note = f"{report.checked} events checked in {report.seconds:.3f} s ({rate:,.0f}/s)."
        if report.broken_sequence is not None:
            raise CommandError(
                f"Audit chain broken at event #{report.broken_sequence}: {report.broken_reason}. "
                + note
            )
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
        self.stdout.write(f"Audit chain intact. {note}")
