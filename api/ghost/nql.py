"""A documented subset of Ghost's filter language (NQL), parsed into a tree.

    filter  := or
    or      := and ("," and)*              a,b   either
    and     := term ("+" term)*            a+b   both
    term    := "(" or ")" | PROPERTY ":" match
    match   := "-"? ( "[" value ("," value)* "]" | OPERATOR? value )
    OPERATOR:= ">" | ">=" | "<" | "<="
    value   := 'quoted' | "quoted" | a bare word (no space, comma, plus,
               parenthesis or bracket), `true`, `false` and `null` included

`-` negates a match (`tag:-news`), `[a,b]` is any of the values. Which properties
a resource accepts, and what they mean, is the caller's (`api.ghost.filters`);
this module only reads the syntax. Anything it cannot read is a `FilterError`
naming the position, which the API answers as Ghost does: 400 "Error parsing
filter".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 2000
MAX_DEPTH = 20


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Match:
    """`property:[-][operator]value(s)`."""

    property: str
    operator: str  # "=", ">", ">=", "<", "<=", "in"
    values: tuple[str | bool | None, ...]
    negated: bool = False


@dataclass(frozen=True)
class Both:
    parts: tuple


@dataclass(frozen=True)
class Either:
    parts: tuple


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<operator>>=|<=|>|<)
      | (?P<punct>[(),+\[\]:\-])
      | (?P<word>[^\s'"(),+\[\]:<>]+)
    )""",
    re.VERBOSE,
)
_PROPERTY = re.compile(r"[a-z_][a-z0-9_.]*")
_LITERALS = {"true": True, "false": False, "null": None}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        position = 0
        while position < len(text):
            if text[position:].strip() == "":
                break
            found = _TOKEN.match(text, position)
            if found is None or found.end() == position:
                raise FilterError(f"Unexpected character at position {position + 1}.")
            kind = found.lastgroup
            self.tokens.append((kind, found.group(kind), found.start(kind)))
            position = found.end()
        self.index = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise FilterError("Unexpected end of the filter.")
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        kind, value, at = self.take()
        if value != text or kind == "quoted":
            raise FilterError(f"Expected '{text}' at position {at + 1}, not '{value}'.")

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "punct" and token[1] == text

    def parse(self):
        if not self.tokens:
            raise FilterError("The filter is empty.")
        tree = self.either(0)
        token = self.peek()
        if token is not None:
            raise FilterError(f"Unexpected '{token[1]}' at position {token[2] + 1}.")
        return tree

    def either(self, depth: int):
        if depth > MAX_DEPTH:
            raise FilterError("The filter nests too deeply.")
        parts = [self.both(depth)]
        while self.at(","):
            self.take()
            parts.append(self.both(depth))
        return parts[0] if len(parts) == 1 else Either(tuple(parts))

    def both(self, depth: int):
        parts = [self.term(depth)]
        while self.at("+"):
            self.take()
            parts.append(self.term(depth))
        return parts[0] if len(parts) == 1 else Both(tuple(parts))

    def term(self, depth: int):
        if self.at("("):
            self.take()
            tree = self.either(depth + 1)
            self.expect(")")
            return tree
        kind, name, at = self.take()
        if kind != "word" or not _PROPERTY.fullmatch(name):
            raise FilterError(
                f"Expected a property at position {at + 1}, not '{name}'."
            )
        self.expect(":")
        negated = False
        if self.at("-"):
            self.take()
            negated = True
        if self.at("["):
            self.take()
            values = [self.value()]
            while self.at(","):
                self.take()
                values.append(self.value())
            self.expect("]")
            return Match(name, "in", tuple(values), negated)
        operator = "="
        token = self.peek()
        if token is not None and token[0] == "operator":
            operator = self.take()[1]
        return Match(name, operator, (self.value(),), negated)

    def value(self) -> str | bool | None:
        kind, text, at = self.take()
        if kind == "quoted":
            return _unquote(text)
        if kind == "punct" and text == "-":  # a bare word starting with a dash
            kind, rest, _ = self.take()
            if kind != "word":
                raise FilterError(f"Expected a value at position {at + 1}.")
            return "-" + rest
        if kind != "word":
            raise FilterError(f"Expected a value at position {at + 1}, not '{text}'.")
        # A bare date-time keeps its colons (`published_at:>2024-01-01T10:00:00`).
        while self.at(":"):
            self.take()
            kind, more, _ = self.take()
            if kind != "word":
                raise FilterError(f"Expected a value at position {at + 1}.")
            text = f"{text}:{more}"
        return _LITERALS.get(text.lower(), text)


def parse(text: str):
    """The tree of a filter, or `FilterError`."""
    if len(text) > MAX_LENGTH:
        raise FilterError(f"The filter is longer than {MAX_LENGTH} characters.")
    return _Parser(text).parse()
