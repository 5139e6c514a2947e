"""The target's settings: declared once (schema.py), checked at start-up (checks.py), read by the run
through one typed object (typed.py)."""

from .checks import (
    OUTPUT_FILES,
    SDK_SETTINGS_NOT_USED,
    SECRET,
    SETTINGS_NAMES,
    check_settings,
    environment_settings,
    meltano_ledger_default,
    meltano_output_defaults,
)
from .schema import DEFAULTS, SETTINGS
from .typed import Settings

__all__ = [
    "DEFAULTS",
    "OUTPUT_FILES",
    "SDK_SETTINGS_NOT_USED",
    "SECRET",
    "SETTINGS",
    "SETTINGS_NAMES",
    "Settings",
    "check_settings",
    "environment_settings",
    "meltano_ledger_default",
    "meltano_output_defaults",
]
