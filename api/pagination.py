"""Page-number pagination with strict parameters, and the unpaginated index wrapper."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import exceptions, pagination

from blog import derived

MAX_PAGE_SIZE = 100
# Numbers of more digits are past every page and clamp every size (api.parameters
# folds them the same way).
MAX_DIGITS = 18
HUGE_NUMBER = 10**MAX_DIGITS
DEFAULT_PAGE_SIZE = 20


def _positive_int(request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or not raw.strip("0"):
        raise exceptions.ValidationError(
            {name: [f"'{name}' must be a whole number of 1 or more."]}
        )
    # Beyond 18 digits every page is past the end and every size is clamped; Python
    # refuses to read more than 4,300 digits at all.
    return int(raw) if len(raw) <= MAX_DIGITS else HUGE_NUMBER


class DeferredJoinPaginator(Paginator):
    """Pages past the first select their rows by id: the page's ids are found first
    (`id IN (... LIMIT/OFFSET)`), so per-row work such as collecting each post's tag
    ids is done for the page's rows only, not for every row the offset skips.
    The count is kept per content version (`blog.derived`)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return derived.count(self.object_list)  # once per content version
        return len(self.object_list)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if bottom and isinstance(rows, QuerySet):
            ids = rows.values("pk")[bottom : bottom + self.per_page]
            return self._get_page(rows.filter(pk__in=ids), number, self)
        return super().page(number)


class PageNumberPagination(pagination.PageNumberPagination):
    """`page` is 1-based (past the end: 404); `page_size` above 100 is clamped."""

    django_paginator_class = DeferredJoinPaginator
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request) -> int:
        size = _positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator) -> int:
        return _positive_int(request, self.page_query_param) or 1

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        if page_number > 1 and page_number > paginator.num_pages:
            raise exceptions.NotFound(
                f"Page {page_number} is past the last page ({paginator.num_pages})."
            )
        self.page = paginator.page(page_number)
        return list(self.page)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        example = "https://api.example.com/api/v1/posts/?page={}&tag=engineering"
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 11},
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": example.format(3),
                    "description": "Absolute URL of the next page; null on the last.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": example.format(1),
                    "description": "Absolute URL of the previous page; null on the "
                    "first.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "1-based page number. A page past the last is a 404.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page, default {DEFAULT_PAGE_SIZE}, at most "
                    f"{MAX_PAGE_SIZE}: larger values are accepted and clamped to "
                    f"{MAX_PAGE_SIZE} (so no `maximum` is declared)."
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "default": DEFAULT_PAGE_SIZE,
                    "x-clamped-maximum": MAX_PAGE_SIZE,
                },
            },
        ]


class CountedListPagination(pagination.BasePagination):
    """No pages: the whole list, wrapped as `{"count", "results"}` (the index renders
    it itself; this describes the wrapper in the schema)."""

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "example": 14},
                "results": schema,
            },
        }
