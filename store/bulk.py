"""Many rows into one table at the speed of the database: COPY on PostgreSQL, one
executemany of plain tuples on SQLite. The values go through the same bind processors
SQLAlchemy would apply (cents for money, UTC for datetimes, JSON text), so what is stored
is what an ORM insert stores; only SQLAlchemy's per-row statement work is skipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from store.db import STATEMENT_SECONDS

MS_PER_ROW = 5

# Each column's processor, kept with its answers for the values it saw last (bounded):
# a load's dates, moments and states repeat from batch to batch, and a lookup in C is
# cheaper than formatting again. lru_cache is thread-safe.
REMEMBERED = 16384
_kept: dict[tuple[str, str, str], Any] = {}


def _processor(table: Table, name: str, dialect: Any) -> Any:
    """The column's bind processor on this database (None when it needs none), nulls left
    as they are."""
    key = (table.name, name, dialect.name)
    if key not in _kept:
        column_type = table.columns[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        _kept[key] = None if processor is None else _remembered(processor)
    return _kept[key]


def _remembered(processor: Any) -> Any:
    @lru_cache(maxsize=REMEMBERED)
    def process(value: Any) -> Any:
        return None if value is None else processor(value)

    def unhashable(values: Sequence[Any]) -> list[Any]:
        # JSON: most change lists are the empty one.
        empty = processor({})
        return [None if v is None else empty if v == {} else processor(v) for v in values]

    process.unhashable = unhashable  # type: ignore[attr-defined]
    return process


def _converted(values: Sequence[Any], process: Any) -> list[Any]:
    """A column's values as the database takes them."""
    try:
        return list(map(process, values))
    except TypeError:  # unhashable
        return cast(list[Any], process.unhashable(values))


def _default(table: Table, name: str) -> Any:
    default = table.columns[name].default
    return default.arg if default is not None and default.is_scalar else None  # type: ignore[attr-defined]


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` fresh ids from the table's sequence (PostgreSQL), for rows COPY writes."""
    result = session.connection().exec_driver_sql(
        f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
        f"FROM generate_series(1, {int(count)})"
    )
    return [row[0] for row in result]


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (column -> value; a column a row lacks takes its default, else null)
    into `table`, `id` included only when the rows give it."""
    if not rows:
        return
    names = [c.name for c in table.columns if c.name != "id" or "id" in rows[0]]
    defaults = {name: _default(table, name) for name in names}
    values = itemgetter(*names)
    insert_tuples(session, table, names, [values({**defaults, **row}) for row in rows])


def insert_tuples(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows`, each the values of the columns `names` in that order, into `table`."""
    if not rows:
        return
    session.flush()  # the ORM's pending rows first: these may refer to them
    connection = session.connection()
    dialect = connection.dialect
    processors = [(p, _processor(table, name, dialect)) for p, name in enumerate(names)]
    if any(processor for _p, processor in processors):
        # Column by column, mostly in C: transposed, mapped, transposed back.
        columns = list(zip(*rows, strict=True))
        for position, processor in processors:
            if processor is not None:
                columns[position] = tuple(_converted(columns[position], processor))
        rows = list(zip(*columns, strict=True))
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    statement = ""
    try:
        if dialect.name == "postgresql":
            # A load's COPY may take longer than an ordinary statement's bound (a busy
            # server, 20,000 rows each checked against their deal and people): a bound
            # that grows with the rows, this COPY only.
            bound = STATEMENT_SECONDS * 1000 + MS_PER_ROW * len(rows)
            usual = cursor.execute("SHOW statement_timeout").fetchone()
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", (f"{bound}ms",))
            quoted = ", ".join(f'"{n}"' for n in names)
            statement = f"COPY {table.name} ({quoted}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for values in rows:
                    copy.write_row(values)
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", usual)
        else:
            marks = ", ".join("?" for _ in names)
            statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
            cursor.executemany(statement, rows)
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy would raise it (DataError, IntegrityError, ...), so callers that
        # split a batch the store refuses still see what they expect.
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        cursor.close()
