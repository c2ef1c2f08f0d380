"""The results as Markdown: one row per case and variant, against the ceiling."""

from __future__ import annotations

import math
from dataclasses import dataclass

from wrk import WrkResult

# Share of the ceiling each case must reach (from the issue). The deep page is a
# list, so it carries the list's targets.
# The endpoints of authors, pages and the site (#15) and Ghost's (#17) carry the
# same warm, 304 and throttled targets as the rest.
NEWER_CASES = ("authors", "author", "pages", "site", "ghost", "ghostall")
ALL_CASES = (
    "list", "deep", "tagpage", "detail", "tags", "index", "rss", "sitemap",
    *NEWER_CASES,
)  # fmt: skip
TARGETS: dict[tuple[str, str], float] = {
    **{
        (case, "warm"): 0.5
        for case in (
            "list",
            "deep",
            "tagpage",
            "detail",
            "tags",
            "rss",
            "sitemap",
            *NEWER_CASES,
        )
    },
    ("index", "warm"): 0.8,
    **{(case, "304"): 0.6 for case in ALL_CASES},
    **{(case, "throttled"): 0.4 for case in ALL_CASES},
    **{(case, "uncached"): 0.04 for case in ("list", "deep", "tagpage")},
    **{(case, "uncached"): 0.05 for case in ("detail", "tags", "index")},
    ("rss", "uncached"): 0.03,
}
RSS_LIMIT_MB = 150


@dataclass
class Row:
    case: str  # key, e.g. "list"
    label: str  # what a reader sees, e.g. "list by tag"
    variant: str  # uncached | warm | 304
    result: WrkResult | None = None
    ceiling: WrkResult | None = None
    missing: str = ""  # why there is no result, e.g. "n/a (no ETag)"

    @property
    def target(self) -> float | None:
        return TARGETS.get((self.case, self.variant))

    @property
    def ratio(self) -> float | None:
        if not self.result or not self.ceiling or not self.ceiling.requests_per_second:
            return None
        return self.result.requests_per_second / self.ceiling.requests_per_second

    @property
    def met(self) -> str:
        if self.result is None:
            return "no" if self.missing.startswith("failed") else "n/a"
        if self.ratio is None or self.target is None:
            return "n/a"
        fast_enough = self.ratio >= self.target
        if self.result.errors:
            return "no (errors)" if fast_enough else "no (slow, errors)"
        return "yes" if fast_enough else "no"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _latency(milliseconds: float | None) -> str:
    if milliseconds is None:
        return "-"
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.2f} s"
    return f"{milliseconds:.1f} ms"


def _ratio(value: float | None) -> str:
    # Rounded down, so a ratio shown as meeting its target does meet it.
    return "-" if value is None else f"{math.floor(value * 1000) / 1000:.3f}"


def requests_table(rows: list[Row]) -> str:
    lines = [
        "| case | variant | req/s | p50 | p99 | errors | ceiling req/s | ratio "
        "| target | met? |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        target = f">= {row.target:g}" if row.target is not None else "-"
        if row.result is None:
            cells = [row.missing, "-", "-", "-", "-", "-"]
        else:
            cells = [
                _rate(row.result.requests_per_second),
                _latency(row.result.p50_ms),
                _latency(row.result.p99_ms),
                row.result.describe_errors(),
                _rate(row.ceiling.requests_per_second) if row.ceiling else "-",
                _ratio(row.ratio),
            ]
        lines.append(
            "| " + " | ".join([row.label, row.variant, *cells, target, row.met]) + " |"
        )
    return "\n".join(lines)


def memory_table(rss: dict[str, dict[int, float]]) -> str:
    lines = [
        "| server | worker pid | VmRSS | target | met? |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for server, workers in rss.items():
        for pid, megabytes in sorted(workers.items()):
            met = "yes" if megabytes < RSS_LIMIT_MB else "no"
            lines.append(
                f"| {server} | {pid} | {megabytes:.1f} MB | < {RSS_LIMIT_MB} MB "
                f"| {met} |"
            )
    return "\n".join(lines)
