"""Skip-unchanged compares only what it is sure of: a doubt costs a write, never data."""

from __future__ import annotations

from target_pipedrive.account.unchanged import holds

CURRENT = {
    "id": 3,
    "name": "Ann",
    "emails": [{"value": "ann@x.example", "primary": True, "label": "work"}],
    "custom_fields": {"tier": 12, "ltv": {"value": 10, "currency": "USD"}, "ext": "u-1"},
    "visible_to": 3,
}


def test_equal_values_are_held():
    body = {
        "name": "Ann",
        "emails": [{"value": "ann@x.example", "primary": True, "label": "work"}],
        "custom_fields": {"tier": 12, "ltv": {"value": 10.0, "currency": "USD"}},
        "visible_to": 3,
    }
    assert holds(CURRENT, body)


def test_any_difference_is_a_change():
    assert not holds(CURRENT, {"name": "Anne"})
    assert not holds(CURRENT, {"custom_fields": {"tier": 13}})
    assert not holds(CURRENT, {"custom_fields": {"ltv": {"value": 10, "currency": "EUR"}}})
    assert not holds(CURRENT, {"emails": [{"value": "ann@x.example"}, {"value": "b@x.example"}]})
    assert not holds(CURRENT, {"phones": [{"value": "1"}]})
    assert not holds(CURRENT, {"custom_fields": {"missing": "x"}})


def test_booleans_are_not_numbers():
    assert not holds({"done": 1}, {"done": True})
    assert holds({"done": True}, {"done": True})


def test_a_time_sent_as_hh_mm_is_held_as_hh_mm_ss():
    # Pipedrive's v2 activities answer due_time and duration with seconds (the OpenAPI examples).
    assert holds({"due_time": "09:05:00", "duration": "01:30:00"}, {"due_time": "09:05", "duration": "01:30"})
    assert holds({"due_time": "09:05"}, {"due_time": "09:05:00"})
    assert not holds({"due_time": "09:05:30"}, {"due_time": "09:05"})
    assert not holds({"due_time": "09:06:00"}, {"due_time": "09:05"})
    assert not holds({"name": "ab:cd:00"}, {"name": "ab:cd"})
