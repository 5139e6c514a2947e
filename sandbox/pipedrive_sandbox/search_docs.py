"""How an entity becomes a search document: which of its texts each search `fields=` value matches."""

from __future__ import annotations

from typing import Any

from .search_index import Doc, snapshot

# Pipedrive indexes only these custom-field types for search.
SEARCHABLE_TYPES = frozenset({"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"})
FIELD_ENTITY = {"persons": "person", "organizations": "organization", "deals": "deal", "leads": "deal"}
SEARCHABLE_KINDS = frozenset(FIELD_ENTITY)


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # monetary {value, currency}, address {value, …}
        value = value.get("value")
    if value is None or isinstance(value, (list, bool)):
        return None
    return str(value)


def custom_values(seed: dict[str, Any], kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """An entity's custom-field values by key: under custom_fields in v2, flat keys on v1 leads."""
    if kind == "leads":
        keys = {f["field_code"] for f in seed["fields"]["deal"] if f["is_custom_field"]}
        return {k: v for k, v in item.items() if k in keys}
    return dict(item.get("custom_fields") or {})


def build_doc(seed: dict[str, Any], kind: str, item: dict[str, Any]) -> Doc:
    types = {
        f["field_code"]: f["field_type"] for f in seed["fields"][FIELD_ENTITY[kind]] if f["is_custom_field"]
    }
    custom: dict[str, str] = {}
    for key, value in custom_values(seed, kind, item).items():
        text = _text(value)
        if text is not None and types.get(key) in SEARCHABLE_TYPES:
            custom[key] = text
    texts: dict[str, list[str]] = {"custom_fields": list(custom.values()), "notes": []}
    if kind in ("persons", "organizations"):
        texts["name"] = [item["name"]] if item.get("name") else []
    if kind in ("deals", "leads"):
        texts["title"] = [item["title"]] if item.get("title") else []
    if kind == "persons":
        texts["email"] = [e["value"] for e in item.get("emails") or [] if e.get("value")]
        texts["phone"] = [p["value"] for p in item.get("phones") or [] if p.get("value")]
    if kind == "organizations":
        address = _text(item.get("address"))
        texts["address"] = [address] if address else []
    return Doc(id=item["id"], item=snapshot(item), texts=texts, custom=custom)
