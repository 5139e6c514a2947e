"""The target's parsers read answers built from Pipedrive's own OpenAPI files, not from our sandbox.

Target and sandbox were written from one reading of the API; answers taken from the spec's examples and
built from its response schemas (where the two differ, both forms) keep a shared misreading from
passing unseen. The answers reach the real client over HTTP from a scripted stub server.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from target_pipedrive.account.catalog import FieldDef
from target_pipedrive.account.finder import EntityFinder
from target_pipedrive.account.match import MatchField
from target_pipedrive.pipedrive.entities import DEAL, ORGANIZATION, PERSON
from target_pipedrive.pipedrive.errors import PipedriveError

from .helpers import Reply, fake_client

SPEC_DIR = Path(os.environ["PIPEDRIVE_OPENAPI_DIR"])
EXTERNAL_ID = FieldDef("a" * 40, "External ID", "varchar", True)


@functools.cache
def spec(version: str) -> dict[str, Any]:
    with (SPEC_DIR / f"{version}.yaml").open() as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def answer(version: str, path: str, status: str = "200", method: str = "get") -> dict[str, Any]:
    return spec(version)["paths"][path][method]["responses"][status]["content"]["application/json"]


def example(version: str, path: str, status: str = "200", method: str = "get") -> dict[str, Any]:
    """The spec's example answer, as the last page (its next_cursor would ask for more)."""
    body = copy.deepcopy(answer(version, path, status, method)["example"])
    if isinstance(body.get("additional_data"), dict) and "next_cursor" in body["additional_data"]:
        body["additional_data"]["next_cursor"] = None
    return body


