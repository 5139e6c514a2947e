"""The client over real HTTP against the sandbox: auth, retries, write safety, budget, pacing, paging."""

from __future__ import annotations

import logging
import threading

import pytest

from target_pipedrive.account.directory import AccountDirectory
from target_pipedrive.pipedrive.client import PipedriveClient
from target_pipedrive.pipedrive.errors import (
    DailyBudgetExhausted,
    EntityTrashed,
    PipedriveAuthError,
    PipedriveBlocked,
    PipedriveRequestError,
    PipedriveUnavailable,
    WriteOutcomeUnknown,
)
from target_pipedrive.pipedrive.trash import trashed

from .helpers import fake_client


def client(sandbox, **options):
    return fake_client(sandbox.url, sandbox.token, **options)


def requests_to(sandbox, method, path=None):
    return [e for e in sandbox.log() if e["method"] == method and (path is None or e["path"] == path)]


def test_the_token_travels_in_the_header(sandbox):
    # The sandbox refuses a token in the query string, as nothing may rely on it.
    c, _ = client(sandbox)
    assert c.post("/api/v2/persons", {"name": "A"}).data["name"] == "A"
    [entry] = sandbox.log()
    assert entry["status"] == 200 and "api_token" not in entry["query"]


def test_get_is_retried_after_429_and_5xx_honouring_retry_after(sandbox):
    sandbox.configure(
        faults=[
            {"path": "/api/v1/users/me", "status": 429, "retry_after": 3},
            {"path": "/api/v1/users/me", "status": 503},
        ]
    )
    c, fake = client(sandbox)
    assert c.get("/api/v1/users/me").data["id"] == 1
    assert fake.sleeps[0] >= 3  # everyone held off for Retry-After
    assert len(fake.sleeps) == 2 and fake.sleeps[1] <= 2.0  # then a backoff of the second retry
    assert c.stats.retries == 2 and c.stats.throttled_429 == 1
    assert len(sandbox.log()) == 3


def test_retries_are_bounded(sandbox):
    sandbox.configure(faults=[{"path": "/api/v1/users/me", "status": 502, "count": -1}])
    c, _ = client(sandbox, max_retries=2)
    with pytest.raises(PipedriveUnavailable, match=r"HTTP 502 after 3 attempt"):
        c.get("/api/v1/users/me")
    assert len(sandbox.log()) == 3


def test_429s_are_not_retried_without_end(sandbox):
    sandbox.configure(faults=[{"path": "*", "status": 429, "retry_after": 1, "count": -1}])
    c, _ = client(sandbox)
    with pytest.raises(PipedriveUnavailable, match="429"):
        c.get("/api/v1/users/me")
    assert len(sandbox.log()) == 6 and c.stats.throttled_429 == 6


def test_a_400_is_not_retried(sandbox):
    c, _ = client(sandbox)
    with pytest.raises(PipedriveRequestError) as caught:
        c.post("/api/v2/persons", {"name": "B", "bogus": 1})
    assert caught.value.status == 400 and "Invalid field" in caught.value.pipedrive_error
    assert len(sandbox.log()) == 1


def test_success_false_with_404(sandbox):
    c, _ = client(sandbox)
    with pytest.raises(PipedriveRequestError) as caught:
        c.get("/api/v2/persons/424242")
    assert caught.value.status == 404 and "not found" in caught.value.pipedrive_error


def test_a_post_dropped_after_commit_is_not_retried(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "drop": "after"}])
    c, _ = client(sandbox)
    with pytest.raises(WriteOutcomeUnknown) as caught:
        c.post("/api/v2/persons", {"name": "Once"})
    assert caught.value.body == {"name": "Once"} and caught.value.method == "POST"
    assert len(sandbox.entities("persons")) == 1
    assert len(requests_to(sandbox, "POST")) == 1


