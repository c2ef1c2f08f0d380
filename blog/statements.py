"""Querysets compiled to SQL once, then run with new values.

Building a queryset and compiling it costs the ORM one to two milliseconds; the
small queries behind a post's page (the post, its neighbours, its related posts)
cost the database a fraction of that. A `Statement` builds its queryset once per
database, with a `Param` wherever a value changes from one run to the next, keeps
the SQL and the compiler, and then only binds values, runs the SQL and applies the
compiler's converters, exactly as the ORM would have.

The querysets are the ordinary ones (`Post.objects.published()` and its
adjectives), so the rules they carry stay in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import Expression, QuerySet


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a `Param`'s value goes in the compiled parameters."""

    name: str
    field: models.Field

    def bind(self, values: dict[str, Any], connection) -> Any:
        # What the ORM does to a literal compared with this field (on SQLite a
        # datetime becomes UTC text, for instance).
        return self.field.get_db_prep_value(values[self.name], connection)


class Param(Expression):
    """A value given when a `Statement` runs, typed by `output_field`."""

    def __init__(self, name: str, output_field: models.Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        return "%s", [Slot(self.name, self.output_field)]


class Statement:
    """`build()` compiled once per database alias; `rows(**values)` runs it.

    Only `Param`s change between runs: any other value in the queryset (a
    `timezone.now()`, say) is fixed when it is first compiled, so put the clock in
    SQL (`Now()`) and every varying value in a `Param`, typed by the field it is
    compared with. The SQL runs on the calling thread's connection; the kept
    compiler is only read (its select list and converters, which read settings and
    the backend's operations, never the connection's state), so threads may share
    it. Without an alias it runs where the database routers send reads of the
    statement's model, as the queryset itself would.
    """

    def __init__(self, build: Callable[[], QuerySet]) -> None:
        self._build = build
        self._compiled: dict[str, tuple] = {}
        self._queryset: QuerySet | None = None

    def _compile(self, using: str) -> tuple:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiler = self.queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            if compiler.has_extra_select:
                # Ordering by a column not selected adds it to the rows; the ORM
                # trims it off, this does not.
                raise ValueError("Select every column the statement orders by.")
            compiled = self._compiled[using] = (compiler, sql, tuple(params))
        return compiled

    @property
    def queryset(self) -> QuerySet:
        """Built once (never run: only compiled, for each database)."""
        if self._queryset is None:
            self._queryset = self._build()
        return self._queryset

    def rows(self, using: str | None = None, **values: Any) -> list[tuple]:
        """The result rows, converted as the queryset's own would be."""
        using = using or router.db_for_read(self.queryset.model)
        compiler, sql, params = self._compile(using)
        connection = connections[using]
        bound = [
            param.bind(values, connection) if isinstance(param, Slot) else param
            for param in params
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            fetched = cursor.fetchall()
        return list(compiler.results_iter([fetched], tuple_expected=True))


def loaded_columns(queryset: QuerySet) -> tuple[str, ...]:
    """The columns `queryset` loads: the model's fields it does not defer, in the
    model's order (as `Model.from_db` and `instances` take them), then its
    annotations."""
    loaded = queryset.query.get_select_mask()
    own = [
        field.attname
        for field in queryset.model._meta.concrete_fields
        if not loaded or field in loaded
    ]
    return (*own, *queryset.query.annotations)


def instances(
    model: type[models.Model],
    names: tuple[str, ...],
    rows: Iterable[tuple],
    using: str | None = None,
) -> list[models.Model]:
    """Model instances from rows of `values_list(*names)`: the model's own fields
    (in the model's field order) first, any annotations after them; loaded from
    `using` (by default where the routers send reads of `model`)."""
    using = using or router.db_for_read(model)
    order = [field.attname for field in model._meta.concrete_fields]
    own = [name for name in names if name in order]
    extra = names[len(own) :]
    if own != sorted(own, key=order.index) or set(extra) & set(order):
        raise ValueError("List the model's fields, in its order, before the rest.")
    result = []
    for row in rows:
        instance = model.from_db(using, own, row[: len(own)])
        for name, value in zip(extra, row[len(own) :], strict=True):
            setattr(instance, name, value)
        result.append(instance)
    return result
