"""Reading what was typed after `/deal`: the deal's name and its `key=value` fields."""

from __future__ import annotations

from dataclasses import dataclass

from commands.deals.fields import EXAMPLES, KEYS, canonical_key
from commands.parsing import Token
from commands.results import (
    CommandError,
    Problem,
)


@dataclass(frozen=True)
class Parsed:
    name: str
    fields: dict[str, str]


def split_fields(tokens: list[Token]) -> Parsed:
    """The deal's name words, then `key=value` fields; bare words after a field continue its
    value, so `next=send MSA to legal` works without quotes."""
    name_words: list[str] = []
    fields: dict[str, str] = {}
    unknown: list[str] = []
    last_key: str | None = None
    for token in tokens:
        key, sep, value = token.text.partition("=")
        if sep and key and not token.quoted:
            canonical = canonical_key(key)
            if canonical is None:
                unknown.append(key)
                last_key = None
                continue
            if canonical in fields:
                raise CommandError(
                    Problem(f"`{canonical}` is given twice", example=EXAMPLES[canonical])
                )
            fields[canonical] = value
            last_key = canonical
        elif last_key is not None:
            fields[last_key] = f"{fields[last_key]} {token.text}"
        elif unknown:
            continue
        else:
            name_words.append(token.text)
    if unknown:
        listed = ", ".join(f"`{k}`" for k in unknown)
        raise CommandError(
            Problem(
                f"I don't know the field {listed}. Fields: {', '.join(KEYS)}",
                example='/deal Acme renewal stage=Decision amount=120k next="send MSA"',
            )
        )
    return Parsed(" ".join(name_words).strip(), fields)


def serialize(fields: dict[str, str]) -> str:
    return " ".join(f'{key}="{value}"' for key, value in fields.items())
