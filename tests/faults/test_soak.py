"""The soak of issue 5 as a test (minutes): deselected by default, run with `pytest -m soak`."""

from __future__ import annotations

import pytest

from benchmarks.soak import parse_args, print_figures, soak


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_ten_thousand_events_through_faults_lose_and_duplicate_nothing(tmp_path):
    result = soak(parse_args(["--workdir", str(tmp_path / "soak")]))
    print_figures(result)
    assert result["lost_events"] == 0
    assert result["differences"] == []
    assert set(result["duplicates_by_match_key"].values()) == {0}
