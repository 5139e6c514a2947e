"""The sandbox's account: field catalogues, activity types, lead labels, user, stages and entities.

The default account is seed_default.json beside this file. A `--seed FILE` replaces the top-level
sections it names (e.g. only "entities"), so a seed file can be small.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

DEFAULT_SEED = Path(__file__).with_name("seed_default.json")
ENTITY_KINDS = ("persons", "organizations", "deals", "activities", "leads", "notes")


def field_key(entity: str, name: str) -> str:
    """The default seed's key of a custom field: a deterministic 40-hex string, like Pipedrive's hashes."""
    return hashlib.sha1(f"{entity}:{name}".encode()).hexdigest()


@functools.cache
def _read(path: str) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed file holds a JSON object")
    return data


def load_seed(path: str | None = None) -> dict[str, Any]:
    """A fresh, mutable copy of the account: the default seed, its sections replaced by those of `path`."""
    seed = copy.deepcopy(_read(str(DEFAULT_SEED)))
    if path:
        seed.update(copy.deepcopy(_read(str(Path(path).resolve()))))
    seed.pop("_comment", None)
    entities = seed.setdefault("entities", {})
    for kind in entities:
        if kind not in ENTITY_KINDS:
            raise ValueError(f"seed entities: unknown kind {kind!r} (known: {', '.join(ENTITY_KINDS)})")
    return seed
