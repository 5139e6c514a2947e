"""Value formatting for Pipedrive: timestamps, dates, times, visibility, numbers, currencies."""

from __future__ import annotations

import pytest

from target_pipedrive.pipedrive import formats as values


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


# An offset that moves a moment at either end of the calendar past the years 1 to 9999 once in UTC: a
# datetime cannot hold it, and it used to escape as OverflowError and stop every rerun at that record.
_PAST_THE_CALENDAR = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59.5-01:00",
    "99991231T235959-1400",  # the basic form: read by pendulum, not the standard library
    "00010101T000000+0100",
    "9999-W52-5T23:00-14:00",
]


@pytest.mark.parametrize("convert", [values.rfc3339, values.v1_timestamp, values.date])
@pytest.mark.parametrize("given", _PAST_THE_CALENDAR)
def test_an_offset_past_the_years_1_to_9999_is_a_bad_value_not_a_crash(convert, given):
    with pytest.raises(ValueError, match=r"out of range for a timestamp: in UTC it falls outside"):
        convert(given)


@pytest.mark.parametrize(
    ("given", "stamp", "v1"),
    [
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01 00:00:00"),
        ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00Z", "0001-01-01 00:00:00"),
        ("9999-12-31T09:59:59-14:00", "9999-12-31T23:59:59Z", "9999-12-31 23:59:59"),
        (-62_135_596_800, "0001-01-01T00:00:00Z", "0001-01-01 00:00:00"),
        ("0999-05-06", "0999-05-06T00:00:00Z", "0999-05-06 00:00:00"),
    ],
)
def test_the_ends_of_the_calendar_keep_four_digit_years(given, stamp, v1):
    assert values.rfc3339(given) == stamp
    assert values.v1_timestamp(given) == v1
    assert values.date(given) == stamp[:10]


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


# The choices the fields endpoints list for visible_to, by plan.
LITE = {1: "Owner & followers", 3: "Entire company"}  # Light, Growth, Professional
PREMIUM = {
    1: "Owner only",
    3: "Owner's visibility group",
    5: "Owner's visibility group and sub-groups",
    7: "Entire company",
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1", 1), (3, 3), ("7", 7), ("owner", 1), ("Entire company", 7), ("owner_group_and_subgroups", 5)],
)
def test_visibility_on_premium_plans(given, expected):
    assert values.visible_to(given, PREMIUM) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1", 1), (3, 3), ("owner", 1), ("entire_company", 3), ("Entire company", 3), ("Owner & followers", 1)],
)
def test_visibility_on_plans_without_groups_means_the_same_thing(given, expected):
    # On Light/Growth/Professional 3 is the entire company: 7 does not exist there.
    assert values.visible_to(given, LITE) == expected


@pytest.mark.parametrize("bad", ["7", 5, "owner_group", "owner_group_and_subgroups"])
def test_a_visibility_the_plan_lacks_is_refused_listing_the_valid_ones(bad):
    with pytest.raises(ValueError, match="not a visibility this Pipedrive account offers") as caught:
        values.visible_to(bad, LITE)
    message = str(caught.value)
    assert "1 or 'owner' (Owner & followers)" in message
    assert "3 or 'entire_company' (Entire company)" in message
    assert "Premium" in message


@pytest.mark.parametrize("bad", ["2", 9, "everyone"])
def test_bad_visibility_names_the_choices(bad):
    with pytest.raises(ValueError, match="entire_company"):
        values.visible_to(bad, PREMIUM)


def test_without_the_accounts_choices_only_numbers_are_taken():
    assert values.visible_to("3", None) == 3
    with pytest.raises(ValueError, match="give the number"):
        values.visible_to("entire_company", None)


@pytest.mark.parametrize(
    ("given", "expected"), [("12.50", 12.5), ("3", 3), (4, 4), ("1,200", 1200), (2.5, 2.5)]
)
def test_numbers(given, expected):
    assert values.number(given) == expected
    assert type(values.number(given)) is type(expected)


@pytest.mark.parametrize(
    ("given", "expected"), [("1,234.50", 1234.5), ("-12,000", -12000), ("1,000,000", 1000000)]
)
def test_a_comma_groups_thousands(given, expected):
    assert values.number(given) == expected


@pytest.mark.parametrize("bad", ["lots", True, "", "1.2.3", "NaN", "inf", "-Infinity", "1e400", float("nan")])
def test_bad_numbers(bad):
    with pytest.raises(ValueError, match="not a"):
        values.number(bad)


@pytest.mark.parametrize("decimal_comma", ["12,5", "1.000,50", "1,00", "12,5000", ",5"])
def test_a_decimal_comma_is_refused_not_misread(decimal_comma):
    with pytest.raises(ValueError, match="decimals with a point"):
        values.number(decimal_comma)


def test_integer_refuses_fractions():
    assert values.integer("12") == 12
    with pytest.raises(ValueError, match="whole"):
        values.integer("1.5")


def test_currency():
    assert values.currency("eur") == "EUR"
    with pytest.raises(ValueError, match="three-letter"):
        values.currency("euro")
