"""Bulk loading at the speed of the database: PostgreSQL's COPY for generated organisations
(`council demo-data`), an executemany INSERT on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.orm import Session

from store.deals import DEALS, VERSIONS, NewDeal, _chain


def copy_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """`rows` (all with the same keys) written into `table`: COPY on PostgreSQL, with each
    column's own conversions (cents, UTC, JSON) applied as an INSERT would."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    from psycopg.types.json import Json

    names = list(rows[0])
    # psycopg's dialect leaves JSON to the driver's own adapter, which COPY needs named.
    processors: list[Callable[[Any], Any] | None] = [
        Json if isinstance(table.c[name].type, JSON) else table.c[name].type.bind_processor(dialect)
        for name in names
    ]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    # A batch's COPY may take longer than a command's statement bound (store.db) on a busy
    # server; LOCAL: the bound is back when the transaction ends.
    session.execute(text("SET LOCAL statement_timeout = 0"))
    raw: Any = cast(Any, connection.connection).dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    row[name] if process is None else process(row[name])
                    for name, process in zip(names, processors, strict=True)
                ]
            )


def copy_deals(session: Session, workspace_id: str, new: Sequence[NewDeal]) -> list[int]:
    """Like `store.deals.insert_deals`, through COPY on PostgreSQL: the deals' ids are taken
    from their sequence first, so the versions need no lookup by CRM id."""
    connection = session.connection()
    if connection.dialect.name != "postgresql" or not new:
        from store.deals import insert_deals

        return insert_deals(session, workspace_id, new)
    taken = text(
        "SELECT nextval(pg_get_serial_sequence('deals', 'id')) FROM generate_series(1, :n)"
    )
    ids = list(session.scalars(taken, {"n": len(new)}))
    deals = []
    versions: list[dict[str, Any]] = []
    for deal_id, item in zip(ids, new, strict=True):
        deals.append(
            {
                "id": deal_id,
                "workspace_id": workspace_id,
                "external_id": item.external_id,
                "version": len(item.states),
                "updated_at": item.states[-1][0],
                "updated_by_id": item.by,
                "crm_modified_at": item.crm_modified_at,
                **item.states[-1][1],
            }
        )
        versions.extend(_chain(workspace_id, deal_id, item.states, item.by, item.source))
    copy_rows(session, DEALS, deals)
    copy_rows(session, VERSIONS, versions)
    return ids
