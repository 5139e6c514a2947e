"""After a create whose outcome is unknown: did Pipedrive make the entity? Asked before any retry.

A timeout, a connection dropped after the request went out or a 5xx may hide a committed create. A
blind retry would make a second entity; so the write path (creates.py) lists what changed since just
before the create and looks for the one it sent. Lists are consistent (the search index lags behind
writes, lists do not), so "not there" means the create did not happen and may be sent again.

What identifies the entity, never its `add_time` (persons and organizations accept a back-dated one):
- persons, organizations and deals carrying a match value: the entity with that value (its identity);
- activities, and deals without one: an entity whose plain fields equal the body's (subject, type,
  dates, links: the deterministic marker of the source record), HTML compared as Pipedrive stores it;
- notes and leads (API v1): the same comparison among the notes or leads of the body's link; for
  a lost ledger, archived leads too (listed apart), so that one is skipped rather than made again.
Each list is narrowed with `updated_since` (v2 lists, and v1's /notes and /leads, take it) in
Pipedrive's time: the moment before the create on Pipedrive's clock (see pipedrive/server_clock.py),
less a margin. An entity that another event or match key owns (`taken`) is never claimed.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from ..account.finder import normalize
from ..account.prefetch import has_value
from ..actions import ACTION_SPECS
from ..actions.plan import Write
from ..pipedrive.entities import BY_COLLECTION, BY_NAME
from ..pipedrive.errors import UnusableAnswer
from ..pipedrive.listed import listed_ids
from ..pipedrive.server_clock import parse_stamp

if TYPE_CHECKING:
    from ..pipedrive.client import PipedriveClient

# What the window opens before the create: the Date header's whole seconds, a gateway's clock against
# the application's, an estimate a few minutes old. A wider window costs a longer list, never a wrong
# answer (the entity is recognised by its match value or fields, not by its time).
MARGIN = timedelta(minutes=5)
# Without any reading of Pipedrive's clock (no answer carried a Date header or a create's update_time:
# not seen on Pipedrive, whose every answer has a Date), our clock is all there is: trust it to a day.
UNKNOWN_CLOCK_MARGIN = timedelta(days=1)
# v1 entities (notes, leads) are listed by one of their links: which, from each action's facts.
_V1_LINKS = {
    BY_NAME[spec.entity].collection: spec.content_links
    for spec in ACTION_SPECS.values()
    if spec.content_links
}
# Body keys that Pipedrive stores as sanitised HTML: a note's content, an activity's note.
_HTML_KEYS = frozenset({"content", "note"})
# Intent rows (ledger) name the moment before a create in Pipedrive's time with this prefix; rows of
# earlier versions hold our clock's time without it.
_SERVER_PREFIX = "server:"


def on_server_clock(client: PipedriveClient, moment: datetime) -> datetime:
    """`moment` of our clock on Pipedrive's, as well as the client's answers tell; without any
    reading, our clock a day earlier (a window opened early costs a longer list, nothing else)."""
    return client.server_clock.at(moment) or moment - UNKNOWN_CLOCK_MARGIN


def intent_stamp(client: PipedriveClient, moment: datetime) -> str:
    """How an intent row records the moment before its create: in Pipedrive's time when known."""
    server = client.server_clock.at(moment)
    return moment.isoformat() if server is None else _SERVER_PREFIX + server.isoformat()


def intent_moment(client: PipedriveClient, stamp: str) -> datetime:
    """The moment (in Pipedrive's time) an intent row recorded; our clock's, from older rows, converted."""
    if stamp.startswith(_SERVER_PREFIX):
        return datetime.fromisoformat(stamp[len(_SERVER_PREFIX) :])
    return on_server_clock(client, datetime.fromisoformat(stamp))


