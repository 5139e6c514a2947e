"""The settings as the run reads them: one typed object, built once from the checked config.

`check_settings` has put every value in its type and filled in the declared defaults (schema.DEFAULTS);
an optional setting with no default is None here. Nothing else re-types a setting or its default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .schema import DEFAULTS


@dataclass(frozen=True)
class Settings:
    api_token: str
    domain: str | None
    api_url: str | None
    person_field: str
    organization_field: str
    deal_field: str
    mappings: list[Any] | None
    segment_warehouse: bool
    reject_file: str | None
    dry_run: bool
    dry_run_file: str | None
    report_file: str | None
    progress_interval: float
    request_timeout: float
    max_rejects: float | None
    ledger_path: str | None
    ledger_url: str | None
    outcome_settle: float
    ledger_lock_wait: float
    full_refresh: bool
    index_full_refresh_days: float
    max_budget_share: float
    strategy: str
    clock_speed: float
    max_in_flight: int
    max_retries: int

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Settings:
        """The settings of a checked config (a null means the declared default; an empty text is a
        value: `reject_file: ""` keeps no rejects, `ledger_path: ""` keeps no ledger)."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            value = config.get(spec.name)
            values[spec.name] = DEFAULTS.get(spec.name) if value is None else value
        return cls(**values)

    @property
    def match_defaults(self) -> dict[str, str]:
        """The default match field per matchable entity."""
        return {
            "person": self.person_field or "id",
            "organization": self.organization_field or "id",
            "deal": self.deal_field or "id",
        }

    @property
    def ledger_location(self) -> tuple[str, str] | None:
        """The sync ledger's URL or path and the setting that names it (None: no ledger)."""
        if self.ledger_url:
            return self.ledger_url, "ledger_url"
        if self.ledger_path:
            return self.ledger_path, "ledger_path"
        return None
