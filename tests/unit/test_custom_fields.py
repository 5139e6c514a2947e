"""Custom-field values in API v2's shapes, by field type."""

from __future__ import annotations

import pytest

from target_pipedrive.account.catalog import FieldDef
from target_pipedrive.account.custom_fields import convert


def field(kind: str, **options: int) -> FieldDef:
    return FieldDef(key="f" * 40, name=f"My {kind}", type=kind, is_custom=True, options=dict(options))


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("varchar", 12, "12"),
        ("text", "long text", "long text"),
        ("double", "3.5", 3.5),
        ("monetary", {"value": "10", "currency": "eur"}, {"value": 10, "currency": "EUR"}),
        ("monetary", "99.5 usd", {"value": 99.5, "currency": "USD"}),
        ("date", "2026-01-02T10:00:00Z", "2026-01-02"),
        (
            "daterange",
            {"value": "2026-01-01", "until": "2026-01-31"},
            {"value": "2026-01-01", "until": "2026-01-31"},
        ),
        ("time", "9:30", {"value": "09:30:00"}),
        ("address", "1 Main St", {"value": "1 Main St"}),
        ("user", "42", 42),
        ("set", [], None),
    ],
)
def test_conversions(kind, given, expected):
    assert convert(field(kind), given) == expected


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("time", "9:30", {"value": "09:30:00", "timezone_name": "Europe/Berlin"}),
        (
            "time",
            {"value": "9:30", "timezone_name": "Asia/Tokyo"},
            {"value": "09:30:00", "timezone_name": "Asia/Tokyo"},
        ),
        ("time", {"value": "9:30", "timezone_id": 318}, {"value": "09:30:00", "timezone_id": 318}),
        (
            "timerange",
            {"value": "9:00", "until": "17:00"},
            {"value": "09:00:00", "until": "17:00:00", "timezone_name": "Europe/Berlin"},
        ),
        (
            "timerange",
            {"value": "9:00", "until": "17:00", "timezone_name": "Asia/Tokyo"},
            {"value": "09:00:00", "until": "17:00:00", "timezone_name": "Asia/Tokyo"},
        ),
    ],
)
def test_a_time_takes_the_mappings_zone_else_the_users(kind, given, expected):
    # v2's time and time range objects carry their zone (timezone_name or timezone_id); a time range
    # used to drop the mapping's.
    assert convert(field(kind), given, "Europe/Berlin") == expected


def test_enum_by_label_any_case_or_id():
    tier = field("enum", Gold=11, Silver=12)
    assert convert(tier, "gold") == 11
    assert convert(tier, 12) == 12
    assert convert(tier, "12") == 12


def test_unknown_enum_label_lists_valid_labels():
    with pytest.raises(ValueError, match="'Gold', 'Silver'"):
        convert(field("enum", Gold=11, Silver=12), "Platinum")


def test_set_from_list_or_comma_text():
    interests = field("set", Sports=1, Music=2, Travel=3)
    assert convert(interests, ["music", "Travel"]) == [2, 3]
    assert convert(interests, "Sports, Music") == [1, 2]


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        ("monetary", 100),
        ("monetary", {"value": 1}),
        ("daterange", "2026-01-01"),
        ("address", {"street": "x"}),
        ("varchar", {"a": 1}),
        ("double", "many"),
    ],
)
def test_invalid_values_say_what_the_field_accepts(kind, given):
    with pytest.raises(ValueError, match=r"My \w+|not a"):
        convert(field(kind), given)
