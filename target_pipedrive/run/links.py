"""Links made after a write: another entity pointed at the one just written (upsert_organization's
person gets the organization as its org_id).

A link never creates the entity it changes and, like every field, is sent only when its source value
changed: the ledger keeps a digest of the link under the mapping, so an unchanged rerun costs nothing.
Without one, the linked entity's current value decides, read from what the run knows or with one GET
(1 token): already linked, it is left alone; linked elsewhere, it is moved only when the mapping says
`"link": "move"`, else left as it is with a warning (and asked again on a later run).

An entity whose id Pipedrive no longer knows (a 404 or 410: deleted or merged since the ledger or the
key index learned the id; one in the trash answers 404 too, pipedrive/trash.py) is forgotten, as the
record's own write forgets a stale id (pipeline.py), and looked up again by the match value that found
it: the live entity holding it now is linked, and with none the link is left out with one warning. A
later run does not ask for the gone id again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..account.digests import decode_fields
from ..account.finder import LookupRejected, Lookups
from ..account.runtime import Runtime
from ..actions import policy
from ..actions.plan import Link, Write
from ..pipedrive.errors import PipedriveRequestError
from .context import RecordContext
from .summary import RunSummary
from .writes import Writer
from .written import WriteMemory

# How create_only_fields names the link (upsert_organization's person pair).
LINK_FIELDS = {"person_match_value", "person_match_field"}
# What Pipedrive answers for an id it no longer has: deleted (or in its trash), or merged into another.
GONE = (404, 410)


class Linker:
    def __init__(self, runtime: Runtime, memory: WriteMemory, writer: Writer, summary: RunSummary) -> None:
        self.runtime = runtime
        self.memory = memory
        self.writer = writer
        self.summary = summary

    def link(
        self, ctx: RecordContext, written_id: Any, links: tuple[Link, ...], *, created: bool
    ) -> list[str]:
        """Make each link to the entity `written_id`; the warnings of those left out. A link named in
        the mapping's create_only_fields is made only with the entity's create."""
        warnings: list[str] = []
        if written_id is None or (not created and set(ctx.policy.create_only) & LINK_FIELDS):
            return warnings
        for link in links:
            try:
                warning = self._one(ctx, int(written_id), link)
            except PipedriveRequestError as exc:
                warning = self._refused(ctx, int(written_id), link, exc)
            if warning:
                warnings.append(warning)
        return warnings

    def _one(self, ctx: RecordContext, written_id: int, link: Link) -> str | None:
        body = {link.key: written_id}
        write = Write(
            "PATCH",
            link.entity.item(link.entity_id),
            body,
            "updated",
            entity_id=link.entity_id,
            update_body=body,
            fields=[link.key],
        )
        if self._unchanged(ctx.mapping, write):
            return None
        current = self.runtime.finder.current(link.entity, link.entity_id)
        if current is None and link.entity_id > 0:  # a dry run's would-be entity (< 0) is not asked for
            current = self.runtime.client.get(link.entity.item(link.entity_id)).data
            if isinstance(current, dict):
                self.runtime.finder.read(link.entity, link.entity_id, current)
        held = _id_of(current.get(link.key)) if isinstance(current, dict) else None
        if held is not None and held != written_id and ctx.policy.link != "move":
            return (
                f"{link.name} belongs to another organization ({held}) and is left there; "
                'set the mapping\'s "link": "move" to move them'
            )
        in_doubt = False
        if held != written_id:
            in_doubt = self.writer.change(ctx, write)
            self.summary.count_fields(ctx.mapping, [f"{link.entity.name}.{link.key}"])
        # Linked (now, or already): remembered, so that the next run sends nothing; a link that may yet
        # be overtaken is compared with Pipedrive again next time.
        self.memory.remember(ctx.mapping, write, link.entity_id, digests=not in_doubt)
        return None

    def _refused(self, ctx: RecordContext, written_id: int, link: Link, exc: PipedriveRequestError) -> str:
        """The warning for a link Pipedrive refused (the record's own write landed). A linked entity
        that is gone is forgotten and looked up again; any other refusal is tried again next run."""
        if exc.status not in GONE or link.found_by is None or exc.path != link.entity.item(link.entity_id):
            return f"{link.name} could not be linked: {exc.pipedrive_error}; tried again on the next run"
        finder = self.runtime.finder
        finder.forget(link.entity.name, link.entity_id)
        match, value = link.found_by
        gone = f"{link.name} (id {link.entity_id}) is no longer in Pipedrive (deleted or merged): forgotten"
        try:
            # Not on the ledger's word again: it named the id that just proved gone.
            live = finder.find(match, value, Lookups(trust_ledger=False))
        except LookupRejected as ambiguous:
            return f"{gone}; {ambiguous}; the link is left out"
        if live is None or live == link.entity_id:
            return (
                f"{gone}, and no other {link.entity.label} has {match.describe()} = {value!r}; "
                "the link is left out"
            )
        try:
            return self._one(ctx, written_id, replace(link, entity_id=live)) or ""
        except PipedriveRequestError as again:
            return f"{link.name} could not be linked: {again.pipedrive_error}; tried again on the next run"

    def _unchanged(self, mapping: str, write: Write) -> bool:
        """The mapping last linked this entity to the same id (the ledger's digest of the link)."""
        if not self.runtime.skip_unchanged or write.update_body is None:
            return False
        key = self.memory.write_key(mapping, write, write.entity_id)
        entry = self.memory.entry(*key) if key is not None else None
        if entry is None or entry.entity_id != str(write.entity_id):
            return False
        stored = decode_fields(entry.digest) or {}
        digests = policy.digests(policy.split(write.update_body))
        return all(stored.get(name) == digest for name, digest in digests.items())


def _id_of(value: Any) -> int | None:
    """A link as an id: v2 answers give the id, v1 an object with `value`."""
    if isinstance(value, dict):
        value = value.get("value", value.get("id"))
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
