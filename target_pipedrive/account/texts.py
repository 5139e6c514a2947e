"""How text match values compare, and which email values are refused.

One function makes every text key the run compares (the ledger's identity keys, the key index's keys,
search hits checked against the wanted value, the write-back of a create's match value, the update
policy's contact comparison): a value written in one Unicode form and listed back in another must
meet itself everywhere, or the same person is found under one key and created under the other.
"""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    """`text` in Unicode NFC: "é" as one code point, whether the source sent it so or as "e" and a
    combining accent (macOS and some CRMs send the latter). The two are the same text to a person."""
    return unicodedata.normalize("NFC", text)


def text_key(text: str) -> str:
    """A value as a case-insensitive match compares it: trimmed, in NFC, lower case. NFC before
    lower() so that both forms lower alike, and after it, as lowering can leave a decomposed pair.
    lower(), not casefold(): casefold makes "straße" and "strasse" (or a ligature and its letters) one
    key, so two people with distinct addresses would become one."""
    if text.isascii():
        return text.strip().lower()  # the same key without two normalisations (most emails)
    return nfc(nfc(text.strip()).lower())


def exact_key(text: str) -> str:
    """A value as a case-sensitive match (a custom field) compares it: trimmed, in NFC."""
    return nfc(text.strip())


def old_form_may_differ(key: str) -> bool:
    """Whether an index listed before keys were NFC may hold this key in another form: only a key
    with a character that has a decomposition could have been stored decomposed."""
    return not unicodedata.is_normalized("NFD", key)


def invisible_character(text: str) -> str | None:
    """The first character of `text` that a person cannot see or that is no ordinary space, described
    (`U+200B ZERO WIDTH SPACE at position 12`); None when there is none. Format characters (zero-width
    spaces and joiners, the BOM, direction marks, the soft hyphen), control characters, unassigned
    and private code points, and spaces other than U+0020: an email holding one looks like another
    address, and would be a second person that no one can tell from the first."""
    # str.isprintable refuses exactly these categories (Other, Separator) but the ASCII space: the
    # common text passes in C, and only a text holding one is walked to say which and where.
    if text.isprintable():
        return None
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if category[0] == "C" or (category[0] == "Z" and char != " "):
            name = unicodedata.name(char, "an unnamed character")
            return f"U+{ord(char):04X} {name} at position {position}"
    return None


def checked_email(value: str, field: str) -> str:
    """An email value to match on or send: trimmed, in NFC (so that what is stored in Pipedrive is what
    is compared); ValueError for one holding an invisible character. Refused rather than stripped:
    the character may stand for a different address (a paste gone wrong), and the source is where it
    can be fixed for every system that reads it."""
    text = value.strip()
    if (found := invisible_character(text)) is not None:
        raise ValueError(
            f"{field} {text!r} holds an invisible character ({found}): "
            "remove it at the source or in the mapping, then replay the reject"
        )
    return nfc(text)
