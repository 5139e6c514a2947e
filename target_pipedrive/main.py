"""The `target-pipedrive` command and `python -m target_pipedrive`: the target's CLI, with a Ctrl-C that
comes before the target handles signals itself (while the SDK and the target are imported, about a
second) ending in one line and exit code 130, as a Ctrl-C during the run does, not a traceback."""

from __future__ import annotations

import sys

INTERRUPTED = 130  # 128 + SIGINT, what shells and Meltano expect of a Ctrl-C


def main() -> None:
    try:
        # Imported here, not at the top: the import itself is what a Ctrl-C at start-up interrupts.
        from target_pipedrive.target import TargetPipedrive

        TargetPipedrive.cli()
    except KeyboardInterrupt:
        # Once the run has started, its own handler turns SIGINT into a clean stop (target.py): only a
        # Ctrl-C outside it (while starting up, before any record is read) gets here.
        sys.stderr.write("target-pipedrive: interrupted (Ctrl-C) while starting up; nothing was written\n")
        sys.exit(INTERRUPTED)
