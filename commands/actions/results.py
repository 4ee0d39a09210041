"""What the /actions family returns, and the cell a digest's button names."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from commands.context import Place
from commands.parsing import clean

# The digest's Assign owner button, its form, and an action's Done button.
CELL_ASSIGN = "cell.assign"
ACTION_DONE = "action.done"
ACTION_FORM = "action_form"
# The dimension an action on a figure of the digest's Marketing and sales section is
# recorded under (the figure is its value), beside the APM's dimensions.
MARKETING = "marketing"
MARKETING_TITLE = "Marketing and sales"


@dataclass(frozen=True)
class Cell:
    """Which cell of which council's digest: what the Assign owner button carries."""

    council: int
    run: int | None
    label: str
    dimension: str
    value: str
    column: str
    period: str
    # The cell's colour and value as the digest showed them (older buttons carry neither).
    color: str | None = None
    shown: str = ""

    @classmethod
    def from_json(cls, text: str) -> Cell:
        data = json.loads(text)
        run = data.get("run")
        return cls(
            int(data["council"]),
            None if run is None else int(run),
            clean(str(data["label"])),
            clean(str(data["dimension"])),
            clean(str(data["value"])),
            clean(str(data["column"])),
            clean(str(data["period"])),
            _color(data.get("color")),
            clean(str(data.get("shown") or ""))[:64],
        )

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @property
    def title(self) -> str:
        if self.dimension == MARKETING:
            return f"{self.label} · {MARKETING_TITLE} · {self.value}"
        return f"{self.label} · {self.dimension} {self.value} · {self.column}"


def _color(value: object) -> str | None:
    return value if value in ("red", "yellow", "green") else None


@dataclass(frozen=True)
class ActionView:
    id: int
    council: str
    label: str
    cell: str
    owner: str
    owner_user_id: str | None
    kind: str
    description: str
    due: date
    status: str
    overdue: bool
    snoozed_until: date | None
    color_at: str | None
    shown_at: str
    place: Place


@dataclass(frozen=True)
class ActionForm:
    cell: Cell
    place: Place
    kinds: list[str]
    due: date


@dataclass(frozen=True)
class ActionAssigned:
    action: ActionView
    assigned_by: str


@dataclass(frozen=True)
class ActionList:
    title: str
    actions: list[ActionView]
    empty: str


@dataclass(frozen=True)
class ActionChanged:
    action: ActionView
    what: str


@dataclass(frozen=True)
class CellHistory:
    council: str
    cell: str
    colours: list[tuple[str, str | None, str]] = field(default_factory=list)  # week, colour
    actions: list[ActionView] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)  # what was said, by action


@dataclass(frozen=True)
class Reminder:
    workspace_id: str
    action: ActionView
    why: str  # tomorrow, today or overdue
    day: date  # the owner's day it is for: one reminder per action and day
    again: bool = False  # an earlier attempt that day failed, and may have got through
