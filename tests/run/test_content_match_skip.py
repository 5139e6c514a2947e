"""A lost ledger's content match is skipped for a create that links an entity this run created: an
earlier run's activity, note or lead for the same event linked the same entities, and that one did not
exist then (on a first run, a list per activity, note and lead would be spent for nothing)."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from target_pipedrive.account.runtime import Runtime
from target_pipedrive.actions.plan import Write
from target_pipedrive.run.creates import Creates
from target_pipedrive.run.summary import RunSummary


def creates_with(*created: tuple[str, int]) -> Creates:
    creates = Creates(cast(Runtime, None), RunSummary(), logging.getLogger("test"))
    for path, entity_id in created:
        creates.created(Write("POST", path, {}, "created"), entity_id)
    return creates


def note(**body: Any) -> Write:
    return Write("POST", "/api/v1/notes", {"content": "Hi", **body}, "created")


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (note(person_id=7), True),  # the person was created by this run
        (note(person_id=8), False),  # an existing person: an earlier run's note may be on it
        (note(deal_id=3, person_id=8), True),
        (note(org_id=3), False),  # org 3 is not a deal: ids are per collection
        (note(person_id=-2), True),  # a dry run's would-be person
        (Write("POST", "/api/v2/activities", {"participants": [{"person_id": 7}]}, "created"), True),
        (Write("POST", "/api/v2/activities", {"subject": "Call"}, "created"), False),
    ],
)
def test_a_link_to_an_entity_this_run_created(write: Write, expected: bool) -> None:
    creates = creates_with(("/api/v2/persons", 7), ("/api/v2/deals", 3))
    assert creates.links_a_new_entity(write) is expected
