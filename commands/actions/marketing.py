"""The coloured figures of the digest's Marketing and sales section as cells that can be
given an owner, like an APM row: the same thread item, form, action and reminders, the
action recorded under the dimension `marketing` with the figure as its value."""

from __future__ import annotations

from dataclasses import dataclass

from commands.actions.results import MARKETING
from commands.formatting import short_money
from commands.sla.figures import SlaReport

MQLS = "MQLs delivered"
PIPEGEN = "Marketing pipeline generation"


@dataclass(frozen=True)
class FigureRef:
    """A figure of the section, its colour and how it was shown; `label` (M1, M2...) when
    the digest asks an owner for it."""

    value: str  # the figure, as the section names it
    column: str  # what kind of figure: mqls or pipegen
    color: str | None
    shown: str
    label: str = ""
    dimension: str = MARKETING

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.dimension, self.value, self.column)


def marketing_figures(report: SlaReport) -> list[FigureRef]:
    """Every figure of the section that is coloured against a target."""
    total, pipegen = report.total, report.marketing
    mqls_target = f" of {total.target:,}" if total.target is not None else ""
    money_target = (
        f" of {short_money(pipegen.target, report.currency)}" if pipegen.target is not None else ""
    )
    return [
        FigureRef(MQLS, "mqls", total.color, f"{total.mqls:,}{mqls_target}"),
        FigureRef(
            PIPEGEN,
            "pipegen",
            pipegen.color,
            f"{short_money(pipegen.amount, report.currency)}{money_target}",
        ),
    ]
