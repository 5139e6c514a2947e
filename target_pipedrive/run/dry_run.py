"""A dry run's plan: every request the run would send, and a summary of it for people.

`dry_run_file` gets one JSON line per request (readable with `jq` or by a program); beside it, the same
name ending in `.md` gets the plan for people, per mapping, like a Terraform plan: what would be created,
the fields updates would change (old → new, a few examples each), what is unchanged, skipped or rejected
and why. The log shows the first few requests and both files' paths.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import msgspec

from ..actions import policy
from ..pipedrive.entities import BY_COLLECTION, Entity
from ..pipedrive.errors import PipedriveRequestError
from ..stops import OutputUnwritable
from .summary import summary_headline

if TYPE_CHECKING:
    from ..account.ledger import Ledger
    from ..account.runtime import Runtime

# Requests shown in the log before the rest go only to the file.
LOGGED = 20
# Examples per created entity kind, per updated field and per reason in the Markdown plan.
EXAMPLES = 3
# Longest value shown in the Markdown plan.
VALUE_WIDTH = 80
# Not a mapping: records refused before any mapping saw them (input_guard.py).
BEFORE_MAPPINGS = "(before any mapping)"
# One encoder for every line of the plan file: msgspec's, eight times faster than json's (a dry run's
# line per record is a tenth of its CPU); values JSON has no type for (dates, decimals) as text.
_fast_encode = msgspec.json.Encoder(enc_hook=str).encode
# json's, for what msgspec refuses to encode (a lone surrogate: the file writes it escaped).
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def plan_line(entry: dict[str, Any]) -> bytes:
    """One line of the plan file, in UTF-8: compact JSON, not ASCII-escaped."""
    try:
        return _fast_encode(entry) + b"\n"
    except (UnicodeEncodeError, TypeError, OverflowError):
        return (_encode(entry) + "\n").encode("utf-8", "backslashreplace")


@dataclass
class _FieldChanges:
    count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class _MappingPlan:
    creates: Counter[str] = field(default_factory=Counter)
    create_examples: dict[str, list[str]] = field(default_factory=dict)
    updates: Counter[str] = field(default_factory=Counter)
    deletes: Counter[str] = field(default_factory=Counter)
    fields: dict[tuple[str, str], _FieldChanges] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


def markdown_path(path: Path) -> Path:
    """The Markdown plan beside the JSONL one: `plan.jsonl` → `plan.md`."""
    return path.with_suffix(".md") if path.suffix != ".md" else path.with_name(path.name + ".md")


def _shown(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "(empty)"
    if isinstance(value, list) and all(isinstance(item, dict) and "value" in item for item in value):
        value = [item["value"] for item in value]  # emails and phones: their values, not their labels
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class DryRunPlan:
    def __init__(
        self,
        path: str | None,
        logger: logging.Logger,
        runtime: Runtime | None = None,
        actions: dict[str, str] | None = None,
    ) -> None:
        self.path = Path(path) if path else None
        self.logger = logger
        self.runtime = runtime
        self.actions = actions or {}
        self.count = 0
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._mappings: dict[str, _MappingPlan] = {}

    def add(self, mapping: str, request: dict[str, Any]) -> None:
        line = plan_line({"mapping": mapping, **request})
        with self._lock:
            self.count += 1
            count = self.count
            if self.path is not None:
                try:
                    if self._handle is None:
                        self.path.parent.mkdir(parents=True, exist_ok=True)
                        self._handle = self.path.open("wb")
                    self._handle.write(line)
                except OSError as exc:
                    raise OutputUnwritable("dry_run_file", self.path, exc) from None
            self._note(mapping, request)
        if count <= LOGGED:
            self.logger.info("Dry run, mapping %r would send: %s", mapping, json.dumps(request, default=str))
        if count == LOGGED and self.path is not None:
            self.logger.info("Dry run: further requests are written to %s only", self.path)

    def skipped(self, mapping: str, reason: str) -> None:
        with self._lock:
            self._plan_of(mapping).skipped[reason] += 1

    def rejected(self, mapping: str | None, reason: str) -> None:
        with self._lock:
            self._plan_of(mapping or BEFORE_MAPPINGS).rejected[reason] += 1

    def _plan_of(self, mapping: str) -> _MappingPlan:
        """A mapping's plan (with the lock held); made on first use, not on every request."""
        plan = self._mappings.get(mapping)
        if plan is None:
            plan = self._mappings[mapping] = _MappingPlan()
        return plan

    def _note(self, mapping: str, request: dict[str, Any]) -> None:
        """What the request means for people: a create (with its values) or an update (per field)."""
        plan = self._plan_of(mapping)
        method, path, body = request.get("method"), str(request.get("path")), request.get("body") or {}
        if method == "POST":
            # Most of a dry run's requests: counted without taking the path apart.
            created = BY_COLLECTION.get(path)
            kind = created.label if created is not None else path
            plan.creates[kind] += 1
            examples = plan.create_examples.get(kind)
            if examples is None or len(examples) < EXAMPLES:
                action = self.actions.get(mapping, "")
                values = ", ".join(
                    f"{self._label(action, name)} = {_shown(self._readable(action, name, value))}"
                    for name, value in policy.split(body).items()
                )
                plan.create_examples.setdefault(kind, []).append(values or "(no fields)")
            return
        collection, _, entity_id = path.rpartition("/")
        entity = BY_COLLECTION.get(collection)
        kind = entity.label if entity is not None else path
        action = self.actions.get(mapping, "")
        if method == "DELETE":
            plan.deletes[kind] += 1
            return
        plan.updates[kind] += 1
        parts = {
            (kind, self._label(action, name)): (name, value) for name, value in policy.split(body).items()
        }
        wanted = any(key not in plan.fields or len(plan.fields[key].examples) < EXAMPLES for key in parts)
        current = self._current(entity, entity_id, read=wanted)
        for key, (name, value) in parts.items():
            changes = plan.fields.get(key) or plan.fields.setdefault(key, _FieldChanges())
            changes.count += 1
            if len(changes.examples) < EXAMPLES:
                old = (
                    _shown(self._readable(action, name, policy.held_value(current, name)))
                    if current is not None
                    else "(not known)"
                )
                new = _shown(self._readable(action, name, value))
                changes.examples.append(f"{kind} {entity_id}: {old} → {new}")

    def _label(self, action: str, name: str) -> str:
        if self.runtime is None or not action:
            return name
        return policy.label(action, name, self.runtime.catalog)

    def _readable(self, action: str, name: str, value: Any) -> Any:
        """A custom field's option ids as their labels (`108` → `"Enterprise"`)."""
        entity = policy.custom_entity(action)
        if self.runtime is None or entity is None or not name.startswith(policy.CUSTOM) or value is None:
            return value
        try:
            options = self.runtime.catalog.resolve(entity, name[len(policy.CUSTOM) :]).options
        except LookupError:
            return value
        labels = {str(option_id): label for label, option_id in options.items()}
        if isinstance(value, list):
            return [labels.get(str(item), item) for item in value]
        return labels.get(str(value), value)

    def _current(self, entity: Entity | None, entity_id: str, *, read: bool) -> dict[str, Any] | None:
        """The entity before the update, as the run knows it (prefetched or read) or, while the plan
        still wants examples, as a GET returns it; None if not known, or if the dry run would have
        created it (a negative id)."""
        if self.runtime is None or entity is None or entity_id.startswith("-"):
            return None
        known = self.runtime.finder.current(entity, int(entity_id) if entity_id.isdigit() else entity_id)
        if known is not None or not read:
            return known
        try:
            data = self.runtime.client.get(entity.item(entity_id)).data
        except PipedriveRequestError:
            return None
        return data if isinstance(data, dict) else None

    def close(self, report: dict[str, Any] | None = None, mapping_names: list[str] | None = None) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
            if handle is not None:
                try:
                    handle.close()
                except OSError as exc:
                    raise OutputUnwritable("dry_run_file", self.path, exc) from None
            if self.count:
                where = f"; all of them are in {self.path}" if self.path is not None else ""
                self.logger.info("Dry run: %d requests would have been sent%s", self.count, where)
            if self.path is None or report is None:
                return
            plan_path = markdown_path(self.path)
            try:
                plan_path.parent.mkdir(parents=True, exist_ok=True)
                plan_path.write_text(self.markdown(report, mapping_names or []), encoding="utf-8")
            except OSError as exc:
                raise OutputUnwritable("dry_run_file", plan_path, exc) from None
        self.logger.info("Dry run: the plan, per mapping, is in %s", plan_path)

    def markdown(self, report: dict[str, Any], mapping_names: list[str]) -> str:
        """The plan for people (call with the lock held, or once the run is over)."""
        tallies: dict[str, dict[str, Any]] = report.get("mappings", {})
        names = list(dict.fromkeys([*mapping_names, *tallies, *self._mappings]))
        out = [
            "# Dry-run plan",
            "",
            "Nothing was written to Pipedrive. "
            + summary_headline(report)
            + ("." if not self.count else f"; {self.count} requests would be sent"),
        ]
        if self.path is not None and self.count:
            out[-1] += f" (each one in `{self.path.name}`)."
        for name in names:
            out += ["", *self._mapping_section(name, tallies.get(name, {}), self._mappings.get(name))]
        return "\n".join(out) + "\n"

    def _mapping_section(self, name: str, tally: dict[str, Any], plan: _MappingPlan | None) -> list[str]:
        plan = plan or _MappingPlan()
        action = self.actions.get(name)
        title = f"## {name}" + (f" ({action})" if action else "")
        if name == BEFORE_MAPPINGS:
            title = "## Records refused before any mapping"
        lines = [title, ""]
        if name != BEFORE_MAPPINGS:
            creates, updates = sum(plan.creates.values()), sum(plan.updates.values())
            lines += [
                "| matched | create | update | delete | unchanged | skipped | rejected |",
                "|--:|--:|--:|--:|--:|--:|--:|",
                f"| {tally.get('matched', 0)} | {creates} | {updates} | {sum(plan.deletes.values())} "
                f"| {tally.get('unchanged', 0)} | {tally.get('skipped', 0)} | {tally.get('rejected', 0)} |",
                "",
            ]
            if not tally.get("matched") and not creates and not updates:
                return [*lines, "No record matched this mapping's trigger."]
        for kind, count in plan.creates.items():
            lines.append(f"**Create {count} {kind}(s)**, e.g.:")
            lines += [f"- {example}" for example in plan.create_examples.get(kind, [])]
            lines.append("")
        if plan.fields:
            counts = ", ".join(f"{count} {kind}(s)" for kind, count in plan.updates.items())
            lines += [
                f"**Update {counts}**, changing:",
                "",
                "| field | updates | examples (old → new) |",
                "|:--|--:|:--|",
            ]
            for (kind, label), changes in plan.fields.items():
                shown = label if len(plan.updates) == 1 else f"{kind}: {label}"
                lines.append(f"| {_cell(shown)} | {changes.count} | {'<br>'.join(changes.examples)} |")
            lines.append("")
        for kind, count in plan.deletes.items():
            lines += [f"**Delete {count} {kind}(s).**", ""]
        if tally.get("unchanged"):
            lines += [
                f"**Unchanged: {tally['unchanged']}**: Pipedrive already holds what the records say.",
                "",
            ]
        for heading, reasons in (("Skipped", plan.skipped), ("Rejected", plan.rejected)):
            if reasons:
                lines.append(f"**{heading}: {sum(reasons.values())}**")
                lines += [f"- {count} x {reason}" for reason, count in reasons.most_common()]
                lines.append("")
        while lines and lines[-1] == "":
            lines.pop()
        return lines


def work_on_a_copy(ledger: Ledger) -> None:
    """Make a dry run's ledger a copy in memory: the run remembers what it would have written, exactly
    as a real run does (so its summary is a real run's: a record repeated in the input is unchanged the
    second time), and the file is left as it was."""
    ledger.work_on_a_copy()
