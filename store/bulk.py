"""Many rows into one table at the speed of the database: COPY on PostgreSQL, one
executemany of plain tuples on SQLite. The values go through the same bind processors
SQLAlchemy would apply (cents for money, UTC for datetimes, JSON text), so what is stored
is what an ORM insert stores; only SQLAlchemy's per-row statement work is skipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from store.types import Money


def _processors(table: Table, names: Sequence[str], dialect: Any) -> list[tuple[int, Any]]:
    """(position, processor) for the columns whose values need one on this database."""
    found: list[tuple[int, Any]] = []
    for position, name in enumerate(names):
        column_type = table.columns[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            unique = isinstance(column_type, Money)  # amounts rarely repeat; dates do
            found.append((position, processor if unique else _remembered(processor)))
    return found


def _remembered(processor: Any) -> Any:
    """The processor, remembering its answers: a batch's dates, moments and empty change
    lists repeat, and a lookup is cheaper than formatting again. Per call of insert_rows,
    so what is remembered never outgrows a batch."""
    answers: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        key = value if not isinstance(value, dict) else (() if not value else None)
        if key is None:
            return processor(value)
        try:
            return answers[key]
        except KeyError:
            answer = answers[key] = processor(value)
            return answer
        except TypeError:  # unhashable (a list)
            return processor(value)

    return process


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
    """Insert `rows` (column -> value; a column a row lacks is null) into `table`, `id`
    included only when the rows give it."""
    if not rows:
        return
    session.flush()  # the ORM's pending rows first: these may refer to them
    names = [c.name for c in table.columns if c.name != "id" or "id" in rows[0]]
    connection = session.connection()
    dialect = connection.dialect
    processors = _processors(table, names, dialect)
    # A column's Python default (the ORM applies it; the database knows nothing of it).
    defaults = [_default(table, name) for name in names]
    tuples: list[list[Any]] = []
    for row in rows:
        values = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
        for position, processor in processors:
            if values[position] is not None:
                values[position] = processor(values[position])
        tuples.append(values)
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    statement = ""
    try:
        if dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            statement = f"COPY {table.name} ({quoted}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for values in tuples:
                    copy.write_row(values)
        else:
            marks = ", ".join("?" for _ in names)
            statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
            cursor.executemany(statement, tuples)
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy would raise it (DataError, IntegrityError, ...), so callers that
        # split a batch the store refuses still see what they expect.
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        cursor.close()
