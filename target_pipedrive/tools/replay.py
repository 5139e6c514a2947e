"""`replay`: send the records of a reject file through the mappings again, once the config or the
account is fixed, and keep those that still fail in a new reject file.

Each reject names the mapping that rejected its record: the record goes through that mapping only
(another mapping that wrote it in the first run is not run again). A record rejected before any
mapping saw it (a malformed record), or by a mapping the config no longer has, goes through every
enabled mapping; what those mappings wrote before is found in the ledger and left unchanged, as in
any rerun. A record rejected by a mapping that is now disabled is not replayed: its reject is kept.

The replay is the target's own run (`python -m target_pipedrive`), fed the reject file's records as
Singer messages (a SCHEMA and the RECORDs of each stream), with the same config, ledger and lookups:
it never creates what was already written. Its rejects go to the new reject file; with --dry-run it
writes nothing to Pipedrive, and the requests it would send go beside the new reject file. A reject of
the new file keeps the `input_line` of the reject it replays: the line of the input that first brought
the record, not of the replay's own (temporary) input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..mapping.presets import preset_mappings

# The per-record outcomes of a run's summary, in the order they are shown.
OUTCOMES = ("written", "unchanged", "skipped", "filtered", "rejected")
ALL = None  # the group of records that go through every enabled mapping


class ReplayError(ValueError):
    """The reject file or the replay cannot be used at all (exit 2)."""


@dataclass
class Group:
    """The records that go through one mapping (or every mapping: `mapping` None)."""

    mapping: str | None
    entries: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def default_output(rejects: Path) -> Path:
    """Beside the reject file: rejects.jsonl → rejects.replay.jsonl."""
    return rejects.with_name(f"{rejects.stem}.replay{rejects.suffix or '.jsonl'}")


def read_rejects(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReplayError(f"cannot read the reject file {path}: {exc}") from exc
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise ReplayError(f"{path}, line {number}: not a reject (not JSON: {exc})") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("stream"), str) or "record" not in entry:
            raise ReplayError(f"{path}, line {number}: not a reject (no stream and record)")
        entries.append(entry)
    return entries


def mapping_list(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The config's mappings as written (the presets when it has none)."""
    mappings = config.get("mappings")
    if mappings is None:
        return preset_mappings(config.get("person_field") or "id", config.get("organization_field") or "id")
    return [m for m in mappings if isinstance(m, dict)]


