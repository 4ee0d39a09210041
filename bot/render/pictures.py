"""The digest's pictures as PNG bytes: the APM with coloured cells, and the pacing chart.

Drawn cell by cell rather than with matplotlib's `table`, so each cell can carry its
target and attainment on a second line, the total row can stand out and the canvas fits
the rows (no blank half-page). Colour is never the only signal: every coloured cell has a
marker (▲ ● ▼), for readers who cannot tell the fills apart and for grey-scale prints.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commands.apm import Apm
from commands.formatting import short_money
from commands.metrics import COLUMN_NAMES, COLUMNS, Cell

if TYPE_CHECKING:
    from commands.digest import Digest
    from commands.pacing import Pacing

# Okabe-Ito's bluish green, yellow and vermillion, lightened so black text reads on them:
# the palette is chosen to stay apart for the common colour-vision deficiencies.
FILL = {"green": "#c2e8da", "yellow": "#f7eea0", "red": "#f4c3a4"}
EDGE = {"green": "#009e73", "yellow": "#b8a600", "red": "#d55e00"}
NO_TARGET = "#f0f0f0"
MARKER = {"green": "▲", "yellow": "●", "red": "▼"}
MEANING = {
    "green": "on pace",
    "yellow": "close to pace",
    "red": "behind pace",
}
LABEL_WIDTH = 1.7  # inches
CELL_WIDTH = 1.75
ROW_HEIGHT = 0.52
HEAD_HEIGHT = 0.34
DPI = 130


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def main_line(name: str, cell: Cell, currency: str) -> str:
    """`▼ $32.9k  −37% YoY`: the marker, the value and the change from a year ago."""
    marker = MARKER.get(cell.color or "", "")
    if name == "coverage":
        value = f"{cell.value}x" if isinstance(cell.value, Decimal) else str(cell.value)
        change = f"  {cell.yoy:+.1f}x YoY" if cell.yoy is not None else ""
    else:
        assert isinstance(cell.value, Decimal)
        value = short_money(cell.value, currency) + ("✎" if cell.call else "")
        change = f"  {cell.yoy * 100:+.0f}% YoY" if cell.yoy is not None else ""
    return f"{marker} {value}{change}".strip()


def target_line(name: str, cell: Cell, currency: str) -> str:
    """The second line: the target and how much of it is reached; what coverage needs."""
    if name == "coverage":
        if not isinstance(cell.value, Decimal):
            return ""
        need = cell.needed if cell.needed is not None else cell.target
        return f"needs {need}x" if need is not None else ""
    if name == "open":
        return "vs last year" if cell.prior is not None else ""
    if cell.target is None or not isinstance(cell.value, Decimal):
        return "no target"
    if cell.target == 0:
        return f"target {short_money(cell.target, currency)}"
    share = cell.value / cell.target
    return f"target {short_money(cell.target, currency)} · {share:.0%}"


def _draw_table(axis: Any, apm: Apm, top: float) -> float:
    """Draw one APM with its top edge at `top` (inches from the bottom); returns the y
    below it."""
    from matplotlib.patches import Rectangle

    y = top - HEAD_HEIGHT
    heads = [apm.dimension.capitalize(), *(COLUMN_NAMES[c] for c in COLUMNS)]
    x = 0.0
    for index, head in enumerate(heads):
        width = LABEL_WIDTH if index == 0 else CELL_WIDTH
        axis.text(
            x + 0.08,
            y + HEAD_HEIGHT / 2,
            head,
            va="center",
            fontsize=9,
            fontweight="bold",
            color="#333333",
            parse_math=False,
        )
        x += width
    for row in [*apm.rows, apm.total]:
        is_total = row is apm.total
        y -= ROW_HEIGHT
        weight = "bold" if is_total else "normal"
        if is_total:
            # A rule above the total, the sum of the rows above.
            axis.plot([0, x], [y + ROW_HEIGHT, y + ROW_HEIGHT], color="#222222", lw=1.6)
        axis.add_patch(
            Rectangle(
                (0, y),
                LABEL_WIDTH,
                ROW_HEIGHT,
                facecolor="#e6e6e6" if is_total else "white",
                edgecolor="white",
                lw=1.5,
            )
        )
        axis.text(
            0.08,
            y + ROW_HEIGHT / 2,
            "Total" if is_total else row.value,
            va="center",
            fontsize=9.5,
            fontweight=weight,
            parse_math=False,  # a region named `$\\foo$` is text, not mathtext
            clip_on=True,
        )
        cx = LABEL_WIDTH
        for name, cell in row.cells():
            color = cell.color or ""
            axis.add_patch(
                Rectangle(
                    (cx, y),
                    CELL_WIDTH,
                    ROW_HEIGHT,
                    facecolor=FILL.get(color, NO_TARGET),
                    edgecolor="white",
                    lw=1.5,
                )
            )
            if color:
                # A strip in the strong colour on the cell's left edge.
                axis.add_patch(Rectangle((cx, y), 0.05, ROW_HEIGHT, facecolor=EDGE[color], lw=0))
            axis.text(
                cx + 0.1,
                y + ROW_HEIGHT * 0.64,
                main_line(name, cell, apm.currency),
                va="center",
                fontsize=9,
                fontweight=weight,
                parse_math=False,
            )
            second = target_line(name, cell, apm.currency)
            if second:
                axis.text(
                    cx + 0.1,
                    y + ROW_HEIGHT * 0.27,
                    second,
                    va="center",
                    fontsize=7.5,
                    color="#444444",
                    parse_math=False,
                )
            cx += CELL_WIDTH
    return y


def apm_image(digest: Digest) -> bytes:
    """The digest's APMs as one PNG: a title with the period, the as-of moment and the
    share of the quarter gone; per dimension a table; a legend at the foot."""
    pyplot = _pyplot()
    tables = [part.apm for part in digest.dimensions]
    width = LABEL_WIDTH + CELL_WIDTH * len(COLUMNS)
    title_height, gap, legend_height = 0.7, 0.4, 0.45
    height = title_height + legend_height
    height += sum(gap + HEAD_HEIGHT + ROW_HEIGHT * (len(t.rows) + 1) for t in tables)
    margin = 0.1
    figure = pyplot.figure(figsize=(width + 2 * margin, height + 2 * margin))
    axis = figure.add_axes((0, 0, 1, 1))
    axis.set_xlim(-margin, width + margin)
    axis.set_ylim(-margin, height + margin)
    axis.axis("off")
    top = height
    axis.text(
        0,
        top - 0.15,
        f"Pipeline council · {digest.council} · APM {digest.period.label}",
        fontsize=13,
        fontweight="bold",
        va="center",
        parse_math=False,
    )
    axis.text(
        0,
        top - 0.47,
        f"as of {digest.as_of:%a %d %b %Y %H:%M %Z} · {digest.elapsed:.0%} of the quarter gone",
        fontsize=9.5,
        color="#444444",
        va="center",
        parse_math=False,
    )
    y = top - title_height
    for apm in tables:
        axis.text(
            0,
            y - gap / 2,
            f"by {apm.dimension}",
            fontsize=10.5,
            fontweight="bold",
            va="center",
            parse_math=False,
        )
        y = _draw_table(axis, apm, y - gap)
    _legend(axis, y - 0.25)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    pyplot.close(figure)
    return buffer.getvalue()


def _legend(axis: Any, y: float) -> None:
    from matplotlib.patches import Rectangle

    x = 0.0
    for color in ("green", "yellow", "red"):
        axis.add_patch(Rectangle((x, y - 0.1), 0.3, 0.2, facecolor=FILL[color], lw=0))
        axis.add_patch(Rectangle((x, y - 0.1), 0.04, 0.2, facecolor=EDGE[color], lw=0))
        axis.text(x + 0.08, y, MARKER[color], va="center", fontsize=8)
        axis.text(x + 0.38, y, MEANING[color], va="center", fontsize=8.5)
        x += 1.45
    axis.add_patch(Rectangle((x, y - 0.1), 0.3, 0.2, facecolor=NO_TARGET, lw=0))
    axis.text(x + 0.38, y, "no target", va="center", fontsize=8.5)
    axis.text(
        x + 1.3,
        y,
        "Pace: closed and pipe gen against the share of the quarter gone; forecast against "
        "target; open pipe against last year; coverage against what it needs.",
        va="center",
        fontsize=7.5,
        color="#444444",
        wrap=True,
    )


def pacing_image(pacing: Pacing) -> bytes:
    """Cumulative closed ACV and forecast by week of the quarter: this year (solid, up to
    the as-of moment) against the same weeks a year earlier (dashed, the whole quarter),
    and the closed target as a level line. Shapes and line styles tell the series apart
    as well as colours do."""
    pyplot = _pyplot()
    from matplotlib.ticker import FuncFormatter

    figure, axis = pyplot.subplots(figsize=(9.5, 4.8))
    weeks_now = [p.week for p in pacing.this_year]
    weeks_then = [p.week for p in pacing.last_year]
    closed, forecast = "#0072b2", "#e69f00"  # Okabe-Ito blue and orange
    axis.plot(
        weeks_then,
        [p.closed for p in pacing.last_year],
        color=closed,
        lw=1.4,
        ls="--",
        marker="o",
        ms=3,
        mfc="white",
        label=f"Closed {pacing.prior.label}",
    )
    axis.plot(
        weeks_then,
        [p.forecast for p in pacing.last_year],
        color=forecast,
        lw=1.4,
        ls="--",
        marker="s",
        ms=3,
        mfc="white",
        label=f"Forecast {pacing.prior.label}",
    )
    axis.plot(
        weeks_now,
        [p.closed for p in pacing.this_year],
        color=closed,
        lw=2.6,
        marker="o",
        ms=5,
        label=f"Closed {pacing.period.label}",
    )
    axis.plot(
        weeks_now,
        [p.forecast for p in pacing.this_year],
        color=forecast,
        lw=2.6,
        marker="s",
        ms=5,
        label=f"Forecast {pacing.period.label}",
    )
    if pacing.target is not None:
        axis.axhline(pacing.target, color="#444444", lw=1.2, ls=":")
        axis.text(
            0.1,
            float(pacing.target),
            f" target {short_money(pacing.target, pacing.currency)}",
            va="bottom",
            fontsize=9,
            color="#444444",
            parse_math=False,
        )
        # Where closed would be on a straight line to the target.
        axis.plot(
            [0, pacing.weeks],
            [0, pacing.target],
            color="#999999",
            lw=1,
            ls="-.",
            label="Straight line to target",
        )
    if pacing.this_year:
        last = pacing.this_year[-1]
        axis.axvline(last.week, color="#bbbbbb", lw=1)
        for value, color in ((last.closed, closed), (last.forecast, forecast)):
            axis.annotate(
                short_money(value, pacing.currency),
                (last.week, float(value)),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                fontweight="bold",
                color=color,
            )
    axis.set_xlim(0, pacing.weeks + 0.3)
    axis.set_ylim(bottom=0)
    axis.set_xticks(range(0, int(pacing.weeks) + 1))
    axis.set_xlabel("week of the quarter")
    axis.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _: short_money(Decimal(str(value)), pacing.currency))
    )
    axis.grid(axis="y", color="#eeeeee")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    axis.set_title(
        f"Pacing {pacing.period.label} against {pacing.prior.label} · as of "
        f"{pacing.as_of:%a %d %b %Y %H:%M %Z}",
        loc="left",
        fontsize=12,
        fontweight="bold",
        parse_math=False,
    )
    axis.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8.5, frameon=False, ncol=3
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    pyplot.close(figure)
    return buffer.getvalue()
