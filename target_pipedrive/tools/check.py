"""`check`: does a config fit the account? Reads only; writes nothing.

The token must work; then the target's own start-up check (startup_checks.py: match fields exist and
are searchable, custom-field names exist) runs, plus one thing only a literal value reveals: a
custom field's option label given in the mapping itself must be an option of that field.
"""

from __future__ import annotations

from typing import Any

from ..account.catalog import UnknownField
from ..account.runtime import Runtime
from ..actions import ACTION_SPECS
from ..mapping.engine import CompiledMapping, compile_mappings
from ..mapping.errors import MappingConfigError
from ..pipedrive.errors import PipedriveAuthError, PipedriveError
from ..run.startup_checks import check_against_account
from ..settings import Settings
from .fields import ENTITIES


def token_problem(runtime: Runtime) -> str | None:
    try:
        runtime.client.get("/api/v1/users/me")
    except PipedriveAuthError:
        return "setting api_token: Pipedrive refused the token (401); copy it again from Settings → API"
    except PipedriveError as exc:
        return f"setting api_url/domain: the account could not be reached: {exc}"
    return None


def _literal_label(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"@literal"}:
        value = value["@literal"]
    return value if isinstance(value, str) and value.strip() else None


def option_problems(runtime: Runtime, compiled: list[CompiledMapping]) -> list[str]:
    """Literal option labels that are not options of their field (enum and set fields only)."""
    problems: list[str] = []
    for mapping in compiled:
        entity_name = ACTION_SPECS[mapping.action].custom_fields_entity
        custom = (mapping.fields_source or {}).get("custom_fields")
        if not mapping.enabled or entity_name is None or not isinstance(custom, dict):
            continue
        for wanted, value in custom.items():
            label = _literal_label(value)
            if label is None:
                continue
            try:
                definition = runtime.catalog.resolve(ENTITIES[entity_name], str(wanted))
            except UnknownField:
                continue  # reported by the start-up check already
            if not definition.options:
                continue
            try:
                definition.option_id(label)
            except ValueError as exc:
                problems.append(f"mapping {mapping.name!r}, field 'custom_fields.{wanted}': {exc}")
    return problems


def check(config: dict[str, Any], runtime: Runtime) -> list[str]:
    """Every problem of the config against the account, each naming where and how to fix it."""
    try:
        settings = Settings.of(config)
        compiled = compile_mappings(
            settings.mappings,
            person_field=settings.person_field,
            organization_field=settings.organization_field,
        )
    except MappingConfigError as exc:
        return list(exc.problems)
    if problem := token_problem(runtime):
        return [problem]
    return check_against_account(runtime, compiled) + option_problems(runtime, compiled)
