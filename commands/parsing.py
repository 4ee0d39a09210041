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
        (?P<before>[$€£¥₹]|usd|eur|gbp|chf|jpy|inr)?\s*
        (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*
        (?P<unit>k|thousand|m|mm|mn|mil|million|b|bn|billion)?\s*
        (?P<after>[$€£¥₹]|usd|eur|gbp|chf|jpy|inr)?$""",
    re.IGNORECASE | re.VERBOSE,
)
# The same amount written with a decimal comma (`1,5M`, `1.250,50`), as de_DE and fr_FR do.
_COMMA_AMOUNT = re.compile(
    r"""^(?P<sign>[-−])?\s*
        (?P<before>[$€£¥₹]|usd|eur|gbp|chf|jpy|inr)?\s*
        (?P<number>\d{1,3}(?:[.\s\u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?|,\d+)\s*
        (?P<unit>k|thousand|m|mm|mn|mio|mil|million|b|bn|billion|mrd)?\s*
        (?P<after>[$€£¥₹]|usd|eur|gbp|chf|jpy|inr)?$""",
    re.IGNORECASE | re.VERBOSE,
)
_UNITS = {"k": 3, "thousand": 3, "m": 6, "mm": 6, "mn": 6, "mil": 6, "million": 6, "mio": 6}
_UNITS |= {"b": 9, "bn": 9, "billion": 9, "mrd": 9}
AMOUNT_LIMIT = Decimal("1e13")
# A currency as a sign or a code, by its ISO code.
CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
CURRENCIES |= {code: code.upper() for code in ("usd", "eur", "gbp", "chf", "jpy", "inr")}
# A comma before one or two digits is a decimal comma, not a thousands separator.
_DECIMAL_COMMA = re.compile(r"\d,\d{1,2}(?!\d)")


def currency_code(symbol: str) -> str:
    """`USD` for `$`, `EUR` for `€` or `eur`; any other symbol as it is written."""
    cleaned = symbol.strip()
    return CURRENCIES.get(cleaned.lower(), CURRENCIES.get(cleaned, cleaned.upper()))


def parse_amount(text: str, currency: str | None = None, decimal_comma: bool = False) -> Decimal:
    """An amount as people write it: `120k`, `120 k`, `$1.2M`, `1.2 million`, `50K USD`,
    `1,200,000`, `1.5mm`, `0`; with `decimal_comma` (a locale such as de_DE) `1,5M` and
    `1.250.000`. An amount in a currency other than `currency` (the workspace's symbol)
    is refused: it is never converted silently."""
    cleaned = " ".join(text.strip().split())
    if cleaned.startswith("(") and cleaned.endswith(")"):
        raise ParseError("amounts cannot be negative")
    match = (_COMMA_AMOUNT if decimal_comma else _AMOUNT).match(cleaned)
    if not match:
        if not decimal_comma and _DECIMAL_COMMA.search(cleaned):
            raise ParseError(
                f"`{text}` has a decimal comma: write it with a point (`1.5M`), or set the "
                "workspace's locale to one that writes decimal commas "
                "(`/council settings locale=de_DE`)"
            )
        raise ParseError(f"`{text}` is not an amount")
    if match["sign"]:
        raise ParseError("amounts cannot be negative")
    written = match["before"] or match["after"]
    if written and currency is not None and currency_code(written) != currency_code(currency):
        raise ParseError(
            f"`{text}` is in {currency_code(written)}, but this workspace counts in "
            f"{currency.strip()}; write the amount in {currency.strip()}"
        )
    number = match["number"]
    if decimal_comma:
        number = re.sub(r"[.\s\u00a0\u202f]", "", number).replace(",", ".")
    else:
        number = number.replace(",", "")
    try:
        value = Decimal(number)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ParseError(f"`{text}` is not an amount") from error
    unit = (match["unit"] or "").lower()
    value = value.scaleb(_UNITS.get(unit, 0))
    if value >= AMOUNT_LIMIT:
        raise ParseError(f"`{text}` is larger than any deal this bot can hold")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_AMOUNT_TAILS = {*_UNITS, *CURRENCIES}


def join_amount(words: list[str]) -> list[str]:
    """Words with an amount's trailing unit or currency (`300 k`, `1.2 million`, `50K
    USD`) joined to its number, so an amount is one word wherever commands read one."""
    joined = list(words)
    while len(joined) >= 2 and joined[-1].lower() in _AMOUNT_TAILS and joined[-2][-1:].isalnum():
        tail = joined.pop()
        joined[-1] = f"{joined[-1]} {tail}"
    return joined


_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAYS |= {name.lower(): i for i, name in enumerate(calendar.day_abbr)}
_WEEKDAYS |= {"tues": 1, "thur": 3, "thurs": 3}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS |= {"sept": 9}
_RELATIVE = re.compile(
    r"^(?:in\s+|\+)(\d{1,3}|[a-z]+)\s*(d|day|days|w|wk|wks|week|weeks|m|mo|month|months)$"
)
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER_WORDS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11}
_NUMBER_WORDS |= {"twelve": 12}
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
# `Q1`, `end of Q1`, `Q1 end`, `eoq1`, `end of Q1 2027`: the last day of that quarter.
_QUARTER_END = re.compile(r"^(?:end of |eo)?q([1-4])(?: end)?(?:\s+(?:fy)?(\d{4}))?$")
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
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


def _quarter_end(quarter: int, year: str | None, today: date, fiscal_start_month: int) -> date:
    """The last day of fiscal quarter `quarter`: of fiscal year `year` when given, else the
    next such quarter not yet over."""
    current = quarter_containing(today, fiscal_start_month)
    target = shift_quarters(current, quarter - int(current.label[-1]), fiscal_start_month)
    if year is not None:
        fiscal_year = int(current.label.removeprefix("FY")[:4])
        target = shift_quarters(target, 4 * (int(year) - fiscal_year), fiscal_start_month)
    elif target.last_day < today:
        target = shift_quarters(target, 4, fiscal_start_month)
    return target.last_day


def _slashed(match: re.Match[str], today: date, text: str, day_first: bool, locale: str) -> date:
    first, second = int(match[1]), int(match[2])
    month, day = (second, first) if day_first else (first, second)
    order = "day/month/year" if day_first else "month/day/year"
    if month > 12 and day <= 12:
        other = "en_US" if day_first else "en_GB"
        raise ParseError(
            f"`{text}` is not a date in {locale}, which writes {order}; write it as "
            f"YYYY-MM-DD, or set the workspace's locale (`/council settings locale={other}`)"
        )
    if match[3] is None:
        return _without_year(month, day, today, text)
    year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
    return _make_date(year, month, day, text)


def parse_date(
    text: str,
    today: date,
    fiscal_start_month: int = 1,
    day_first: bool = False,
    locale: str = "en_US",
) -> date:
    """A date as people write it; relative words are read against `today`.

    Accepts ISO dates, `12/15`, `12/15/2026` (`15/12/2026` where the workspace's locale
    writes the day first), `31.12.2026` (dots are always day first), `Dec 15`, `Dec 31st`,
    `15 December 2026`, `today`, `tomorrow`, `friday`, `next friday` (the first Friday
    after today), `end of quarter` (`eoq`, the fiscal quarter), `Q1` or `end of Q1` (the
    last day of that fiscal quarter), `end of month`, `end of year`, `in 3 days`,
    `in two weeks`, `+2w`.
    """
    phrase = " ".join(text.lower().replace(",", ", ").split()).replace(" ,", ",")
    phrase = phrase.removeprefix("the ")
    named = _named(phrase, today, fiscal_start_month)
    if named is not None:
        return named
    if match := _ISO.match(phrase):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _SLASHED.match(phrase):
        return _slashed(match, today, text, day_first, locale)
    if match := _DOTTED.match(phrase):
        day, month = int(match[1]), int(match[2])
        if match[3] is None:
            return _without_year(month, day, today, text)
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return _make_date(year, month, day, text)
    if match := _QUARTER_END.match(phrase):
        return _quarter_end(int(match[1]), match[2], today, fiscal_start_month)
    words = phrase.split()
    if words and words[0] in ("next", "this") and len(words) == 2:
        words = words[1:]
    if len(words) == 1 and words[0] in _WEEKDAYS:
        ahead = (_WEEKDAYS[words[0]] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if match := _RELATIVE.match(phrase):
        count = match[1]
        amount = int(count) if count.isdigit() else _NUMBER_WORDS.get(count)
        if amount is not None:
            return _relative(amount, match[2], today)
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
