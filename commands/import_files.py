"""Export files as they come: CSV in any common encoding and delimiter, or the REST
API's JSON (`{"records": [...]}`), read one record at a time as header -> text."""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commands.parsing import ParseError, clean

FIELD_LIMIT = 1 << 20  # 1 MiB
# What `clean` removes; searched for once per row, so a clean row is not rebuilt.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SAMPLE = 1 << 20  # what the encoding and delimiter are judged on
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Unreadable:
    """A record the csv module refused (a field past FIELD_LIMIT): listed, never loaded."""

    reason: str


Record = dict[str, str] | Unreadable
Cells = list[str]  # a record's cells, in the order of the headers


@dataclass(frozen=True)
class FileShape:
    """How a file is written: JSON or CSV, and for CSV its encoding and delimiter."""

    kind: str  # csv or json
    encoding: str
    delimiter: str


def shape_of(path: Path) -> FileShape:
    """The file's encoding (a BOM, else UTF-8 when it decodes, else charset-normalizer's
    best guess, as for cp1252 exports from Excel) and its delimiter (the one the header
    line holds most of)."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
    encoding = _encoding(sample)
    text = _decoded(sample, encoding)
    if text.lstrip()[:1] in ("{", "["):
        return FileShape("json", encoding, ",")
    header = text.split("\n", 1)[0]
    counts = {d: _outside_quotes(header).count(d) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","
    return FileShape("csv", encoding, delimiter)


def _encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A sample may end inside a character: the incremental decoder waits for the rest.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SAMPLE)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "cp1252"


def _decoded(sample: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)


def _outside_quotes(line: str) -> str:
    return "".join(part for index, part in enumerate(line.split('"')) if index % 2 == 0)


def estimated_rows(path: Path) -> int:
    """About how many records the file holds, from its size and its first lines' length:
    a progress bar's total without a second pass over the file."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(1 << 18)
    lines = sample.count(b"\n")
    if not sample or lines < 2:
        return 1
    return max(1, round(size / (len(sample) / lines)) - 1)


def headers_of(path: Path) -> list[str]:
    """The file's column names (for JSON, every key path the records use)."""
    for _line, headers, _record in records(path):
        return headers
    shape = shape_of(path)
    if shape.kind == "json":
        return []
    with path.open(newline="", encoding=shape.encoding) as handle:
        return next(csv.reader(handle, delimiter=shape.delimiter), [])


def records(path: Path) -> Iterator[tuple[int, list[str], Record]]:
    """(line, headers, record) for each record; BOM, CRLF, quoted delimiters and newlines.
    A record the csv module refuses comes as `Unreadable`, and reading goes on after it.
    A JSON record's line is its position in the list."""
    shape = shape_of(path)
    if shape.kind == "json":
        yield from _json_records(path, shape.encoding)
        return
    for line, headers, row in _csv_rows(path, shape):
        yield line, headers, row if isinstance(row, Unreadable) else _as_record(headers, row)


def rows(path: Path) -> Iterator[tuple[int, list[str], Cells | Unreadable]]:
    """As `records`, each record as its cells in the headers' order, every one there: no
    dict per row, for imports that read 100,000s of them by position."""
    shape = shape_of(path)
    if shape.kind == "json":
        for line, names, record in _json_records(path, shape.encoding):
            yield line, names, [record.get(name, "") for name in names]
        return
    for line, headers, row in _csv_rows(path, shape):
        if not isinstance(row, Unreadable) and len(row) < len(headers):
            row += [""] * (len(headers) - len(row))  # as the csv module's dicts leave them
        yield line, headers, row


def _csv_rows(path: Path, shape: FileShape) -> Iterator[tuple[int, list[str], Cells | Unreadable]]:
    # Exports carry long notes (the csv module's default stops at 128 KiB); past this
    # limit a field is no note, and its row is refused rather than read into memory.
    csv.field_size_limit(FIELD_LIMIT)
    with path.open(newline="", encoding=shape.encoding, errors="replace") as handle:
        reader = csv.reader(handle, delimiter=shape.delimiter)
        try:
            headers = [h.strip() for h in next(reader)]
        except StopIteration:
            return
        except csv.Error as error:
            raise ParseError(f"{path.name}: the header line is unreadable: {error}") from None
        line = 2
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield line, headers, Unreadable(f"unreadable: {error}")
            else:
                if row:  # a blank line is no record
                    yield line, headers, _cleaned_cells(row)
            line = reader.line_num + 1


def _as_record(headers: list[str], row: Cells) -> dict[str, str]:
    """The row as the csv module's DictReader gives it: a missing cell None, extra cells
    a list under None."""
    record: dict[Any, Any] = dict(zip(headers, row, strict=False))
    if len(row) < len(headers):
        record.update(dict.fromkeys(headers[len(row) :]))
    elif len(row) > len(headers):
        record[None] = row[len(headers) :]
    return record


def _cleaned_cells(row: Cells) -> Cells:
    """The cells without control characters; most rows have none, which one search finds."""
    return [clean(v) for v in row] if _CONTROL.search("".join(row)) else row


def cleaned(row: dict[str, Any]) -> dict[str, str]:
    """The row without control characters; most rows have none, which one search finds."""
    values = row.values()
    if all(isinstance(v, str) for v in values) and not _CONTROL.search("".join(values)):
        return row
    return {k: clean(v) if isinstance(v, str) else v for k, v in row.items()}


def _json_records(path: Path, encoding: str) -> Iterator[tuple[int, list[str], dict[str, str]]]:
    try:
        with path.open(encoding=encoding) as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise ParseError(f"{path.name} is not JSON: {error}") from None
    rows = data.get("records") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ParseError(f'{path.name}: expected a list of records or {{"records": [...]}}')
    flat = [_flattened(row) if isinstance(row, dict) else {} for row in rows]
    headers: dict[str, None] = {}
    for row in flat:
        headers.update(dict.fromkeys(row))
    names = list(headers)
    for number, row in enumerate(flat, start=1):
        yield number, names, cleaned(row)


def _flattened(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """`{"Account": {"Name": "Acme"}}` as `{"Account.Name": "Acme"}`, as a CSV export
    names it; the API's `attributes` (type and URL of each record) are no field."""
    flat: dict[str, str] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flattened(value, name + "."))
        elif value is None:
            flat[name] = ""
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        elif isinstance(value, list):
            continue
        else:
            flat[name] = str(value)
    return flat
