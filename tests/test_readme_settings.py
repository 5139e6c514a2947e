"""The README's settings table is `target-pipedrive --about --format=markdown`'s, verbatim."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings-table:start", "<!-- settings-table:end -->"


def about_settings_table() -> str:
    about = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # The "## Settings" section, up to the next heading.
    match = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", about, flags=re.S | re.M)
    assert match, about
    return match.group(1).strip()


def readme_settings_table() -> str:
    text = README.read_text()
    start = text.index("\n", text.index(START)) + 1
    return text[start : text.index(END)].strip()


def test_readme_settings_table_matches_about():
    assert readme_settings_table() == about_settings_table(), (
        "README.md's settings table is stale: run `python tests/test_readme_settings.py` to refresh it"
    )


if __name__ == "__main__":
    text = README.read_text()
    start = text.index("\n", text.index(START)) + 1
    README.write_text(text[:start] + about_settings_table() + "\n" + text[text.index(END) :])
