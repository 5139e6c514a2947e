"""The run's accounting adds up: records in = written + unchanged + skipped + filtered + rejected."""

from __future__ import annotations

from target_pipedrive.run.progress import ProgressReporter
from target_pipedrive.run.summary import RunSummary


def route(summary: RunSummary, *outcomes: tuple[str, str]) -> None:
    ticket = summary.record_started()
    for mapping, outcome in outcomes:
        summary.record_outcome(mapping, outcome, ticket)
    summary.record_finished(ticket)


def test_each_record_counts_once_with_the_worst_outcome():
    summary = RunSummary()
    route(summary, ("people", "created"))
    route(summary, ("people", "unchanged"))
    route(summary)
    route(summary, ("people", "updated"), ("deals", "rejected"))
    route(summary, ("people", "unchanged"), ("deals", "created"))
    report = summary.as_dict()
    assert report["records_in"] == 5
    assert (report["written"], report["unchanged"], report["filtered"], report["rejected"]) == (2, 1, 1, 1)
    assert report["written"] + report["unchanged"] + report["filtered"] + report["rejected"] == 5
    assert report["mappings"]["people"]["created"] == 1
    assert report["mappings"]["deals"]["rejected"] == 1


def test_a_skipped_record_is_counted_apart_and_the_sum_still_holds():
    summary = RunSummary()
    route(summary, ("deals", "skipped"))
    route(summary, ("deals", "skipped"), ("people", "updated"))
    route(summary, ("deals", "skipped"), ("people", "unchanged"))
    report = summary.as_dict()
    assert (report["written"], report["skipped"], report["unchanged"]) == (1, 2, 0)
    assert report["mappings"]["deals"]["skipped"] == 3


def test_progress_line_at_most_every_interval(caplog):
    import logging

    now = [0.0]
    summary = RunSummary()
    reporter = ProgressReporter(
        summary,
        lambda: {"calls": 3, "tokens": 25, "daily_tokens_left": 100},
        logging.getLogger("t"),
        interval=5,
        clock=lambda: now[0],
    )
    with caplog.at_level(logging.INFO, logger="t"):
        for second in range(12):
            now[0] = float(second)
            route(summary, ("people", "created"))
            reporter.tick()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Progress")]
    assert len(lines) == 2
    assert "25 tokens" in lines[0] and "100 daily tokens left" in lines[0]
