"""Results shared by every command family. Each is plain data; the connectors render it."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.parsing import ParseError, tokenize


@dataclass(frozen=True)
class Problem:
    """Input that could not be used. Nothing was changed."""

    message: str
    example: str = ""


@dataclass(frozen=True)
class Refused:
    """The person may not do this; `who_can` says who may."""

    message: str
    who_can: str


@dataclass(frozen=True)
class Notice:
    """A short message with no further structure."""

    text: str


@dataclass(frozen=True)
class Duplicate:
    """This delivery was handled before; it had no second effect."""

    text: str = "Already done: that was handled a moment ago."


@dataclass(frozen=True)
class FormErrors:
    """A form's input had problems, by field (its block id); nothing was written."""

    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Help:
    title: str
    text: str


@dataclass(frozen=True)
class Option:
    """A button: `action` names the handler, `value` is what it receives back."""

    label: str
    action: str
    value: str
    primary: bool = False


@dataclass(frozen=True)
class Choice:
    """A question answered by pressing one of the options; nothing was changed yet."""

    prompt: str
    options: list[Option] = field(default_factory=list)
    more: int = 0


def read_words(text: str, example: str = "") -> list[str] | Problem:
    """The words typed (quotes group them), or the Problem saying why they cannot be read."""
    try:
        return [token.text for token in tokenize(text)]
    except ParseError as error:
        return Problem(f"I could not read that: {error}.", example=example)


Stop = Problem | Refused | FormErrors
"""What ends a use case early: nothing it did is kept."""


class CommandError(Exception):
    """Raised inside a use case to abandon it, rolling its transaction back, with a result
    that says why."""

    def __init__(self, result: Stop) -> None:
        super().__init__(str(result))
        self.result = result
