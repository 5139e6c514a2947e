"""Issue 6's targets, each figure beside its target: the rows of the results table.

A target is on our figure (`≤ 5.3`) or on the ratio ours/baseline (`≥ 1.8x baseline`). Two sanity
rows are the benchmark's own: a run that rejects records or leaves duplicates did different work from
its baseline, so its other figures would compare unlike things.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from .measure import Measurement
from .scenarios import ScenarioResult


@dataclass(frozen=True)
class Row:
    scenario: str
    figure: str
    ours: float | None
    baseline: float | None
    target: str = ""
    met: bool | None = None  # None: no target for this figure
    comparable: bool = True  # False for counts that should be 0, where a ratio means nothing

    @property
    def ratio(self) -> float | None:
        if not self.comparable or self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline


Figure = Callable[[Measurement], float | None]


def _calls(m: Measurement) -> float | None:
    return m.per_record(m.calls) if m.uses_api else None


def _tokens(m: Measurement) -> float | None:
    return m.per_record(m.tokens) if m.uses_api else None


def _rate(m: Measurement) -> float:
    return m.records_per_second


def _429s(m: Measurement) -> float:
    return float(m.rejected_429)


def _rejected(m: Measurement) -> float:
    return float(m.rejected)


def _duplicates(m: Measurement) -> float | None:
    return None if m.duplicates is None else float(m.duplicates)


def _steady(m: Measurement) -> float | None:
    return m.steadiness


def _steady_enough(row: Row) -> bool:
    return row.ours is not None and row.ours >= 0.9


class _Rows:
    """Collects one scenario's rows; each target method names the figure it applies to."""

    def __init__(self, result: ScenarioResult) -> None:
        self.result = result
        self.rows: list[Row] = []

    def add(
        self,
        figure: str,
        how: Figure,
        *,
        target: str = "",
        met: Callable[[Row], bool] | None = None,
        comparable: bool = True,
    ) -> None:
        r = self.result
        row = Row(f"{r.key} {r.title}", figure, how(r.ours), how(r.baseline), target, comparable=comparable)
        if met is not None and row.ours is not None:
            row = dataclasses.replace(row, met=met(row))
        self.rows.append(row)

    def at_most(self, figure: str, how: Figure, limit: float) -> None:
        self.add(
            figure, how, target=f"≤ {limit:g}", met=lambda row: row.ours is not None and row.ours <= limit
        )

    def none(self, figure: str, how: Figure) -> None:
        self.add(figure, how, target="0", met=lambda row: row.ours == 0, comparable=False)

    def ratio_at_most(self, figure: str, how: Figure, limit: float) -> None:
        target = f"≤ {limit:g}x {self.result.baseline_name}"
        self.add(figure, how, target=target, met=lambda row: row.ratio is not None and row.ratio <= limit)

    def ratio_at_least(self, figure: str, how: Figure, limit: float) -> None:
        target = f"≥ {limit:g}x {self.result.baseline_name}"
        self.add(figure, how, target=target, met=lambda row: row.ratio is not None and row.ratio >= limit)

    def sanity(self) -> None:
        self.none("429s", _429s)
        self.none("records rejected (sanity)", _rejected)
        if self.result.ours.duplicates is not None:
            self.none("duplicates left (sanity)", _duplicates)


def rows_for(result: ScenarioResult) -> list[Row]:
    rows = _Rows(result)
    key = result.key
    if key == "S1":
        rows.add("API calls/record", _calls)
        rows.at_most("tokens/record", _tokens, 5.3)
        rows.ratio_at_least("records/s", _rate, 1.8)
    elif key == "S2":
        rows.at_most("API calls/record", _calls, 0.1)
        rows.at_most("tokens/record", _tokens, 0.5)
        rows.add("records/s", _rate)
    elif key == "S3":
        changed = result.changed or 1
        rows.add("API calls/record", _calls)
        rows.at_most("API calls/changed record", lambda m: m.per_record(m.calls, changed), 1.2)
        rows.add("tokens/record", _tokens)
        rows.add("records/s", _rate)
    elif key == "S4":
        rows.add("API calls/record", _calls)
        rows.ratio_at_most("tokens/record", _tokens, 0.5)
        rows.add("records/s", _rate)
    elif key in ("S6", "S7"):
        from .big_accounts import rows as big_rows  # it imports this module

        big_rows(result, rows)
        return rows.rows
    elif key in ("S5", "S9"):
        rows.ratio_at_least("records/s", _rate, 0.9 if key == "S5" else 0.8)
        rows.add("API calls/record", _calls)
        rows.add(
            "last 10% ÷ first 10% records/s", _steady, target="≥ 0.9", met=_steady_enough, comparable=False
        )
        rows.none("records rejected (sanity)", _rejected)
        return rows.rows
    elif key == "S8":
        rows.ratio_at_least("records/s", _rate, 0.9)
        rows.add("API calls/record", _calls)
    rows.sanity()
    return rows.rows


def all_rows(results: list[ScenarioResult]) -> list[Row]:
    return [row for result in results for row in rows_for(result)]
