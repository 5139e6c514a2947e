"""The key index over real HTTP: listed in full once, then only what changed; a deleted entity it still
names is forgotten and looked up again; a run stopped by its budget share resumes the listing; without
a ledger, a run lists only the pages its searches pay for."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import parse_qs

from .cli import messages, run_target
from .test_person import identify, person_mapping


def listings(sandbox: Any, seq: int) -> list[dict[str, list[str]]]:
    """The queries of the person lists sent after `seq`."""
    return [
        parse_qs(e["query"]) if isinstance(e["query"], str) else e["query"]
        for e in sandbox.log()
        if e["seq"] > seq and e["method"] == "GET" and e["path"] == "/api/v2/persons"
    ]


def searches(sandbox: Any, seq: int) -> int:
    return sum(1 for e in sandbox.log() if e["seq"] > seq and "search" in e["path"].lower())


def last_seq(sandbox: Any) -> int:
    log = sandbox.log()
    return log[-1]["seq"] if log else 0


def bulk(n: int, name: str) -> dict[str, Any]:
    return identify(f"u{n}", f"person{n}@bulk.example", name)


def test_a_second_run_spends_only_the_updated_since_listing(tmp_path, sandbox, base_config):
    sandbox.generate("persons", 1200, age=86_400)  # three pages
    config = base_config | {"mappings": [person_mapping()]}
    first = run_target(tmp_path, config, messages(bulk(5, "Five"), bulk(1100, "Eleven hundred")))
    assert first.returncode == 0, first.stderr
    assert [q.get("updated_since") for q in listings(sandbox, 0)] == [None, None, None]
    seq = last_seq(sandbox)
    second = run_target(tmp_path, config, messages(bulk(7, "Seven"), bulk(900, "Nine hundred")))
    assert second.returncode == 0, second.stderr
    queries = listings(sandbox, seq)
    assert len(queries) == 1 and queries[0].get("updated_since")  # one page: what the first run changed
    assert searches(sandbox, 0) == 0
    # Found by their emails, the persons hold them: the merge of `email` needs no read, only the PATCH.
    by_id = [e for e in sandbox.log() if e["seq"] > seq and e["path"].startswith("/api/v2/persons/")]
    assert sorted((e["method"], e["path"]) for e in by_id) == [
        ("PATCH", "/api/v2/persons/7"),
        ("PATCH", "/api/v2/persons/900"),
    ]
    names = {p["id"]: p["name"] for p in sandbox.entities("persons")}
    assert (names[5], names[7], names[900], names[1100]) == (
        "Five",
        "Seven",
        "Nine hundred",
        "Eleven hundred",
    )
    assert len(names) == 1200
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM index_keys").fetchone() == (1200,)


def test_a_deleted_entity_the_index_names_is_forgotten_and_looked_up_again(
    tmp_path, sandbox, base_config, api
):
    sandbox.generate("persons", 10)
    config = base_config | {"mappings": [person_mapping()]}
    assert run_target(tmp_path, config, messages(bulk(1, "One"))).returncode == 0
    api.call("DELETE", "/api/v2/persons/4")
    seq = last_seq(sandbox)
    run = run_target(tmp_path, config, messages(bulk(4, "Four again")))
    assert run.returncode == 0, run.stderr
    assert run.summary()["rejected"] == 0
    four = [p for p in sandbox.entities("persons") if p["emails"][0]["value"] == "person4@bulk.example"]
    assert [p["name"] for p in four] == ["Four again"] and four[0]["id"] != 4
    assert searches(sandbox, seq) == 1  # the forgotten key is searched, not taken as absent
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM index_keys WHERE entity_id = 4").fetchone() == (0,)


def test_a_run_stopped_by_its_budget_share_resumes_the_listing(tmp_path, sandbox, base_config):
    sandbox.generate("persons", 2000)  # four pages
    sandbox.configure(daily_budget=100)
    config = base_config | {"mappings": [person_mapping()], "max_budget_share": 0.35}
    first = run_target(tmp_path, config, messages(bulk(1999, "Late")))
    assert first.returncode != 0
    assert "max_budget_share 0.35" in first.stderr and "Traceback" not in first.stderr
    listed = listings(sandbox, 0)
    assert 0 < len(listed) < 4
    assert sandbox.counters()["tokens"] <= 35
    seq = last_seq(sandbox)
    sandbox.configure(daily_budget=10_000)  # the next day
    second = run_target(tmp_path, config, messages(bulk(1999, "Late")))
    assert second.returncode == 0, second.stderr
    resumed = listings(sandbox, seq)
    assert len(listed) + len(resumed) == 4 and resumed[0].get("cursor")
    assert {p["id"]: p["name"] for p in sandbox.entities("persons")}[1999] == "Late"


def test_without_a_ledger_a_few_records_on_a_big_account_list_only_a_few_pages(
    tmp_path, sandbox, base_config
):
    sandbox.generate("persons", 5000)  # ten pages
    config = base_config | {"mappings": [person_mapping()], "ledger_path": ""}
    run = run_target(tmp_path, config, messages(*(bulk(n, f"Renamed {n}") for n in (10, 2600, 4990))))
    assert run.returncode == 0, run.stderr
    listed, searched = len(listings(sandbox, 0)), searches(sandbox, 0)
    # A page only while its tokens (10) stay below the searches' (20 each) plus one search.
    assert 0 < listed < 10 and listed * 10 <= searched * 20 + 20
    assert not (tmp_path / "ledger.sqlite").exists()
    names = {p["id"]: p["name"] for p in sandbox.entities("persons")}
    assert (names[10], names[2600], names[4990], len(names)) == (
        "Renamed 10",
        "Renamed 2600",
        "Renamed 4990",
        5000,
    )