def instance(schema: dict[str, Any]) -> Any:
    """A value that the schema describes: every property present, the schema's own examples where it
    gives them, non-null where it allows null (the most a parser has to read)."""
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            built = instance(part)
            if isinstance(built, dict):
                merged.update(built)
        return merged
    if "example" in schema and schema.get("type") not in ("object", "array"):
        return schema["example"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: instance(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [instance(schema.get("items") or {})]
    return {"integer": 1, "number": 1.5, "boolean": True, "string": "text"}.get(str(kind), {})


def test_the_spec_files_are_there():
    assert (SPEC_DIR / "v2.yaml").is_file(), f"Pipedrive's OpenAPI files are expected in {SPEC_DIR}"


@pytest.mark.parametrize(
    ("entity", "kind", "value"),
    [
        (PERSON, "email", "jane@pipedrive.com"),
        (ORGANIZATION, "name", "Organization name"),
        (DEAL, "title", "Jane Doe deal"),
    ],
)
def test_entity_search_examples_find_their_item(stub, entity, kind, value):
    stub.script(Reply(200, example("v2", f"/{entity.collection.rsplit('/', 1)[1]}/search")))
    client, _ = fake_client(stub.url)
    finder = EntityFinder(client, prefetch=False)
    assert finder.find(MatchField(entity, kind, kind), value) == 1


@pytest.mark.parametrize("form", ["example", "schema"])
def test_item_search_field_answers_are_read_in_both_forms(stub, form):
    """v2.yaml's GetItemSearchFieldResponse wraps each hit as {result_score, item}; its example is flat."""
    if form == "example":
        body = example("v2", "/itemSearch/field")
        body["data"] = [{"id": 7, EXTERNAL_ID.key: "X-1"}, {"id": 8, EXTERNAL_ID.key: "X-10"}]
    else:
        schema = answer("v2", "/itemSearch/field")["schema"]
        body = instance(schema)
        hit = body["data"][0]
        assert set(hit) == {"result_score", "item"}, "the schema's hit form changed: read it again"
        body["data"] = [
            hit | {"item": {"id": 7, EXTERNAL_ID.key: "X-1"}},
            hit | {"item": {"id": 8, EXTERNAL_ID.key: "X-10"}},
        ]
        body["additional_data"]["next_cursor"] = None
    stub.script(Reply(200, body))
    client, _ = fake_client(stub.url)
    finder = EntityFinder(client, prefetch=False)
    assert finder.find(MatchField(PERSON, "custom", EXTERNAL_ID.key, EXTERNAL_ID), "X-1") == 7


def test_list_examples_fill_the_prefetched_index(stub):
    body = example("v2", "/persons")
    body["additional_data"] = {"next_cursor": None}
    stub.script(Reply(200, body))
    client, _ = fake_client(stub.url)
    finder = EntityFinder(client)
    assert finder.find(MatchField(PERSON, "email", "email"), "email2@email.com") == 1


def test_the_archived_deals_example_is_recognised_as_archived(stub):
    live = example("v2", "/deals")
    live["data"], live["additional_data"] = [], {"next_cursor": None}
    archived = example("v2", "/deals/archived")
    archived["additional_data"] = {"next_cursor": None}
    assert archived["data"][0]["is_archived"] is True
    stub.script(Reply(200, live), Reply(200, archived))
    client, _ = fake_client(stub.url)
    finder = EntityFinder(client)
    title = MatchField(DEAL, "title", "title")
    assert finder.find(title, "Deal Title") is None
    assert finder.find_archived(title, "Deal Title") == 1
    assert [seen.target.split("?")[0] for seen in stub.seen] == ["/api/v2/deals", "/api/v2/deals/archived"]


def test_a_deal_read_by_id_that_the_spec_marks_archived_is_known_as_archived(stub):
    body = example("v2", "/deals/{id}")
    body["data"]["is_archived"] = True
    stub.script(Reply(200, body))
    client, _ = fake_client(stub.url)
    finder = EntityFinder(client)
    deal_id = body["data"]["id"]
    assert finder.find(MatchField(DEAL, "id", "id"), str(deal_id)) == deal_id
    assert finder.is_archived(DEAL, deal_id)


def error_examples() -> list[tuple[int, dict[str, Any]]]:
    """Every distinct error answer the two files give an example of (4xx and 5xx)."""
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for version in ("v1", "v2"):
        for operations in spec(version)["paths"].values():
            for operation in operations.values():
                for status, response in (
                    (operation.get("responses") or {}).items() if isinstance(operation, dict) else []
                ):
                    body = ((response.get("content") or {}).get("application/json") or {}).get("example")
                    if str(status)[0] in "45" and isinstance(body, dict):
                        found.setdefault(f"{status}{sorted(body.items())}", (int(status), body))
    return list(found.values())


def test_every_error_example_of_the_spec_is_an_error_with_its_text(stub):
    examples = error_examples()
    assert len(examples) >= 8, "fewer error examples than the 2026-08 files hold: read the files again"
    for status, body in examples:
        stub.script(Reply(status, body))
        client, _ = fake_client(stub.url, max_retries=0)
        with pytest.raises(PipedriveError) as caught:
            client.get("/api/v2/deals/1")
        text = str(caught.value)
        said = body.get("error") or body.get("message") or next(iter(body.get("errors") or {}), None)
        if status != 401:  # the gateway's 401 is told as "check api_token", never echoed
            assert str(said) in text, (status, body, text)


def test_a_search_429_holds_searches_only(stub):
    # pipedrive-api.md §11: a search 429 carries the search window's limit and a penalty reset.
    headers = {
        "x-ratelimit-limit": "10",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "10",
        "Retry-After": "10",
    }
    stub.script(
        Reply(429, {"success": False, "error": "Request over limit", "errorCode": 429}, headers),
        Reply(200, example("v2", "/persons/search")),
        Reply(
            200,
            {"success": True, "data": {"id": 5}},
            {"x-ratelimit-limit": "40", "x-ratelimit-remaining": "39"},
        ),
    )
    client, fake = fake_client(stub.url)
    start = fake.now
    client.get("/api/v2/persons/search", {"term": "jane@pipedrive.com", "fields": "email"})
    assert fake.now - start >= 10.0  # the penalty is honoured
    client.post("/api/v2/persons", {"name": "Jane"})
    # The overall pace learned from the non-search answer only (40 → 32 per 2 s).
    assert client.pacer.overall.limit == 32
