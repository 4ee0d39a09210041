"""How a workspace's people write dates and amounts, from its locale (CLDR, via Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from commands.parsing import ParseError, parse_date
from store.models import Workspace

DEFAULT_LOCALE = "en_US"


@dataclass(frozen=True)
class Reading:
    """How to read what people type: day or month first, and a decimal comma or point."""

    locale: str
    day_first: bool
    decimal_comma: bool


@lru_cache(maxsize=64)
def reading(locale: str) -> Reading:
    """What the locale's short date pattern and decimal sign say: en_US writes `M/d/yy`
    and `1.5`, de_DE `dd.MM.yy` and `1,5`, en_GB `dd/MM/y` and `1.5`."""
    parsed = Locale.parse(locale)
    pattern = parsed.date_formats["short"].pattern
    day, month = pattern.find("d"), pattern.find("M")
    decimal = parsed.number_symbols.get("latn", parsed.number_symbols).get("decimal", ".")
    return Reading(str(parsed), 0 <= day < month, decimal == ",")


def reading_of(workspace: Workspace) -> Reading:
    return reading(workspace.locale or DEFAULT_LOCALE)


def read_locale(text: str) -> str:
    """A locale's canonical name (`de-de` is `de_DE`), or a ParseError saying what is
    expected."""
    try:
        return str(Locale.parse(text.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ParseError(
            f"`{text}` is not a locale; write one like `en_US`, `en_GB`, `de_DE`, `fr_FR`"
        ) from None


def read_date(text: str, today: date, workspace: Workspace) -> date:
    """A date typed in `workspace`, read as its locale writes dates, with its fiscal
    quarters: the one reading every command shares."""
    rules = reading_of(workspace)
    return parse_date(text, today, workspace.fiscal_year_start_month, rules.day_first, rules.locale)
