"""Match keys compare in Unicode NFC: an email sent decomposed (macOS, some CRMs) and listed back
composed is one person; an email holding an invisible character is refused, not a second person."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from target_pipedrive.account.finder import normalize
from target_pipedrive.account.key_index import KeyIndex
from target_pipedrive.account.match import MatchField
from target_pipedrive.account.prefetch import has_value
from target_pipedrive.account.texts import checked_email, invisible_character, text_key
from target_pipedrive.actions import common, policy
from target_pipedrive.actions.plan import Reject
from target_pipedrive.pipedrive.entities import PERSON

from .test_key_index import Account, run
from .test_key_index import store as store

NFC = "jos\u00e9@ex\u00e4mple.com"
NFD = "jose\u0301@exa\u0308mple.com"
EMAIL = MatchField(PERSON, "email", "email")
EXTERNAL = MatchField(PERSON, "custom", "ext")


def test_the_two_unicode_forms_of_an_email_are_one_key():
    assert NFC != NFD
    assert normalize(EMAIL, NFD) == normalize(EMAIL, NFC) == normalize(EMAIL, " JOS\u00c9@EX\u00c4MPLE.COM ")
    assert (
        normalize(EXTERNAL, "Cafe\u0301")
        == normalize(EXTERNAL, "Caf\u00e9")
        != normalize(EXTERNAL, "CAF\u00c9")
    )
    # Still lower(), not casefold(): distinct addresses stay distinct.
    assert text_key("stra\u00dfe@x.example") != text_key("strasse@x.example")


def test_a_search_hit_in_the_other_form_holds_the_value():
    assert has_value(EMAIL, {"id": 1, "emails": [{"value": NFC}]}, NFD, normalize)
    assert has_value(EMAIL, {"id": 1, "emails": [{"value": NFD}]}, NFC, normalize)


def test_write_back_and_the_update_policy_compare_alike():
    body = {"emails": [{"value": NFD, "primary": True, "label": "work"}]}
    common.write_back(body, EMAIL, NFC, [])
    assert len(body["emails"]) == 1  # not added a second time in the other form
    assert policy._same_contact("email", NFD, NFC.upper())


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("a@x.example\u200b", "U+200B ZERO WIDTH SPACE at position 12"),
        ("\ufeffa@x.example", "U+FEFF ZERO WIDTH NO-BREAK SPACE at position 1"),
        ("a\u00ad@x.example", "U+00AD SOFT HYPHEN at position 2"),
        ("a\u200d@x.example", "U+200D ZERO WIDTH JOINER at position 2"),
        ("a\u00a0@x.example", "U+00A0 NO-BREAK SPACE at position 2"),
        ("a\x07@x.example", "U+0007 an unnamed character at position 2"),
    ],
)
def test_an_email_with_an_invisible_character_is_refused(value, found):
    assert invisible_character(value) == found
    with pytest.raises(ValueError, match="holds an invisible character") as raised:
        checked_email(value, "email")
    assert found in str(raised.value) and "remove it at the source" in str(raised.value)
    with pytest.raises(Reject) as rejected:
        common.emails([value])
    assert rejected.value.field == "email"


def test_emails_are_sent_in_nfc_and_visible_ones_pass():
    assert common.emails([NFD, {"value": " a@x.example ", "label": "home"}]) == [
        {"value": NFC},
        {"value": "a@x.example", "label": "home"},
    ]
    assert invisible_character("a b@x.example") is None  # visible: not this check's business


def test_an_index_listed_before_nfc_keys_searches_an_accented_miss(store):
    account = Account(2)
    account.change(2, NFD)
    index: KeyIndex = run(account, store)
    assert index.ids(EMAIL, NFC) == [2]
    # Keys stored decomposed by an earlier version: an accented miss is searched (None), not absent.
    store.add("person", "email", 3, {"jose\u0301@old.example"}, 0)
    assert index.ids(EMAIL, "jos\u00e9@old.example") is None
    assert index.ids(EMAIL, "nobody@x.example") == []


def test_the_printable_fast_path_refuses_exactly_the_invisible_characters():
    # invisible_character trusts str.isprintable for whole texts: it must agree with the rule (Other
    # and Separator categories but the ASCII space) on every code point of this Python's Unicode.
    disagreeing = [
        hex(point)
        for point in range(sys.maxunicode + 1)
        if chr(point).isprintable() != (unicodedata.category(chr(point))[0] not in "CZ" or chr(point) == " ")
    ]
    assert disagreeing == []
    assert invisible_character("a\u00a0b") == "U+00A0 NO-BREAK SPACE at position 2"
