"""What can go wrong talking to Pipedrive, as exceptions the target can act on.

Only PipedriveRequestError is about one record (the sinks reject the record and go on); every other
type ends the run. No message or attribute ever carries the API token: the client scrubs Pipedrive's
error texts and never puts URLs with query strings, headers or bodies into messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


class PipedriveError(Exception):
    """Base of every Pipedrive failure."""


class PipedriveRequestError(PipedriveError):
    """Pipedrive refused this request (a 4xx other than 401 and 429, or success: false), or answered it
    in a way the target cannot use (UnusableAnswer): the record's fault, not the run's.

    `status` is the HTTP status, or 0 when the request was not sent because its body is not valid JSON.
    """

    def __init__(self, status: int, method: str, path: str, pipedrive_error: str) -> None:
        self.status, self.method, self.path, self.pipedrive_error = status, method, path, pipedrive_error
        super().__init__(f"{method} {path} → HTTP {status}: {pipedrive_error}")


class UnusableAnswer(PipedriveRequestError):
    """A 2xx answer to a create whose `data.id` is no id of the entity it creates (missing, null, text
    where a number belongs, a fraction, a boolean): the create most likely happened, but which entity it
    made is not known. Not retried (it would make a second one) and nothing of it is remembered; the
    write path keeps the create's intent in doubt (run/creates.py) and rejects the record.
    `pipedrive_error` says what the answer held instead of an id."""


class PipedriveAuthError(PipedriveError):
    """HTTP 401: the token is wrong, revoked, or belongs to another company."""

    status = 401

    def __init__(self, method: str = "", path: str = "") -> None:
        self.method, self.path = method, path
        where = f"{method} {path}: " if method else ""
        super().__init__(
            f"{where}Pipedrive refused the API token (HTTP 401): check api_token "
            "(Pipedrive → Settings → Personal preferences → API) and that it belongs to this company's "
            "domain. No further requests were sent; the run resumes from the last state once the token "
            "is fixed"
        )


class AccountRefused(PipedriveError):
    """Pipedrive refuses every request of the company, not this one record: HTTP 402 (the company
    account is not open) or a JSON 403 whose `code` starts with `feature_capping` (a limit of the plan,
    e.g. `feature_capping_deals_limit`). The client stops: later calls raise it without sending."""

    def __init__(self, status: int, method: str, path: str, pipedrive_error: str, code: str = "") -> None:
        self.status, self.method, self.path, self.code = status, method, path, code
        self.pipedrive_error = pipedrive_error
        if status == 402:
            what = (
                "the company account is not open (its subscription has ended or a payment is due). "
                "Reopen it in Pipedrive (Settings → Billing)"
            )
        else:
            what = (
                f"the account has reached a limit of its plan ({code}). Raise the limit (upgrade the plan "
                "in Pipedrive → Settings → Billing) or delete entities you no longer need"
            )
        super().__init__(
            f"{method} {path} → HTTP {status}: {pipedrive_error}. Pipedrive refuses this for every record: "
            f"{what}, then run again; it resumes from the last state. No further requests were sent"
        )


class RunInterrupted(PipedriveError):
    """The run is being stopped (SIGTERM or SIGINT): no request is sent and no wait is finished."""

    def __init__(self) -> None:
        super().__init__("the run is stopping: request not sent")


class PipedriveBlocked(PipedriveError):
    """HTTP 403 with a non-JSON page: the gateway (Cloudflare) blocks the client; the page is not parsed."""

    status = 403

    def __init__(self, method: str, path: str) -> None:
        self.method, self.path = method, path
        super().__init__(
            f"{method} {path} → HTTP 403 with a non-JSON page: Pipedrive's gateway is blocking this client, "
            "usually after too many requests past the rate limit. No further requests were sent; "
            "wait (typically an hour) before running again"
        )


class DailyBudgetExhausted(PipedriveError):
    """The company's daily API token budget is spent: every request fails until midnight server time."""

    status = 429

    def __init__(self, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        hint = f" (Pipedrive suggests retrying in about {round(retry_after / 60)} min)" if retry_after else ""
        super().__init__(
            "The company's daily Pipedrive API token budget is exhausted; it resets at midnight server time"
            f"{hint}. The run stopped cleanly and sends no more requests: rerun after the reset and it "
            "resumes from the last state. Company settings → API usage shows what spent the budget."
        )


class BudgetShareSpent(DailyBudgetExhausted):
    """The run spent its share of the company's daily token budget (`max_budget_share`): it stops as it
    would on an exhausted budget, leaving the rest to the account's other integrations."""

    def __init__(self, spent: int, limit: int, share: float) -> None:
        self.retry_after = None
        PipedriveError.__init__(
            self,
            f"This run spent {spent:,} of the company's {limit:,} daily Pipedrive API tokens, its share "
            f"(max_budget_share {share:g}) of a budget every integration and user of the account draws on. "
            "The run stopped cleanly: the next run resumes from the last state, and a key-index listing "
            "from its last page. Raise max_budget_share to let one run spend more.",
        )


class PipedriveUnavailable(PipedriveError):
    """Retries ran out on 5xx, 429, timeouts or connection failures, or the connection cannot work."""

    def __init__(self, method: str, path: str, cause: str, attempts: int) -> None:
        self.method, self.path, self.cause, self.attempts = method, path, cause, attempts
        super().__init__(
            f"{method} {path}: {cause} after {attempts} attempt(s); Pipedrive is unavailable, try again later"
        )


class HostUnresolvable(PipedriveUnavailable):
    """The API host's name does not resolve (DNS): most often a mistyped `domain` or `api_url`, which no
    wait fixes; else this machine's DNS. A `domain` always makes a *.pipedrive.com host."""

    def __init__(self, method: str, path: str, base_url: str, reason: str, attempts: int) -> None:
        host = urlsplit(base_url).hostname or base_url
        super().__init__(method, path, f"the host name {host!r} does not resolve ({reason})", attempts)
        self.host = host
        if host.endswith(".pipedrive.com"):
            setting = (
                "the `domain` setting (or `api_url`, when set): the company domain is the part before "
                ".pipedrive.com in the address the browser shows, e.g. acme for acme.pipedrive.com"
            )
        else:
            setting = "the host name in the `api_url` setting"
        self.args = (
            f"{method} {path}: {self.cause} after {attempts} attempt(s): check {setting}. If it is right, "
            "check this machine's DNS and network, then run again",
        )


class WriteOutcomeUnknown(PipedriveError):
    """A create may or may not have happened (read timeout, connection dropped after sending, 5xx).

    The client does not retry it: the caller looks the entity up (by its match value or a marker) and
    only then decides whether to create it again. `body` is the JSON body that was sent.
    """

    def __init__(
        self,
        method: str,
        path: str,
        cause: str,
        body: dict[str, Any] | None = None,
        *,
        timed_out: bool = False,
    ) -> None:
        self.method, self.path, self.cause, self.body = method, path, cause, body
        # A request that timed out may still be in progress on the server.
        self.timed_out = timed_out
        # The body is personal data: it stays an attribute, out of the message.
        super().__init__(f"{method} {path}: outcome unknown ({cause}); not retried blindly")


class ApiNeeded(Exception):
    """A request asked for while the client answers this thread from memory only (`local_only`): the
    work that asked it must be done where requests may be sent. Nothing was sent."""

    def __init__(self, method: str, path: str) -> None:
        self.method, self.path = method, path
        super().__init__(f"{method} {path}: not sent (this thread works from memory only)")


class EntityTrashed(PipedriveRequestError):
    """A GET, PATCH or PUT of one entity by id answered with the entity, but deleted (`is_deleted: true`):
    Pipedrive keeps deleted persons, organizations, deals and activities for 30 days and may still read
    and change them by id. It is raised as the 404 it becomes once purged, so that every caller treats it
    as one: an id taken on the ledger's word is forgotten and the record planned again, and a PATCH that
    landed in the trash never counts as the record's write."""

    def __init__(self, method: str, path: str, label: str) -> None:
        super().__init__(404, method, path, f"the {label} is deleted (in Pipedrive's trash: is_deleted)")
