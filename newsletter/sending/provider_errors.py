"""What a provider's error means for its batch: refused for now, failed for good, or unknown
(it may have been taken), read from Anymail's, boto3's, requests' and smtplib's errors."""

from __future__ import annotations

import enum
import smtplib

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

# Amazon SES per-entry statuses that mean "not now" rather than "never".
SES_TRANSIENT = frozenset({"TRANSIENT_FAILURE", "ACCOUNT_THROTTLED", "FAILED"})


class ErrorKind(enum.StrEnum):
    """What a failed call means for its batch."""

    REFUSED = "refused"  # the provider certainly did not take it, for now: retry later
    FAILED = "failed"  # refused for good (a bad request, bad credentials)
    UNKNOWN = "unknown"  # it may have been taken: never re-send automatically


def status_code_of(error: BaseException) -> int | None:
    """The HTTP status of a provider error: Anymail's ``status_code``, or for boto3 (Amazon
    SES) the status in the parsed error response."""
    status_code = getattr(error, "status_code", None)
    response = getattr(error, "response", None)
    if status_code is None and isinstance(response, dict):
        status_code = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status_code


def ses_entries_refused(error: BaseException) -> ErrorKind | None:
    """Amazon SES answered 200 but refused every entry of a bulk call (Anymail raises then):
    refused for now if every status is transient, else failed for good."""
    response = getattr(error, "response", None)
    entries = response.get("BulkEmailEntryResults") if isinstance(response, dict) else None
    if not entries:
        return None
    statuses = {entry.get("Status") for entry in entries}
    return ErrorKind.REFUSED if statuses <= SES_TRANSIENT else ErrorKind.FAILED


def connection_refused(error: BaseException) -> bool:
    """Did the connection never open (nothing was sent)? Follows causes and wrapped errors."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(
            current,
            requests.exceptions.ConnectTimeout
            | ConnectionRefusedError
            | NewConnectionError
            | smtplib.SMTPConnectError,
        ):
            return True
        if isinstance(current, MaxRetryError) and current.reason is not None:
            pending.append(current.reason)
        pending += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return False
