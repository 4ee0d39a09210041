"""The digest's pictures as PNG bytes: the APM with coloured cells, and the pacing chart.

The APM is drawn cell by cell with Pillow (boxes and text need no plotting library), so
each cell can carry its target and attainment on a second line, the total row can stand
out and the canvas fits the rows (no blank half-page). Colour is never the only signal:
every coloured cell has a marker (▲ ● ▼), for readers who cannot tell the fills apart
and for grey-scale prints. The pacing chart is drawn the same way.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from itertools import cycle, pairwise
from math import ceil, floor, hypot, log10
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
        # Fast compression: a larger file, a fraction of the time to encode it.
        self.image.save(buffer, format="PNG", compress_level=1)
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
    closed, forecast = "#0072b2", "#e69f00"  # Okabe-Ito blue and orange
    values = [
        float(v) for p in (*pacing.this_year, *pacing.last_year) for v in (p.closed, p.forecast)
    ]
    if pacing.target is not None:
        values.append(float(pacing.target))
    step = _tick_step(max(values, default=0.0))
    chart = _Chart(pacing.weeks + 0.3, step * ceil(max(values, default=0.0) / step * 1.04 or 1))
    chart.axes(range(0, int(pacing.weeks) + 1), step, pacing.currency)
    if pacing.target is not None:
        target = float(pacing.target)
        chart.line([(0, target), (chart.x_max, target)], "#444444", 1.2, dash=(1, 2))
        words = f" target {short_money(pacing.target, pacing.currency)}"
        chart.label(0.1, target, words, 9, "#444444", anchor="ld", dy=-2)
        # Where closed would be on a straight line to the target.
        chart.line([(0, 0), (pacing.weeks, target)], "#999999", 1, dash=(6, 2, 1, 2))
    if pacing.this_year:
        last = pacing.this_year[-1]
        chart.line([(last.week, 0), (last.week, chart.y_max)], "#bbbbbb", 1)
    prior, now = pacing.prior.label, pacing.period.label
    series = [
        (pacing.last_year, "closed", closed, 1.4, (4, 2), "o", 3, f"Closed {prior}"),
        (pacing.last_year, "forecast", forecast, 1.4, (4, 2), "s", 3, f"Forecast {prior}"),
        (pacing.this_year, "closed", closed, 2.6, None, "o", 5, f"Closed {now}"),
        (pacing.this_year, "forecast", forecast, 2.6, None, "s", 5, f"Forecast {now}"),
    ]
    for points, name, color, width, dash, marker, size, _ in series:
        line = [(p.week, float(getattr(p, name))) for p in points]
        chart.line(line, color, width, dash)
        for x, y in line:
            chart.marker(x, y, marker, size, color, hollow=dash is not None)
    if pacing.this_year:
        for value, color in ((last.closed, closed), (last.forecast, forecast)):
            words = short_money(value, pacing.currency)
            chart.label(last.week, float(value), words, 9, color, bold=True, dx=6)
    chart.title(
        f"Pacing {pacing.period.label} against {pacing.prior.label} · as of "
        f"{pacing.as_of:%a %d %b %Y %H:%M %Z}"
    )
    legend = [
        (color, width, dash, marker, size, words)
        for *_, color, width, dash, marker, size, words in series
    ]
    if pacing.target is not None:
        legend.append(("#999999", 1, (6, 2, 1, 2), "", 0, "Straight line to target"))
    chart.legend(legend)
    return chart.png()


def _tick_step(top: float) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving 4 to 10 ticks up to `top`."""
    if top <= 0:
        return 1.0
    power = 10 ** floor(log10(top / 5))
    return next(power * m for m in (1, 2, 2.5, 5, 10) if top / (power * m) <= 10)


