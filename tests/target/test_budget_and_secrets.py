"""The daily token budget stops a run cleanly; the token never shows, even at DEBUG."""

from __future__ import annotations

from .cli import STREAM, messages, run_target
from .test_person import identify, person_mapping


def with_states(count: int) -> list[dict]:
    lines = messages()
    for n in range(count):
        lines.append(
            {"type": "RECORD", "stream": STREAM, "record": identify(f"u{n}", f"p{n}@x.example", "P")}
        )
        lines.append({"type": "STATE", "value": {"offset": n}})
    return lines


def test_exhausted_daily_budget_stops_with_the_last_safe_state(tmp_path, sandbox, base_config):
    # The start-up reads and a few creates (5 tokens each) fit; the rest of the 8 do not.
    sandbox.configure(daily_budget=35)
    # The whole budget (the default share, 0.5, would stop the run before Pipedrive does).
    config = base_config | {"mappings": [person_mapping()], "max_budget_share": 1}
    run = run_target(tmp_path, config, with_states(8))
    assert run.returncode != 0
    created = len(sandbox.entities("persons"))
    assert 0 < created < 8
    assert run.states[-1] == {"offset": created - 1}
    assert "daily Pipedrive API token budget is exhausted" in run.stderr
    assert "resets at midnight server time" in run.stderr
    # After the refusal nothing more was sent.
    assert sandbox.counters()["rejected_429"] == 1
    assert "Traceback" not in run.stderr


def test_the_token_appears_nowhere_even_at_debug(tmp_path, sandbox, base_config):
    bad = identify("u9", "x@x.example", "X", visibility="nobody")
    people = person_mapping(visible_to={"@path": "$.traits.visibility"})
    config = base_config | {"mappings": [people], "report_file": str(tmp_path / "report.json")}
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "status": 503}])
    run = run_target(
        tmp_path,
        config,
        messages(identify("u1", "a@x.example", "A"), bad),
        env={"TARGET_PIPEDRIVE_LOGLEVEL": "DEBUG", "LOGLEVEL": "DEBUG"},
    )
    assert run.returncode == 0, run.stderr
    assert "DEBUG" in run.stderr
    assert len(run.rejects) == 1
    written = [run.stdout, run.stderr, str(run.rejects), (tmp_path / "report.json").read_text()]
    written.append((tmp_path / "ledger.sqlite").read_bytes().decode("latin-1"))
    assert not [text for text in written if sandbox.token in text]
    assert all(sandbox.token not in entry.get("query", "") for entry in sandbox.log())
