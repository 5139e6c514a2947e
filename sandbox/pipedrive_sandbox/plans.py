"""Pipedrive's plans: burst limit, budget multiplier and the `visible_to` choices each one offers.

Burst limits and multipliers are those of Pipedrive's rate-limit page (Professional from its older
version: 80 requests per 2 s, multiplier 3). The `visible_to` choices are the plan table of the OpenAPI
description (v1.yaml `paths./leads.post` `visible_to`, v2.yaml `paths./products.post` `visible_to`):
Light, Growth and Professional have two visibility levels, Premium and Ultimate four, and the same
number does not mean the same thing on both (3 is "entire company" on the first, "owner's visibility
group" on the second).
"""

from __future__ import annotations

from typing import Any

BURST = {"lite": 20, "growth": 40, "professional": 80, "premium": 100, "ultimate": 120}
MULTIPLIER = {"lite": 1, "growth": 2, "professional": 3, "premium": 5, "ultimate": 7}
_TWO_LEVELS = ((1, "Owner & followers"), (3, "Entire company"))
_FOUR_LEVELS = (
    (1, "Owner only"),
    (3, "Owner's visibility group"),
    (5, "Owner's visibility group and sub-groups"),
    (7, "Entire company"),
)
VISIBILITY = {
    "lite": _TWO_LEVELS,
    "growth": _TWO_LEVELS,
    "professional": _TWO_LEVELS,
    "premium": _FOUR_LEVELS,
    "ultimate": _FOUR_LEVELS,
}


def check_plan(plan: str) -> str:
    if plan not in BURST:
        raise ValueError(f"unknown plan {plan!r} (known: {', '.join(BURST)})")
    return plan


def visible_to_ids(plan: str) -> tuple[int, ...]:
    """The `visible_to` values the plan accepts."""
    return tuple(number for number, _ in VISIBILITY[plan])


def visible_to_options(plan: str) -> list[dict[str, Any]]:
    """The `visible_to` field's options as the fields endpoints list them on this plan."""
    return [{"id": number, "label": label} for number, label in VISIBILITY[plan]]
