"""A person's email is text: a number, a boolean, an object or a list where the address belongs is a
mapping pointed at the wrong field, refused with the field named (it used to be sent as "True")."""

from __future__ import annotations

import pytest

from target_pipedrive.actions.common import emails
from target_pipedrive.actions.plan import Reject


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, "a boolean"),
        (42, "an integer"),
        (1.5, "a number"),
        ({"a": 1}, "an object"),
        (["x"], "an array"),
    ],
)
def test_an_email_that_is_no_text_is_refused(value, kind):
    # A bare object is a contact item ({"value", "label", "primary"}): its value is what is checked.
    given = [[{"value": value, "label": "work"}]] + ([] if isinstance(value, dict) else [[value]])
    for items in given:
        with pytest.raises(Reject, match=f"is {kind}, not an address") as raised:
            emails(items)
        assert raised.value.field == "email"


def test_text_emails_pass_in_nfc_and_trimmed():
    assert emails([" ann@x.example ", {"value": "Cafe\u0301@x.example", "label": "home"}]) == [
        {"value": "ann@x.example"},
        {"value": "Caf\u00e9@x.example", "label": "home"},
    ]