def test_a_post_dropped_before_commit_is_still_unknown_to_the_client(sandbox):
    # The client cannot tell "before" from "after" once the request went out.
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "drop": "before"}])
    c, _ = client(sandbox)
    with pytest.raises(WriteOutcomeUnknown, match="connection dropped"):
        c.post("/api/v2/persons", {"name": "Maybe"})
    assert sandbox.entities("persons") == [] and len(requests_to(sandbox, "POST")) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_post_answered_5xx_is_not_retried(sandbox, status):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "status": status}])
    c, _ = client(sandbox)
    with pytest.raises(WriteOutcomeUnknown, match=f"HTTP {status}"):
        c.post("/api/v2/persons", {"name": "Twice"})
    assert len(requests_to(sandbox, "POST")) == 1


def test_a_post_answered_429_is_retried(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "status": 429, "retry_after": 0}])
    c, _ = client(sandbox)
    c.post("/api/v2/persons", {"name": "A"})
    assert len(sandbox.entities("persons")) == 1 and len(requests_to(sandbox, "POST")) == 2


def test_patch_is_retried_after_a_dropped_connection_and_a_503(sandbox):
    c, _ = client(sandbox)
    person = c.post("/api/v2/persons", {"name": "A"}).data
    path = f"/api/v2/persons/{person['id']}"
    assert not c.patch(path, {"name": "A0"}).in_doubt
    sandbox.configure(faults=[{"path": path, "drop": "after"}, {"path": path, "status": 503}])
    answer = c.patch(path, {"name": "B"})
    assert answer.data["name"] == "B"
    # The dropped attempt may commit after this answer: the caller is told (run/unsettled.py).
    assert answer.in_doubt
    assert len(requests_to(sandbox, "PATCH")) == 4
    assert [p["name"] for p in sandbox.entities("persons")] == ["B"]
    sandbox.configure(faults=[{"path": path, "method": "GET", "status": 503}])
    assert not c.get(path).in_doubt  # a read has no outcome to doubt


def test_put_and_delete_are_retried(sandbox):
    c, _ = client(sandbox)
    person = c.post("/api/v2/persons", {"name": "A"}).data
    note = c.post("/api/v1/notes", {"content": "x", "person_id": person["id"]}).data
    sandbox.configure(faults=[{"method": "PUT", "drop": "after"}, {"method": "DELETE", "status": 502}])
    assert c.put(f"/api/v1/notes/{note['id']}", {"content": "y"}).data["content"] == "y"
    c.delete(f"/api/v2/persons/{person['id']}")
    assert len(requests_to(sandbox, "PUT")) == 2 and len(requests_to(sandbox, "DELETE")) == 2


def test_a_wrong_token_is_an_auth_error_and_not_retried(sandbox):
    c, _ = fake_client(sandbox.url, "not-the-token")
    with pytest.raises(PipedriveAuthError, match="Personal preferences → API"):
        c.get("/api/v1/users/me")
    assert len(sandbox.log()) == 1


def test_an_html_403_is_a_block_and_stops_the_client(sandbox):
    sandbox.configure(faults=[{"path": "*", "status": 403, "html": True}])
    c, _ = client(sandbox)
    with pytest.raises(PipedriveBlocked, match="blocking"):
        c.get("/api/v1/users/me")
    with pytest.raises(PipedriveBlocked):
        c.get("/api/v1/users/me")
    assert len(sandbox.log()) == 1


def test_an_exhausted_daily_budget_stops_every_later_call(sandbox):
    sandbox.configure(daily_budget=12)
    c, _ = client(sandbox)
    c.get("/api/v2/persons")  # 10 tokens
    with pytest.raises(DailyBudgetExhausted, match="resets at midnight server time"):
        c.get("/api/v2/persons")
    sent = len(sandbox.log())
    for call in (lambda: c.get("/api/v1/users/me"), lambda: c.post("/api/v2/persons", {"name": "A"})):
        with pytest.raises(DailyBudgetExhausted):
            call()
    assert len(sandbox.log()) == sent == 2 and c.stats.retries == 0


