"""The query parameters an endpoint reads, declared, and the canonical query string.

Two requests that differ only in what the endpoint ignores (unknown parameters,
empty ones, repeated values, values equal to the default, their order) mean the
same thing. Before a request reaches the cache or Django, its query string is
rewritten to one canonical form (`canonical_query`): the response cache then keeps
one entry and one ETag for all of them, and the links a response carries (`next`,
`previous`) are the same bytes whichever spelling was sent. A cache-busting
`?cb=123` is dropped before anything reads it.

Invalid values are kept as they are, so validation still answers them with a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from api.pagination import DEFAULT_PAGE_SIZE, MAX_DIGITS, MAX_PAGE_SIZE

# A value normaliser answers the canonical spelling of a value, or None for one that
# means the default (dropped). It leaves values it does not understand unchanged.
Normaliser = Callable[[str], str | None]


def positive_integer(default: int, maximum: int | None = None) -> Normaliser:
    def normalise(value: str) -> str | None:
        if not (value.isascii() and value.isdigit()):
            return value
        digits = value.lstrip("0") or "0"
        if digits == "0" or len(digits) > MAX_DIGITS:
            return digits  # invalid or out of range: left for the view to answer
        number = int(digits)
        if maximum is not None:
            number = min(number, maximum)
        return None if number == default else str(number)

    return normalise


def default_value(default: str) -> Normaliser:
    return lambda value: None if value == default else value


@dataclass(frozen=True)
class QueryParameters:
    """What an endpoint reads from its query string."""

    # Every value counts; their order and duplicates do not (`?tag=a&tag=b`).
    repeated: frozenset[str] = frozenset()
    # Only the last value counts, as Django's `QueryDict.get` reads it.
    single: frozenset[str] = frozenset()
    normalisers: Mapping[str, Normaliser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # DRF reads `format` on every endpoint; `format=json` means what no
        # `format` means (DRF still negotiates `Accept` either way).
        object.__setattr__(self, "single", self.single | {"format"})
        object.__setattr__(
            self, "normalisers", {"format": default_value("json"), **self.normalisers}
        )

    def canonical_query(self, query: str) -> str:
        """The canonical form of a (valid UTF-8, percent-encoded) query string."""
        repeated: dict[str, set[str]] = {}
        single: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in self.repeated:
                if value:
                    repeated.setdefault(name, set()).add(value)
            elif name in self.single:
                single[name] = value  # the last one, blank or not, as Django reads
        for name, value in list(single.items()):
            normalise = self.normalisers.get(name)
            canonical = normalise(value) if normalise and value else value
            if not canonical:  # blank, or the default
                del single[name]
            else:
                single[name] = canonical
        pairs = list(single.items())
        pairs += [
            (name, value) for name, values in repeated.items() for value in values
        ]
        return urlencode(sorted(pairs))


NONE = QueryParameters()
PAGINATION = {
    "page": positive_integer(default=1),
    "page_size": positive_integer(default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE),
}
PAGINATED = QueryParameters(single=frozenset(PAGINATION), normalisers=PAGINATION)


def for_filterset(filterset_class, *, repeated: set[str], **defaults: str):
    """A paginated list whose filters are a FilterSet's (`repeated` take several
    values; `defaults` are dropped when sent)."""
    names = set(filterset_class.base_filters)
    unknown = (repeated | set(defaults)) - names
    if unknown:
        raise ValueError(f"not filters of {filterset_class.__name__}: {unknown}")
    return QueryParameters(
        repeated=frozenset(repeated),
        single=frozenset(names - repeated) | PAGINATED.single,
        normalisers={
            **PAGINATION,
            **{name: default_value(value) for name, value in defaults.items()},
        },
    )
