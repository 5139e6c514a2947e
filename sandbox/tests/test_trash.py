"""Deleted v2 entities: 404 by id (the default), or, with `readable_trash`, still read and patched by id
with `is_deleted: true`, as Pipedrive may answer for the 30 days it keeps them; lists and search never
show them."""

from __future__ import annotations

import pytest
from pipedrive_sandbox.cli import parser
from sandbox_helpers import call, create

BODIES = {
    "persons": {"name": "Ann"},
    "organizations": {"name": "Acme"},
    "deals": {"title": "Big"},
    "activities": {"subject": "Call"},
}


def _deleted(sandbox, kind):
    item = create(sandbox, kind, **BODIES[kind])
    assert call(sandbox, "DELETE", f"/api/v2/{kind}/{item['id']}").status_code == 200
    return item


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_by_default_a_deleted_entity_is_404_by_id(sandbox, kind):
    item = _deleted(sandbox, kind)
    for method in ("GET", "PATCH"):
        body = BODIES[kind] if method == "PATCH" else None
        assert call(sandbox, method, f"/api/v2/{kind}/{item['id']}", json=body).status_code == 404


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_readable_trash_reads_and_patches_a_deleted_entity_by_id(sandbox, kind):
    sandbox.configure(readable_trash=True)
    item = _deleted(sandbox, kind)
    path = f"/api/v2/{kind}/{item['id']}"
    got = call(sandbox, "GET", path)
    assert got.status_code == 200 and got.json()["data"]["is_deleted"] is True
    [(key, _)] = BODIES[kind].items()
    patched = call(sandbox, "PATCH", path, json={key: "Changed"})
    assert patched.status_code == 200
    assert patched.json()["data"]["is_deleted"] is True and patched.json()["data"][key] == "Changed"
    # Still trash: not listed, not found, not dumped as state, and not deleted twice.
    listed = call(sandbox, "GET", f"/api/v2/{kind}").json()["data"] or []
    assert item["id"] not in [entry["id"] for entry in listed]
    assert sandbox.entities(kind) == []
    assert call(sandbox, "DELETE", path).status_code == 404


def test_readable_trash_keeps_a_deleted_person_out_of_search(sandbox):
    sandbox.configure(readable_trash=True)
    person = _deleted(sandbox, "persons")
    call(sandbox, "PATCH", f"/api/v2/persons/{person['id']}", json={"name": "Searchable"})
    hits = call(sandbox, "GET", "/api/v2/persons/search", params={"term": "Searchable", "fields": "name"})
    assert hits.json()["data"]["items"] == []


def test_readable_trash_is_an_option_everywhere(sandbox_factory):
    server = sandbox_factory(readable_trash=True)
    person = _deleted(server, "persons")
    assert call(server, "GET", f"/api/v2/persons/{person['id']}").status_code == 200
    server.configure(readable_trash=False)
    assert call(server, "GET", f"/api/v2/persons/{person['id']}").status_code == 404
    server.reset()  # back to the option it was started with
    again = _deleted(server, "persons")
    assert call(server, "GET", f"/api/v2/persons/{again['id']}").status_code == 200
    assert parser().parse_args(["--readable-trash"]).readable_trash is True
    assert parser().parse_args([]).readable_trash is False
