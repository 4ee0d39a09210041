"""Reading CRM exports: which column is which field, and what their values mean."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from operator import itemgetter
from zoneinfo import ZoneInfo

from commands.parsing import ParseError

# Each field and the headers that name it, best first (compared without case or
# punctuation, so `Account.Name`, `AccountName` and `Account Name` are one).
HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("Id", "OpportunityId", "Opportunity ID", "External_id__c"),
    "name": ("Name", "Opportunity Name"),
    "account": ("Account.Name", "AccountName", "Account Name", "Account"),
    "owner": ("Owner.Name", "OwnerName", "Opportunity Owner", "Owner", "Sales Agent"),
    "owner_id": ("OwnerId", "Owner.Id"),
    "owner_email": ("Owner.Email", "OwnerEmail", "Owner Email"),
    "stage": ("StageName", "Stage", "Deal Stage"),
    "amount": ("Amount", "Close Value"),
    "close": ("CloseDate", "Close Date"),
    "created": ("CreatedDate", "Created Date", "Engage Date"),
    "modified": ("LastModifiedDate", "SystemModstamp", "Last Modified Date"),
    "category": ("ForecastCategoryName", "Forecast Category", "ForecastCategory"),
    "next": ("NextStep", "Next Step"),
    "product": ("Product", "Product__c", "Product Name"),
    "region": ("Region", "Region__c"),
    "segment": ("Segment", "Segment__c"),
    "source": ("Source", "Pipeline Source"),
    "lead_source": ("LeadSource", "Lead Source"),
    "type": ("Type", "Opportunity Type"),
    "is_closed": ("IsClosed", "Closed"),
    "is_won": ("IsWon", "Won"),
    "probability": ("Probability", "Probability (%)"),
    "campaign": ("CampaignId", "Campaign.Id", "Campaign ID"),
}
# Where an export has no column of its own for a dimension, these stand in.
FALLBACKS = {"source": "lead_source", "segment": "type"}
FIELD_NAMES = {
    **{field: field for field in HEADERS},
    "id": "external_id",
    "stage_name": "stage",
    "close_date": "close",
    "created_date": "created",
    "engaged": "created",
    "forecast_category": "category",
    "next_step": "next",
    "email": "owner_email",
}


def squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


@dataclass(frozen=True)
class ColumnMap:
    """Which header holds each field; with the file's `headers`, rows may also come as
    their cells in that order (`import_files.rows`)."""

    columns: dict[str, str]
    headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Each field's header, fallbacks resolved once (rows ask 100,000s of times).
        headers = {
            f: self.columns.get(f) or self.columns.get(FALLBACKS.get(f, "")) for f in HEADERS
        }
        found = {f: h for f, h in headers.items() if h}
        object.__setattr__(self, "_headers", found)
        # A header named twice: its last cell, as a dict of the row keeps it.
        index = {header: position for position, header in enumerate(self.headers)}
        positions = {f: index[h] for f, h in found.items() if h in index}
        object.__setattr__(self, "_positions", positions)
        object.__setattr__(self, "_placed", tuple(positions))
        object.__setattr__(self, "_cells", _picker(list(positions.values())))

    def fields(self, row: dict[str, str] | list[str]) -> dict[str, str]:
        """Every field of HEADERS as the row gives it ("" when it does not): one pass,
        for code that reads most of them."""
        found = _BLANK.copy()
        if isinstance(row, list):
            placed: tuple[str, ...] = self._placed  # type: ignore[attr-defined]
            found.update(zip(placed, map(str.strip, self._cells(row)), strict=True))  # type: ignore[attr-defined]
            return found
        headers: dict[str, str] = self._headers  # type: ignore[attr-defined]
        for field, header in headers.items():
            value = row.get(header)
            if value:
                found[field] = value.strip()
        return found

    def get(self, row: dict[str, str] | list[str], field: str) -> str:
        if isinstance(row, list):
            position = self._positions.get(field)  # type: ignore[attr-defined]
            return "" if position is None else row[position].strip()
        header = self._headers.get(field)  # type: ignore[attr-defined]
        if header is None:
            return ""
        value = row.get(header)
        return value.strip() if value else ""


_BLANK = dict.fromkeys(HEADERS, "")


def _picker(positions: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """The cells at `positions`, always as a tuple (itemgetter gives one item bare)."""
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions) if positions else lambda row: ()


def known_headers(headers: Sequence[str], known: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The header holding each known field: the first of its names the file has, case,
    spaces and punctuation aside."""
    by_squash = {squash(h): h for h in headers if h is not None}
    columns: dict[str, str] = {}
    for field, names in known.items():
        for name in names:
            if squash(name) in by_squash:
                columns[field] = by_squash[squash(name)]
                break
    return columns


