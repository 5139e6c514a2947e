"""target-pipedrive-tools: `fields` lists the account's fields, `check` validates a config against it,
`replay` sends the records of a reject file through the mappings again.

`fields` and `check` only read from Pipedrive; `replay` writes (unless --dry-run), as the target does.
Exit codes: 0 fine, 1 the check found problems (replay: records still rejected), 2 the config, the
reject file or the account could not be used at all. The token is never printed: it travels in a
header only.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ..pipedrive.errors import PipedriveError
from ..run.connect import connect
from ..settings import Settings
from . import directory
from . import ledger as ledger_tool
from .check import check
from .config import ConfigError, load_config
from .fields import ALIASES, ENTITIES, as_json, as_text, discover
from .replay import ReplayError, replay

EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="target-pipedrive-tools", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    config_help = "a JSON config file, or ENV for TARGET_PIPEDRIVE_* variables; may be repeated"
    fields = commands.add_parser(
        "fields",
        help="print the account's fields per entity, its users, pipelines with their stages, and lead labels",
    )
    fields.add_argument("--config", action="append", required=True, help=config_help)
    fields.add_argument(
        "--entity", action="append", default=[], choices=sorted([*ENTITIES, *ALIASES]), help="one entity"
    )
    fields.add_argument("--json", action="store_true", help="JSON instead of a table")
    checker = commands.add_parser("check", help="check a config against the account, writing nothing")
    checker.add_argument("--config", action="append", required=True, help=config_help)
    replayer = commands.add_parser(
        "replay",
        help="send the records of a reject file through the mappings again; those that still fail go to a "
        "new reject file",
    )
    replayer.add_argument("--config", action="append", required=True, help=config_help)
    replayer.add_argument("rejects", type=Path, metavar="REJECTS.jsonl", help="a reject file of the target")
    replayer.add_argument(
        "--output",
        type=Path,
        help="the new reject file, for the records that still fail (default: beside the reject file, "
        "NAME.replay.jsonl)",
    )
    replayer.add_argument(
        "--dry-run",
        action="store_true",
        help="look everything up, write nothing: show what a replay would do",
    )
    ledger_tool.register(commands, config_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")
    logger = logging.getLogger("target-pipedrive-tools")
    if args.command == "ledger":
        return ledger_tool.run(args, logger)
    try:
        config = load_config(args.config)
        if args.command == "replay":
            return replay(config, args.rejects, args.output, dry_run=args.dry_run)
        runtime = connect(Settings.of(config), logger)
        if args.command == "fields":
            found = discover(runtime.catalog, args.entity)
            if args.json:
                # Without --entity, the account's directory (users, pipelines and stages, lead labels) too.
                listed = as_json(found) | ({} if args.entity else directory.as_json(runtime.directory))
                print(json.dumps(listed, indent=2))
            else:
                print(as_text(found) + ("" if args.entity else directory.as_text(runtime.directory)))
            return 0
        problems = check(config, runtime)
    except (ConfigError, ReplayError, ValueError, PipedriveError) as exc:
        print(f"target-pipedrive-tools: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} problem(s): the target would refuse to start with this config.", file=sys.stderr
        )
        return EXIT_PROBLEMS
    print("OK: the token works and every mapping fits the account.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
