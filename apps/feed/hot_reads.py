"""Hand-written statements for the reads every home page runs, on PostgreSQL.

Building these small queries through the ORM cost more CPU than running them (measured with
bench/profile_home_feed.py: about 1 ms each of a ~20 ms request). Each caller keeps its ORM
version for other databases (the embedded SQLite default), so both paths answer the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def fetch_on_postgres(model: type[models.Model], sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """Run `sql` on `model`'s read database if it is PostgreSQL ({table} is the model's table);
    None elsewhere, where the caller uses the ORM."""
    connection = connections[router.db_for_read(model)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=model._meta.db_table), params)
        return list(cursor.fetchall())
