"""`pipedrive-sandbox` as a user starts it: create, find and update a person through API v2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_cli_sandbox_creates_finds_and_updates_a_person():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from target_pipedrive.sandbox.cli import main; main()", "--port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url, headers = f"http://127.0.0.1:{port}", {"x-api-token": "sandbox-api-token"}
    try:
        for _ in range(100):
            try:
                requests.get(url + "/_sandbox/counters", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
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
        assert refused.status_code == 400
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_clock_speed_up_shortens_the_search_lag(sandbox_factory):
    sandbox = sandbox_factory(speed=50, search_delay=10)
    headers = {"x-api-token": sandbox.token}
    requests.post(sandbox.url + "/api/v2/persons", json={"name": "Quick"}, headers=headers, timeout=10)
    time.sleep(0.3)  # 15 s of sandbox time
    hits = requests.get(
        sandbox.url + "/api/v2/persons/search",
        params={"term": "Quick", "fields": "name"},
        headers=headers,
        timeout=10,
    ).json()["data"]["items"]
    assert len(hits) == 1
