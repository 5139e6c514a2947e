"""The write policy's pure parts (actions/policy.py) and its per-mapping keys."""

from __future__ import annotations

import pytest

from target_pipedrive.account.ledger import decode_fields, digest, encode_fields
from target_pipedrive.actions import ACTION_SPECS, policy
from target_pipedrive.mapping.coercion import Invalid, compile_field
from target_pipedrive.mapping.engine import compile_mappings
from target_pipedrive.mapping.errors import MappingConfigError

HELD = [
    {"value": "ada@example.com", "label": "work", "primary": True},
    {"value": "ada@home.example", "label": "home", "primary": False},
]


def test_merge_adds_the_missing_and_keeps_the_rest_with_their_labels() -> None:
    merged = policy.merge_contacts(
        "email", HELD, [{"value": "ADA@example.com"}, {"value": "new@example.com"}]
    )
    assert merged == [*HELD, {"value": "new@example.com", "label": "work", "primary": False}]


def test_merge_moves_the_primary_only_when_the_mapping_marks_one() -> None:
    merged = policy.merge_contacts(
        "email", HELD, [{"value": "ada@home.example", "primary": True, "label": "other"}]
    )
    assert [(e["value"], e["label"], e["primary"]) for e in merged] == [
        ("ada@example.com", "work", False),
        ("ada@home.example", "other", True),
    ]


def test_phones_are_told_apart_by_their_digits() -> None:
    held = [{"value": "+1 (555) 0100", "label": "mobile", "primary": True}]
    assert policy.merge_contacts("phone", held, [{"value": "+15550100"}]) == held


def test_complete_contacts_is_the_source_as_the_whole_list() -> None:
    assert policy.complete_contacts([{"value": "a"}, {"value": "b", "label": "home", "primary": True}]) == [
        {"value": "a", "primary": False, "label": "work"},
        {"value": "b", "primary": True, "label": "home"},
    ]


def test_participants_merge_keeps_the_others() -> None:
    held = [{"person_id": 1, "primary": True}, {"person_id": 2, "primary": False}]
    assert policy.merge_participants(held, [{"person_id": 3, "primary": True}]) == [
        {"person_id": 1, "primary": False},
        {"person_id": 2, "primary": False},
        {"person_id": 3, "primary": True},
    ]


def test_lead_value_keeps_the_leads_currency() -> None:
    def no_default() -> str:
        raise AssertionError("the default currency is not asked for")

    assert policy.lead_value(
        {"amount": 1, "currency": "EUR"}, {"amount": 5, "currency": None}, no_default
    ) == {
        "amount": 5,
        "currency": "EUR",
    }
    assert policy.lead_value(None, {"amount": 5, "currency": None}, lambda: "USD")["currency"] == "USD"


def test_split_and_join_custom_fields() -> None:
    body = {"name": "A", "custom_fields": {"abc": 1, "def": None}}
    parts = policy.split(body)
    assert parts == {"name": "A", "custom_fields.abc": 1, "custom_fields.def": None}
    assert policy.join(parts) == body


@pytest.mark.parametrize(
    ("value", "empty"),
    [
        (None, True),
        ("", True),
        ([], True),
        ({"value": None}, True),
        ([{"value": ""}], True),
        ("x", False),
        (0, False),
    ],
)
def test_is_empty(value: object, empty: bool) -> None:
    assert policy.is_empty(value) is empty


def test_field_digests_and_rows_of_earlier_versions() -> None:
    fields = {"name": "0123456789abcdef"}
    assert decode_fields(encode_fields(fields)) == fields
    assert decode_fields(digest({"name": "A"})) is None  # a whole-body digest of the previous version
    assert decode_fields(None) is None


def test_contact_field_takes_strings_and_objects() -> None:
    coerce = compile_field(ACTION_SPECS["upsert_person"].field("email"))
    assert coerce(["a@x", {"value": "b@x", "label": "Home", "primary": "true"}]) == [
        "a@x",
        {"value": "b@x", "label": "home", "primary": True},
    ]
    with pytest.raises(Invalid, match="work, home, mobile, other"):
        coerce({"value": "a@x", "label": "fax"})
    with pytest.raises(Invalid, match="unknown key"):
        coerce({"value": "a@x", "kind": "work"})


def _mapping(**extra: object) -> dict[str, object]:
    return {
        "name": "p",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": {"match_value": "x"},
        **extra,
    }


def test_policy_keys_compile() -> None:
    [compiled] = compile_mappings(
        [_mapping(contacts="replace", preserve=["name", "Tier"], create_only_fields=["visible_to"])]
    )
    assert compiled.policy == policy.WritePolicy("replace", ("name", "Tier"), ("visible_to",))
    [default] = compile_mappings([_mapping()])
    assert default.policy == policy.DEFAULT_POLICY


def test_policy_keys_are_checked() -> None:
    with pytest.raises(MappingConfigError) as caught:
        compile_mappings([_mapping(contacts="append", preserve="name")])
    text = str(caught.value)
    assert "'contacts' should be \"merge\"" in text
    assert "'preserve' should be a list" in text


def test_policy_names_resolve_to_body_fields() -> None:
    class Catalog:
        def resolve(self, entity: object, wanted: str) -> object:
            raise LookupError(wanted)

    catalog = Catalog()
    assert policy.body_field("upsert_person", "email", catalog) == "emails"  # type: ignore[arg-type]
    assert policy.body_field("upsert_lead", "currency", catalog) == "value"  # type: ignore[arg-type]
    assert policy.body_field("upsert_activity", "description", catalog) == "public_description"  # type: ignore[arg-type]
    # Issue 18's names: each becomes the id field it is sent as.
    for action in ("upsert_person", "upsert_organization", "upsert_deal", "upsert_activity", "upsert_lead"):
        assert policy.body_field(action, "owner", catalog) == "owner_id"  # type: ignore[arg-type]
    assert policy.body_field("upsert_deal", "stage", catalog) == "stage_id"  # type: ignore[arg-type]
    assert policy.body_field("upsert_deal", "pipeline", catalog) == "pipeline_id"  # type: ignore[arg-type]
    assert policy.body_field("upsert_lead", "labels", catalog) == "label_ids"  # type: ignore[arg-type]
    assert policy.body_field("upsert_person", "organization_match_value", catalog) == "org_id"  # type: ignore[arg-type]
    assert policy.label("upsert_deal", "owner_id", catalog) == "owner"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a field of upsert_note"):
        policy.body_field("upsert_note", "Tier", catalog)  # type: ignore[arg-type]
