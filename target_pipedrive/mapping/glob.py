"""FQL's match() patterns: whole-string, case-sensitive globs, translated to a regular expression.

`*` any run of characters (also empty), `?` exactly one, `[abc]` a set, `[a-z]` a range, `[!a]` or
`[^a]` a negated set, `\\x` the character x itself. fnmatch would not do: it has no backslash escape.
"""

from __future__ import annotations

import functools
import re


class GlobError(ValueError):
    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(f"{message} at character {offset + 1} of the pattern")


def _set(pattern: str, start: int) -> tuple[str, int]:
    """The regex of the character set opening at `start`, and the index after its ']'."""
    i, n = start + 1, len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    members: list[str] = []
    while True:
        if i >= n:
            raise GlobError(start, "'[' without a closing ']'")
        ch = pattern[i]
        if ch == "]":
            break
        if ch == "\\":
            if i + 1 >= n:
                raise GlobError(i, "'\\' at the end of the pattern")
            ch = pattern[i + 1]
            i += 1
        i += 1
        if i + 1 < n and pattern[i] == "-" and pattern[i + 1] != "]":
            high = pattern[i + 1]
            if high == "\\":
                if i + 2 >= n:
                    raise GlobError(i + 1, "'\\' at the end of the pattern")
                high = pattern[i + 2]
                i += 1
            if high < ch:
                raise GlobError(i, f"range {ch}-{high} is backwards")
            members.append(f"{re.escape(ch)}-{re.escape(high)}")
            i += 2
        else:
            members.append(re.escape(ch))
    if not members:
        raise GlobError(start, "empty character set '[]'")
    return f"[{'^' if negate else ''}{''.join(members)}]", i + 1


@functools.lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The compiled whole-string matcher of a glob; raises GlobError on a malformed pattern."""
    parts: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            parts.append(".*")
            while i < n and pattern[i] == "*":
                i += 1
            continue
        if ch == "?":
            parts.append(".")
        elif ch == "[":
            regex, i = _set(pattern, i)
            parts.append(regex)
            continue
        elif ch == "\\":
            if i + 1 >= n:
                raise GlobError(i, "'\\' at the end of the pattern")
            i += 1
            parts.append(re.escape(pattern[i]))
        else:
            parts.append(re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def glob_match(value: str, pattern: str) -> bool:
    """match() at run time, for a pattern that comes from the record: a malformed one matches nothing."""
    try:
        return compile_glob(pattern).fullmatch(value) is not None
    except GlobError:
        return False
