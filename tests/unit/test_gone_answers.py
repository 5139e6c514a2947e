"""Answers that mean "this entity is gone", whatever form Pipedrive gives them: a 404 or a 410 to a read
by id, a v2 entity with `is_deleted: true`, a v1 object (notes) with `active_flag: false`."""

from __future__ import annotations

from typing import Any

import pytest

from target_pipedrive.account.finder import EntityFinder
from target_pipedrive.account.match import MatchField
from target_pipedrive.pipedrive.entities import PERSON
from target_pipedrive.pipedrive.errors import EntityTrashed, PipedriveRequestError
from target_pipedrive.pipedrive.trash import trashed

BY_ID = MatchField(PERSON, "id", "id")


class Answering:
    """A client whose reads by id fail with one HTTP status."""

    def __init__(self, status: int) -> None:
        self.status = status

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        raise PipedriveRequestError(self.status, "GET", path, "gone")


@pytest.mark.parametrize("status", [404, 410])
def test_a_read_by_id_answered_gone_finds_nothing(status):
    finder = EntityFinder(Answering(status), prefetch=False)  # type: ignore[arg-type]
    assert finder.find(BY_ID, "7") is None


def test_other_failures_of_a_read_by_id_are_raised():
    finder = EntityFinder(Answering(400), prefetch=False)  # type: ignore[arg-type]
    with pytest.raises(PipedriveRequestError):
        finder.find(BY_ID, "7")


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("PATCH", "/api/v2/persons/5", {"id": 5, "is_deleted": True}),
        ("PUT", "/api/v1/notes/5", {"id": 5, "active_flag": False, "content": "hi"}),
        ("GET", "/api/v1/notes/5", {"id": 5, "active_flag": False}),
    ],
)
def test_a_deleted_entity_in_an_answer_is_trashed(method, path, data):
    assert isinstance(trashed(method, path, data), EntityTrashed)


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("PUT", "/api/v1/notes/5", {"id": 5, "active_flag": True}),
        ("PATCH", "/api/v2/persons/5", {"id": 5, "is_deleted": False}),
        ("POST", "/api/v1/notes", {"id": 5, "active_flag": False}),  # a create answers a new note
        ("GET", "/api/v1/users/5", {"id": 5, "active_flag": False}),  # a deactivated user is no entity
    ],
)
def test_a_live_entity_or_another_object_is_not_trashed(method, path, data):
    assert trashed(method, path, data) is None