class _Chart:
    """A line chart's plot area on a 9.5 x 4.8 inch canvas, data drawn through it."""

    WIDTH, HEIGHT = 9.5, 4.8
    LEFT, RIGHT, TOP, BOTTOM = 0.95, 0.55, 0.55, 1.1  # inches around the plot area

    def __init__(self, x_max: float, y_max: float) -> None:
        from PIL import Image, ImageDraw

        self.x_max, self.y_max = x_max, y_max
        self.image = Image.new("RGB", (round(self.WIDTH * DPI), round(self.HEIGHT * DPI)), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.left, self.top = self.LEFT * DPI, self.TOP * DPI
        self.right = (self.WIDTH - self.RIGHT) * DPI
        self.bottom = (self.HEIGHT - self.BOTTOM) * DPI

    def at(self, x: float, y: float) -> tuple[float, float]:
        return (
            self.left + (self.right - self.left) * x / self.x_max,
            self.bottom - (self.bottom - self.top) * y / self.y_max,
        )

    def axes(self, weeks: Iterable[int], step: float, currency: str) -> None:
        """Grid lines and labels every `step` up the side, a tick every week along the
        foot, and the two axes."""
        ticks = 0.0
        while ticks <= self.y_max + step / 1000:
            left, y = self.at(0, ticks)
            if ticks:
                self.draw.line((left, y, self.right, y), fill="#eeeeee", width=1)
            words = short_money(Decimal(str(round(ticks, 2))), currency)
            self.draw.text((left - 8, y), words, fill="black", font=_font(10, False), anchor="rm")
            ticks += step
        for week in weeks:
            x, bottom = self.at(week, 0)
            self.draw.line((x, bottom, x, bottom + 5), fill="black", width=1)
            self.draw.text(
                (x, bottom + 8), str(week), fill="black", font=_font(10, False), anchor="mt"
            )
        middle = (self.left + self.right) / 2
        words = "week of the quarter"
        self.draw.text(
            (middle, self.bottom + 30), words, fill="black", font=_font(10, False), anchor="mt"
        )
        self.draw.line((self.left, self.top, self.left, self.bottom), fill="black", width=1)
        self.draw.line((self.left, self.bottom, self.right, self.bottom), fill="black", width=1)

    def line(
        self,
        points: Sequence[tuple[float, float]],
        color: str,
        points_wide: float,
        dash: tuple[int, ...] | None = None,
    ) -> None:
        """A polyline through data points; `dash` is on and off lengths in line widths."""
        pixels = [self.at(x, y) for x, y in points]
        width = _px(points_wide)
        if dash is None:
            self.draw.line(pixels, fill=color, width=width, joint="curve")
            return
        lengths = cycle(length * max(width, 2) for length in dash)
        drawing, left = True, next(lengths)
        for (x0, y0), (x1, y1) in pairwise(pixels):
            span = hypot(x1 - x0, y1 - y0)
            done = 0.0
            while done < span:
                run = min(left, span - done)
                if drawing:
                    a, b = done / span, (done + run) / span
                    start = (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a)
                    self.draw.line(
                        (start, (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)), fill=color, width=width
                    )
                done += run
                left -= run
                if left <= 0:
                    drawing, left = not drawing, next(lengths)

    def marker(
        self, x: float, y: float, shape: str, points: float, color: str, hollow: bool
    ) -> None:
        cx, cy = self.at(x, y)
        r = _px(points) / 2 + 1
        box = (cx - r, cy - r, cx + r, cy + r)
        fill = "white" if hollow else color
        if shape == "o":
            self.draw.ellipse(box, fill=fill, outline=color, width=2 if hollow else 1)
        else:
            self.draw.rectangle(box, fill=fill, outline=color, width=2 if hollow else 1)

    def label(
        self,
        x: float,
        y: float,
        words: str,
        size: float,
        color: str,
        bold: bool = False,
        anchor: str = "lm",
        dx: float = 0,
        dy: float = 0,
    ) -> None:
        """Text at a data point, `dx`, `dy` points away from it."""
        px, py = self.at(x, y)
        where = (px + dx * DPI / 72, py + dy * DPI / 72)
        self.draw.text(where, words, fill=color, font=_font(size, bold), anchor=anchor)

    def title(self, words: str) -> None:
        self.draw.text(
            (self.left, self.top - 14), words, fill="black", font=_font(12, True), anchor="ld"
        )

    def legend(
        self, entries: Sequence[tuple[str, float, tuple[int, ...] | None, str, float, str]]
    ) -> None:
        """Entries in three columns below the axis label, each a line sample with its marker."""
        font = _font(8.5, False)
        column = max(font.getlength(words) for *_, words in entries) + 60
        rows = ceil(len(entries) / 3)
        left = (self.left + self.right) / 2 - column * ceil(len(entries) / rows) / 2
        for index, (color, width, dash, marker, size, words) in enumerate(entries):
            # Filled column by column, as matplotlib's legends are.
            x = left + column * (index // rows)
            y = self.bottom + 62 + 22 * (index % rows)
            sample = [self._data(x, y), self._data(x + 36, y)]
            self.line(sample, color, width, dash)
            if marker:
                mx, my = self._data(x + 18, y)
                self.marker(mx, my, marker, size, color, hollow=dash is not None)
            self.draw.text((x + 44, y), words, fill="black", font=font, anchor="lm")

    def _data(self, px: float, py: float) -> tuple[float, float]:
        """The data point at a pixel: legend samples are drawn with the data's own tools."""
        x = (px - self.left) * self.x_max / (self.right - self.left)
        y = (self.bottom - py) * self.y_max / (self.bottom - self.top)
        return x, y

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()
