"""What an action decides to do with one record: a write, a skip, or a rejection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..account.match import MatchField
from ..pipedrive.entities import Entity

Outcome = Literal["created", "updated", "deleted"]


@dataclass(frozen=True)
class Link:
    """After the write, `entity` `entity_id`'s `key` is set to the written entity's id (a person's
    org_id to the organization just written); `name` says which entity it is, for warnings. `found_by`
    is the match field and value the id was found under: an id that proves gone (deleted or merged
    since the ledger or the key index learned it) is looked up again by them (run/links.py)."""

    entity: Entity
    entity_id: int
    key: str
    name: str
    found_by: tuple[MatchField, str] | None = None


@dataclass
class Write:
    method: str
    path: str
    body: dict[str, Any] | None
    outcome: Outcome
    # The identity written (match field and value), so the rest of the run and the ledger find it.
    remember: tuple[MatchField, str] | None = None
    warnings: list[str] = field(default_factory=list)
    # An update's target (a lead's is a uuid), and the body of the record as it would update the entity:
    # every mapped field, as mapped (before a create's write-back, contacts not yet merged). The write
    # path narrows an update to the fields that changed (run/narrowing.py), keeping a digest per field.
    entity_id: int | str | None = None
    update_body: dict[str, Any] | None = None
    # The fields an update sends, as the summary names them (set by the write policy, run/narrowing.py).
    fields: list[str] = field(default_factory=list)
    # Other entities to point at the written one once it is written (run/links.py).
    links: tuple[Link, ...] = ()


@dataclass
class Skip:
    """Nothing to send: the entity already is as the record says."""

    reason: str
    warnings: list[str] = field(default_factory=list)
    # The entity left as it is, and the links to point at it (as Write's).
    entity_id: int | str | None = None
    links: tuple[Link, ...] = ()


class Reject(Exception):
    """The record cannot be written; `field` names the mapping field at fault, if one is."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class Skipped(Exception):
    """The record is not written on purpose: counted as skipped, its reason said once per run and mapping."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Archived(Skipped):
    """The record's entity is archived in Pipedrive: it cannot be edited, and creating another one
    would duplicate it. The record is skipped (counted, with a warning), never written."""

    def __init__(self, label: str, entity_id: Any) -> None:
        super().__init__(
            f"{label} {entity_id} is archived in Pipedrive: archived {label}s cannot be edited and no second "
            f"one is created; unarchive it in Pipedrive for the sync to update it"
        )


# A mapping's `mode`: whether its action may create, and whether it may update.
UPSERT, UPDATE_ONLY, CREATE_ONLY = "upsert", "update_only", "create_only"
MODES = (UPSERT, UPDATE_ONLY, CREATE_ONLY)


def within_mode(mode: str, plan: Write | Skip, label: str) -> Write | Skip:
    """A plan as the mapping's mode allows it. `update_only`: a create (POST) is not sent, the record
    is skipped (Skipped, with the reason); `create_only`: a change to an existing entity (PATCH, PUT,
    DELETE) is not sent, the entity is left as it is (a Skip: unchanged). `label` names the entity."""
    if not isinstance(plan, Write) or mode == UPSERT:
        return plan
    if mode == UPDATE_ONLY and plan.method == "POST":
        raise Skipped(f"no {label} matches the record and the mapping's mode is update_only: none is created")
    if mode == CREATE_ONLY and plan.method != "POST":
        return Skip(
            f"the {label} exists and the mapping's mode is create_only: it is left as it is", plan.warnings
        )
    return plan
