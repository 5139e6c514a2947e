"""`pipedrive-sandbox`: a local Pipedrive API emulator for trying mappings without an account."""

from __future__ import annotations

import argparse
import json
import logging

from .limits import BURST
from .server import DEFAULT_TOKEN, SandboxServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pipedrive-sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback unless --allow-remote)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback bind address")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the API token the sandbox accepts")
    parser.add_argument("--seed", help="JSON file with fields, activity types and entities to start with")
    parser.add_argument(
        "--plan", choices=sorted(BURST), default="lite", help="sets the burst limit and budget"
    )
    parser.add_argument(
        "--daily-budget", type=int, help="daily token budget (default 30,000 x plan multiplier)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--search-delay", type=float, default=0.0, help="seconds before writes reach search")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="the sandbox clock runs this many times faster"
    )
    parser.add_argument(
        "--faults", help='JSON list, e.g. [{"path": "/api/v2/persons", "status": 503, "count": 1}]'
    )
    parser.add_argument("--openapi-dir", help="folder with Pipedrive's v1.yaml and v2.yaml")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of probabilistic faults")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = SandboxServer(
        args.host,
        args.port,
        allow_remote=args.allow_remote,
        token=args.token,
        seed=args.seed,
        plan=args.plan,
        daily_budget=args.daily_budget,
        latency=args.latency,
        search_delay=args.search_delay,
        speed=args.speed,
        fault_seed=args.fault_seed,
        openapi_dir=args.openapi_dir,
    )
    if args.faults:
        server.configure(faults=json.loads(args.faults))
    validating = "validating requests against" if server.sandbox.contract else "NOT validating: no"
    logging.info("Pipedrive sandbox on %s, %s OpenAPI files", server.url, validating)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
