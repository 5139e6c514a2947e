"""The reject file: one JSON line per record that could not be written, with everything needed to fix it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any

from ..stops import OutputUnwritable


class RejectFile:
    """Appends rejects to a JSONL file, created on the first reject only."""

    def __init__(self, path: str | None, *, setting: str = "reject_file") -> None:
        self.path = Path(path) if path else None
        self.setting = setting
        self._handle: IO[str] | None = None
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        try:
            line = json.dumps(entry, ensure_ascii=False, default=str)
        except RecursionError:
            entry = {**entry, "record": "(not shown: the record is nested too deeply to be written)"}
            line = json.dumps(entry, ensure_ascii=False, default=str)
        with self._lock:
            try:
                if self._handle is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    # A lone surrogate from a tap must not make the reject itself fail.
                    self._handle = self.path.open("a", encoding="utf-8", errors="backslashreplace")
                self._handle.write(line + "\n")
                self._handle.flush()
            except OSError as exc:
                # A reject that cannot be kept must not pass silently: the run stops cleanly.
                raise OutputUnwritable(self.setting, self.path, exc) from None

    def close(self) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except OSError as exc:
                raise OutputUnwritable(self.setting, self.path, exc) from None