def test_a_burst_from_several_threads_stays_under_the_window(sandbox):
    c = PipedriveClient(sandbox.url, sandbox.token)  # real time: the sandbox's window is real
    errors: list[Exception] = []

    def worker() -> None:
        try:
            for _ in range(10):
                c.get("/api/v1/users/me")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sandbox.counters()["rejected_429"] == 0 and c.stats.throttled_429 == 0
    assert c.stats.calls == 30


def test_the_same_burst_without_pacing_meets_429s(sandbox):
    # The control of the test above: the sandbox does enforce the window it keeps us under.
    c, _ = client(sandbox, burst_limit=1000, max_retries=0)

    def burst() -> None:
        for _ in range(30):
            c.get("/api/v1/users/me")

    with pytest.raises(PipedriveUnavailable, match="429"):
        burst()
    assert sandbox.counters()["rejected_429"] > 0


def test_searches_stay_under_the_search_window(sandbox):
    c = PipedriveClient(sandbox.url, sandbox.token)
    c.post("/api/v2/persons", {"name": "Ada"})
    for _ in range(12):
        c.get("/api/v2/persons/search", {"term": "Ada", "fields": "name"})
    assert sandbox.counters()["rejected_429"] == 0


def test_paginate_v2_follows_the_cursor(sandbox):
    c, _ = client(sandbox)
    for n in range(5):
        c.post("/api/v2/persons", {"name": f"P{n}"})
    names = [p["name"] for p in c.paginate_v2("/api/v2/persons", {"limit": 2})]
    assert names == ["P0", "P1", "P2", "P3", "P4"]
    assert len(requests_to(sandbox, "GET", "/api/v2/persons")) == 3


def test_paginate_v2_reads_search_items(sandbox):
    c, _ = client(sandbox)
    c.post("/api/v2/persons", {"name": "Ada Lovelace"})
    found = list(
        c.paginate_v2("/api/v2/persons/search", {"term": "Ada", "fields": "name"}, items_key="items")
    )
    assert [hit["item"]["name"] for hit in found] == ["Ada Lovelace"]


def test_paginate_v1_follows_start_and_limit(sandbox):
    c, _ = client(sandbox)
    person = c.post("/api/v2/persons", {"name": "A"}).data
    for n in range(3):
        c.post("/api/v1/notes", {"content": f"n{n}", "person_id": person["id"]})
    notes = [n["content"] for n in c.paginate_v1("/api/v1/notes", {"limit": 2})]
    assert notes == ["n0", "n1", "n2"]
    assert [e["query"]["start"] for e in requests_to(sandbox, "GET", "/api/v1/notes")] == ["0", "2"]


def test_stats_count_calls_and_tokens_as_the_sandbox_charges_them(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "GET", "status": 429, "retry_after": 0}])
    c, _ = client(sandbox)
    for n in range(3):
        c.post("/api/v2/persons", {"name": f"P{n}"})
    list(c.paginate_v2("/api/v2/persons", {"limit": 2}))
    c.get("/api/v1/users/me")
    assert c.stats.calls == 3 + 1 + 2 + 1  # the 429 was sent too
    assert c.stats.tokens == 3 * 5 + 2 * 10 + 2 == sandbox.counters()["tokens"]
    assert c.stats.throttled_429 == 1 and c.stats.retries == 1
    snapshot = c.stats.snapshot()
    assert snapshot["by_operation"]["POST /api/v2/persons"] == {"calls": 3, "tokens": 15}
    assert snapshot["by_operation"]["GET /api/v2/persons"] == {"calls": 3, "tokens": 20}
    assert snapshot["daily_tokens_left"] == 30_000 - 37


def test_by_operation_groups_ids(sandbox):
    c, _ = client(sandbox)
    for n in range(2):
        created = c.post("/api/v2/persons", {"name": f"P{n}"}).data
        c.get(f"/api/v2/persons/{created['id']}")
    assert c.stats.snapshot()["by_operation"]["GET /api/v2/persons/{id}"] == {"calls": 2, "tokens": 2}


