"""Forecast accuracy as Slack shows it: a table a sales VP reads in one look."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tabulate import tabulate

from bot.render.blocks import Block, Message, context, esc, fenced, render, section
from commands.accuracy import (
    KEY_WEEKS,
    AccuracyLine,
    AccuracyReport,
    Bias,
    CellAccuracy,
    PeriodFigures,
    WeekFigures,
    accuracy_color,
)
from commands.formatting import short_money

DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
LEGEND = (
    "Accuracy = what the quarter finally closed / what was forecast that week: 🟢 90-110%, "
    "🟡 80-120%, 🔴 outside. Bias = mean of (forecast - final) / final over the last four "
    "quarters at the same week: + called high, - sandbagged."
)


def _whole(value: Decimal) -> Decimal:
    # Half up, as people round: 12.5% reads 13%, not Python's 12%.
    return (value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def percent(value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    dot = DOTS.get(accuracy_color(value) or "", "")
    return f"{_whole(value)}%{dot}"


def signed(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{_whole(value):+}%"


def _bias_text(bias: Bias | None) -> str:
    if bias is None or bias.call is None:
        return "n/a"
    quarters = "quarter" if bias.periods == 1 else "quarters"
    return f"{signed(bias.call)} ({bias.periods} {quarters})"


def _week_text(week: WeekFigures | None) -> str:
    """The call's accuracy, or the calculated forecast's (`calc`) for a week without a call."""
    if week is None:
        return "–"
    if week.call is not None:
        return percent(week.call_accuracy)
    return f"calc {percent(week.calculated_accuracy)}"


def _weeks_table(cell: CellAccuracy, newest: PeriodFigures, currency: str) -> str:
    rows = [
        [
            f"wk {week.week}",
            short_money(week.call, currency),
            percent(week.call_accuracy) if week.call is not None else "–",
            short_money(week.calculated, currency),
            percent(week.calculated_accuracy),
            _bias_text(cell.bias_at(week.week)),
        ]
        for week in newest.weeks
    ]
    headers = ["", "Call", "Accuracy", "Calculated", "Accuracy", "Call bias"]
    return tabulate(rows, headers=headers, disable_numparse=True)


def key_weeks_text(period: PeriodFigures) -> str:
    """`wk 1 120%🔴 · wk 7 105%🟢 · wk 13 100%🟢`: the call where there was one, else the
    calculated forecast (marked `calc`)."""
    parts = []
    for number in KEY_WEEKS:
        week = period.week(number)
        if week is not None:
            parts.append(f"wk {number} {_week_text(week)}")
    return " · ".join(parts) or "no snapshot in weeks " + ", ".join(map(str, KEY_WEEKS))


def _cell_blocks(cell: CellAccuracy, currency: str) -> list[Block]:
    newest = cell.periods[0]
    head = f"*{esc(cell.label)}* · {newest.period} closed {short_money(newest.final, currency)}"
    blocks = [section(head + "\n" + fenced(_weeks_table(cell, newest, currency)))]
    older = [
        f"{p.period} closed {short_money(p.final, currency)}: {key_weeks_text(p)}"
        for p in cell.periods[1:]
    ]
    if older:
        blocks.append(section("\n".join(older)))
    return blocks


def _team_table(result: AccuracyReport) -> str:
    rows = []
    for cell in result.cells:
        newest = cell.periods[0] if cell.periods else None
        row = [cell.label, newest.period if newest else "–"]
        row.append(short_money(newest.final, result.currency) if newest else "–")
        for number in KEY_WEEKS:
            week = newest.week(number) if newest else None
            row.append(_week_text(week))
        row.append(_bias_text(cell.bias_at(KEY_WEEKS[1])))
        rows.append(row)
    headers = ["", "Quarter", "Closed", *(f"wk {n}" for n in KEY_WEEKS), f"Bias wk {KEY_WEEKS[1]}"]
    return tabulate(rows, headers=headers, disable_numparse=True)


@render.register
def _(result: AccuracyReport) -> Message:
    title = f"*{esc(result.title)}*"
    if not any(cell.periods for cell in result.cells):
        text = (
            f"{result.title}: no ended quarter has a weekly snapshot yet. Snapshots are taken "
            "at each council's digest time; accuracy shows once their quarter has ended."
        )
        return Message(text, [section(esc(text))])
    blocks: list[Block] = [section(title)]
    if result.team:
        blocks.append(section(fenced(_team_table(result))))
    else:
        for cell in result.cells:
            if cell.periods:
                blocks += _cell_blocks(cell, result.currency)
    blocks.append(context(LEGEND))
    return Message(result.title, blocks)


def accuracy_line(line: AccuracyLine) -> str:
    """The one line of the App Home and the digest."""
    newest = line.cell.periods[0]
    bias = line.cell.bias_at(KEY_WEEKS[1])
    text = (
        f"*Forecast accuracy* · {esc(line.label)} · {newest.period} closed "
        f"{short_money(newest.final, line.currency)}: {key_weeks_text(newest)}"
    )
    if bias is not None and bias.call is not None:
        text += f" · bias at wk {KEY_WEEKS[1]} {_bias_text(bias)}"
    return text + " · `/forecast accuracy`"
