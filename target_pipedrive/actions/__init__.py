"""The six Pipedrive actions: each module declares its fields beside the request it builds."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import activity, deal, lead, note, organization, person
from .spec import ActionSpec, FieldSpec

if TYPE_CHECKING:
    from ..account.runtime import Runtime
    from .plan import Skip, Write

_MODULES = (person, organization, activity, deal, lead, note)

ACTION_SPECS: dict[str, ActionSpec] = {module.SPEC.name: module.SPEC for module in _MODULES}

# action name → plan(payload, runtime) -> Write | Skip (raises plan.Reject)
PLANNERS: dict[str, Callable[[dict[str, Any], Runtime], Write | Skip]] = {
    module.SPEC.name: module.plan for module in _MODULES
}

__all__ = ["ACTION_SPECS", "PLANNERS", "ActionSpec", "FieldSpec"]