def test_the_token_is_absent_from_logs_errors_and_reprs(sandbox, caplog):
    sandbox.configure(
        faults=[
            {"path": "/api/v2/persons/search", "status": 500, "count": 2},
            {"path": "/api/v2/persons", "method": "POST", "drop": "after"},
        ]
    )
    errors: list[Exception] = []
    with caplog.at_level(logging.DEBUG):
        c, _ = client(sandbox, max_retries=1)
        for call in (
            lambda: c.get("/api/v2/persons/search", {"term": "ada@example.com", "fields": "email"}),
            lambda: c.post("/api/v2/persons", {"name": "Ada"}),
            lambda: c.get("/api/v2/persons/424242"),
            lambda: fake_client(sandbox.url, "wrong-token-value")[0].get("/api/v1/users/me"),
        ):
            with pytest.raises(Exception) as caught:  # noqa: PT011 - each raises its own type
                call()
            errors.append(caught.value)
    assert "retry 1 of 1" in caplog.text and "/api/v2/persons/search" in caplog.text
    assert any(r.name == "urllib3.connectionpool" for r in caplog.records)  # DEBUG lines were there
    # The client's side only: the sandbox's own request log is not the target's.
    client_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("pipedrive_sandbox")]
    texts = [*client_lines, repr(c), repr(c.stats), *(str(e) for e in errors), *(repr(e) for e in errors)]
    for text in texts:
        assert sandbox.token not in text and "wrong-token-value" not in text
        assert "ada@example.com" not in text and "ada%40example.com" not in text
    assert all(sandbox.token not in str(vars(e)) for e in errors)


def test_the_account_directory_costs_what_the_sandbox_charges(sandbox):
    # x-token-cost: v1 users 20, v2 pipelines and stages 5 each, v1 leadLabels 10 (issue 18).
    c, _ = client(sandbox)
    directory = AccountDirectory(c)

    def read_all() -> None:
        directory.users(), directory.pipelines(), directory.stages(), directory.labels()

    # Records run on several threads: they all ask at once, one request goes out.
    threads = [threading.Thread(target=read_all) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert c.stats.calls == 4  # each list read once, whatever asks for it again
    assert c.stats.tokens == 20 + 5 + 5 + 10 == sandbox.counters()["tokens"]


def test_a_deleted_entity_answered_by_id_is_a_404(sandbox):
    # Pipedrive keeps deleted entities 30 days and may answer for them by id with is_deleted: true.
    sandbox.configure(readable_trash=True)
    c, _ = client(sandbox)
    person = c.post("/api/v2/persons", {"name": "Ann"}).data
    path = f"/api/v2/persons/{person['id']}"
    c.delete(path)
    for call in (lambda: c.get(path), lambda: c.patch(path, {"name": "Into the trash"})):
        with pytest.raises(EntityTrashed) as caught:
            call()
        assert isinstance(caught.value, PipedriveRequestError) and caught.value.status == 404
        assert "person is deleted" in caught.value.pipedrive_error
    assert [e["status"] for e in sandbox.log()[-2:]] == [200, 200]
    deal = c.post("/api/v2/deals", {"title": "Gone"}).data
    c.delete(f"/api/v2/deals/{deal['id']}")
    listed = c.get("/api/v2/deals", {"status": "deleted"}).data  # a list of deleted ones is no trash
    assert [(d["id"], d["is_deleted"]) for d in listed] == [(deal["id"], True)]


def test_only_one_deleted_entity_by_id_is_trash():
    deleted = {"id": 5, "is_deleted": True}
    assert trashed("GET", "/api/v2/deals/5", deleted) is not None
    assert trashed("PUT", "/api/v1/notes/5", deleted) is not None
    assert trashed("DELETE", "/api/v2/deals/5", deleted) is None
    assert trashed("GET", "/api/v2/deals/5", {"id": 5, "is_deleted": False}) is None
    assert trashed("GET", "/api/v2/deals", [deleted]) is None
    assert trashed("GET", "/api/v1/users/me", deleted) is None
