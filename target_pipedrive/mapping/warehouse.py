"""Rows of Segment's warehouse tables presented as the Segment events they were (`segment_warehouse`).

Segment's warehouse connector writes each event type to a table of flat, snake_case columns:
`identifies`, `users`, `groups`, `accounts`, `tracks`, `pages`, `screens`, and one table per track
event (`order_completed`…). A tap (tap-postgres, tap-snowflake, tap-bigquery) reads them as streams
named after the table, often with its schema in front (`public-identifies`, `segment.identifies`).
Triggers, directives and presets are written for Segment's events (`type`, `userId`, `traits.email`),
so with the setting on, each row is turned back into one:

* the event type from the table: identifies and users → identify, groups and accounts → group,
  tracks and per-event tables → track, pages → page, screens → screen;
* the common columns renamed: user_id → userId, anonymous_id → anonymousId, group_id → groupId,
  message_id (else the row's `id`) → messageId, received_at → receivedAt, sent_at → sentAt,
  original_timestamp → originalTimestamp, timestamp stays; in `users` the `id` is the userId, in
  `accounts` the groupId;
* context_* columns → context (context_ip → context.ip, context_traits_email → context.traits.email,
  context_page_url → context.page.url, context_user_agent → context.userAgent);
* every other top-level column → `traits` (identifies, users, groups, accounts) or `properties`
  (tracks, pages, screens, per-event tables), under the name the warehouse gave it; a page's or
  screen's `name` and `category` stay top-level, as in the event;
* a track's `event` is the row's `event_text` (the event's name as it was sent, "Order Completed"),
  else its `event` column, else the stream's table name.

Limits: only top-level columns are read (a JSON column stays one value); names stay as the warehouse
wrote them (snake_case: `traits.first_name`, not `firstName`); columns Singer taps add (`_sdc_*`) and
Segment's load columns (`uuid`, `uuid_ts`, `loaded_at`) are left out. Any other stream is a per-event
table when its rows have an `event` or `event_text` column; a stream with neither is passed as it is.
A row that already is an event (it has a camelCase `messageId`, `userId`, `anonymousId` or `groupId`,
such as a reject file's record) is passed as it is, so converting twice changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

# Table → the event type its rows were.
TABLE_TYPES = {
    "identifies": "identify",
    "users": "identify",
    "groups": "group",
    "accounts": "group",
    "tracks": "track",
    "pages": "page",
    "screens": "screen",
}
# Tables whose free columns are the event's traits (the others': its properties).
TRAIT_TABLES = frozenset({"identifies", "users", "groups", "accounts"})
# Columns renamed to the event's own keys.
RENAMED = {
    "user_id": "userId",
    "anonymous_id": "anonymousId",
    "group_id": "groupId",
    "message_id": "messageId",
    "received_at": "receivedAt",
    "sent_at": "sentAt",
    "original_timestamp": "originalTimestamp",
    "timestamp": "timestamp",
}
# Columns Segment's loader (and Singer taps) add: not part of the event.
LOAD_COLUMNS = frozenset({"uuid", "uuid_ts", "loaded_at"})
# Columns of a page or screen that are the event's own, not its properties.
PAGE_KEYS = frozenset({"name", "category"})
# context_<object>_<key> → context.<object>.<key>
CONTEXT_OBJECTS = frozenset(
    {
        "app",
        "campaign",
        "device",
        "library",
        "location",
        "network",
        "os",
        "page",
        "referrer",
        "screen",
        "traits",
    }
)
# context_<key> columns whose key Segment spells in camelCase.
CONTEXT_RENAMED = {"user_agent": "userAgent", "group_id": "groupId"}
# What tells a row that already is an event.
EVENT_KEYS = ("messageId", "userId", "anonymousId", "groupId")


def table_of(stream: str) -> str:
    """The table a stream reads: its name after the last `-` or `.` (taps put the schema in front)."""
    return re.split(r"[-.]", stream)[-1].casefold()


def as_event(record: dict[str, Any], stream: str) -> dict[str, Any]:
    """The Segment event a warehouse row was; the row as it is when its stream is no Segment table."""
    if any(key in record for key in EVENT_KEYS):
        return record
    table = table_of(stream)
    kind = TABLE_TYPES.get(table)
    if kind is None:
        if "event" not in record and "event_text" not in record:
            return record
        kind = "track"
    event: dict[str, Any] = {"type": kind}
    context: dict[str, Any] = {}
    free: dict[str, Any] = {}
    for column, value in record.items():
        if column.startswith("_sdc_") or column in LOAD_COLUMNS:
            continue
        if column in RENAMED:
            event[RENAMED[column]] = value
        elif column == "id":
            key = {"users": "userId", "accounts": "groupId"}.get(table, "messageId")
            event.setdefault(key, value)
        elif column.startswith("context_") and len(column) > len("context_"):
            _put_context(context, column[len("context_") :], value)
        elif kind == "track" and column in ("event", "event_text"):
            continue
        elif kind in ("page", "screen") and column in PAGE_KEYS:
            event[column] = value
        else:
            free[column] = value
    if "message_id" in record and record["message_id"] not in (None, ""):
        event["messageId"] = record["message_id"]
    if kind == "track":
        event["event"] = _first_text(record.get("event_text"), record.get("event")) or table
    if context:
        event["context"] = context
    event["traits" if table in TRAIT_TABLES else "properties"] = free
    return event


def _put_context(context: dict[str, Any], key: str, value: Any) -> None:
    head, _, rest = key.partition("_")
    if head in CONTEXT_OBJECTS and rest:
        inner = context.setdefault(head, {})
        if isinstance(inner, dict):
            inner[rest] = value
            return
    context[CONTEXT_RENAMED.get(key, key)] = value


def _first_text(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value
    return None
