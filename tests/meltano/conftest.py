"""Fixtures for the Meltano tests: the installed Meltano and a project with the plugins installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from .project import MeltanoProject, install_meltano


@pytest.fixture(scope="session")
def meltano_executable() -> Path:
    return install_meltano()


@pytest.fixture(scope="session")
def _plugins_installed(meltano_executable: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    # `meltano install` once per session: it notices a changed pip_url and reinstalls only then.
    database = tmp_path_factory.mktemp("meltano-install") / "meltano.db"
    MeltanoProject(meltano_executable, database).install_plugins()


@pytest.fixture
def meltano(meltano_executable: Path, _plugins_installed: None, tmp_path: Path) -> MeltanoProject:
    return MeltanoProject(meltano_executable, tmp_path / "meltano.db")
