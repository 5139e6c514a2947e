"""The account's directory: its users, pipelines and stages, and the rules that link entities to them.

GET /v1/users lists the seed's `users` with the users/me user (`user`) among them, in id order, as
v1.yaml's BaseUser objects. GET /api/v2/pipelines and /api/v2/stages list the seed's `pipelines` and
`stages` with v2's cursor paging. Writes must name users, pipelines and stages that exist, and a deal's
stage decides its pipeline.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .paging import Result, cursor_page, int_param, ok
from .store import Store

# v1.yaml `paths./users.get` (BaseUser): what a user of the list carries; users/me adds the company's.
USER_KEYS = (
    "id",
    "name",
    "default_currency",
    "locale",
    "lang",
    "email",
    "phone",
    "activated",
    "last_login",
    "created",
    "modified",
    "has_created_company",
    "access",
    "active_flag",
    "timezone_name",
    "timezone_offset",
    "role_id",
    "icon_url",
    "is_you",
    "is_deleted",
)
# Where writes name a user: v2 entities and v1 leads by `owner_id`, v1 notes by `user_id` (the author).
OWNER_KEYS = {"notes": "user_id"}


def users(store: Store) -> list[dict[str, Any]]:
    """The company's users, the users/me user among them (always as users/me answers it), by id."""
    me = store.seed["user"]
    listed = {u["id"]: {**u, "is_you": False} for u in store.seed.get("users", [])}
    listed[me["id"]] = {key: me[key] for key in USER_KEYS if key in me} | {"is_you": True}
    return [copy.deepcopy(listed[key]) for key in sorted(listed)]


def is_user(store: Store, value: Any) -> bool:
    """`value` is the id of a user of the company (active or not; a deleted user is none)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return any(u["id"] == value and not u.get("is_deleted") for u in users(store))


def check_user(store: Store, body: dict[str, Any], key: str) -> None:
    if body.get(key) is not None and not is_user(store, body[key]):
        raise ApiError(400, f"User with id {body[key]!r} does not exist (parameter '{key}')")


def check_owner(store: Store, kind: str, body: dict[str, Any]) -> None:
    """The user a write names as owner (or author, or attendee) must be a user of the company."""
    check_user(store, body, OWNER_KEYS.get(kind, "owner_id"))
    attendees = body.get("attendees") if kind == "activities" else None
    for attendee in attendees if isinstance(attendees, list) else []:
        user_id = attendee.get("user_id") if isinstance(attendee, dict) else None
        if user_id is not None and not is_user(store, user_id):
            raise ApiError(400, f"User with id {user_id!r} does not exist (attendees)")


# Pipelines and stages
def pipelines(store: Store) -> list[dict[str, Any]]:
    return [p for p in store.seed["pipelines"] if not p.get("is_deleted")]


def stages(store: Store, pipeline_id: int | None = None) -> list[dict[str, Any]]:
    listed = [s for s in store.seed["stages"] if not s.get("is_deleted")]
    return [s for s in listed if pipeline_id is None or s["pipeline_id"] == pipeline_id]


def _stage(store: Store, stage_id: Any) -> dict[str, Any] | None:
    return next((s for s in stages(store) if s["id"] == stage_id), None)


def _first_stage(store: Store, pipeline_id: int) -> dict[str, Any]:
    """A pipeline's first stage (lowest order_nr), where a deal given only the pipeline goes."""
    listed = sorted(stages(store, pipeline_id), key=lambda s: (s.get("order_nr", 0), s["id"]))
    if not listed:
        raise ApiError(400, f"Pipeline with id {pipeline_id} has no stages (parameter 'pipeline_id')")
    return listed[0]


def default_stage(store: Store) -> dict[str, Any]:
    """The first stage of the default pipeline, the one with the lowest order_nr (v2.yaml)."""
    default = min(pipelines(store), key=lambda p: (p.get("order_nr", 0), p["id"]))
    return _first_stage(store, default["id"])


def check_placement(store: Store, body: dict[str, Any]) -> None:
    """A deal's stage and pipeline must exist, and a stage given with a pipeline must belong to it."""
    stage_id, pipeline_id = body.get("stage_id"), body.get("pipeline_id")
    if stage_id is not None and _stage(store, stage_id) is None:
        raise ApiError(400, f"Stage with id {stage_id} does not exist (parameter 'stage_id')")
    if pipeline_id is not None and pipeline_id not in {p["id"] for p in pipelines(store)}:
        raise ApiError(400, f"Pipeline with id {pipeline_id} does not exist (parameter 'pipeline_id')")
    stage = _stage(store, stage_id)
    if stage is not None and pipeline_id is not None and stage["pipeline_id"] != pipeline_id:
        raise ApiError(
            400,
            f"Stage with id {stage_id} does not belong to pipeline {pipeline_id} (it is in pipeline "
            f"{stage['pipeline_id']}): give stage_id alone, its pipeline is assigned from it",
        )


def placement(store: Store, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """Where a checked deal write puts the deal: its stage_id and pipeline_id, or {} if unchanged.

    The stage decides the pipeline; a pipeline alone puts the deal in its first stage (unless it is
    already in that pipeline); a new deal given neither goes to the default pipeline's first stage."""
    stage = _stage(store, body.get("stage_id"))
    if stage is None and body.get("pipeline_id") is not None:
        if current is not None and current.get("pipeline_id") == body["pipeline_id"]:
            return {}
        stage = _first_stage(store, body["pipeline_id"])
    if stage is None:
        if current is not None:
            return {}
        stage = default_stage(store)
    return {"stage_id": stage["id"], "pipeline_id": stage["pipeline_id"]}


_SORTS = {
    "pipelines": ("id", "update_time", "add_time"),
    "stages": ("id", "update_time", "add_time", "order_nr"),
}


def _sort_key(item: dict[str, Any], sort_by: str) -> tuple[Any, ...]:
    value = item.get(sort_by)
    if sort_by in ("id", "order_nr"):
        return (value if isinstance(value, int) else 0, item["id"])
    return (str(value or ""), item["id"])  # add_time/update_time: RFC 3339 texts sort as times


def listing(store: Store, what: str, query: dict[str, str]) -> Result:
    """GET /api/v2/pipelines or /api/v2/stages (`pipeline_id`), sorted and paged like the other v2 lists."""
    if what == "stages":
        chosen = int_param(query, "pipeline_id") if query.get("pipeline_id") else None
        items = stages(store, chosen)
    else:
        items = pipelines(store)
    sort_by, direction = query.get("sort_by", "id"), query.get("sort_direction", "asc")
    if sort_by not in _SORTS[what] or direction not in ("asc", "desc"):
        raise ApiError(400, f"sort_by must be one of {', '.join(_SORTS[what])}; sort_direction asc or desc")
    items = sorted(items, key=lambda item: _sort_key(item, sort_by), reverse=direction == "desc")
    status, body = cursor_page(items, query)
    body["data"] = copy.deepcopy(body["data"])
    return status, body


def user_list(store: Store) -> Result:
    """GET /v1/users: every user, inactive ones too, unpaged (v1.yaml declares no parameters)."""
    return ok(users(store))
