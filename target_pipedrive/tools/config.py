"""The tools read their settings the way the target does: JSON files, and `ENV` for the environment.

`--config ENV` reads TARGET_PIPEDRIVE_* variables (arrays such as TARGET_PIPEDRIVE_MAPPINGS as JSON),
which is how Meltano hands a plugin's settings to its commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from singer_sdk.configuration._dict_config import parse_environment_config

from ..settings import SETTINGS, check_settings

ENV = "ENV"
ENV_PREFIX = "TARGET_PIPEDRIVE_"


class ConfigError(ValueError):
    pass


def load_config(sources: list[str]) -> dict[str, Any]:
    """The merged settings of every source, later sources winning, as the SDK merges them."""
    config: dict[str, Any] = {}
    for source in sources:
        if source == ENV:
            config.update(parse_environment_config(SETTINGS.to_dict(), prefix=ENV_PREFIX))
            continue
        try:
            loaded = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the config file {source}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"the config file {source} must hold a JSON object")
        config.update(loaded)
    if not config.get("api_token"):
        raise ConfigError(
            "no api_token: put it in the config file or in TARGET_PIPEDRIVE_API_TOKEN with --config ENV"
        )
    # As the target checks them: each value in its type, the defaults filled in (under Meltano too).
    checked, problems, _warnings = check_settings(config)
    if problems:
        raise ConfigError("; ".join(problems))
    return checked
