"""`pipedrive-sandbox` as a user starts it: create, find and update a person through API v2."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests

SCRIPT = Path(sys.executable).with_name("pipedrive-sandbox")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "pipedrive_sandbox.cli"]
    process = subprocess.Popen(
        [*command, "--port", str(port), *args],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(url + "/_sandbox/counters", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(process.communicate()[1].decode())


def test_cli_sandbox_creates_finds_and_updates_a_person():
    process, url = start()
    headers = {"x-api-token": "sandbox-api-token"}
    try:
        created = requests.post(
            url + "/api/v2/persons",
            json={"name": "Ada", "emails": [{"value": "ada@example.com"}]},
            headers=headers,
            timeout=10,
        ).json()["data"]
        found = requests.get(
            url + "/api/v2/persons/search",
            params={"term": "ada@example.com", "fields": "email", "exact_match": "true"},
            headers=headers,
            timeout=10,
        ).json()["data"]["items"]
        assert [hit["item"]["id"] for hit in found] == [created["id"]]
        updated = requests.patch(
            url + f"/api/v2/persons/{created['id']}", json={"name": "Ada L."}, headers=headers, timeout=10
        ).json()["data"]
        assert updated["name"] == "Ada L."
        refused = requests.patch(
            url + f"/api/v2/persons/{created['id']}", json={"visible_to": "3"}, headers=headers, timeout=10
        )
        assert refused.status_code == 400 and "visible_to" in refused.json()["error"]
    finally:
        process.terminate()  # SIGTERM, as `docker stop` sends: a clean exit
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err.decode()
    log = err.decode()
    assert "Validating every request" in log and "sandbox-api-token" not in log


def test_cli_options_seed_plan_and_faults(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"entities": {"organizations": [{"id": 3, "name": "Seeded Org"}]}}))
    faults = json.dumps([{"path": "/api/v1/users/me", "status": 503}])
    process, url = start("--seed", str(seed), "--plan", "growth", "--faults", faults, "--token", "t0k")
    headers = {"x-api-token": "t0k"}
    try:
        first = requests.get(url + "/api/v1/users/me", headers=headers, timeout=10)
        assert first.status_code == 503
        second = requests.get(url + "/api/v1/users/me", headers=headers, timeout=10)
        assert second.status_code == 200 and second.headers["x-ratelimit-limit"] == "40"
        org = requests.get(url + "/api/v2/organizations/3", headers=headers, timeout=10).json()["data"]
        assert org["name"] == "Seeded Org"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_cli_options_item_search_form_clock_offset_and_professional_plan():
    process, url = start("--item-search-form", "schema", "--clock-offset", "-600", "--plan", "professional")
    headers = {"x-api-token": "sandbox-api-token"}
    try:
        created = requests.post(url + "/api/v2/persons", json={"name": "Ann"}, headers=headers, timeout=10)
        assert created.headers["x-ratelimit-limit"] == "80"
        behind = datetime.now(timezone.utc) - timedelta(minutes=10)
        assert abs((parsedate_to_datetime(created.headers["Date"]) - behind).total_seconds()) < 30
        params = {"entity_type": "person", "field": "name", "term": "Ann"}
        hits = requests.get(url + "/api/v2/itemSearch/field", params=params, headers=headers, timeout=10)
        assert hits.json()["data"] == [
            {"result_score": 1.0, "item": {"id": created.json()["data"]["id"], "name": "Ann"}}
        ]
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_cli_refuses_a_remote_bind_without_allow_remote():
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "pipedrive_sandbox.cli"]
    run = subprocess.run([*command, "--host", "0.0.0.0", "--port", "0"], capture_output=True, timeout=60)
    assert run.returncode != 0 and b"loopback" in run.stderr


def test_clock_speed_up_shortens_the_search_lag(sandbox_factory):
    sandbox = sandbox_factory(speed=50, search_delay=10)
    headers = {"x-api-token": sandbox.token}
    requests.post(sandbox.url + "/api/v2/persons", json={"name": "Quick"}, headers=headers, timeout=10)
    params = {"term": "Quick", "fields": "name"}
    hits = requests.get(sandbox.url + "/api/v2/persons/search", params=params, headers=headers, timeout=10)
    assert hits.json()["data"]["items"] == []
    time.sleep(0.3)  # 15 s of sandbox time
    hits = requests.get(sandbox.url + "/api/v2/persons/search", params=params, headers=headers, timeout=10)
    assert len(hits.json()["data"]["items"]) == 1
