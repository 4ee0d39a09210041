"""The APM and coverage as Slack shows them, and as `council apm --json` prints them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.render.blocks import Message, chunks, context, esc, fenced, render, section
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


def apm_title(apm: Apm) -> str:
    return (
        f"APM by {apm.dimension} · {apm.period.label} · as of "
        f"{apm.as_of:%Y-%m-%d %H:%M %Z} · {apm.elapsed:.0%} of the quarter gone"
    )


@render.register
def _(result: Apm) -> Message:
    table = apm_table(result).split("\n")
    header, body = table[:2], table[2:]
    blocks = [section(f"*{esc(apm_title(result))}*")]
    for part in chunks(body, 2800 - len("\n".join(header))):
        blocks.append(section(fenced("\n".join([*header, part]))))
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
    return Message(apm_title(result), blocks[:50])


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
