"""Bad input stops the run with one clear line, never a traceback, and is never dropped silently.

Singer input is a protocol between two programs, so a line that breaks it is the tap's bug, not data:
- a line that is not UTF-8, not JSON, not an object, has no or an unknown `type`, or lacks the keys its
  type needs; a RECORD before its stream's SCHEMA; a RECORD whose `record` is not an object: the run
  stops with `line N: <what is wrong>`. Every STATE before that line was emitted once the records
  before it were written or rejected, so a rerun from the last state loses nothing; skipping the line
  instead could lose a record (or a SCHEMA) without a trace.
- Blank lines carry no message and are skipped.
- Lone UTF-16 surrogates (`"\\ud800"` is valid JSON but not Unicode) are replaced by U+FFFD with a
  warning naming the line: Pipedrive stores UTF-8, which cannot hold them, and the rest of the record
  is still worth writing.
- Values a mapping cannot use (wrong types, missing required fields) are not input errors: the mapping
  engine rejects those records one by one into the reject file. An integer too long for Python
  (json_line.py) is such a value, with a warning naming the line.
- A key repeated in an object (json would keep the last value and drop the others unseen): a RECORD is
  rejected whole, as it cannot be read as the tap meant; any other message stops the run.
- A STATE is passed on as JSON, so NaN or an infinite number in it stops the run: the tap's bookmark is
  not the target's to rewrite.

- BATCH messages are refused at once (the run stops at their line): the target writes records one by one
  and reads no batch files, which the SDK would open wherever a manifest points.

Failures while a message is processed (Pipedrive unavailable, blocked, the daily budget spent, …) are
reported the same way, with the line of the record that was being written: the line being read, unless
the exception names its record's line as `input_line` (a record written on another thread fails after
the reader has moved on; whoever dispatches it knows its line). These are the clean stops of stops.py;
only an unexpected exception (a bug) is logged with its traceback. After a failure the run ends its
pipe (the last safe state is emitted, the summary logged) and the CLI exits with the stop's code (1;
143 after SIGTERM, 130 after SIGINT); called in-process the exception propagates.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, ClassVar

from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.singerlib.encoding import SimpleSingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

from ..mapping.jsvalues import MAX_DEPTH, type_name
from ..stops import SAFE_STATE, RunTerminated, clean_message, exit_code
from .collector import set_for_records
from .json_line import SURROGATE_ESCAPE, Reading, plain_state, read_json, replace_lone_surrogates

if TYPE_CHECKING:
    from singer_sdk import Target as _MixinBase
else:
    _MixinBase = object

_REPORTED = "_target_pipedrive_reported"


class InputError(InvalidInputLine):
    """A line that is not a usable Singer message."""


class RecordBeforeSchema(InputError, RecordsWithoutSchemaException):
    """A RECORD for a stream whose SCHEMA has not come yet (still the SDK's exception type)."""


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` levels (a loop, not recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def mark_reported(exc: BaseException) -> None:
    """Remember that the failure was logged already, so the CLI exits without printing it again."""
    # An exception type with __slots__ keeps no mark: it is then printed twice, no worse.
    with contextlib.suppress(AttributeError):
        setattr(exc, _REPORTED, True)


def was_reported(exc: BaseException) -> bool:
    return bool(getattr(exc, _REPORTED, False))


class GuardedReader(SimpleSingerReader):
    """The SDK's line reader, counting lines and turning every bad line into a clear error.

    It reads bytes and decodes each line itself: a text stream decodes in chunks, so its errors name a
    position in a chunk, not the line.
    """

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        # Whether the line just read has too few brackets to nest a record beyond MAX_DEPTH (a count
        # in C, where walking the record is a Python loop); False: walk it.
        self.line_shallow = False
        # Why the record on the line just read is rejected whole (a repeated key), or None.
        self.line_refused: str | None = None
        self.logger = logging.getLogger("target_pipedrive.input")
        # Set by GuardedInput: logs the failure and ends the run before the exception propagates.
        self.on_failure: Callable[[int, Exception], None] | None = None
        self.on_start: Callable[[], None] | None = None

    def process_lines(
        self,
        file_input: IO[str] | None,
        callbacks: dict[str, Callable[[dict], None]],
    ) -> Counter[str]:
        counts: Counter[str] = Counter()
        if self.on_start is not None:
            self.on_start()
        lines = self._raw_lines(file_input or sys.stdin)
        with set_for_records():
            while True:
                try:
                    # Inside the try: a signal while the reader waits for input stops the run here too.
                    raw = next(lines, None)
                    if raw is None:
                        break
                    self.line_number += 1
                    message = self.parse(raw)
                    if message is None:
                        continue
                    kind = message["type"]
                    callback = callbacks.get(kind) if isinstance(kind, str) else None
                    if callback is None:
                        raise InputError(f"unknown message type {kind!r}")
                    callback(message)
                except Exception as exc:
                    if self.on_failure is not None:
                        self.on_failure(self.line_number, exc)
                    raise
                counts[kind] += 1
        return counts

    @staticmethod
    def _raw_lines(source: IO[str]) -> Iterator[bytes | str]:
        binary = getattr(source, "buffer", None)
        return iter(binary if binary is not None else source)

    def parse(self, raw: bytes | str) -> dict[str, Any] | None:
        """The message on one line; None for a blank line."""
        text = self.decode(raw)
        self.line_refused = None
        # Brackets inside strings count too: the test can only be too careful.
        self.line_shallow = text.count("{") + text.count("[") <= MAX_DEPTH
        if not text.strip():
            return None
        try:
            # One decoder for every line (the SDK's json.loads builds one per line); json.loads only
            # for a BOM, which it refuses in its own words.
            message, careful = (
                (deserialize_json(text), None) if text.startswith("\ufeff") else read_json(text)
            )
        except RecursionError:
            raise InputError("not JSON (nested too deeply)") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON ({exc.msg} at column {exc.colno})") from None
        except ValueError as exc:
            raise InputError(f"not JSON ({exc})") from None
        if not isinstance(message, dict):
            raise InputError(f"not a Singer message: {type_name(message)}, where an object was expected")
        if "type" not in message:
            raise InputError('not a Singer message: it has no "type"')
        if careful is not None:
            self._note_careful_reading(message, careful)
        if SURROGATE_ESCAPE.search(text):
            message = self._without_lone_surrogates(message)
        return message

    def decode(self, raw: bytes | str) -> str:
        if isinstance(raw, str):
            return raw
        try:
            # A byte-order mark some editors put at the start of a file is not part of the JSON.
            return raw.decode("utf-8-sig" if self.line_number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                "Singer messages are JSON, which is UTF-8"
            ) from None

    def _note_careful_reading(self, message: dict[str, Any], reading: Reading) -> None:
        if reading.long_integers:
            self.logger.warning(
                "line %d: integer(s) too long to be a number Pipedrive can store in %s; a mapping that "
                "uses one rejects the record",
                self.line_number,
                ", ".join(reading.long_integers),
            )
        if not reading.repeated:
            return
        kept = f"{'; '.join(reading.repeated)}: JSON keeps only the last value of a repeated key, so"
        fix = "the tap must write each key once"
        if message["type"] != "RECORD":
            raise InputError(f"{kept} this {message['type']} message cannot be read as the tap meant; {fix}")
        self.line_refused = f"{kept} the record is rejected rather than written in part; {fix}"

    def _without_lone_surrogates(self, message: dict[str, Any]) -> dict[str, Any]:
        found: list[str] = []
        cleaned = replace_lone_surrogates(message, "$", found)
        if found:
            self.logger.warning(
                "line %d: lone UTF-16 surrogate(s) replaced by U+FFFD in %s "
                "(not Unicode, so Pipedrive could not store them; in a messageId by their \\uXXXX "
                "escape, which keeps events apart)",
                self.line_number,
                ", ".join(found),
            )
        return dict(cleaned)


class GuardedInput(_MixinBase):
    """Target mixin: the guarded reader, message checks, and a clean stop on failure."""

    message_reader_class = GuardedReader
    # Set once a failure (or a signal) stops the run: it ends its pipe, and sends nothing more.
    stopping = False
    # Whether any input was read: a failure before it is "At start-up", after it "After the last input line".
    _phase: ClassVar[dict[str, bool]] = {"reading": False}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._activate_version_said: set[str] = set()
        reader = self.message_reader
        if isinstance(reader, GuardedReader):
            reader.logger = self.logger
            reader.on_failure = self._stop_after_failure
            reader.on_start = lambda: self._phase.update(reading=True)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        # The CLI: a failure already logged (one clear line) must not come back as a traceback from
        # the SDK's excepthook. One that surfaces before any input was read (at start-up) or only at
        # the end of the input (records still in flight when it ended) is logged here, as clearly.
        try:
            super().invoke(*args, **kwargs)
        except Exception as exc:
            if not was_reported(exc):
                message = clean_message(exc)
                if message is None:
                    raise
                if cls._phase["reading"]:
                    cls.logger.error("After the last input line: %s", message)
                    cls.logger.error("The run stopped. %s", SAFE_STATE)
                else:
                    cls.logger.error("At start-up: %s", message)
                    cls.logger.error("The run stopped before reading any input; nothing was written.")
            code = exit_code(exc)
            if isinstance(exc, BrokenPipeError):
                # The reader of stdout went away: Python's last flush at exit must not fail again.
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            if isinstance(exc, RunTerminated):
                # Records still in flight (a request waiting for its answer) are not waited for: the
                # last state is out, and their rerun finds what they did. Nothing left to flush.
                sys.stdout.flush()
                logging.shutdown()
                os._exit(code)
            raise SystemExit(code) from None

    def _process_batch_message(self, message_dict: dict) -> None:
        stream = message_dict.get("stream")
        raise InputError(
            f"BATCH message of stream {stream!r}: this target does not read batch files; configure the tap "
            "to send RECORD messages (turn its batch_config off)"
        )

    def _process_activate_version_message(self, message_dict: dict) -> None:
        # A full-table sync's new version: a warehouse deletes the rows the sync left out; a CRM writer
        # never deletes an entity because a sync did not mention it. Said once per stream, not as the
        # SDK's two warnings per mapping about metadata columns this target has none of.
        stream = str(message_dict.get("stream"))
        if stream not in self._activate_version_said:
            self._activate_version_said.add(stream)
            self.logger.info(
                "ACTIVATE_VERSION of stream %r ignored: entities a full-table sync leaves out are not "
                "deleted from Pipedrive",
                stream,
            )

    def describe_failure(self, exc: BaseException) -> str | None:
        """The clean-stop message of a failure, None for a bug (the target adds what it knows)."""
        return clean_message(exc)

    def _process_schema_message(self, message_dict: dict) -> None:
        stream = self._stream_of(message_dict, "SCHEMA")
        schema = message_dict.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
            raise InputError(f'SCHEMA of stream {stream!r}: "schema" must be an object with "properties"')
        super()._process_schema_message(message_dict)

    def _process_record_message(self, message_dict: dict) -> None:
        stream = self._stream_of(message_dict, "RECORD")
        if stream not in self.mapper.stream_maps:
            raise RecordBeforeSchema(
                f"RECORD of stream {stream!r} before any SCHEMA of that stream; the tap must send "
                "the stream's SCHEMA first"
            )
        if "record" not in message_dict:
            raise InputError(f'RECORD of stream {stream!r} has no "record"')
        record = message_dict["record"]
        if not isinstance(record, dict):
            raise InputError(f"RECORD of stream {stream!r}: the record is {type_name(record)}, not an object")
        reader = self.message_reader if isinstance(self.message_reader, GuardedReader) else None
        if reader is not None and reader.line_refused is not None:
            self.refuse_record(stream, record, reader.line_refused)
            return
        shallow = reader is not None and reader.line_shallow
        if not shallow and nested_deeper_than(record, MAX_DEPTH):
            # A poison record (no mapping could use it, and hashing it could fail): its reject, not a stop.
            self.refuse_record(stream, record, f"the record is nested more than {MAX_DEPTH} levels deep")
            return
        self.route_record(stream, record, message_dict)

    def route_record(self, stream: str, record: dict[str, Any], message_dict: dict) -> None:
        """A record that passed the checks goes through the SDK's routing (the stream's maps, then the
        sinks); the target wraps this to follow each record's way."""
        super()._process_record_message(message_dict)

    def failed_line(self, exc: BaseException) -> int | None:
        """The input line of the record whose work failed, when it surfaced after the reader moved on
        (None: the line just read)."""
        return None

    def refuse_record(self, stream: str, record: dict[str, Any], reason: str) -> None:
        """Reject a whole record before routing it (the target writes the reject and counts it)."""
        raise InputError(f"RECORD of stream {stream!r}: {reason}")

    def _process_state_message(self, message_dict: dict) -> None:
        if "value" not in message_dict:
            raise InputError('STATE message has no "value"')
        # A stop, not a rewrite: NaN passed on is not JSON (Meltano's state store would keep a state it
        # cannot read back), and null or 0 in its place would be a bookmark the tap never wrote, which
        # could make its next run skip or re-read data unseen. The states before this line are out.
        if problem := plain_state(message_dict):
            raise InputError(
                f"STATE message: {problem}, which JSON cannot hold (Meltano could not store the state); "
                "the tap must write a finite number (or a string) in its state"
            )
        super()._process_state_message(message_dict)

    @staticmethod
    def _stream_of(message_dict: dict, kind: str) -> str:
        stream = message_dict.get("stream")
        if not isinstance(stream, str) or not stream:
            raise InputError(f'{kind} message without a "stream" name')
        return stream

    def _stop_after_failure(self, line_read: int, exc: Exception) -> None:
        self.stopping = True
        line = self.failed_line(exc) or line_read
        message = self.describe_failure(exc)
        if isinstance(exc, RunTerminated):
            self.logger.error("%s after input line %d: the run ends now.", exc, line)
        elif message is not None:
            self.logger.error("line %d: %s", line, message)
        else:
            self.logger.error(
                "line %d: unexpected %s (a bug): %s", line, type(exc).__name__, exc, exc_info=exc
            )
        self.logger.error("The run stopped at line %d. %s", line, SAFE_STATE)
        mark_reported(exc)
        try:
            self.process_endofpipe()  # emits the last safe state (again, if at all) and the summary
        except Exception as late:
            late_message = self.describe_failure(late)
            if late_message is None:
                self.logger.exception("Ending the run after the failure failed as well")
            else:
                self.logger.error("Ending the run: %s", late_message)
