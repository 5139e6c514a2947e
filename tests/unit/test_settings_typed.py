"""The typed settings: each default declared once (the schema), an empty text kept as a value."""

from __future__ import annotations

import dataclasses

from target_pipedrive.settings import DEFAULTS, SETTINGS, Settings, check_settings
from target_pipedrive.settings.checks import output_path_problem


def test_every_setting_has_a_typed_field_and_the_schema_defaults():
    names = {field.name for field in dataclasses.fields(Settings)}
    assert names == set(SETTINGS.to_dict()["properties"])
    settings = Settings.of({"api_token": "t", "domain": "acme"})
    for name, default in DEFAULTS.items():
        assert getattr(settings, name) == default
    assert settings.max_in_flight == 32 and settings.request_timeout == 30


def test_an_empty_path_turns_the_file_off_and_a_url_wins_over_a_path():
    checked, problems, _ = check_settings(
        {"api_token": "t", "domain": "acme", "ledger_path": "", "reject_file": ""}
    )
    assert not problems
    settings = Settings.of(checked)
    assert settings.ledger_location is None
    assert settings.reject_file == ""
    url = Settings.of({**checked, "ledger_url": "postgresql://u:p@h/db"})
    assert url.ledger_location == ("postgresql://u:p@h/db", "ledger_url")


def test_a_pseudo_file_system_is_not_called_full():
    # /proc has no blocks at all (statvfs says 0 free): the adversary's reject_file there was "on a
    # full disk". Whatever else is said of it (a read-only folder as a user, nothing as root), not that.
    problem = output_path_problem("reject_file", "/proc/no-such-folder/rejects.jsonl")
    assert problem is None or "is full" not in problem
