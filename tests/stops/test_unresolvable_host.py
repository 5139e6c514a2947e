"""A `domain` whose host name does not resolve: one message naming the setting, in seconds, not
"Pipedrive is unavailable" after ~19 s of retries. The target runs with a sitecustomize that makes
every name but loopback's unknown, so no lookup ever leaves the machine."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.target.cli import Run, run_target

from .clean_stop import assert_clean_stop
from .test_settings import one_person

TOKEN = "dns-token-5a4b3c2d1e"
NO_DNS = """
import socket

_real = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return _real(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
"""


def run_without_dns(tmp_path: Path, config: dict[str, str]) -> Run:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_DNS)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return run_target(tmp_path, config, one_person(), timeout=60, env={"PYTHONPATH": path})


def test_a_domain_that_does_not_resolve_says_so_and_names_the_setting(tmp_path):
    started = time.monotonic()
    run = run_without_dns(tmp_path, {"domain": "acme-typo", "api_token": TOKEN})
    assert_clean_stop(
        run,
        "the host name 'acme-typo.pipedrive.com' does not resolve (Name or service not known)",
        "check the `domain` setting",
    )
    assert "Pipedrive is unavailable" not in run.stderr
    assert TOKEN not in run.stderr and TOKEN not in run.stdout
    # One retry (at most a second's backoff), not five (about 19 s): start-up and the summary fit well within.
    assert time.monotonic() - started < 15, run.stderr[-3000:]