def since(moment: datetime) -> str:
    """The updated_since value for changes from `moment` (Pipedrive's time) on, less the margin."""
    return (moment - MARGIN).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_created(
    client: PipedriveClient, write: Write, started: datetime, taken: Callable[[Any], bool]
) -> Any | None:
    """The id of the entity `write` (a POST) created, or None when Pipedrive has no such entity.

    `started`: the moment before the create, in Pipedrive's time (`on_server_clock`). `taken` says
    whether an id already belongs to another event or match key (created earlier in the run, or known
    to the ledger): an equal activity or note of an earlier event is not this one's."""
    body = write.body or {}
    window = since(started)
    items: Iterable[dict[str, Any]]
    if write.path in _V1_LINKS:
        items = _v1_linked(client, write.path, body, window)
    else:
        items = client.paginate_v2(write.path, {"updated_since": window, "limit": 500})
    opened = started - MARGIN
    for item in _with_ids(client, write, body, items):
        # The server filtered already; this only guards against one that ignores updated_since. By
        # update_time (Pipedrive's clock), never add_time (which the create itself may back-date).
        updated = parse_stamp(item.get("update_time"))
        if (updated is not None and updated < opened - timedelta(seconds=1)) or taken(item["id"]):
            continue
        if _is_the_one(write, body, item):
            return item["id"]
    return None


def _with_ids(
    client: PipedriveClient, write: Write, body: dict[str, Any], items: Iterable[Any]
) -> Iterator[dict[str, Any]]:
    """The listed items with a usable id; others are skipped (listed.py), unless one is the entity
    looked for: then which entity the create made is not known, and UnusableAnswer keeps it in doubt
    (never None, which would send the create again and make a second one)."""
    entity = BY_COLLECTION.get(write.path.rstrip("/"))
    ids = listed_ids(client)
    for item in items:
        if entity is None or ids.id_of(entity, item, write.path) is not None:
            yield item
        elif isinstance(item, dict) and _is_the_one(write, body, item):
            raise UnusableAnswer(
                200,
                "GET",
                write.path,
                f"the list holds the {entity.label} this create would make, but it {ids.describe(item)}, "
                f"which is no {entity.label} id",
            )