def map_columns(headers: Sequence[str], overrides: dict[str, str]) -> ColumnMap:
    """The field each header holds, with `--map COLUMN=field` overrides winning."""
    by_squash = {squash(h): h for h in headers if h is not None}
    columns = known_headers(headers, HEADERS)
    for column, field_name in overrides.items():
        mapped = FIELD_NAMES.get(field_name.strip().lower())
        if mapped is None:
            known = ", ".join(sorted(set(FIELD_NAMES.values())))
            raise ParseError(
                f"--map {column}={field_name}: `{field_name}` is not a field ({known})"
            )
        header = by_squash.get(squash(column))
        if header is None:
            raise ParseError(f"--map {column}={field_name}: the file has no column `{column}`")
        columns = {f: h for f, h in columns.items() if h != header}
        columns[mapped] = header
    return ColumnMap(columns, tuple(headers))


def parse_mapping(pairs: Sequence[str], what: str) -> dict[str, str]:
    """`A=B` pairs as a dict; raises ParseError naming the bad one."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        left, sep, right = pair.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ParseError(f"{what} `{pair}` is not of the form THEIRS=OURS")
        mapping[left.strip()] = right.strip()
    return mapping


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_US_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)


def export_date(text: str) -> date:
    """A date as exports write it: `2017-03-01`, `2024-01-22T16:14:25.000+0000`,
    `3/1/2017`, `02/03/24`, `02/23/26 08:55 PM` (month first). The date as written."""
    value = text.strip()
    if match := _ISO_DATE.match(value):
        return _date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _US_DATE.match(value):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return _date(year, int(match[1]), int(match[2]), text)
    raise ParseError(f"`{text}` is not a date (expected 2017-03-01 or 3/1/2017)")


@lru_cache(maxsize=4096)
def export_day(text: str, zone: ZoneInfo) -> date:
    """The date an export means where the workspace works: a timestamp (in its own zone,
    or else in `zone`) is converted to `zone` before its date is taken
    (`2025-01-01T02:35:07Z` is 2024-12-31 in Los Angeles); a bare date is that date."""
    if not has_time(text):
        return export_date(text)
    return export_moment(text, zone).astimezone(zone).date()


def has_time(text: str) -> bool:
    """Whether an export's value is a timestamp rather than a bare date."""
    return ":" in text


@lru_cache(maxsize=4096)
def export_moment(text: str, zone: ZoneInfo) -> datetime:
    """A timestamp as exports write it; without a zone it is in `zone`, a bare date is the
    start of that day."""
    value = text.strip()
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        moment = None
    if moment is None and (match := _US_DATE.match(value)):
        hour, minute, second = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
        if match[7]:
            hour = hour % 12 + (12 if match[7].lower() == "pm" else 0)
        day = export_date(value)
        moment = datetime.combine(day, time(hour, minute, second))
    if moment is None:
        raise ParseError(f"`{text}` is not a timestamp")
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(f"`{text}` is not a real date") from None


# Salesforce's API names for forecast categories, and older ones, as ours.
CATEGORY_NAMES = {
    "pipeline": "Pipeline",
    "bestcase": "Best Case",
    "commit": "Commit",
    "forecast": "Commit",
    "mostlikely": "Commit",
    "closed": "Closed",
    "omitted": "Omitted",
}


def export_category(text: str) -> str | None:
    return CATEGORY_NAMES.get(squash(text))
