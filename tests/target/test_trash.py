"""An entity the ledger knows, deleted in Pipedrive between two runs, under both answers Pipedrive may give
for it by id: 404, or (the 30 days it keeps it in the trash) 200 with `is_deleted: true`. Either way the
next run forgets the id and writes the record to a live entity, never into the trash."""

from __future__ import annotations

from typing import Any

import pytest

from .cli import messages, run_target
from .test_person import identify, person_mapping

TRASH = pytest.mark.parametrize("readable_trash", [False, True], ids=["404", "readable-trash"])
STALE = "an id from the sync ledger or the key index is stale; looking it up again"


def _trashed_after_a_first_run(tmp_path, sandbox, api, config, record, readable_trash) -> int:
    sandbox.configure(readable_trash=readable_trash)
    first = run_target(tmp_path, config, messages(record))
    assert first.returncode == 0, first.stderr
    [person] = sandbox.entities("persons")
    api.call("DELETE", f"/api/v2/persons/{person['id']}")
    return int(person["id"])


def _trash(sandbox: Any, person_id: int) -> dict[str, Any]:
    """The deleted person as the sandbox holds it (state() shows live entities only)."""
    return dict(sandbox.sandbox.store.entities["persons"][person_id])


def _by_id(sandbox: Any, seq: int, person_id: int) -> list[tuple[str, Any]]:
    path = f"/api/v2/persons/{person_id}"
    return [(e["method"], e["status"]) for e in sandbox.log() if e["seq"] > seq and e["path"] == path]


def _last_seq(sandbox: Any) -> int:
    log = sandbox.log()
    return log[-1]["seq"] if log else 0


@TRASH
def test_a_changed_record_of_a_trashed_person_creates_a_live_one(
    tmp_path, sandbox, base_config, api, readable_trash
):
    config = base_config | {"mappings": [person_mapping()]}
    trashed = _trashed_after_a_first_run(
        tmp_path, sandbox, api, config, identify("u1", "ada@example.com", "Ada"), readable_trash
    )
    seq = _last_seq(sandbox)
    run = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada Lovelace")))
    assert run.returncode == 0, run.stderr
    [live] = sandbox.entities("persons")
    assert live["id"] != trashed and live["name"] == "Ada Lovelace"
    assert live["emails"][0]["value"] == "ada@example.com"
    people = run.summary()["mappings"]["people"]
    assert (people["created"], people["updated"], people["rejected"]) == (1, 0, 0)
    assert STALE in run.stderr
    # The ledger's id is written to once, on its word (no read before an update): Pipedrive's answer, a
    # 404 or the trashed entity, makes the run forget it; nothing more is sent to it.
    assert _by_id(sandbox, seq, trashed) == [("PATCH", 200 if readable_trash else 404)]
    assert _trash(sandbox, trashed)["is_deleted"] is True
    again = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada Lovelace")))
    assert again.returncode == 0, again.stderr
    assert again.summary()["unchanged"] == 1 and _by_id(sandbox, seq, trashed) == [
        ("PATCH", 200 if readable_trash else 404)
    ]


@TRASH
def test_an_update_that_reads_first_never_patches_a_trashed_person(
    tmp_path, sandbox, base_config, api, readable_trash
):
    # A changed phone list is merged into the person's own, read first (write policy): the read tells.
    config = base_config | {"mappings": [person_mapping(phone={"@path": "$.traits.phone"})]}
    before = identify("u1", "ada@example.com", "Ada", phone="+44 100")
    trashed = _trashed_after_a_first_run(tmp_path, sandbox, api, config, before, readable_trash)
    seq = _last_seq(sandbox)
    after = identify("u1", "ada@example.com", "Ada", phone="+44 199")
    run = run_target(tmp_path, config, messages(after))
    assert run.returncode == 0, run.stderr
    assert _by_id(sandbox, seq, trashed) == [("GET", 200 if readable_trash else 404)]
    [live] = sandbox.entities("persons")
    assert live["id"] != trashed and [p["value"] for p in live["phones"]] == ["+44 199"]
    assert [p["value"] for p in _trash(sandbox, trashed)["phones"]] == ["+44 100"]
    people = run.summary()["mappings"]["people"]
    assert (people["created"], people["updated"], people["rejected"]) == (1, 0, 0)
    assert STALE in run.stderr