def plan_groups(
    entries: Iterable[dict[str, Any]], mappings: list[dict[str, Any]]
) -> tuple[list[Group], list[dict[str, Any]], list[str]]:
    """The records grouped by the mapping they go through, the rejects kept as they are (not
    replayable), and notes for the user."""
    by_name = {m.get("name"): m for m in mappings}
    groups: dict[str | None, Group] = {}
    kept: list[dict[str, Any]] = []
    notes: list[str] = []
    seen: set[str] = set()
    missing: dict[str, int] = {}
    disabled: dict[str, int] = {}
    for entry in entries:
        if not isinstance(entry["record"], dict):
            kept.append(entry)
            continue
        name = entry.get("mapping")
        target: str | None = ALL
        if isinstance(name, str):
            raw = by_name.get(name)
            if raw is None:
                missing[name] = missing.get(name, 0) + 1
            elif raw.get("enabled") is False:
                disabled[name] = disabled.get(name, 0) + 1
                kept.append(entry)
                continue
            else:
                target = name
        # The same record rejected by the same mapping in two runs is replayed once.
        key = json.dumps([target, entry["stream"], entry["record"]], sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        groups.setdefault(target, Group(target)).entries.append(entry)
    for name, count in missing.items():
        notes.append(f"mapping {name!r} is not in the config: its {count} record(s) go through every mapping")
    for name, count in disabled.items():
        notes.append(
            f"mapping {name!r} is disabled: its {count} record(s) are not replayed, their rejects kept"
        )
    if kept and len(kept) > sum(disabled.values()):
        notes.append(
            f"{len(kept) - sum(disabled.values())} reject(s) hold no record to replay (not shown in the "
            "reject file): kept as they are"
        )
    ordered = sorted(
        groups.values(),
        key=lambda g: (g.mapping is None, list(by_name).index(g.mapping) if g.mapping in by_name else 0),
    )
    return ordered, kept, notes


def singer_messages(entries: list[dict[str, Any]]) -> tuple[str, dict[int, Any]]:
    """The records as Singer messages: each stream's SCHEMA (any object) before its first RECORD; and,
    per RECORD line (1-based), the `input_line` of the reject it came from."""
    lines: list[str] = []
    streams: set[str] = set()
    origins: dict[int, Any] = {}
    for entry in entries:
        stream = entry["stream"]
        if stream not in streams:
            streams.add(stream)
            schema = {"type": "object", "properties": {}}
            lines.append(
                json.dumps({"type": "SCHEMA", "stream": stream, "key_properties": [], "schema": schema})
            )
        lines.append(
            json.dumps({"type": "RECORD", "stream": stream, "record": entry["record"]}, ensure_ascii=False)
        )
        origins[len(lines)] = entry.get("input_line")
    return "".join(line + "\n" for line in lines), origins


def restore_input_lines(output: Path, start: int, origins: dict[int, Any]) -> None:
    """The rejects a replay's run appended to `output` (from byte `start`) name lines of its temporary
    input, which is gone once the replay ends: each gets back the input line of the reject it replays."""
    if not output.exists() or output.stat().st_size <= start:
        return
    with output.open("r+b") as handle:
        handle.seek(start)
        appended = [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line.strip()]
        for entry in appended:
            entry["input_line"] = origins.get(entry.get("input_line"))
        text = "".join(json.dumps(entry, ensure_ascii=False, default=str) + "\n" for entry in appended)
        handle.seek(start)
        handle.truncate()
        # As the reject file itself writes them: a lone surrogate of a tap's is kept as its escape.
        handle.write(text.encode("utf-8", "backslashreplace"))


def run_group(
    group: Group,
    config: dict[str, Any],
    mappings: list[dict[str, Any]],
    output: Path,
    plan_file: Path | None,
    work: Path,
) -> subprocess.CompletedProcess[str]:
    """One run of the target over a group's records; its summary counts go into `group.counts`."""
    run_config = dict(config)
    if group.mapping is not None:
        run_config["mappings"] = [{**m, "enabled": True} for m in mappings if m.get("name") == group.mapping]
    report = work / "report.json"
    report.unlink(missing_ok=True)
    run_config |= {"reject_file": str(output), "report_file": str(report)}
    if plan_file is not None:
        run_config |= {"dry_run": True, "dry_run_file": str(work / "dry-run.jsonl")}
    else:
        run_config["dry_run"] = False
    config_path = work / "config.json"
    # The config holds the token: readable by this user only, and removed with the folder.
    config_path.touch(mode=0o600)
    config_path.write_text(json.dumps(run_config, default=str), encoding="utf-8")
    input_path = work / "input.jsonl"
    text, origins = singer_messages(group.entries)
    input_path.write_text(text, encoding="utf-8")
    start = output.stat().st_size if output.exists() else 0
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_PIPEDRIVE_")}
    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(config_path), "--input", str(input_path)],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    restore_input_lines(output, start, origins)
    if report.exists():
        summary = json.loads(report.read_text(encoding="utf-8"))
        group.counts = {outcome: int(summary.get(outcome, 0)) for outcome in OUTCOMES}
    if plan_file is not None:
        planned = work / "dry-run.jsonl"
        if planned.exists():
            with plan_file.open("a", encoding="utf-8") as handle:
                handle.write(planned.read_text(encoding="utf-8"))
            planned.unlink()
    return done


