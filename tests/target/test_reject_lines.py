"""Each reject names the input line its record came from (`input_line`, 1-based), whichever way it was
rejected: by a mapping, before any mapping (a poison record), or by Pipedrive."""

from __future__ import annotations

import json

from .cli import SCHEMA, STREAM, run_target
from .test_person import identify, person_mapping

FIELDS = {"stream", "input_line", "record", "mapping", "action", "field", "reason", "http_status"}
FIELDS |= {"pipedrive_error"}


def _record(record: dict) -> str:
    return json.dumps({"type": "RECORD", "stream": STREAM, "record": record})


def test_every_reject_carries_the_line_of_its_record(tmp_path, sandbox, base_config):
    nested = '{"a": ' * 120 + '"x"' + "}" * 120
    lines = [
        json.dumps(SCHEMA),  # 1
        _record(identify("u1", "ok@x.io", "Ok")),  # 2: written
        _record(identify("u2", "gold@x.io", "Gold", tier="Platinum")),  # 3: not an option of Tier
        json.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: {"offset": 3}}}}),  # 4
        _record({"type": "identify", "traits": {"email": "deep@x.io", "name": "Deep", "x": 0}}).replace(
            '"x": 0', f'"x": {nested}'
        ),  # 5: a poison record, refused before any mapping
        _record(identify("u3", "refused@x.io", "Refused")),  # 6: Pipedrive refuses its create
        _record(identify("u4", "late@x.io", "Late")),  # 7: written
    ]
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "skip": 1, "status": 400}])
    mapping = person_mapping(custom_fields={"Tier": {"@path": "$.traits.tier"}})
    # One record at a time: the fault refuses the second POST, which must be line 6's (with records in
    # flight, lines 6 and 7 race for it).
    config = base_config | {"mappings": [mapping], "max_in_flight": 1}
    run = run_target(tmp_path, config, "\n".join(lines) + "\n")
    assert run.returncode == 0, run.stderr[-3000:]
    rejects = sorted(run.rejects, key=lambda r: r["input_line"])
    assert [(r["input_line"], r["mapping"], r["field"], r["http_status"]) for r in rejects] == [
        (3, "people", "custom_fields.Tier", None),
        (5, None, None, None),
        (6, "people", None, 400),
    ]
    assert [r["record"]["traits"]["email"] for r in rejects] == ["gold@x.io", "deep@x.io", "refused@x.io"]
    # The fields the file had before are all still there.
    assert all(set(r) == FIELDS for r in rejects)
    assert sorted(p["name"] for p in sandbox.entities("persons")) == ["Late", "Ok"]
