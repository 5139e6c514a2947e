"""A create answered with success but no usable id (a proxy's rewrite, a changed API): an
UnusableAnswer, the record's, never an id the ledger would keep or a crash of the run."""

from __future__ import annotations

import pytest

from target_pipedrive.pipedrive.errors import PipedriveRequestError, UnusableAnswer

from .helpers import TOKEN, Reply, fake_client

LEAD_ID = "adf21080-0e10-11eb-879b-05d71fb426ec"


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"id": "abc"}, 'has data.id "abc"'),
        ({"id": "7"}, 'has data.id "7"'),
        ({"id": None}, "has data.id null"),
        ({"name": "A"}, "has no data.id"),
        ({"id": 5.0}, "has data.id 5.0"),
        ({"id": 1.5}, "has data.id 1.5"),
        ({"id": True}, "has data.id true"),
        ({"id": 0}, "has data.id 0"),
        (None, "has no data object"),
        ([{"id": 1}], "has no data object"),
    ],
)
def test_a_create_answered_without_a_usable_id_is_an_unusable_answer(stub, data, shown):
    stub.script(Reply(201, {"success": True, "data": data}))
    c, _ = fake_client(stub.url)
    with pytest.raises(UnusableAnswer) as caught:
        c.post("/api/v2/persons", {"name": "A"})
    error = caught.value
    assert isinstance(error, PipedriveRequestError)  # the record's, not the run's
    assert (error.status, error.method, error.path) == (201, "POST", "/api/v2/persons")
    assert error.pipedrive_error == f"the answer {shown}, which is not a person id (a whole number)"
    assert len(stub.seen) == 1  # never sent again: it most likely happened


def test_a_lead_id_is_a_uuid_and_every_other_a_whole_number(stub):
    c, _ = fake_client(stub.url)
    stub.script(Reply(201, {"success": True, "data": {"id": LEAD_ID}}))
    assert c.post("/api/v1/leads", {"title": "L"}).data["id"] == LEAD_ID
    stub.script(Reply(200, {"success": True, "data": {"id": 42}}))
    assert c.post("/api/v1/notes", {"content": "N"}).data["id"] == 42
    for lead_id in (7, "not-a-uuid", ""):
        stub.script(Reply(201, {"success": True, "data": {"id": lead_id}}))
        with pytest.raises(UnusableAnswer, match=r"not a lead id \(a UUID\)"):
            c.post("/api/v1/leads", {"title": "L"})


def test_only_a_create_needs_the_id_of_its_answer(stub):
    c, _ = fake_client(stub.url)
    # An update's target is the id in its path; a list's items, a search's hits are read elsewhere.
    stub.script(
        Reply(200, {"success": True, "data": {"id": "abc"}}),
        Reply(200, {"success": True, "data": [{"id": "abc"}]}),
        Reply(200, {"success": True, "data": {"id": None}}),
    )
    assert c.patch("/api/v2/persons/1", {"name": "A"}).data == {"id": "abc"}
    assert c.get("/api/v2/persons").data == [{"id": "abc"}]
    assert c.post("/api/v2/persons/1/followers", {"user_id": 1}).data == {"id": None}


@pytest.mark.parametrize("before", ["x-", "x" * 40])
def test_an_id_echoing_the_token_is_scrubbed_before_it_is_shortened(stub, before):
    stub.script(Reply(201, {"success": True, "data": {"id": f"{before}{TOKEN}"}}))
    c, _ = fake_client(stub.url)
    with pytest.raises(UnusableAnswer) as caught:
        c.post("/api/v2/persons", {"name": "A"})
    assert TOKEN[:8] not in str(caught.value) and TOKEN[:8] not in caught.value.pipedrive_error
