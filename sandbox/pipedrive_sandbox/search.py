"""Search as documented: entity searches, itemSearch and itemSearch/field, over the lagging index.

Entity searches and itemSearch ignore case (exact_match is whole-text equality, otherwise a
substring match); itemSearch/field is case-sensitive. Terms need 2 characters, or 1 with an exact match.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .paging import Result, cursor_page, int_param
from .search_docs import FIELD_ENTITY, SEARCHABLE_TYPES
from .search_index import Doc
from .store import Store

SEARCH_FIELDS = {
    "persons": ("custom_fields", "email", "notes", "phone", "name"),
    "organizations": ("address", "custom_fields", "notes", "name"),
    "deals": ("custom_fields", "notes", "title"),
    "leads": ("custom_fields", "notes", "title"),
}
ITEM_TYPES = {"person": "persons", "organization": "organizations", "deal": "deals", "lead": "leads"}
# Types itemSearch knows that the sandbox holds none of: searching them finds nothing.
_EMPTY_TYPES = ("product", "file", "mail_attachment", "project")
_FILTERS = {
    "persons": (("organization_id", "org_id"),),
    "deals": (("person_id", "person_id"), ("organization_id", "org_id")),
    "leads": (("person_id", "person_id"), ("organization_id", "organization_id")),
}


def _flag(query: dict[str, str], name: str) -> bool:
    value = query.get(name, "false")
    if value not in ("true", "false"):
        raise ApiError(400, f"Parameter '{name}' must be true or false")
    return value == "true"


def _term(query: dict[str, str], exact: bool) -> str:
    term = query.get("term", "").strip()
    if len(term) < (1 if exact else 2):
        raise ApiError(400, "Search term must be at least 2 characters long (1 with an exact match)")
    return term


def _fields(query: dict[str, str], allowed: tuple[str, ...]) -> list[str]:
    if not query.get("fields"):
        return list(allowed)
    fields = query["fields"].split(",")
    if any(f not in allowed for f in fields):
        raise ApiError(400, f"Parameter 'fields' must be a subset of {','.join(allowed)}")
    return fields


def _related(store: Store, kind: str, entity_id: Any) -> dict[str, Any] | None:
    item = store.entities[kind].get(entity_id) if entity_id is not None else None
    if item is None:
        return None
    related: dict[str, Any] = {"id": item["id"], "name": item.get("name")}
    if kind == "organizations":
        address = item.get("address")
        related["address"] = address.get("value") if isinstance(address, dict) else address
    return related


def _result_item(store: Store, kind: str, doc: Doc, fields: list[str]) -> dict[str, Any]:
    item = doc.item
    result: dict[str, Any] = {"id": item["id"], "type": FIELD_ENTITY[kind] if kind != "leads" else "lead"}
    visible_to = item.get("visible_to", 3)
    result["visible_to"] = int(visible_to) if isinstance(visible_to, str) else visible_to
    result["owner"] = {"id": item.get("owner_id")}
    if kind == "persons":
        result.update(name=item.get("name"), phones=doc.texts["phone"], emails=doc.texts["email"])
        result["organization"] = _related(store, "organizations", item.get("org_id"))
    elif kind == "organizations":
        result.update(name=item.get("name"), address=next(iter(doc.texts["address"]), None))
    else:
        org_key = "org_id" if kind == "deals" else "organization_id"
        result["title"] = item.get("title")
        result["person"] = _related(store, "persons", item.get("person_id"))
        result["organization"] = _related(store, "organizations", item.get(org_key))
        result["is_archived"] = bool(item.get("is_archived"))
        if kind == "deals":
            result.update(value=item.get("value"), currency=item.get("currency"), status=item.get("status"))
            stage = next((s for s in store.seed["stages"] if s["id"] == item.get("stage_id")), None)
            result["stage"] = {"id": stage["id"], "name": stage["name"]} if stage else None
        else:
            value = item.get("value") or {}
            result.update(value=value.get("amount"), currency=value.get("currency"), phones=[], emails=[])
    result["custom_fields"] = doc.texts["custom_fields"] if "custom_fields" in fields else []
    result["notes"] = []
    return result


def _matches(store: Store, kind: str, query: dict[str, str], fields: list[str]) -> list[dict[str, Any]]:
    exact = _flag(query, "exact_match")
    term = _term(query, exact)
    if exact:
        scored = [(1.0, doc) for doc in store.index.exact(kind, fields, term)]
    else:
        wanted, scored = term.casefold(), []
        for doc in store.index.docs(kind):
            texts = [text.casefold() for name in fields for text in doc.texts.get(name, [])]
            hits = [text for text in texts if wanted in text]
            if hits:
                # A rough relevance: how much of the best-matching text the term covers.
                scored.append((round(max(len(wanted) / len(text) for text in hits), 4), doc))
    for param, key in _FILTERS.get(kind, ()):
        if query.get(param):
            number = int_param(query, param)
            scored = [(score, doc) for score, doc in scored if doc.item.get(key) == number]
    if kind == "deals" and query.get("status"):
        scored = [(score, doc) for score, doc in scored if doc.item.get("status") == query["status"]]
    scored.sort(key=lambda pair: -pair[0])
    return [{"result_score": score, "item": _result_item(store, kind, doc, fields)} for score, doc in scored]


def entity_search(store: Store, kind: str, query: dict[str, str]) -> Result:
    hits = _matches(store, kind, query, _fields(query, SEARCH_FIELDS[kind]))
    status, body = cursor_page(hits, query, key="result_score")
    return status, {**body, "data": {"items": body["data"]}}


def item_search(store: Store, query: dict[str, str]) -> Result:
    types = query.get("item_types", ",".join(ITEM_TYPES)).split(",")
    unknown = [t for t in types if t not in ITEM_TYPES and t not in _EMPTY_TYPES]
    if unknown:
        raise ApiError(400, f"Unknown item_types: {', '.join(unknown)}")
    every = ("address", "code", "custom_fields", "email", "name", "notes", "phone", "title", "description")
    fields = _fields(query, every)
    hits: list[dict[str, Any]] = []
    for item_type in types:
        kind = ITEM_TYPES.get(item_type)
        usable = [f for f in fields if kind and f in SEARCH_FIELDS[kind]]
        if kind and usable:
            hits.extend(_matches(store, kind, query, usable))
    hits.sort(key=lambda hit: -hit["result_score"])
    status, body = cursor_page(hits, query, max_limit=100, key="result_score")
    return status, {**body, "data": {"items": body["data"], "related_items": []}}


_BUILTIN_TEXTS = {"name": "name", "title": "title", "email": "email", "phone": "phone"}


def field_search(store: Store, query: dict[str, str]) -> Result:
    entity, key = query.get("entity_type", ""), query.get("field", "")
    match = query.get("match", "exact")
    kinds = {"person": "persons", "organization": "organizations", "deal": "deals", "lead": "leads"}
    if entity not in kinds and entity not in ("product", "project"):
        raise ApiError(
            400, "Parameter 'entity_type' must be deal, lead, person, organization, product or project"
        )
    if match not in ("exact", "beginning", "middle"):
        raise ApiError(400, "Parameter 'match' must be exact, beginning or middle")
    if not key:
        raise ApiError(400, "Parameter 'field' is required")
    term = _term(query, match == "exact")
    if entity not in kinds:
        return cursor_page([], query)
    kind = kinds[entity]
    spec = store.custom_field(FIELD_ENTITY[kind], key)
    builtin = _BUILTIN_TEXTS.get(key) if key in SEARCH_FIELDS[kind] or key in ("name", "title") else None
    if spec is None and builtin is None:
        raise ApiError(400, f"Field '{key}' is not a searchable field of {entity}")
    if spec is not None and spec["field_type"] not in SEARCHABLE_TYPES:
        raise ApiError(400, f"Field '{key}' of type {spec['field_type']} is not searchable")
    found: list[tuple[float, Any, str]] = []  # (score, id, the field's text)
    if spec is not None and match == "exact":
        found = [(1.0, doc.id, doc.custom[key]) for doc in store.index.custom_exact(kind, key, term)]
    else:
        for doc in store.index.docs(kind):
            texts = [doc.custom[key]] if spec is not None and key in doc.custom else []
            if builtin is not None:
                texts = doc.texts.get(builtin, [])
            for text in texts:
                hit = {"exact": text == term, "beginning": text.startswith(term), "middle": term in text}[
                    match
                ]
                if hit:
                    found.append((round(len(term) / len(text), 4) if text else 1.0, doc.id, text))
                    break
    if store.item_search_form == "schema":
        # v2.yaml's GetItemSearchFieldResponse schema: each hit is {result_score, item}.
        hits = [{"result_score": score, "item": {"id": id_, key: text}} for score, id_, text in found]
        return cursor_page(hits, query, key="result_score")
    # v2.yaml's example (the default): flat {id, <field>} objects.
    return cursor_page([{"id": id_, key: text} for _, id_, text in found], query)
