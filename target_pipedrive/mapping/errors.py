"""The two ways a mapping fails: in the config (before any record) or on one record."""

from __future__ import annotations

import json
from typing import Any

# A rejected value is shown in messages and reject files; a huge one would drown the reason.
_MAX_SHOWN = 200


class MappingConfigError(Exception):
    """Every problem found in the `mappings` setting, reported together at start-up."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def show_value(value: Any) -> str:
    """A short JSON rendering of a value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return text


class RecordRejected(Exception):
    """One record cannot be turned into a valid payload for one mapping; the run goes on."""

    def __init__(
        self, mapping: str, field: str | None, value: Any, reason: str, hint: str = "", *, shown: bool = True
    ) -> None:
        self.mapping = mapping
        self.field = field
        self.value = value
        self.reason = reason
        self.hint = hint
        where = f"mapping {mapping!r}, field {field!r}" if field else f"mapping {mapping!r}"
        message = f"{where}: {reason}"
        if shown:
            message += f" (value: {show_value(value)})"
        if hint:
            message += f"; {hint}"
        super().__init__(message)
