"""`pipedrive-sandbox`: a local emulator of Pipedrive's API, for trying mappings without an account."""

from __future__ import annotations

import argparse
import json
import logging
import signal
from pathlib import Path
from typing import Any

from .core import NULL_FORMS
from .limits import BURST
from .server import DEFAULT_TOKEN, SandboxServer
from .store import ITEM_SEARCH_FORMS


def _faults(text: str) -> list[dict[str, Any]]:
    raw = Path(text[1:]).read_text() if text.startswith("@") else text
    faults = json.loads(raw)
    if not isinstance(faults, list):
        raise argparse.ArgumentTypeError("--faults takes a JSON list")
    return faults


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pipedrive-sandbox", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="bind address (loopback unless --allow-remote)")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback bind address")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="the API token the sandbox accepts")
    p.add_argument(
        "--seed", help="JSON file whose sections replace the default account's (fields, entities…)"
    )
    p.add_argument("--plan", choices=sorted(BURST), default="lite", help="burst limit and budget multiplier")
    p.add_argument("--seats", type=int, default=1, help="seats, for the daily budget")
    p.add_argument(
        "--daily-budget", type=int, help="daily token budget (default 30,000 x multiplier x seats)"
    )
    p.add_argument("--latency", type=float, default=0.0, help="sandbox seconds added to every request")
    p.add_argument("--search-delay", type=float, default=0.0, help="seconds before writes reach search")
    p.add_argument("--speed", type=float, default=1.0, help="the sandbox clock runs this many times faster")
    p.add_argument(
        "--faults", type=_faults, help='JSON list or @file, e.g. [{"path": "/api/v2/*", "status": 503}]'
    )
    p.add_argument("--fault-seed", type=int, default=0, help="seed of probabilistic faults")
    p.add_argument(
        "--openapi-dir", help="folder with Pipedrive's v1.yaml and v2.yaml (or PIPEDRIVE_OPENAPI_DIR)"
    )
    p.add_argument(
        "--no-validate", action="store_true", help="do not validate requests against the OpenAPI files"
    )
    p.add_argument(
        "--no-rate-limits", action="store_true", help="count tokens but refuse nothing (for benchmarks)"
    )
    p.add_argument(
        "--item-search-form",
        choices=ITEM_SEARCH_FORMS,
        default="example",
        help="itemSearch/field hits: flat {id, <field>} (the spec's example) or {result_score, item} "
        "(its schema)",
    )
    p.add_argument(
        "--null-form",
        choices=NULL_FORMS,
        default="explicit",
        help="unset properties in answers: explicit nulls (Pipedrive's answers and the spec's examples) or "
        "left out (the form the spec's schemas allow)",
    )
    p.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        help="seconds added to the sandbox's wall clock (timestamps, updated_since, the Date header)",
    )
    p.add_argument(
        "--readable-trash",
        action="store_true",
        help="a deleted v2 entity stays readable and patchable by id, answering is_deleted: true (as "
        "Pipedrive may for the 30 days it keeps it); default: 404",
    )
    p.add_argument("--log-limit", type=int, help="keep only the last N requests in the request log")
    return p


def _stop(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        server = SandboxServer(
            args.host,
            args.port,
            allow_remote=args.allow_remote,
            token=args.token,
            seed=args.seed,
            plan=args.plan,
            seats=args.seats,
            daily_budget=args.daily_budget,
            latency=args.latency,
            search_delay=args.search_delay,
            speed=args.speed,
            faults=args.faults,
            fault_seed=args.fault_seed,
            openapi_dir=args.openapi_dir,
            validate=not args.no_validate,
            rate_limits=not args.no_rate_limits,
            log_limit=args.log_limit,
            item_search_form=args.item_search_form,
            clock_offset=args.clock_offset,
            null_form=args.null_form,
            readable_trash=args.readable_trash,
        )
    except (ValueError, OSError) as exc:
        raise SystemExit(f"pipedrive-sandbox: {exc}") from exc
    contract = server.sandbox.contract
    if contract is not None and server.validating:
        logging.info("Validating every request against the OpenAPI files in %s", contract.folder)
    else:
        logging.warning("NOT validating requests against Pipedrive's OpenAPI description")
    logging.info("Pipedrive sandbox listening on %s (plan %s)", server.url, args.plan)
    signal.signal(signal.SIGTERM, _stop)  # docker stop, systemd: as Ctrl-C (PID 1 ignores SIGTERM otherwise)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
