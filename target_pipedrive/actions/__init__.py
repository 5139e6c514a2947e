"""The six Pipedrive actions: each module declares its fields beside the request it builds."""

from __future__ import annotations

from . import activity, deal, lead, note, organization, person
from .spec import ActionSpec, FieldSpec

ACTION_SPECS: dict[str, ActionSpec] = {
    module.SPEC.name: module.SPEC for module in (person, organization, activity, deal, lead, note)
}

__all__ = ["ACTION_SPECS", "ActionSpec", "FieldSpec"]
