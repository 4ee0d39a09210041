"""The digest's pictures as PNG bytes: the APM with coloured cells, and the pacing chart.

The APM is drawn cell by cell with Pillow (boxes and text need no plotting library), so
each cell can carry its target and attainment on a second line, the total row can stand
out and the canvas fits the rows (no blank half-page). Colour is never the only signal:
every coloured cell has a marker (▲ ● ▼), for readers who cannot tell the fills apart
and for grey-scale prints. The pacing chart is matplotlib's, without pyplot.
"""

from __future__ import annotations

import importlib.util
import io
from decimal import Decimal
from functools import cache
from pathlib import Path
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


class _Canvas:
    """A white canvas measured in inches from its bottom left, as the layout is written,
    drawn with Pillow: the APM is boxes and text, which Pillow draws in a few
    milliseconds where matplotlib's import and text layout took seconds."""

    def __init__(self, width: float, height: float, margin: float) -> None:
        from PIL import Image, ImageDraw

        self.margin, self.height = margin, height
        size = (round((width + 2 * margin) * DPI), round((height + 2 * margin) * DPI))
        self.image = Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (x + self.margin) * DPI, (self.height + self.margin - y) * DPI

    def box(self, x: float, y: float, width: float, height: float, fill: str, edge: float) -> None:
        """A filled box with its bottom left at (x, y), less `edge` pixels of white on
        every side: the gaps that part the cells."""
        left, bottom = self.point(x, y)
        right, top = self.point(x + width, y + height)
        self.draw.rectangle((left + edge, top + edge, right - edge, bottom - edge), fill=fill)

    def rule(self, x0: float, x1: float, y: float, color: str, points: float) -> None:
        self.draw.line((self.point(x0, y), self.point(x1, y)), fill=color, width=_px(points))

    def text(
        self, x: float, y: float, words: str, size: float, bold: bool = False, color: str = "black"
    ) -> None:
        """`words` starting at x, centred vertically on y."""
        self.draw.text(self.point(x, y), words, fill=color, font=_font(size, bold), anchor="lm")

    def wrapped(self, x: float, y: float, words: str, size: float, color: str) -> None:
        """`words` in lines that fit between x and the canvas's right margin, the block
        centred vertically on y."""
        font = _font(size, False)
        room = self.image.width - self.point(x, y)[0] - self.margin * DPI
        lines = [""]
        for word in words.split():
            joined = f"{lines[-1]} {word}".strip()
            if lines[-1] and font.getlength(joined) > room:
                lines.append(word)
            else:
                lines[-1] = joined
        step = size * 1.25 / 72  # inches between lines
        first = y + step * (len(lines) - 1) / 2
        for index, line in enumerate(lines):
            self.text(x, first - index * step, line, size, color=color)

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG")
        return buffer.getvalue()


def _px(points: float) -> int:
    return max(1, round(points * DPI / 72))


@cache
def _font(points: float, bold: bool) -> Any:
    """DejaVu Sans (it has the markers ▲ ● ▼ and ✎) at `points`, from the copy matplotlib
    ships, found without importing matplotlib."""
    from PIL import ImageFont

    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations is not None
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(folder / name), points * DPI / 72)


