"""Many rows into one table at the speed of the database: COPY on PostgreSQL, one
executemany of plain tuples on SQLite. The values go through the same bind processors
SQLAlchemy would apply (cents for money, UTC for datetimes, JSON text), so what is stored
is what an ORM insert stores; only SQLAlchemy's per-row statement work is skipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def _processors(table: Table, names: Sequence[str], dialect: Any) -> list[tuple[int, Any]]:
    """(position, processor) for the columns whose values need one on this database."""
    found: list[tuple[int, Any]] = []
    for position, name in enumerate(names):
        column_type = table.columns[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found.append((position, processor))
    return found


def _converted(values: Sequence[Any], processor: Any) -> list[Any]:
    """A column's values as the database takes them, each distinct value processed once:
    a batch's dates, moments and states repeat, and a lookup is cheaper than formatting
    again."""
    try:
        answers = {value: processor(value) for value in set(values) if value is not None}
    except TypeError:  # unhashable (JSON): most change lists are the empty one
        empty = processor({})
        return [None if v is None else empty if v == {} else processor(v) for v in values]
    answers[None] = None
    return list(map(answers.__getitem__, values))


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
    processors = _processors(table, names, dialect)
    if processors:
        # Column by column: one processor call per distinct value, the rest in C.
        columns = list(zip(*rows, strict=True))
        for position, processor in processors:
            columns[position] = tuple(_converted(columns[position], processor))
        rows = list(zip(*columns, strict=True))
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    statement = ""
    try:
        if dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            statement = f"COPY {table.name} ({quoted}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for values in rows:
                    copy.write_row(values)
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
