"""The APM and coverage as Slack shows them, and as `council apm --json` prints them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.render.blocks import (
    Block,
    Message,
    chunks,
    context,
    esc,
    fenced,
    inert,
    render,
    section,
)
from commands.apm import Apm, Coverage
from commands.formatting import money, short_money
from commands.metrics import COLUMN_NAMES, COLUMNS, Cell, Row

DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
HEADERS = COLUMN_NAMES
CALLED = "✎"


def dot(color: str | None) -> str:
    return DOTS.get(color or "", "⚪")


def cell_text(name: str, cell: Cell, currency: str) -> str:
    """`🟢 $1.2M +12%`; coverage as `🔴 0.6x −0.4x`."""
    if name == "coverage":
        value = f"{cell.value}x" if isinstance(cell.value, Decimal) else str(cell.value)
        if cell.needed is not None and isinstance(cell.value, Decimal):
            value += f" of {cell.needed}x"  # what the cell's own win rate needs
        change = f" {cell.yoy:+.1f}x" if cell.yoy is not None else ""
    else:
        assert isinstance(cell.value, Decimal)
        value = short_money(cell.value, currency) + (CALLED if cell.call else "")
        change = f" {cell.yoy * 100:+.0f}%" if cell.yoy is not None else ""
    return f"{dot(cell.color)} {value}{change}"


def call_notes(apm: Apm) -> list[str]:
    """One line per forecast replaced by a manager's call: the call, who, when, and the
    calculated value it replaced."""
    notes = []
    for row in [*apm.rows, apm.total]:
        cell = row.forecast
        if cell.call is None:
            continue
        assert isinstance(cell.value, Decimal)
        where = "total" if row is apm.total else f"{apm.dimension} {row.value}"
        notes.append(
            f"{CALLED} {where}: forecast called {short_money(cell.value, apm.currency)} by "
            f"{cell.call.by} on {cell.call.at:%Y-%m-%d}; calculated "
            f"{short_money(cell.calculated, apm.currency)}"
        )
    return notes


def total_notes(apm: Apm) -> list[str]:
    """The footnote for each target the total lacks while every row has one."""
    names = {"closed": "closed ACV", "pipegen": "pipeline generation"}
    return [
        f"The total has no {names[metric]} target of its own, so it shows none; the "
        f"{apm.dimension} targets add up to {money(amount, apm.currency)}: "
        f"`/council target {apm.period.label} total {metric} {amount:.2f}` sets it."
        for metric, amount in apm.unset_totals.items()
    ]


def apm_table(apm: Apm) -> str:
    rows = [
        [row.value, *(cell_text(name, cell, apm.currency) for name, cell in row.cells())]
        for row in [*apm.rows, apm.total]
    ]
    headers = [apm.dimension.capitalize(), *(HEADERS[c] for c in COLUMNS)]
    from tabulate import tabulate  # not needed by `council apm --json`

    return tabulate(rows, headers=headers, disable_numparse=True)


# Slack's table block (docs.slack.dev/reference/block-kit/blocks/table-block): one per
# message, at most 100 rows of at most 20 cells, each cell raw_text or rich_text and none
# empty. The header row is repeated in each table, so a table holds 99 rows of values.
TABLE_MAX_ROWS = 100
TABLE_MAX_COLUMNS = 20
FALLBACK_LIMIT = 3500  # Slack truncates a message's text far beyond; notifications show less
EMPTY_CELL = "–"


def raw(text: str) -> Block:
    return {"type": "raw_text", "text": text or EMPTY_CELL}


def apm_tables(apm: Apm) -> list[Block]:
    """The APM as Slack table blocks: one unless it has more rows than a table holds, then
    several of at most 99 rows each, every one with the header and the total in the last.
    Each must go in a message of its own (one table per message)."""
    header = [raw(apm.dimension.capitalize()), *(raw(HEADERS[c]) for c in COLUMNS)]
    body = [
        [raw(row.value), *(raw(cell_text(name, cell, apm.currency)) for name, cell in row.cells())]
        for row in [*apm.rows, apm.total]
    ]
    assert len(header) <= TABLE_MAX_COLUMNS  # the APM's columns are fixed; a check, not a cut
    per_table = TABLE_MAX_ROWS - 1
    settings = [{"is_wrapped": True}, *({"align": "right"} for _ in COLUMNS)]
    return [
        {
            "type": "table",
            "column_settings": settings,
            "rows": [header, *body[start : start + per_table]],
        }
        for start in range(0, len(body), per_table)
    ]


def fallback_text(title: str, table: str) -> str:
    """A message's plain text: the table as a code block, for notifications and for
    clients that do not show table blocks."""
    text = f"{inert(title)}\n{fenced(table)}"
    if len(text) <= FALLBACK_LIMIT:
        return text
    return text[: FALLBACK_LIMIT - 4] + "…```"


def apm_title(apm: Apm) -> str:
    return (
        f"APM by {apm.dimension} · {apm.period.label} · as of "
        f"{apm.as_of:%Y-%m-%d %H:%M %Z} · {apm.elapsed:.0%} of the quarter gone"
    )


def code_blocks(apm: Apm) -> list[Block]:
    """The APM as code blocks of at most ~2,800 characters, the header in each."""
    table = apm_table(apm).split("\n")
    header, body = table[:2], table[2:]
    return [
        section(fenced("\n".join([*header, part])))
        for part in chunks(body, 2800 - len("\n".join(header)))
    ]


@render.register
def _(result: Apm) -> Message:
    """One reply carries one table block; an APM too long for one table (over 98 values)
    is shown as code blocks instead, as it was before Slack had tables."""
    blocks = [section(f"*{esc(apm_title(result))}*")]
    tables = apm_tables(result)
    if len(tables) == 1:
        blocks.extend(tables)
    else:
        blocks.extend(code_blocks(result))
    notes = call_notes(result) + total_notes(result)
    if notes:
        blocks.extend(section(esc(part)) for part in chunks(notes))
    blocks.append(
        context(
            "Each cell: value and change from a year ago at the same point of the quarter; "
            "coverage `2.6x of 2.5x` is now, and what the cell's win rate needs. "
            "🟢🟡🔴 pace against target (open pipe against last year); ⚪ no target."
        )
    )
    # The table last: Slack shows a table below a message's other blocks.
    blocks = [b for b in blocks if b["type"] != "table"] + [
        b for b in blocks if b["type"] == "table"
    ]
    return Message(fallback_text(apm_title(result), apm_table(result)), blocks[:50])


@render.register
def _(result: Coverage) -> Message:
    c, cur = result.row.coverage, result.currency
    title = f"Coverage · {result.scope} · {result.period.label}"
    if result.target is None:
        line = (
            f"No closed target for {result.scope} in {result.period.label}, so no coverage: "
            f"set one with `/council target {result.period.label} ... closed AMOUNT`."
        )
    elif c.value == "met":
        line = f"🟢 Target met: closed {money(result.closed, cur)} of {money(result.target, cur)}."
    else:
        line = (
            f"{dot(c.color)} *{c.value}x*: open pipeline {money(result.open, cur)} over "
            f"the {money(result.remaining, cur)} that remains "
            f"(target {money(result.target, cur)} − closed {money(result.closed, cur)})."
        )
    lines = [f"*{esc(title)}*", esc(line)]
    if c.needed is not None:
        lines.append(
            f"Needed at this cell's win rate over the last four quarters: {c.needed}x "
            f"(flat: {c.target or '3.0'}x)."
        )
    if isinstance(c.prior, Decimal):
        change = f" ({c.yoy:+.2f}x)" if c.yoy is not None else ""
        lines.append(f"A year ago at this point: {c.prior}x{change}.")
    return Message(f"{title}: {c.value}", [section("\n".join(lines))])


def _number(value: Decimal | str | None, *, money_value: bool) -> Any:
    if value is None or isinstance(value, str):
        return value
    if money_value:
        return f"{value:.2f}"
    return float(value.quantize(Decimal("0.01")))


def cell_json(name: str, cell: Cell) -> dict[str, Any]:
    is_money = name != "coverage"
    yoy = cell.yoy
    shown: dict[str, Any] = {
        "value": _number(cell.value, money_value=is_money),
        "prior": _number(cell.prior, money_value=is_money),
        "yoy": None if yoy is None else float(yoy if is_money else yoy.quantize(Decimal("0.01"))),
        "target": _number(cell.target, money_value=is_money),
        "color": cell.color,
    }
    if not is_money:
        # What the cell's own trailing four-quarter win rate needs (SPEC section 7).
        shown["needed"] = _number(cell.needed, money_value=False)
    if cell.call is not None:
        # A manager's call replaced the value; the calculated one stays beside it.
        shown["calculated"] = _number(cell.calculated, money_value=True)
        shown["call"] = {"by": cell.call.by, "at": cell.call.at.isoformat()}
    return shown


def row_json(row: Row) -> dict[str, Any]:
    return {name: cell_json(name, cell) for name, cell in row.cells()}


def apm_json(apm: Apm) -> dict[str, Any]:
    """SPEC section 8's `council apm --json`."""
    return {
        "period": apm.period.label,
        "as_of": apm.as_of.isoformat(),
        "dimension": apm.dimension,
        "rows": [{"value": row.value, **row_json(row)} for row in apm.rows],
        "total": row_json(apm.total),
    }


def coverage_json(result: Coverage) -> dict[str, Any]:
    """SPEC section 8's `council coverage --json`."""
    cell = result.row.coverage
    return {
        "open": f"{result.open:.2f}",
        "closed": f"{result.closed:.2f}",
        "target": None if result.target is None else f"{result.target:.2f}",
        "remaining": None if result.remaining is None else f"{result.remaining:.2f}",
        "coverage": _number(cell.value, money_value=False),
        "color": cell.color,
    }
