"""Running one mapped record through its action: plan, send, and account for the outcome."""

from __future__ import annotations

import json
import logging
from typing import Any

from .actions import PLANNERS
from .actions.plan import Reject, Skip, Write
from .pipedrive.errors import PipedriveRequestError
from .rejects import RejectFile
from .runtime import Runtime
from .summary import RunSummary


def describe_record(source: dict[str, Any], stream: str) -> str:
    """How messages name a record: its stream and the Segment ids it carries."""
    ids = [f"{key}={source[key]!r}" for key in ("messageId", "userId", "groupId") if source.get(key)]
    return f"record of stream {stream!r}" + (f" ({', '.join(ids)})" if ids else "")


class RecordExecutor:
    def __init__(
        self,
        runtime: Runtime,
        summary: RunSummary,
        rejects: RejectFile,
        logger: logging.Logger,
        *,
        dry_run: bool = False,
    ) -> None:
        self.runtime = runtime
        self.summary = summary
        self.rejects = rejects
        self.logger = logger
        self.dry_run = dry_run
        self._planned_creates = 0

    def handle(self, mapping: str, action: str, envelope: dict[str, Any]) -> None:
        self.summary.mapping(mapping).matched += 1
        source, stream = envelope.get("source") or {}, envelope.get("stream", "")
        if envelope.get("rejected"):
            rejected = envelope["rejected"]
            self._reject(mapping, action, source, stream, rejected["reason"], rejected.get("field"))
            return
        try:
            plan = PLANNERS[action](envelope["payload"], self.runtime)
            self._warn(mapping, source, stream, plan.warnings)
            if isinstance(plan, Skip):
                self.summary.record_outcome(mapping, "unchanged")
                return
            self._send(mapping, plan)
        except Reject as exc:
            self._reject(mapping, action, source, stream, exc.reason, exc.field)
        except PipedriveRequestError as exc:
            self._reject(
                mapping,
                action,
                source,
                stream,
                f"Pipedrive refused the request: {exc.pipedrive_error}",
                None,
                status=exc.status,
                pipedrive_error=exc.pipedrive_error,
            )

    def _send(self, mapping: str, write: Write) -> None:
        if self.dry_run:
            self._pretend(mapping, write)
            return
        response = self.runtime.client.request(write.method, write.path, body=write.body)
        if write.remember is not None and write.outcome == "created":
            match, value = write.remember
            self.runtime.finder.remember(match, value, int((response.data or {})["id"]))
        self.summary.record_outcome(mapping, write.outcome)

    def _pretend(self, mapping: str, write: Write) -> None:
        """Dry run: say what would be sent; later records of the run see the would-be entity."""
        request = {"method": write.method, "path": write.path, "body": write.body}
        self.logger.info("Dry run, mapping %r would send: %s", mapping, json.dumps(request, default=str))
        if write.remember is not None and write.outcome == "created":
            self._planned_creates += 1
            # Negative ids stand for entities the run would have created.
            self.runtime.finder.remember(*write.remember, -self._planned_creates)
        self.summary.record_outcome(mapping, write.outcome)

    def _warn(self, mapping: str, source: dict[str, Any], stream: str, warnings: list[str]) -> None:
        for warning in warnings:
            self.summary.mapping(mapping).warnings += 1
            self.logger.warning("Mapping %r, %s: %s", mapping, describe_record(source, stream), warning)

    def _reject(
        self,
        mapping: str,
        action: str,
        source: dict[str, Any],
        stream: str,
        reason: str,
        field: str | None,
        *,
        status: int | None = None,
        pipedrive_error: str | None = None,
    ) -> None:
        self.summary.record_outcome(mapping, "rejected")
        where = f"field {field!r}: " if field else ""
        self.logger.error(
            "Rejected %s by mapping %r (%s): %s%s",
            describe_record(source, stream),
            mapping,
            action,
            where,
            reason,
        )
        self.rejects.write(
            {
                "stream": stream,
                "record": source,
                "mapping": mapping,
                "action": action,
                "field": field,
                "reason": reason,
                "http_status": status,
                "pipedrive_error": pipedrive_error,
            }
        )
