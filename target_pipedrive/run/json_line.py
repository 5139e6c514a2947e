"""One input line's JSON, read as the SDK reads it (fractions as Decimal), and what json lets pass.

- A key repeated in an object: json keeps its last value and drops the others without a word (a message
  with "record" twice loses its first record). input_guard.py rejects such a record and stops on any
  other message (a SCHEMA or STATE read in part is not safe to act on).
- An integer longer than Python converts (`sys.get_int_max_str_digits()`, 4,300 digits by default):
  valid JSON, yet json raises, which stopped the run at that line on every rerun. It is read as a
  Decimal instead; float() makes it infinite, so the mapping engine's poison check rejects it where a
  mapping uses it, exactly like `1e400`, and a field no mapping uses costs the record nothing.

The first reading checks each object's keys as it builds it (object_pairs_hook): no test on the raw
text can rule repeats out soundly for less (counting `":` needs a walk of the parsed message to
compare with, which costs more than the hook). Only a line with a repeat or a long integer is read a
second time, to say where.

Lone UTF-16 surrogates (valid JSON escapes, not Unicode) are replaced by input_guard.py with the
helpers here; a STATE's numbers are made writable by plain_state.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from decimal import Decimal
from typing import Any, NamedTuple

# A JSON escape of a UTF-16 surrogate: only lines holding one need the (slower) walk for lone ones.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# An event's identity (a Segment event's messageId; a warehouse row's message_id or id, which become
# it): its lone surrogates become their escapes, not U+FFFD, so that two ids that differ only there
# stay two events (identity.py).
_IDENTITY_PATHS = frozenset({"$.record.messageId", "$.record.message_id", "$.record.id"})


def replace_lone_surrogates(value: Any, path: str, found: list[str]) -> Any:
    """`value` with every lone surrogate replaced by U+FFFD (in a record's event id, by its \\uXXXX
    escape); the paths that held one go to `found`."""
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            found.append(path)
            if path in _IDENTITY_PATHS:
                return _LONE_SURROGATE.sub(lambda lone: f"\\u{ord(lone.group()):04x}", value)
            return _LONE_SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, list):
        return [replace_lone_surrogates(item, f"{path}[{i}]", found) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            replace_lone_surrogates(key, path, found): replace_lone_surrogates(item, f"{path}.{key}", found)
            for key, item in value.items()
        }
    return value


class _Repeated(Exception):
    """A key repeated in an object: the line needs the careful reading."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Repeated
    return obj


# One decoder for every line (the SDK's json.loads builds one per line).
_quick = json.JSONDecoder(parse_float=Decimal, object_pairs_hook=_unique_pairs).decode


class Reading(NamedTuple):
    value: Any
    # "$.record.traits has the key 'email' 2 times", one per object with a repeat
    repeated: list[str]
    # "$.record.traits.n (5,000 digits)", one per integer read as a Decimal
    long_integers: list[str]


def read_json(text: str) -> tuple[Any, Reading | None]:
    """The line's value, and what the careful reading found if the line needed one (json's own errors
    propagate)."""
    try:
        # No Reading on this path: building a NamedTuple per line costs more than the hook.
        return _quick(text), None
    except _Repeated:
        pass
    except json.JSONDecodeError:
        raise
    except ValueError:
        # The one ValueError json raises that is not a syntax error: an integer too long for int().
        # Anything else fails the careful reading in the same words.
        pass
    reading = _careful(text)
    return reading.value, reading


def _careful(text: str) -> Reading:
    repeats: list[tuple[dict[str, Any], list[str]]] = []
    longs: list[Decimal] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            repeats.append((obj, [f"{key!r} {n} times" for key, n in counts.items() if n > 1]))
        return obj

    def whole_number(digits: str) -> int | Decimal:
        try:
            return int(digits)
        except ValueError:
            number = Decimal(digits)
            longs.append(number)
            return number

    decoder = json.JSONDecoder(parse_float=Decimal, parse_int=whole_number, object_pairs_hook=pairs_hook)
    value = decoder.decode(text)
    # Identity, not equality: the objects and numbers this line's reading made. One inside a value a
    # repeat dropped is not in the message, so it is not named.
    paths = _paths_of(value, {id(obj) for obj, _ in repeats} | {id(number) for number in longs})
    repeated = [
        f"{paths[id(obj)]} has the key {', '.join(keys)}" for obj, keys in repeats if id(obj) in paths
    ]
    long_integers = [
        f"{paths[id(number)]} ({len(number.as_tuple().digits):,} digits)"
        for number in longs
        if id(number) in paths
    ]
    return Reading(value, repeated, long_integers)


def _paths_of(value: Any, wanted: set[int]) -> dict[int, str]:
    """The path ($.a.b[0]) of each object or number in `wanted`, by identity (a loop: any depth)."""
    found: dict[int, str] = {}
    stack = [(value, "$")]
    while stack:
        item, path = stack.pop()
        if id(item) in wanted:
            found[id(item)] = path
        if isinstance(item, dict):
            stack.extend((child, f"{path}.{key}") for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return found


def plain_state(message: dict[str, Any]) -> str | None:
    """Make a STATE message writable as JSON, in place: its Decimals become floats. None when done, else
    why it cannot be: where it holds NaN or an infinite number (`Infinity`, `1e400`, a 5,000-digit
    integer), which JSON cannot write."""
    # Floats, not the Decimals' own digits: the SDK writes the state with json.dumps, which refuses a
    # Decimal (every state with a fraction stopped the run), and Meltano reads the state back with
    # json.loads into floats anyway, as does the tap: digits past a float's are lost on their side too.
    stack: list[tuple[Any, str]] = [(message, "$")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            slots: Any = list(item.items())
        elif isinstance(item, list):
            slots = list(enumerate(item))
        else:
            continue
        for slot, child in slots:
            where = f"{path}.{slot}" if isinstance(item, dict) else f"{path}[{slot}]"
            if isinstance(child, (float, Decimal)):
                number = float(child)
                if not math.isfinite(number):
                    return f"{where} is {_spelled(child)}"
                item[slot] = number
            elif isinstance(child, (dict, list)):
                stack.append((child, where))
    return None


def _spelled(number: float | Decimal) -> str:
    if number != number:
        return "NaN"
    if isinstance(number, float):
        return "Infinity" if number > 0 else "-Infinity"
    return f"a number too large for a double (about 1e{number.adjusted()})"
