"""The stages an export uses, read from the export itself: its StageName with IsClosed,
IsWon, Probability and ForecastCategoryName, or Salesforce's default stage list when it
has no such columns, so that any org's file loads with no stage map."""

from __future__ import annotations

from collections.abc import Sequence

from commands.import_columns import ColumnMap, export_category, squash
from store.models import Stage
from store.workspaces import StageSpec

# Salesforce's default OpportunityStage picklist, in its order, with the default forecast
# category and probability of each (Setup > Object Manager > Opportunity > Stage).
SALESFORCE_STAGES = (
    StageSpec("Prospecting", "Pipeline", 10, "open"),
    StageSpec("Qualification", "Pipeline", 10, "open"),
    StageSpec("Needs Analysis", "Pipeline", 20, "open"),
    StageSpec("Value Proposition", "Pipeline", 50, "open"),
    StageSpec("Id. Decision Makers", "Pipeline", 60, "open"),
    StageSpec("Perception Analysis", "Pipeline", 70, "open"),
    StageSpec("Proposal/Price Quote", "Pipeline", 75, "open"),
    StageSpec("Negotiation/Review", "Pipeline", 90, "open"),
    StageSpec("Closed Won", "Closed", 100, "won"),
    StageSpec("Closed Lost", "Omitted", 0, "lost"),
)
_DEFAULTS = {squash(spec.name): spec for spec in SALESFORCE_STAGES}
_TRUE = {"true", "1", "yes", "y", "t"}
_RANK = {"open": 0, "won": 1, "lost": 2}


def spec_of(stage: Stage | StageSpec) -> StageSpec:
    return StageSpec(stage.name, stage.category, stage.probability, stage.status)


def stage_from_row(columns: ColumnMap, row: dict[str, str] | list[str], name: str) -> StageSpec:
    """What a stage the workspace does not know is, as the row that uses it says: open or
    closed from IsClosed and IsWon, else from Salesforce's defaults, else from its name
    (`Won`, `Closed/Lost`); its probability and forecast category likewise."""
    default = _DEFAULTS.get(squash(name))
    words = squash(name)
    if "is_closed" in columns.columns:
        closed = columns.get(row, "is_closed").lower() in _TRUE
        if not closed:
            status = "open"
        elif "is_won" in columns.columns:
            status = "won" if columns.get(row, "is_won").lower() in _TRUE else "lost"
        else:
            status = "won" if "won" in words and "lost" not in words else "lost"
    elif default is not None:
        status = default.status
    elif "won" in words and "lost" not in words:
        status = "won"
    elif "lost" in words:
        status = "lost"
    else:
        status = "open"
    probability = _probability(columns.get(row, "probability"))
    if probability is None:
        fallback = {"won": 100, "lost": 0}.get(status, 10)
        probability = default.probability if default and default.status == status else fallback
    if status == "won":
        category = "Closed"
    elif status == "lost":
        category = "Omitted"
    else:
        given = export_category(columns.get(row, "category"))
        if given in (None, "Closed", "Omitted"):
            given = default.category if default and default.status == "open" else "Pipeline"
        category = given
    return StageSpec(name.strip()[:64], category, probability, status)


def _probability(text: str) -> int | None:
    try:
        value = round(float(text.strip().rstrip("%")))
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


_CATEGORY_RANK = {"Pipeline": 0, "Best Case": 1, "Commit": 2}


def _place(spec: StageSpec) -> tuple[int, int, int]:
    if spec.status != "open":
        return _RANK[spec.status], 0, 0
    return 0, spec.probability, _CATEGORY_RANK.get(spec.category, 0)


def with_new(existing: Sequence[StageSpec], new: Sequence[StageSpec]) -> list[StageSpec]:
    """The workspace's stages in their order with the new ones slotted in: an open stage
    before the first stage that is further on (closed, or open with a higher probability,
    or as likely but in a later forecast category), a won one before the lost ones, a lost
    one last."""
    specs = list(existing)
    for spec in new:
        place = _place(spec)
        index = next((i for i, s in enumerate(specs) if _place(s) > place), len(specs))
        specs.insert(index, spec)
    return specs
