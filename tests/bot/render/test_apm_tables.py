"""The APM as Slack table blocks, within Slack's documented limits (tests/support/block_rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.console.text import blocks_text
from bot.render import render
from bot.render.apm import apm_tables
from bot.render.digest import split
from commands.apm import Apm
from commands.fiscal import Period
from commands.metrics import Cell, Row
from tests.support.block_rules import problems

PERIOD = Period(date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")


def money_cell(amount: int, color: str | None) -> Cell:
    return Cell(Decimal(amount), Decimal(amount // 2), Decimal("1"), None, color)


def row(name: str, amount: int) -> Row:
    coverage = Cell("n/a", None, None, None, None)
    return Row(
        name,
        money_cell(amount, "red"),
        money_cell(amount, "green"),
        money_cell(amount, None),
        money_cell(amount, "yellow"),
        coverage,
    )


def apm(values: int) -> Apm:
    rows = [row(f"Region {i:03d}", 1000 * (i + 1)) for i in range(values)]
    return Apm(
        PERIOD, datetime(2026, 11, 15, tzinfo=UTC), "region", rows, row("Total", 5), 0.5, "$"
    )


def test_an_apm_is_one_table_block_last_in_its_reply_with_the_code_block_as_text():
    message = render(apm(3))
    tables = [b for b in message.blocks if b["type"] == "table"]
    assert len(tables) == 1 and message.blocks[-1] is tables[0]
    assert problems(message.blocks) == []
    rows = [[cell["text"] for cell in r] for r in tables[0]["rows"]]
    assert rows[0] == ["Region", "Forecast", "Closed", "Open pipe", "Pipe gen", "Coverage"]
    # $1,000 forecast a year ago $500: +100%, red; open has no target: ⚪; coverage n/a.
    assert rows[1] == [
        "Region 000",
        "🔴 $1k +100%",
        "🟢 $1k +100%",
        "⚪ $1k +100%",
        "🟡 $1k +100%",
        "⚪ n/a",
    ]
    assert rows[-1][0] == "Total" and len(rows) == 1 + 3 + 1
    assert all(cell["type"] == "raw_text" for r in tables[0]["rows"] for cell in r)
    assert message.text.startswith("APM by region · 2026-Q4") and "```" in message.text
    assert "Region 002" in message.text  # the table, for notifications and older clients


def test_more_values_than_a_table_holds_fall_back_to_code_blocks_in_a_reply():
    message = render(apm(150))
    assert not [b for b in message.blocks if b["type"] == "table"]
    code = "".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "Region 149" in code and "```" in code
    assert problems(message.blocks) == []


def test_the_digest_splits_a_long_apm_into_tables_of_100_rows_each_in_its_own_message():
    tables = apm_tables(apm(150))
    # 151 rows of values (150 and the total) at 99 a table: 99 and 52, each with the header.
    assert [len(t["rows"]) for t in tables] == [100, 53]
    assert all(t["rows"][0][0]["text"] == "Region" for t in tables)
    assert tables[-1]["rows"][-1][0]["text"] == "Total"
    messages = split([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}, *tables])
    assert [sum(b["type"] == "table" for b in m) for m in messages] == [1, 1]
    assert all(problems(m) == [] for m in messages)


def test_an_empty_value_gets_a_dash_not_an_empty_cell_slack_would_refuse():
    table = apm_tables(
        Apm(
            PERIOD,
            datetime(2026, 11, 15, tzinfo=UTC),
            "region",
            [row("", 1)],
            row("Total", 1),
            0.5,
            "$",
        )
    )[0]
    assert table["rows"][1][0]["text"] == "–" and problems([table]) == []


def test_the_validator_refuses_what_slack_refuses():
    cell = {"type": "raw_text", "text": "x"}
    too_many = {"type": "table", "rows": [[cell]] * 101}
    assert problems([too_many]) == ["block 0: 101 rows (at most 100)"]
    wide = {"type": "table", "rows": [[cell] * 21]}
    assert problems([wide]) == ["block 0: row 0: 21 cells (at most 20)"]
    empty = {"type": "table", "rows": [[{"type": "raw_text", "text": ""}]]}
    assert problems([empty]) == ["block 0: row 0 cell 0: empty"]
    two = {"type": "table", "rows": [[cell]]}
    assert problems([two, two]) == ["2 tables (only_one_table_allowed)"]


def test_the_console_shows_a_table_block_as_columns():
    text, _ = blocks_text(render(apm(2)).blocks)
    assert "Region 001" in text and "Open pipe" in text
