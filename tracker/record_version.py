"""The version of the record this process knows right now, for what a process may keep in
memory until anything is written (API tokens with their users, say).

The app that knows such a version registers it (`commitments`: the audit chain's head, which
every write moves and each process learns by LISTEN/NOTIFY); `current()` is None where none is
known at this moment (SQLite, the watcher off or not current), and then nothing may be kept.
"""

from collections.abc import Callable

_provider: Callable[[], str | None] | None = None


def provide(provider: Callable[[], str | None]) -> None:
    """Register what tells the current version (once, when the apps are ready)."""
    global _provider
    _provider = provider


def current() -> str | None:
    return _provider() if _provider is not None else None
