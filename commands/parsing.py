"""Reading what people type: words and quotes, amounts, dates, names by prefix or typo."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from commands.fiscal import fiscal_year_last_day, quarter_containing, shift_quarters

# Slack and phones turn straight quotes into curly ones; both open and close a value.
QUOTES = {'"', "“", "”", "„", "«", "»"}


class ParseError(ValueError):
    """Text that could not be read; the message says what was expected."""


@dataclass(frozen=True)
class Token:
    """A word; `quoted` when it began with a quote, so it is never a keyword or a field."""

    text: str
    quoted: bool


# Control characters mean nothing in a deal and PostgreSQL refuses NUL in text; tabs and
# line breaks stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text as typed, without the invisible control characters no field can hold."""
    return _CONTROL.sub("", text)


def tokenize(text: str) -> list[Token]:
    """Split on spaces, keeping double-quoted runs (straight or curly) together.

    `next="send MSA"` is one token `next=send MSA`; apostrophes stay part of words, so
    `O'Brien` needs no quoting.
    """
    text = clean(text)
    tokens: list[Token] = []
    current: list[str] = []
    quoted = in_quotes = False
    started = False
    for char in text:
        if char in QUOTES:
            in_quotes = not in_quotes
            quoted = quoted or not started
            started = True
        elif char.isspace() and not in_quotes:
            if started:
                tokens.append(Token("".join(current), quoted))
            current, quoted, started = [], False, False
        else:
            current.append(char)
            started = True
    if in_quotes:
        raise ParseError("a quote is opened but never closed")
    if started:
        tokens.append(Token("".join(current), quoted))
    return tokens


_AMOUNT = re.compile(
    r"""^(?P<sign>[-−])?\s*
        (?:[$€£¥₹]|usd|eur|gbp)?\s*
        (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*
        (?P<unit>k|thousand|m|mm|mn|mil|million|b|bn|billion)?\s*
        (?:usd|eur|gbp)?$""",
    re.IGNORECASE | re.VERBOSE,
)
_UNITS = {"k": 3, "thousand": 3, "m": 6, "mm": 6, "mn": 6, "mil": 6, "million": 6}
_UNITS |= {"b": 9, "bn": 9, "billion": 9}
AMOUNT_LIMIT = Decimal("1e13")


