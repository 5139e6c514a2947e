"""Value formatting for Pipedrive: timestamps, dates, times, visibility, numbers, currencies."""

from __future__ import annotations

import pytest

from target_pipedrive import values


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2024-01-01T10:00:00.000Z", "2024-01-01T10:00:00Z"),
        ("2024-01-01T12:00:00+02:00", "2024-01-01T10:00:00Z"),
        ("2024-01-01 10:00:00", "2024-01-01T10:00:00Z"),
        ("2024-01-01", "2024-01-01T00:00:00Z"),
        (1700000000, "2023-11-14T22:13:20Z"),
        (1700000000000, "2023-11-14T22:13:20Z"),
        ("1700000000", "2023-11-14T22:13:20Z"),
        (1700000000.5, "2023-11-14T22:13:20Z"),
    ],
)
def test_rfc3339_from_iso_and_epoch(given, expected):
    assert values.rfc3339(given) == expected


def test_v1_timestamp_is_utc_with_space():
    assert values.v1_timestamp("2024-01-01T12:00:00+02:00") == "2024-01-01 10:00:00"


@pytest.mark.parametrize("bad", ["yesterday-ish", "", True, None, {"a": 1}, "2024-13-45"])
def test_bad_timestamps_raise(bad):
    with pytest.raises(ValueError, match=r"timestamp|epoch"):
        values.rfc3339(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("2026-12-01", "2026-12-01"), ("2026-12-01T23:30:00-05:00", "2026-12-02"), (1700000000, "2023-11-14")],
)
def test_dates(given, expected):
    assert values.date(given) == expected


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "tomorrow", "01/12/2026"])
def test_bad_dates(bad):
    with pytest.raises(ValueError, match="date"):
        values.date(bad)


@pytest.mark.parametrize(
    ("given", "expected"), [("9:05", "09:05"), ("14:30", "14:30"), ("08:15:00", "08:15")]
)
def test_times(given, expected):
    assert values.hh_mm(given) == expected


@pytest.mark.parametrize("bad", ["24:00", "12:60", "noon", "12", "08:15:30"])
def test_bad_times(bad):
    with pytest.raises(ValueError, match=r"time|minute"):
        values.hh_mm(bad)


def test_durations_may_exceed_a_day():
    assert values.hh_mm("36:00", what="duration", max_hours=99) == "36:00"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1", 1), (3, 3), ("7", 7), ("owner", 1), ("Entire company", 7), ("owner_group_and_subgroups", 5)],
)
def test_visibility(given, expected):
    assert values.visible_to(given) == expected


@pytest.mark.parametrize("bad", ["2", 9, "everyone"])
def test_bad_visibility_names_the_choices(bad):
    with pytest.raises(ValueError, match="entire_company"):
        values.visible_to(bad)


@pytest.mark.parametrize(
    ("given", "expected"), [("12.50", 12.5), ("3", 3), (4, 4), ("1,200", 1200), (2.5, 2.5)]
)
def test_numbers(given, expected):
    assert values.number(given) == expected
    assert type(values.number(given)) is type(expected)


@pytest.mark.parametrize("bad", ["lots", True, "", "1.2.3"])
def test_bad_numbers(bad):
    with pytest.raises(ValueError, match="not a"):
        values.number(bad)


def test_integer_refuses_fractions():
    assert values.integer("12") == 12
    with pytest.raises(ValueError, match="whole"):
        values.integer("1.5")


def test_currency():
    assert values.currency("eur") == "EUR"
    with pytest.raises(ValueError, match="three-letter"):
        values.currency("euro")
