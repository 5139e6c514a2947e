"""A dry run's plan: every request the run would send, one JSON line each, in a file.

The log shows the first few (enough to see what a mapping does); the file has them all, readable by a
person with `jq` or by a program, and costs a fraction of a log line per record on a large input.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import IO, Any

# Requests shown in the log before the rest go only to the file.
LOGGED = 20


class DryRunPlan:
    def __init__(self, path: str | None, logger: logging.Logger) -> None:
        self.path = Path(path) if path else None
        self.logger = logger
        self.count = 0
        self._handle: IO[str] | None = None
        self._lock = threading.Lock()

    def add(self, mapping: str, request: dict[str, Any]) -> None:
        line = json.dumps({"mapping": mapping, **request}, ensure_ascii=False, default=str)
        with self._lock:
            self.count += 1
            count = self.count
            if self.path is not None:
                if self._handle is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._handle = self.path.open("w", encoding="utf-8", errors="backslashreplace")
                self._handle.write(line + "\n")
        if count <= LOGGED:
            self.logger.info("Dry run, mapping %r would send: %s", mapping, json.dumps(request, default=str))
        if count == LOGGED and self.path is not None:
            self.logger.info("Dry run: further requests are written to %s only", self.path)

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            if self.count:
                where = f"; all of them are in {self.path}" if self.path is not None else ""
                self.logger.info("Dry run: %d requests would have been sent%s", self.count, where)
