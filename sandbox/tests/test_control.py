"""The control API and in-process access: state, log, counters, reset, config; seeds; loopback only."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests
from pipedrive_sandbox.seed import load_seed
from pipedrive_sandbox.server import SandboxServer, _is_loopback
from sandbox_helpers import call, create, field_key


def control(sandbox, method, name, **kwargs):
    response = requests.request(method, f"{sandbox.url}/_sandbox/{name}", timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_state_log_counters_and_reset(sandbox):
    create(sandbox, "persons", name="Ada")
    call(sandbox, "GET", "/api/v2/persons/999", params={"include_fields": "marketing_status"})
    assert [p["name"] for p in control(sandbox, "GET", "state")["persons"]] == ["Ada"]
    assert set(control(sandbox, "GET", "state")) == {
        "persons",
        "organizations",
        "deals",
        "activities",
        "leads",
        "notes",
    }
    log = control(sandbox, "GET", "log")
    assert [(e["method"], e["path"], e["status"], e["cost"]) for e in log] == [
        ("POST", "/api/v2/persons", 200, 5),
        ("GET", "/api/v2/persons/999", 404, 1),
    ]
    assert log[0]["body"] == {"name": "Ada"} and log[1]["query"] == {"include_fields": "marketing_status"}
    assert control(sandbox, "GET", "log", params={"since": log[0]["seq"]}) == log[1:]
    counters = control(sandbox, "GET", "counters")
    assert (
        counters["requests"] == 2
        and counters["tokens"] == 6
        and counters["by_status"] == {"200": 1, "404": 1}
    )
    assert sandbox.counters() == counters and sandbox.log() == log
    control(sandbox, "POST", "reset")
    assert sandbox.entities("persons") == [] and sandbox.log() == [] and sandbox.counters()["requests"] == 0


def test_config_endpoint_changes_options_and_reset_restores_them(sandbox):
    control(sandbox, "POST", "config", json={"plan": "ultimate", "latency": 0, "search_delay": 5})
    assert call(sandbox, "GET", "/api/v1/users/me").headers["x-ratelimit-limit"] == "120"
    create(sandbox, "persons", name="Hidden")
    assert (
        call(sandbox, "GET", "/api/v2/persons/search", params={"term": "Hidden"}).json()["data"]["items"]
        == []
    )
    sandbox.reset()
    assert call(sandbox, "GET", "/api/v1/users/me").headers["x-ratelimit-limit"] == "20"
    assert sandbox.sandbox.store.search_delay == 0


def test_config_endpoint_refuses_unknown_options(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/config", json={"bogus": 1}, timeout=10)
    assert response.status_code == 400 and "bogus" in response.json()["error"]
    response = requests.post(f"{sandbox.url}/_sandbox/config", json={"plan": "gold"}, timeout=10)
    assert response.status_code == 400


def test_faults_through_the_config_endpoint(sandbox):
    control(sandbox, "POST", "config", json={"faults": [{"path": "/api/v1/users/me", "status": 502}]})
    assert control(sandbox, "GET", "faults")[0]["status"] == 502
    assert call(sandbox, "GET", "/api/v1/users/me").status_code == 502
    assert control(sandbox, "GET", "faults") == []


def _outward_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # no packet is sent: this only picks the outward interface
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if _is_loopback(address) else address


def test_control_endpoints_answer_loopback_clients_only():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("10.0.0.5") and not _is_loopback("example.com")
    address = _outward_address()
    if address is None:
        pytest.skip("no non-loopback interface to call from")
    with SandboxServer("0.0.0.0", allow_remote=True) as server:
        port = server.httpd.server_address[1]
        remote = requests.get(f"http://{address}:{port}/_sandbox/state", timeout=10)
        assert remote.status_code == 403
        assert requests.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=10).status_code == 200


def test_refuses_non_loopback_bind_without_allow_remote():
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer("0.0.0.0")


def test_seed_file_with_entities(sandbox_factory, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "entities": {
                    "persons": [
                        {"id": 7, "name": "Seeded", "emails": [{"value": "s@x.io", "primary": True}]}
                    ],
                }
            }
        )
    )
    sandbox = sandbox_factory(seed=str(seed))
    assert call(sandbox, "GET", "/api/v2/persons/7").json()["data"]["name"] == "Seeded"
    hits = call(sandbox, "GET", "/api/v2/persons/search", params={"term": "s@x.io", "exact_match": "true"})
    assert len(hits.json()["data"]["items"]) == 1  # seeded entities are searchable at once
    assert create(sandbox, "persons")["id"] == 8
    sandbox.reset()
    assert [p["id"] for p in sandbox.entities("persons")] == [7]


def test_default_seed_is_complete():
    seed = load_seed()
    assert seed["entities"] == {
        k: [] for k in ("persons", "organizations", "deals", "activities", "leads", "notes")
    }
    assert [p["id"] for p in seed["pipelines"]] == [1, 2]
    assert [(s["id"], s["pipeline_id"]) for s in seed["stages"]] == [
        *((n, 1) for n in range(1, 6)),
        *((n, 2) for n in range(6, 9)),
    ]
    custom = {
        entity: {f["field_name"]: f["field_type"] for f in fields if f["is_custom_field"]}
        for entity, fields in seed["fields"].items()
    }
    assert custom["person"] == {
        "External ID": "varchar",
        "Tier": "enum",
        "Interests": "set",
        "Lifetime Value": "monetary",
        "Birthday": "date",
        "Home Address": "address",
    }
    assert custom["organization"] == {"External ID": "varchar", "Segment": "enum"}
    assert custom["deal"] == {
        "External ID": "varchar",
        "Contract Value": "monetary",
        "Renewal Date": "date",
        "Region": "enum",
    }
    assert custom["activity"] == {}
    assert field_key("person", "Tier") in {f["field_code"] for f in seed["fields"]["person"]}
    for fields in seed["fields"].values():
        codes = [f["field_code"] for f in fields]
        assert len(codes) == len(set(codes))
        assert all(re.fullmatch(r"[0-9a-f]{40}", f["field_code"]) for f in fields if f["is_custom_field"])


def test_log_limit_keeps_the_newest_entries(sandbox_factory):
    sandbox = sandbox_factory(log_limit=3)
    for _ in range(5):
        call(sandbox, "GET", "/api/v1/users/me")
    assert [entry["seq"] for entry in sandbox.log()] == [3, 4, 5]
    assert sandbox.counters()["requests"] == 5


def test_generate_seeds_a_big_account_that_lists_in_o_page(sandbox):
    import time

    import requests

    sandbox.configure(rate_limits=False)
    response = requests.post(
        f"{sandbox.url}/_sandbox/generate", json={"kind": "persons", "count": 20_000, "searchable": False}
    )
    assert response.json() == {"first_id": 1}
    headers = {"x-api-token": sandbox.token}
    started = time.perf_counter()
    ids, cursor, pages = [], None, 0
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        body = requests.get(f"{sandbox.url}/api/v2/persons", params=params, headers=headers).json()
        ids += [item["id"] for item in body["data"]]
        pages += 1
        cursor = body["additional_data"]["next_cursor"]
        if not cursor:
            break
    assert ids == list(range(1, 20_001)) and pages == 40
    assert body["data"][-1]["emails"][0]["value"] == "person20000@bulk.example"
    assert time.perf_counter() - started < 20
    sandbox.configure(clock_offset=3600)  # an hour later
    requests.patch(f"{sandbox.url}/api/v2/persons/7", json={"name": "Seven"}, headers=headers)
    requests.delete(f"{sandbox.url}/api/v2/persons/9", headers=headers)
    stamp = requests.get(f"{sandbox.url}/api/v2/persons/7", headers=headers).json()["data"]["update_time"]
    changed = requests.get(
        f"{sandbox.url}/api/v2/persons", params={"updated_since": stamp, "limit": 5}, headers=headers
    ).json()
    assert [item["id"] for item in changed["data"]] == [7]
    assert changed["additional_data"]["next_cursor"] is None
