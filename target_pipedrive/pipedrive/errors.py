"""What can go wrong talking to Pipedrive, as exceptions the target can act on. None carries the token."""

from __future__ import annotations


class PipedriveError(Exception):
    """Base of every Pipedrive failure."""


class PipedriveRequestError(PipedriveError):
    """Pipedrive refused this request (4xx other than 401 and 429): a problem of the record."""

    def __init__(self, status: int, method: str, path: str, pipedrive_error: str) -> None:
        self.status, self.method, self.path, self.pipedrive_error = status, method, path, pipedrive_error
        super().__init__(f"{method} {path} → HTTP {status}: {pipedrive_error}")


class PipedriveAuthError(PipedriveError):
    def __init__(self) -> None:
        super().__init__(
            "Pipedrive refused the API token (HTTP 401): check api_token "
            "(Pipedrive → Settings → Personal preferences → API) and the domain"
        )


class PipedriveBlocked(PipedriveError):
    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            f"{method} {path} → HTTP 403 with a non-JSON page: Pipedrive's gateway is blocking this client, "
            "usually after too many requests past the rate limit; wait before running again"
        )


class DailyBudgetExhausted(PipedriveError):
    def __init__(self) -> None:
        super().__init__(
            "The company's daily Pipedrive API token budget is exhausted; it resets at midnight server time. "
            "The run stopped cleanly: rerun after the reset and it resumes from the last state."
        )


class PipedriveUnavailable(PipedriveError):
    """Retries ran out on 5xx, 429, timeouts or connection failures."""


class WriteOutcomeUnknown(PipedriveError):
    """A create may or may not have happened (timeout, connection dropped, 5xx after sending)."""

    def __init__(self, method: str, path: str, cause: str) -> None:
        self.method, self.path = method, path
        super().__init__(f"{method} {path}: outcome unknown ({cause}); not retried blindly")