def replay(
    config: dict[str, Any],
    rejects: Path,
    output: Path | None = None,
    *,
    dry_run: bool = False,
    out: Any = sys.stdout,
    err: Any = sys.stderr,
) -> int:
    """Replays a reject file; 0 when every record went through, 1 when some are still rejected (in the
    new reject file), 2 when the reject file or a run could not be used."""
    output = output or default_output(rejects)
    if output.resolve() == rejects.resolve():
        raise ReplayError(
            "the new reject file must not be the reject file being replayed: choose another --output"
        )
    entries = read_rejects(rejects)
    mappings = mapping_list(config)
    groups, kept, notes = plan_groups(entries, mappings)
    output.unlink(missing_ok=True)
    plan_file = output.with_name(f"{output.stem}.dry-run.jsonl") if dry_run else None
    if plan_file is not None:
        plan_file.unlink(missing_ok=True)
    total = sum(len(g.entries) for g in groups)
    print(
        f"Replaying {total} record(s) from {rejects}{' (dry run: nothing is written)' if dry_run else ''}",
        file=out,
    )
    for note in notes:
        print(f"  note: {note}", file=out)
    if not _run_groups(groups, config, mappings, output, plan_file, dry_run=dry_run, out=out, err=err):
        return 2
    return _finish(groups, kept, total, output, plan_file, dry_run=dry_run, out=out)


def _run_groups(
    groups: list[Group],
    config: dict[str, Any],
    mappings: list[dict[str, Any]],
    output: Path,
    plan_file: Path | None,
    *,
    dry_run: bool,
    out: Any,
    err: Any,
) -> bool:
    """Runs the target over each group in turn, in a private work folder; False (the failed run's
    last stderr lines shown) as soon as one run fails, since the rest would tell nothing reliable."""
    with tempfile.TemporaryDirectory(prefix="target-pipedrive-replay-") as folder:
        work = Path(folder)
        # A dry run's rejects are only counted: the new reject file is for records a real run left.
        reject_path = work / "dry-run-rejects.jsonl" if dry_run else output
        for group in groups:
            done = run_group(group, config, mappings, reject_path, plan_file, work)
            what = f"mapping {group.mapping!r}" if group.mapping is not None else "every mapping"
            if done.returncode != 0 or not group.counts:
                print(f"target-pipedrive-tools: the replay through {what} failed:", file=err)
                print(_tail(done.stderr), file=err)
                return False
            shown = ", ".join(f"{group.counts[o]} {o}" for o in OUTCOMES)
            print(f"  {what}: {len(group.entries)} record(s): {shown}", file=out)
    return True


def _finish(
    groups: list[Group],
    kept: list[dict[str, Any]],
    total: int,
    output: Path,
    plan_file: Path | None,
    *,
    dry_run: bool,
    out: Any,
) -> int:
    """Adds the kept rejects to the new reject file, shows the totals and gives the exit code."""
    if kept and not dry_run:
        with output.open("a", encoding="utf-8") as handle:
            for entry in kept:
                handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    totals = {o: sum(g.counts.get(o, 0) for g in groups) for o in OUTCOMES}
    failed = totals["rejected"] + len(kept)
    verb = "would be" if dry_run else "were"
    print(
        f"Replayed {total} record(s): {totals['written']} written, {totals['unchanged']} unchanged, "
        f"{totals['skipped']} skipped, {totals['filtered']} filtered (no trigger matched), "
        f"{totals['rejected']} still rejected",
        file=out,
    )
    if dry_run and plan_file is not None:
        print(f"Dry run: nothing was written; the requests a replay would send are in {plan_file}", file=out)
    if failed:
        if dry_run:
            print(f"{failed} record(s) {verb} still rejected; run without --dry-run to keep them", file=out)
        else:
            print(f"{failed} record(s) still rejected: in {output}, each with its reason", file=out)
        return 1
    return 0


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