def find_existing(
    client: PipedriveClient, write: Write, since: datetime | None, taken: Callable[[Any], bool]
) -> Any | None:
    """A lost ledger: the id of an entity equal to the one `write` (a POST of an activity, note or
    lead) would create, on the same linked entity, changed since `since` (the event's moment; None:
    any time), that no other event owns (`taken`); None when there is none.

    One list per create (paged): notes and leads of their link (v1), activities of their deal, person
    or organization (v2 filters); an activity without any link lists every activity changed since."""
    body = write.body or {}
    params: dict[str, Any] = {}
    if since is not None:
        # An event dated in the future (a source's wrong clock) still had its entity created by now.
        since = min(since, datetime.now(timezone.utc))
        params["updated_since"] = (
            (since - UNKNOWN_CLOCK_MARGIN).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    items: Iterable[dict[str, Any]]
    if write.path in _V1_LINKS:
        if (link := _v1_link(write.path, body)) is None:
            return None
        items = client.paginate_v1(write.path, {link: body[link], **params})
    else:
        links = {name: body[name] for name in ("deal_id", "person_id", "org_id") if body.get(name)}
        primary = [p for p in body.get("participants") or [] if isinstance(p, dict) and p.get("person_id")]
        if primary and "person_id" not in links:
            links["person_id"] = primary[0]["person_id"]
        if links:
            name = next(iter(links))
            params[name] = links[name]
        items = client.paginate_v2(write.path, {**params, "limit": 500})
    for item in _with_ids(client, write, body, items):
        if taken(item["id"]):
            continue
        if _is_the_one(write, body, item):
            return item["id"]
    return None


def find_archived(
    client: PipedriveClient, write: Write, since: datetime | None, taken: Callable[[Any], bool]
) -> Any | None:
    """A lost ledger, and `find_existing` found nothing: the id of an archived lead equal to the one
    `write` would create, on the same link (None: none, or an entity that cannot be archived). Lists
    leave archived leads out since 2025-07-15; GET /v1/leads/archived lists them apart, filtered by
    person_id or organization_id but not by updated_since (v1.yaml): `since` narrows it here, as the
    server narrows `find_existing`'s list (archiving moves update_time on, never back)."""
    entity = BY_COLLECTION.get(write.path)
    body = write.body or {}
    if entity is None or entity.archived_path is None or write.path not in _V1_LINKS:
        return None
    if (link := _v1_link(write.path, body)) is None:
        return None
    opened = None if since is None else min(since, datetime.now(timezone.utc)) - UNKNOWN_CLOCK_MARGIN
    for item in _with_ids(client, write, body, client.paginate_v1(entity.archived_path, {link: body[link]})):
        updated = parse_stamp(item.get("update_time"))
        if opened is not None and updated is not None and updated < opened:
            continue
        if not taken(item["id"]) and _is_the_one(write, body, item):
            return item["id"]
    return None


def _v1_link(path: str, body: dict[str, Any]) -> str | None:
    """The body key a v1 list of `path` is narrowed by: the first link the body has."""
    return next((name for name in _V1_LINKS[path] if body.get(name) is not None), None)


def _v1_linked(client: PipedriveClient, path: str, body: dict[str, Any], window: str) -> list[dict[str, Any]]:
    for link in _V1_LINKS[path]:
        if body.get(link) is not None:
            return list(client.paginate_v1(path, {link: body[link], "updated_since": window}))
    return []


def _is_the_one(write: Write, body: dict[str, Any], item: dict[str, Any]) -> bool:
    if write.remember is not None:
        match, value = write.remember
        return has_value(match, item, value, normalize)
    plain = {key: value for key, value in body.items() if isinstance(value, (str, int, float, bool))}
    return bool(plain) and all(_same(key, value, item.get(key)) for key, value in plain.items())


def _same(key: str, sent: Any, held: Any) -> bool:
    # Lenient on purpose, unlike unchanged.holds (where a false "same" would lose an update): here a
    # false "different" would send the create again.
    if isinstance(sent, bool) or isinstance(held, bool):
        return bool(sent) == bool(held)
    if isinstance(sent, (int, float)) and isinstance(held, (int, float, str)):
        try:
            return float(sent) == float(held)
        except ValueError:
            return False
    if str(sent) == str(held):
        return True
    if not isinstance(held, str):
        return False
    if key in _HTML_KEYS:
        return bool(html_texts(str(sent)) & html_texts(held))
    # Pipedrive may answer times with seconds (10:30 → 10:30:00), and timestamps in another form.
    if held.startswith(f"{sent}:"):
        return True
    sent_time, held_time = parse_stamp(str(sent)), parse_stamp(held)
    return sent_time is not None and sent_time == held_time


def html_texts(markup: str) -> set[str]:
    """HTML as comparable text, whatever Pipedrive's sanitiser did to it: tags and attributes dropped,
    entities unescaped, whitespace collapsed. Two readings, with and without the text of script,
    style and iframe elements (a sanitiser removes them with or without their content): equal
    markup shares one."""
    return {_text(markup, keep_scripts=False), _text(markup, keep_scripts=True)}


# Elements whose content a sanitiser may drop with them (or keep as text): read both ways.
_HIDDEN = frozenset({"script", "style", "iframe", "noscript", "template"})


class _Text(HTMLParser):
    def __init__(self, keep_scripts: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_scripts = keep_scripts
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if self.keep_scripts or not self._hidden:
            self.parts.append(data)


def _text(markup: str, *, keep_scripts: bool) -> str:
    parser = _Text(keep_scripts)
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient; should it give up, compare the unescaped text
        return " ".join(html.unescape(markup).split())
    # Entities are unescaped by the parser (convert_charrefs); str.split() also collapses &nbsp;.
    return " ".join("".join(parser.parts).split())
