"""The account's directory: its users, pipelines and stages, and lead labels, named as people name them.

Mappings give an owner by email, name or id, a deal's pipeline and stage by name, a lead's labels by
name; Pipedrive wants ids, which differ between a test and a production account. Each list is read at
most once per run, when a mapping first needs it (GET /v1/users, /api/v2/pipelines and /api/v2/stages,
/v1/leadLabels: one request each, never a search per record), under a lock: records run on several
threads. A name that matches nothing, or more than one entry, is a ValueError that lists the valid ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..pipedrive.entities import LEAD_LABEL, PIPELINE, STAGE, USER, Entity
from ..pipedrive.listed import listed_ids
from .texts import text_key

if TYPE_CHECKING:
    from ..pipedrive.client import PipedriveClient

# The most valid choices a message lists (a company may have hundreds of users).
_LISTED = 40
# How a stage is named together with its pipeline: "Sales pipeline / Qualified".
STAGE_SEPARATOR = "/"


class AmbiguousName(ValueError):
    """A name several users, pipelines, stages or labels share."""


@dataclass(frozen=True)
class Entry:
    """One user, pipeline, stage or label: its id, its name, and for a stage its pipeline."""

    id: Any
    name: str
    email: str = ""
    pipeline_id: int | None = None
    active: bool = True  # a user's active_flag: deactivated users come after active ones

    def describe(self) -> str:
        email = f" <{self.email}>" if self.email else ""
        return f"{self.name!r}{email} (id {self.id})"


def _valid(entries: list[Entry]) -> str:
    listed = ", ".join(entry.describe() for entry in entries[:_LISTED])
    more = len(entries) - _LISTED
    return listed + (f" and {more} more" if more > 0 else "")


def _by_id(entries: list[Entry], wanted: str) -> Entry | None:
    return next((entry for entry in entries if str(entry.id) == wanted), None)


def _named(entries: list[Entry], wanted: str, *, email: bool = False) -> list[Entry]:
    # text_key, as every match key of the run: an email or name typed in NFD (macOS) is the user's.
    key = text_key(wanted)
    if email and "@" in wanted:
        return [entry for entry in entries if text_key(entry.email) == key]
    return [entry for entry in entries if text_key(entry.name) == key]


class AccountDirectory:
    """Users, pipelines, stages and lead labels of one account, each read once per run on first use."""

    def __init__(self, client: PipedriveClient) -> None:
        self._client = client
        self._lists: dict[str, list[Entry]] = {}
        self._lock = threading.Lock()

    def _list(self, kind: str, read: Callable[[], list[Entry]]) -> list[Entry]:
        with self._lock:
            if kind not in self._lists:
                self._lists[kind] = read()
            return self._lists[kind]

    def users(self) -> list[Entry]:
        """The company's users that can own entities: a deleted user owns nothing."""

        def read() -> list[Entry]:
            items = self._client.get(USER.collection).data or []
            users = [
                Entry(
                    user_id,
                    str(u.get("name") or ""),
                    str(u.get("email") or ""),
                    active=u.get("active_flag") is not False,
                )
                for u, user_id in self._usable(USER, items)
                if not u.get("is_deleted")
            ]
            return sorted(users, key=lambda user: not user.active)  # stable: active first, in order

        return self._list("users", read)

    def pipelines(self) -> list[Entry]:
        def read() -> list[Entry]:
            items = self._client.paginate_v2(PIPELINE.collection, {"limit": 500})
            return [
                Entry(pipeline_id, str(p.get("name") or ""))
                for p, pipeline_id in self._usable(PIPELINE, items)
                if not p.get("is_deleted")
            ]

        return self._list("pipelines", read)

    def stages(self) -> list[Entry]:
        def read() -> list[Entry]:
            items = self._client.paginate_v2(STAGE.collection, {"limit": 500})
            ordered = sorted(
                ((s, stage_id) for s, stage_id in self._usable(STAGE, items) if not s.get("is_deleted")),
                key=lambda pair: (pair[0].get("pipeline_id") or 0, pair[0].get("order_nr") or 0, pair[1]),
            )
            return [
                Entry(stage_id, str(s.get("name") or ""), "", s.get("pipeline_id")) for s, stage_id in ordered
            ]

        return self._list("stages", read)

    def labels(self) -> list[Entry]:
        def read() -> list[Entry]:
            items = self._client.get(LEAD_LABEL.collection).data or []
            return [
                Entry(label_id, str(i.get("name") or "")) for i, label_id in self._usable(LEAD_LABEL, items)
            ]

        return self._list("labels", read)

    def _usable(self, kind: Entity, items: Iterable[Any]) -> list[tuple[dict[str, Any], Any]]:
        """The entries with a usable id, each with it; the others skipped (listed.py). One missing here
        is at worst a name the record cannot use, which rejects it naming the valid ones."""
        ids = listed_ids(self._client)
        found = ((item, ids.id_of(kind, item, kind.collection)) for item in items)
        return [(item, entry_id) for item, entry_id in found if entry_id is not None]

    # Names → ids
    def user(self, wanted: Any) -> int:
        """A user's id, the user given by id, email (case-insensitive) or name (one user only)."""
        text = str(wanted).strip()
        users = self.users()
        found = [hit] if (hit := _by_id(users, text)) else _named(users, text, email=True)
        if len(found) > 1 and any(user.active for user in found):
            # A deactivated namesake does not make the name ambiguous.
            found = [user for user in found if user.active]
        if len(found) == 1:
            return int(found[0].id)
        if found:
            raise AmbiguousName(
                f"{text!r} names {len(found)} users: {_valid(found)}; give the user's email or id instead"
            )
        raise ValueError(f"{text!r} is not a user of this Pipedrive account; valid users: {_valid(users)}")

    def pipeline(self, wanted: Any) -> int:
        """A pipeline's id, the pipeline given by id or name (case-insensitive)."""
        return int(self._one("pipeline", self.pipelines(), str(wanted).strip()).id)

    def label(self, wanted: Any) -> str:
        """A lead label's id (a UUID), the label given by id or name (case-insensitive)."""
        return str(self._one("lead label", self.labels(), str(wanted).strip()).id)

    @staticmethod
    def _one(what: str, entries: list[Entry], text: str) -> Entry:
        found = [hit] if (hit := _by_id(entries, text)) else _named(entries, text)
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousName(f"{text!r} names {len(found)} {what}s: {_valid(found)}; give its id instead")
        raise ValueError(
            f"{text!r} is not a {what} of this Pipedrive account; valid {what}s: {_valid(entries)}"
        )

    def stage(self, wanted: Any, pipeline_id: int | None = None) -> Entry:
        """A stage given by id, name, or "Pipeline / Stage"; within `pipeline_id` when one is given.
        A name found in several pipelines with no pipeline given names those pipelines."""
        text = str(wanted).strip()
        stages = self.stages()
        found = [hit] if (hit := _by_id(stages, text)) else _named(stages, text)
        if not found and STAGE_SEPARATOR in text:
            pipeline_name, _, stage_name = text.partition(STAGE_SEPARATOR)
            within = self.pipeline(pipeline_name.strip())
            self._same_pipeline(text, within, pipeline_id)
            pipeline_id = within
            found = _named(stages, stage_name.strip())
        if not found:
            valid = ", ".join(self._full_name(entry) for entry in stages[:_LISTED])
            raise ValueError(f"{text!r} is not a stage of this Pipedrive account; valid stages: {valid}")
        if pipeline_id is not None:
            within_pipeline = [entry for entry in found if entry.pipeline_id == pipeline_id]
            if not within_pipeline:
                self._same_pipeline(text, found[0].pipeline_id, pipeline_id)
            found = within_pipeline
        if len(found) > 1:
            names = ", ".join(self._full_name(entry) for entry in found)
            raise AmbiguousName(
                f"stage {text!r} is in several pipelines: {names}; give the pipeline (the `pipeline` "
                'field) or the stage as "Pipeline / Stage"'
            )
        return found[0]

    def _same_pipeline(self, text: str, stage_pipeline: int | None, given: int | None) -> None:
        if given is not None and stage_pipeline != given:
            raise ValueError(
                f"stage {text!r} is in pipeline {self._pipeline_name(stage_pipeline)!r}, not in the pipeline "
                f"given ({self._pipeline_name(given)!r})"
            )

    def _full_name(self, stage: Entry) -> str:
        return repr(f"{self._pipeline_name(stage.pipeline_id)} / {stage.name}")

    def _pipeline_name(self, pipeline_id: int | None) -> str:
        found = _by_id(self.pipelines(), str(pipeline_id))
        return found.name if found else str(pipeline_id)