def parse_amount(text: str) -> Decimal:
    """An amount as people write it: `120k`, `$1.2M`, `1,200,000`, `1.5mm`, `0`."""
    cleaned = text.strip()
    if cleaned.startswith("(") and cleaned.endswith(")"):
        raise ParseError("amounts cannot be negative")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise ParseError(f"`{text}` is not an amount")
    if match["sign"]:
        raise ParseError("amounts cannot be negative")
    try:
        value = Decimal(match["number"].replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ParseError(f"`{text}` is not an amount") from error
    unit = (match["unit"] or "").lower()
    value = value.scaleb(_UNITS.get(unit, 0))
    if value >= AMOUNT_LIMIT:
        raise ParseError(f"`{text}` is larger than any deal this bot can hold")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAYS |= {name.lower(): i for i, name in enumerate(calendar.day_abbr)}
_WEEKDAYS |= {"tues": 1, "thur": 3, "thurs": 3}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS |= {"sept": 9}
_RELATIVE = re.compile(
    r"^(?:in\s+|\+)(\d{1,3})\s*(d|day|days|w|wk|wks|week|weeks|m|mo|month|months)$"
)
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_WORDY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_WORDY_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?$")

# A date written without a year is taken in this year unless that is more than this far
# in the past: `11/20` on Nov 23 is three days ago, `1/15` is next January.
_YEARLESS_LOOKBACK = timedelta(days=90)

DATE_EXAMPLES = "`2026-12-15`, `12/15`, `Dec 15`, `next friday`, `end of quarter`, `in 2 weeks`"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ParseError(f"`{text}` is not a real date") from error


def _without_year(month: int, day: int, today: date, text: str) -> date:
    candidate = _make_date(today.year, month, day, text)
    if candidate < today - _YEARLESS_LOOKBACK:
        candidate = _make_date(today.year + 1, month, day, text)
    return candidate


def _relative(amount: int, unit: str, today: date) -> date:
    if unit.startswith("d"):
        return today + timedelta(days=amount)
    if unit.startswith("w"):
        return today + timedelta(weeks=amount)
    month_index = today.month - 1 + amount
    year, month = today.year + month_index // 12, month_index % 12 + 1
    return min(date(year, month, 1) + timedelta(days=today.day - 1), _month_end(year, month))


def _named(phrase: str, today: date, fiscal_start_month: int) -> date | None:
    quarter = quarter_containing(today, fiscal_start_month)
    year_end = fiscal_year_last_day(today, fiscal_start_month)
    month_end = _month_end(today.year, today.month)
    named = {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "yesterday": today - timedelta(days=1),
        "end of quarter": quarter.last_day,
        "eoq": quarter.last_day,
        "end of next quarter": shift_quarters(quarter, 1, fiscal_start_month).last_day,
        "end of month": month_end,
        "eom": month_end,
        "end of year": year_end,
        "eoy": year_end,
    }
    return named.get(phrase)


def parse_date(text: str, today: date, fiscal_start_month: int = 1) -> date:
    """A date as people write it; relative words are read against `today`.

    Accepts ISO dates, `12/15`, `12/15/2026`, `Dec 15`, `15 December 2026`, `today`,
    `tomorrow`, `friday`, `next friday` (the first Friday after today), `end of quarter`
    (`eoq`, the fiscal quarter), `end of month`, `end of year`, `in 3 days`, `+2w`.
    """
    phrase = " ".join(text.lower().replace(",", ", ").split()).replace(" ,", ",")
    phrase = phrase.removeprefix("the ")
    named = _named(phrase, today, fiscal_start_month)
    if named is not None:
        return named
    if match := _ISO.match(phrase):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _US.match(phrase):
        month, day = int(match[1]), int(match[2])
        if match[3] is None:
            return _without_year(month, day, today, text)
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return _make_date(year, month, day, text)
    words = phrase.split()
    if words and words[0] in ("next", "this") and len(words) == 2:
        words = words[1:]
    if len(words) == 1 and words[0] in _WEEKDAYS:
        ahead = (_WEEKDAYS[words[0]] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if match := _RELATIVE.match(phrase):
        return _relative(int(match[1]), match[2], today)
    for pattern, month_group, day_group in ((_WORDY, 1, 2), (_WORDY_DAY_FIRST, 2, 1)):
        match = pattern.match(phrase)
        if match and match[month_group] in _MONTHS:
            month, day = _MONTHS[match[month_group]], int(match[day_group])
            if match[3]:
                return _make_date(int(match[3]), month, day, text)
            return _without_year(month, day, today, text)
    raise ParseError(f"`{text}` is not a date I can read")


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def match_by_prefix(text: str, names: Sequence[str]) -> list[str]:
    """The names `text` can mean: an exact match (ignoring case, spaces and punctuation)
    wins, then every name it begins, then every name with a word it begins (`won` is
    `Closed Won`)."""
    wanted = _squash(text)
    if not wanted:
        return []
    exact = [name for name in names if _squash(name) == wanted]
    if exact:
        return exact
    starts = [name for name in names if _squash(name).startswith(wanted)]
    if starts:
        return starts
    return [n for n in names if any(_squash(w).startswith(wanted) for w in n.split()[1:])]


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    if len(a) < len(b):
        return any(a == b[:i] + b[i + 1 :] for i in range(len(b)))
    differences = [i for i in range(len(a)) if a[i] != b[i]]
    if len(differences) == 1:
        return True
    if len(differences) == 2:
        i, j = differences
        return j == i + 1 and a[i] == b[j] and a[j] == b[i]
    return False


@dataclass(frozen=True)
class ValueMatch:
    """How typed text was matched against known values: `exact`, `case`, `typo` or `new`."""

    value: str
    how: str


# Short values are too easily one typo from each other (`US` / `UK`) to correct safely.
_TYPO_MIN_LENGTH = 4


def match_known_value(text: str, known: Iterable[str]) -> ValueMatch | list[str]:
    """The known value `text` means, or a new value; a list when it could mean several."""
    known = list(known)
    if text in known:
        return ValueMatch(text, "exact")
    by_case = [value for value in known if value.lower() == text.lower()]
    if len(by_case) == 1:
        return ValueMatch(by_case[0], "case")
    if len(by_case) > 1:
        return by_case
    if len(text) >= _TYPO_MIN_LENGTH:
        near = [v for v in known if _one_edit_apart(v.lower(), text.lower())]
        if len(near) == 1:
            return ValueMatch(near[0], "typo")
        if len(near) > 1:
            return near
    return ValueMatch(text, "new")


# How alike (rapidfuzz's 0-100 ratio) a typo must be to a word to be offered as meant:
# `regoin` is 83 from `region`, `segmnt` 92 from `segment`, `EMEA` 0 from any of them.
SUGGEST_SCORE = 70


def did_you_mean(text: str, choices: Iterable[str]) -> str | None:
    """The one choice `text` most likely misspells, or None when nothing is close."""
    from rapidfuzz import fuzz, process, utils

    found = process.extractOne(
        text, list(choices), scorer=fuzz.ratio, processor=utils.default_process
    )
    if found is None or found[1] < SUGGEST_SCORE:
        return None
    return str(found[0])