def _draw_table(canvas: _Canvas, apm: Apm, top: float) -> float:
    """Draw one APM with its top edge at `top` (inches from the bottom); returns the y
    below it."""
    y = top - HEAD_HEIGHT
    heads = [apm.dimension.capitalize(), *(COLUMN_NAMES[c] for c in COLUMNS)]
    x = 0.0
    for index, head in enumerate(heads):
        canvas.text(x + 0.08, y + HEAD_HEIGHT / 2, head, 9, bold=True, color="#333333")
        x += LABEL_WIDTH if index == 0 else CELL_WIDTH
    edge = _px(1.5) / 2
    for row in [*apm.rows, apm.total]:
        is_total = row is apm.total
        y -= ROW_HEIGHT
        canvas.box(0, y, LABEL_WIDTH, ROW_HEIGHT, "#e6e6e6" if is_total else "white", edge)
        label = "Total" if is_total else row.value
        # A long value is cut at its box, not drawn over the next cell.
        font = _font(9.5, is_total)
        while label and font.getlength(label) > (LABEL_WIDTH - 0.1) * DPI:
            label = label[:-1]
        canvas.text(0.08, y + ROW_HEIGHT / 2, label, 9.5, bold=is_total)
        cx = LABEL_WIDTH
        for name, cell in row.cells():
            color = cell.color or ""
            canvas.box(cx, y, CELL_WIDTH, ROW_HEIGHT, FILL.get(color, NO_TARGET), edge)
            if color:
                # A strip in the strong colour on the cell's left edge.
                canvas.box(cx, y, 0.05 + edge / DPI, ROW_HEIGHT, EDGE[color], edge)
            canvas.text(
                cx + 0.1, y + ROW_HEIGHT * 0.64, main_line(name, cell, apm.currency), 9, is_total
            )
            second = target_line(name, cell, apm.currency)
            if second:
                canvas.text(cx + 0.1, y + ROW_HEIGHT * 0.27, second, 7.5, color="#444444")
            cx += CELL_WIDTH
        if is_total:
            # A rule above the total, the sum of the rows above.
            canvas.rule(0, x, y + ROW_HEIGHT, "#222222", 1.6)
    return y


def apm_image(digest: Digest) -> bytes:
    """The digest's APMs as one PNG: a title with the period, the as-of moment and the
    share of the quarter gone; per dimension a table; a legend at the foot."""
    tables = [part.apm for part in digest.dimensions]
    width = LABEL_WIDTH + CELL_WIDTH * len(COLUMNS)
    title_height, gap, legend_height = 0.7, 0.4, 0.45
    height = title_height + legend_height
    height += sum(gap + HEAD_HEIGHT + ROW_HEIGHT * (len(t.rows) + 1) for t in tables)
    canvas = _Canvas(width, height, 0.1)
    top = height
    canvas.text(
        0, top - 0.15, f"Pipeline council · {digest.council} · APM {digest.period.label}", 13, True
    )
    canvas.text(
        0,
        top - 0.47,
        f"as of {digest.as_of:%a %d %b %Y %H:%M %Z} · {digest.elapsed:.0%} of the quarter gone",
        9.5,
        color="#444444",
    )
    y = top - title_height
    for apm in tables:
        canvas.text(0, y - gap / 2, f"by {apm.dimension}", 10.5, bold=True)
        y = _draw_table(canvas, apm, y - gap)
    _legend(canvas, y - 0.25)
    return canvas.png()


def _legend(canvas: _Canvas, y: float) -> None:
    x = 0.0
    for color in ("green", "yellow", "red"):
        canvas.box(x, y - 0.1, 0.3, 0.2, FILL[color], 0)
        canvas.box(x, y - 0.1, 0.04, 0.2, EDGE[color], 0)
        canvas.text(x + 0.08, y, MARKER[color], 8)
        canvas.text(x + 0.38, y, MEANING[color], 8.5)
        x += 1.45
    canvas.box(x, y - 0.1, 0.3, 0.2, NO_TARGET, 0)
    canvas.text(x + 0.38, y, "no target", 8.5)
    canvas.wrapped(
        x + 1.3,
        y,
        "Pace: closed and pipe gen against the share of the quarter gone; forecast against "
        "target; open pipe against last year; coverage against what it needs.",
        7.5,
        "#444444",
    )


def pacing_image(pacing: Pacing) -> bytes:
    """Cumulative closed ACV and forecast by week of the quarter: this year (solid, up to
    the as-of moment) against the same weeks a year earlier (dashed, the whole quarter),
    and the closed target as a level line. Shapes and line styles tell the series apart
    as well as colours do."""
    # A figure without pyplot: no backend chosen, no figure manager, fewer imports.
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(9.5, 4.8))
    axis = figure.subplots()
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
    return buffer.getvalue()
