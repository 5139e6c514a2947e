"""What an action decides to do with one record: a write, a skip, or a rejection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..pipedrive.match import MatchField

Outcome = Literal["created", "updated", "deleted"]


@dataclass
class Write:
    method: str
    path: str
    body: dict[str, Any] | None
    outcome: Outcome
    # The identity written (match field and value), so the rest of the run and the ledger find it.
    remember: tuple[MatchField, str] | None = None
    warnings: list[str] = field(default_factory=list)
    # An update's target, and the body of the record as it would update the entity (before a create's
    # write-back): the executor skips the write when Pipedrive already holds it.
    entity_id: int | None = None
    update_body: dict[str, Any] | None = None


@dataclass
class Skip:
    """Nothing to send: the entity already is as the record says."""

    reason: str
    warnings: list[str] = field(default_factory=list)


class Reject(Exception):
    """The record cannot be written; `field` names the mapping field at fault, if one is."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
