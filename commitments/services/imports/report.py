"""What an import says: the file's errors, or each row's outcome."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

QUOTED_CHARS = 50  # a value quoted in an error message is cut to this length


@dataclass
class RowError:
    column: str
    message: str


@dataclass
class ImportRow:
    """One row of the file: what it would create, or why it cannot."""

    number: int  # the row's line in the file (the header is row 1)
    participant: str = ""
    guarantee: str = ""
    proposed_status: str = ""
    effective_date: date | None = None
    commitment_id: int | None = None
    old_status: str = ""
    errors: list[RowError] = field(default_factory=list)
    update_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, column: str, message: str) -> None:
        self.errors.append(RowError(column, message))


@dataclass
class ImportReport:
    """A file's check (dry run) or import: its file-level errors, or each row's outcome."""

    filename: str
    dry_run: bool
    file_format: str = ""
    file_errors: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(row.errors) for row in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    @property
    def created(self) -> list[int]:
        return [row.update_id for row in self.rows if row.update_id is not None]


def quoted(value: str) -> str:
    """A value of the file as an error message quotes it: cut to QUOTED_CHARS."""
    return value if len(value) <= QUOTED_CHARS else value[: QUOTED_CHARS - 1] + "…"
