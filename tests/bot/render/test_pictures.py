"""The digest's APM picture: what each cell says, a tight canvas, and never a file in the
working directory."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from matplotlib import image as mpimg

from bot.render.pictures import DPI, MARKER, apm_image, main_line, pacing_image, target_line
from commands.apm import Apm
from commands.fiscal import Period
from commands.metrics import Cell, Row
from commands.pacing import PacePoint, Pacing

PERIOD = Period(date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")


def test_a_cell_shows_its_marker_value_change_target_and_attainment():
    closed = Cell(Decimal("32900"), Decimal("52222"), Decimal("-0.37"), Decimal("150000"), "red")
    assert main_line("closed", closed, "$") == "▼ $32.9k  -37% YoY"
    # 32,900 / 150,000 = 21.9%: rounds to 22%.
    assert target_line("closed", closed, "$") == "target $150k · 22%"
    on_pace = Cell(Decimal("449000"), None, None, Decimal("400000"), "green")
    assert main_line("pipegen", on_pace, "$") == "▲ $449k"
    assert target_line("pipegen", on_pace, "$") == "target $400k · 112%"
    coverage = Cell(
        Decimal("0.97"),
        Decimal("1.17"),
        Decimal("-0.2"),
        Decimal("3.0"),
        "yellow",
        needed=Decimal("2.67"),
    )
    assert main_line("coverage", coverage, "$") == "● 0.97x  -0.2x YoY"
    assert target_line("coverage", coverage, "$") == "needs 2.67x"
    untargeted = Cell(Decimal("5"), None, None, None, None)
    assert (
        main_line("closed", untargeted, "$") == "$5"
        and target_line("closed", untargeted, "$") == "no target"
    )
    assert set(MARKER.values()) == {"▲", "●", "▼"}  # distinct shapes, not only colours


class FakeDigest:
    """What the picture reads of a digest."""

    def __init__(self, values: int) -> None:
        cell = Cell(Decimal("1000"), Decimal("900"), Decimal("0.11"), Decimal("2000"), "red")
        rows = [Row(f"Value {i}", cell, cell, cell, cell, cell) for i in range(values)]
        apm = Apm(
            PERIOD,
            datetime(2026, 11, 23, tzinfo=UTC),
            "region",
            rows,
            Row("total", cell, cell, cell, cell, cell),
            0.58,
            "$",
        )
        self.council = "pipeline"
        self.period = PERIOD
        self.as_of = apm.as_of
        self.elapsed = 0.58
        self.dimensions = [type("Part", (), {"apm": apm})(), type("Part", (), {"apm": apm})()]


@pytest.mark.parametrize("values", [1, 6])
def test_the_canvas_fits_its_rows_with_little_blank(values: int):
    pixels = mpimg.imread(io.BytesIO(apm_image(FakeDigest(values))), format="png")  # type: ignore[arg-type]
    inked = ~(pixels[:, :, :3] > 0.99).all(axis=2)
    rows = inked.any(axis=1).nonzero()[0]
    columns = inked.any(axis=0).nonzero()[0]
    # The old picture was 40% blank canvas below its tables; now what is drawn spans the
    # canvas but for a thin margin, whatever the number of rows.
    assert (rows[-1] - rows[0]) / len(pixels) > 0.85
    assert (columns[-1] - columns[0]) / pixels.shape[1] > 0.9


def test_the_pacing_chart_draws_both_years_and_the_target():
    def points(weeks: int, step: int) -> list[PacePoint]:
        at = datetime(2026, 11, 23, tzinfo=UTC)
        return [PacePoint(w, at, Decimal(step * w), Decimal(step * w + 5000)) for w in range(weeks)]

    pacing = Pacing(
        PERIOD,
        Period(date(2025, 10, 1), date(2026, 1, 1), "2025-Q4"),
        datetime(2026, 11, 23, tzinfo=UTC),
        13.1,
        points(8, 1000),
        points(14, 900),
        Decimal("12000"),
        "$",
    )
    pixels = mpimg.imread(io.BytesIO(pacing_image(pacing)), format="png")  # type: ignore[arg-type]
    assert pixels.shape[:2] == (round(4.8 * DPI), round(9.5 * DPI))
    rgb = (pixels[:, :, :3] * 255).round().astype(int)
    # Okabe-Ito blue (closed) and orange (forecast) lines, and the target's grey line.
    for colour in ((0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00), (0x44, 0x44, 0x44)):
        assert ((rgb == colour).all(axis=2)).sum() > 200, colour
