"""The audit history records what other apps announce: accounts' changes (users, roles,
tokens) arrive through accounts.signals.audited, since accounts does not import commitments."""

from accounts.signals import audited
from commitments.audit.chain import record


def _record_account_change(*, signal, sender, **event) -> None:
    record(**event)


def connect() -> None:
    """Called once the apps are ready (commitments.apps)."""
    audited.connect(_record_account_change, dispatch_uid="commitments.audit.account_changes")
