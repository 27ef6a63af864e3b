"""Providers: how one batch goes to the email service, and what its errors mean.

A :class:`Provider` has a ``name``, a ``max_batch`` (recipients per batch), ``send()`` (one
batch in, each recipient's result out) and reads errors: :meth:`Provider.classify` (refused
for now, failed for good, or unknown) and :meth:`Provider.retry_after`. It is chosen from
Anymail's ``esp_name`` on the connection (:func:`provider_for`), or from a
``NEWSLETTER_PROVIDER`` dotted path for a backend this app does not know.

Providers that merge personal values themselves (Mailgun, SparkPost) get ONE call per batch
(:class:`InlineMergeProvider`); those that merge only into a template stored on their side
(Postmark, Amazon SES, Brevo) get ONE call per batch through the send's stored template
(:class:`TemplateBatchProvider`, see :mod:`newsletter.sending.stored_templates`); any other
backend gets one message per recipient over one connection
(:class:`MessagePerRecipientProvider`), a message refused for now retried on its own within
the batch. Only :meth:`Provider.ready` (run once by each worker before its first batch) works
with the database, so the worker can make a call in a second thread while it records the
previous batch.

Each provider adds what matters to it through Anymail (:meth:`Provider.extras`): the send's
id and list as metadata (it comes back with tracking events), Mailgun tags, Postmark's
broadcast message stream, an Amazon SES configuration set.
"""

from __future__ import annotations

import email.utils
import smtplib
import time
from collections.abc import Callable
from typing import Any

from anymail.exceptions import AnymailRecipientsRefused
from django.utils import timezone
from django.utils.module_loading import import_string

from newsletter import conf
from newsletter.issues.messages import (
    Content,
    batch_message,
    personal_message,
    template_message,
)
from newsletter.sending.provider_errors import (
    ErrorKind,
    connection_refused,
    ses_entries_refused,
    status_code_of,
)

# address -> (the provider's status for it, its message id)
Results = dict[str, tuple[str, str | None]]

# Recipients per provider API call (the providers' own limits).
BATCH_LIMITS = {
    "mailgun": 1000,
    "postmark": 500,
    "amazon_ses": 50,
    "brevo": 1000,
    "resend": 100,
    "sparkpost": 2000,
    "sendgrid": 1000,
    "mailjet": 50,
    "mandrill": 1000,
}
DEFAULT_BATCH_SIZE = 100  # other backends: messages per connection
# Providers that merge personal values themselves from one call: their placeholder syntax.
INLINE_MERGE_SYNTAX = {"mailgun": "%recipient.{key}%", "sparkpost": "{{{{{key}}}}}"}
# Of those, the ones that HTML-escape values in the HTML part themselves (SparkPost's
# ``{{key}}`` does; Mailgun substitutes verbatim, so it gets escaped copies of the values).
ESCAPES_MERGED_HTML = frozenset({"sparkpost"})
REJECTED = ("rejected", "invalid", "failed")  # a recipient's status the provider refused
# Providers that batch through a template stored on their side (NEWSLETTER_TEMPLATE_BATCHING).
TEMPLATE_BATCHING = frozenset({"postmark", "amazon_ses", "brevo"})
# A template batch the provider refuses for good (HTTP 4xx) is split in halves to find the
# address it refuses, at most this many extra calls; then the whole batch fails.
MAX_SPLIT_CALLS = 24
# Message-per-recipient: passes over the messages refused for now (HTTP 429/5xx) within one
# batch, the wait before a refused message is tried again (counted from its refusal; doubling
# after each pass in which most messages were refused: the provider is in trouble), and the
# seconds of waiting a batch may spend before the rest of it waits for the batch's own retry.
MESSAGE_TRIES = 5
MESSAGE_RETRY_WAIT = 0.25
MESSAGE_RETRY_BUDGET = 20.0
MESSAGE_REFUSALS_IN_A_ROW = 5  # then the provider is taken to be down for this pass


class PartialSend(Exception):
    """A message-per-recipient batch stopped part-way: ``results`` holds what the provider did
    with the messages before, ``error`` what stopped it; the rest were not tried."""

    def __init__(self, results: Results, error: Exception) -> None:
        super().__init__(f"after {len(results)} messages: {type(error).__name__}: {error}")
        self.results, self.error = results, error


def normalise_message_id(message_id: str | None) -> str:
    """Provider message ids without the angle brackets some APIs add: '<a@b>' -> 'a@b'."""
    return "" if message_id is None else str(message_id).strip().strip("<>")


class Provider:
    """One email service's way to send a batch and the meaning of its errors."""

    name = "django"
    # Whether a worker keeps one connection open for all its calls (an HTTP session, a boto3
    # client); one message per reader opens and closes it per batch (SMTP servers time out).
    reuses_connection = True

    def __init__(self, name: str | None = None) -> None:
        self.name = name or self.name

    @property
    def max_batch(self) -> int:
        """Recipients per batch: ``NEWSLETTER_BATCH_SIZES[name]`` or the provider's limit."""
        overrides = conf.get("NEWSLETTER_BATCH_SIZES")
        return int(overrides.get(self.name) or BATCH_LIMITS.get(self.name, DEFAULT_BATCH_SIZE))

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        """Send ``content`` to ``recipients`` (address -> merge values); each one's result."""
        raise NotImplementedError

    def extras(self, content: Content) -> dict[str, Any]:
        """Anymail message options for ``content`` on this provider (``metadata``, ``tags``,
        ``esp_extra``); none for a test or for a backend Anymail does not run."""
        if content.send_id is None or self.name not in BATCH_LIMITS:
            return {}
        metadata = {"newsletter_send": str(content.send_id)}
        if content.lists:
            metadata["newsletter_list"] = content.lists[0][0]
        extras: dict[str, Any] = {"metadata": metadata}
        if self.name == "mailgun":
            extras["tags"] = ["newsletter", f"newsletter-send-{content.send_id}"]
        stream = conf.get("NEWSLETTER_POSTMARK_STREAM")
        if self.name == "postmark" and stream:
            extras["esp_extra"] = {"MessageStream": stream}
        configuration_set = conf.get("NEWSLETTER_SES_CONFIGURATION_SET")
        if self.name == "amazon_ses" and configuration_set:
            extras["esp_extra"] = {"ConfigurationSetName": configuration_set}
        return extras

    def connection(self):
        """The email connection a worker sends through. Amazon SES: boto3's own retries off
        (a retry after a lost answer would send twice; refused calls are retried here)."""
        from django.core.mail import get_connection

        if self.name != "amazon_ses":
            return get_connection()
        from anymail.utils import get_anymail_setting
        from botocore.config import Config

        params = dict(get_anymail_setting("client_params", esp_name="Amazon SES", default={}))
        config = params.get("config") or {}
        no_retries = {"retries": {"total_max_attempts": 1}}
        if isinstance(config, Config):
            params["config"] = config.merge(Config(**no_retries))
        else:
            params["config"] = config | no_retries
        return get_connection(client_params=params)

    def ready(self, send_id: int, content: Content, connection) -> None:
        """Anything to do once per worker before its first batch (a database step)."""

    def classify(self, error: BaseException) -> ErrorKind:
        """By HTTP status (429/5xx refused, other 4xx failed, 2xx unreadable unknown), SMTP reply
        code (4xx refused, 5xx failed), or a connection that never opened (refused)."""
        status_code = status_code_of(error)
        if status_code is not None:
            if status_code == 429 or status_code >= 500:
                return ErrorKind.REFUSED
            return ErrorKind.FAILED if status_code >= 400 else ErrorKind.UNKNOWN
        if isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 600:
            return ErrorKind.REFUSED if error.smtp_code < 500 else ErrorKind.FAILED
        if kind := ses_entries_refused(error):
            return kind
        return ErrorKind.REFUSED if connection_refused(error) else ErrorKind.UNKNOWN

    def retry_after(self, error: BaseException) -> float:
        """Seconds the provider asked us to wait (its Retry-After header), else 0."""
        response = getattr(error, "response", None)
        if isinstance(response, dict):  # boto3 (Amazon SES): headers in lower case
            header = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("retry-after")
        else:
            header = response.headers.get("Retry-After") if response is not None else None
        if not header:
            return 0.0
        try:
            return max(0.0, float(header.strip()))
        except ValueError:
            pass
        parsed = email.utils.parsedate_to_datetime(header)
        return max(0.0, (parsed - timezone.now()).total_seconds()) if parsed else 0.0


def _results(message, recipients: dict[str, dict]) -> Results:
    """Each recipient's status and message id from a batch message's Anymail status."""
    status = message.anymail_status
    results: Results = {}
    for address in recipients:
        own = status.recipients.get(address)
        results[address] = (
            getattr(own, "status", "queued") or "queued",
            getattr(own, "message_id", None) or status.message_id,
        )
    return results


class InlineMergeProvider(Provider):
    """ONE call for the whole batch; the provider fills each reader's values (Mailgun,
    SparkPost)."""

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        message = batch_message(
            content,
            recipients,
            INLINE_MERGE_SYNTAX[self.name],
            connection,
            escapes_html=self.name in ESCAPES_MERGED_HTML,
            extras=self.extras(content),
        )
        message.send()
        return _results(message, recipients)


class TemplateBatchProvider(Provider):
    """ONE call for the whole batch through the send's template stored at the provider
    (Postmark, Amazon SES, Brevo), each reader's values as merge data.

    A call refused for good (HTTP 4xx other than credentials) is split in halves, and the
    halves again, so that an address the provider refuses (Brevo refuses the whole call for
    one) fails alone: :data:`MAX_SPLIT_CALLS` extra calls at most, then the batch fails.
    """

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self.template_ids: dict[str, str] = {}  # by the content's version (language)

    @property
    def template_id(self) -> str:
        """The template of the send's own content."""
        return self.template_ids.get("", "")

    def ready(self, send_id: int, content: Content, connection) -> None:
        """Store the template of this version of the send at the provider, or find the one
        stored already (called once per version: each language has its own template)."""
        from newsletter.sending.stored_templates import ensure_template

        self.template_ids[content.version] = ensure_template(
            send_id, self.name, content, connection
        )

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        return self._send_part(content, recipients, connection, [MAX_SPLIT_CALLS])

    def _send_part(
        self, content: Content, recipients: dict[str, dict], connection, budget: list[int]
    ) -> Results:
        try:
            return self._call(content, recipients, connection)
        except Exception as error:
            if not self._refused_for_good(error):
                raise
            if len(recipients) == 1:
                return {address: ("rejected", None) for address in recipients}
            if budget[0] < 2:
                raise
            budget[0] -= 2
        items = list(recipients.items())
        results: Results = {}
        for part in (dict(items[: len(items) // 2]), dict(items[len(items) // 2 :])):
            try:
                results |= self._send_part(content, part, connection, budget)
            except PartialSend as partial:  # a deeper split stopped part-way
                raise PartialSend(results | partial.results, partial.error) from partial.error
            except Exception as error:
                if results:
                    raise PartialSend(results, error) from error
                raise
        return results

    def _refused_for_good(self, error: BaseException) -> bool:
        return self.classify(error) == ErrorKind.FAILED and status_code_of(error) not in (401, 403)

    def _call(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        from newsletter.sending.stored_templates import SYNTAX, merge_values

        syntax = SYNTAX[self.name]
        template_id = self.template_ids[content.version]
        message = template_message(
            content,
            {address: merge_values(syntax, values) for address, values in recipients.items()},
            int(template_id) if self.name == "brevo" else template_id,  # Brevo: a number
            connection,
            extras=self.extras(content),
        )
        message.send()
        return _results(message, recipients)


class MessagePerRecipientProvider(Provider):
    """One message per recipient, personalised here, over one connection."""

    reuses_connection = False
    sleep: Callable[[float], object] = staticmethod(time.sleep)
    clock: Callable[[], float] = staticmethod(time.monotonic)

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        """Sent one by one, so that an error part-way does not decide for the whole batch.

        A refused address is that recipient's result ("rejected"). A message the provider
        refused for now (HTTP 429/5xx, a connection that did not open) is set aside and tried
        again after the others, up to :data:`MESSAGE_TRIES` passes, waiting between passes
        (doubling from :data:`MESSAGE_RETRY_WAIT`, or the provider's Retry-After) at most
        :data:`MESSAGE_RETRY_BUDGET` seconds in all. A pass where nothing went (the provider
        is down), an exhausted budget, or any other error stops the batch with
        :class:`PartialSend` once some messages went (the error itself if none did): the rest
        waits for the batch's retry."""
        results: Results = {}
        extras = self.extras(content)
        pending = list(recipients.items())
        waited, troubled = 0.0, 0
        connection.open()
        try:
            for attempt in range(1, MESSAGE_TRIES + 1):
                later, error, first_refused = self._pass(
                    content, pending, connection, extras, results
                )
                if not later:
                    return results
                # Nothing went in this pass, and it tried enough to tell: the provider is down.
                down = len(later) == len(pending) >= MESSAGE_REFUSALS_IN_A_ROW
                troubled += 2 * len(later) >= len(pending)  # most refused: wait longer
                wait = max(
                    MESSAGE_RETRY_WAIT * 2**troubled - (self.clock() - first_refused),
                    self.retry_after(error),
                    0.0,
                )  # (a few refusals among many messages: their wait has mostly passed)
                if down or attempt == MESSAGE_TRIES or waited + wait > MESSAGE_RETRY_BUDGET:
                    if not results:
                        raise error
                    raise PartialSend(results, error) from error
                waited += wait
                if wait:
                    self.sleep(wait)
                pending = later
        finally:
            connection.close()
        return results

    def _pass(
        self,
        content: Content,
        pending: list[tuple[str, dict]],
        connection,
        extras: dict[str, Any],
        results: Results,
    ) -> tuple[list[tuple[str, dict]], BaseException | None, float]:
        """Send each pending message once, adding to ``results``: the messages refused for
        now (with the untried rest when :data:`MESSAGE_REFUSALS_IN_A_ROW` came in a row: the
        provider is down, so nothing more is tried), the last such refusal, and when the
        first one came (:attr:`clock`)."""
        later: list[tuple[str, dict]] = []
        refusal: BaseException | None = None
        first_refused = 0.0
        in_a_row = 0
        for index, (address, values) in enumerate(pending):
            if in_a_row >= MESSAGE_REFUSALS_IN_A_ROW:
                return later + pending[index:], refusal, first_refused
            message = personal_message(content, address, values, connection, extras)
            try:
                connection.send_messages([message])
            except (AnymailRecipientsRefused, smtplib.SMTPRecipientsRefused):
                results[address] = ("rejected", None)
                continue
            except Exception as error:
                if self.classify(error) != ErrorKind.REFUSED:
                    if not results:
                        raise
                    raise PartialSend(results, error) from error
                if not later:
                    first_refused = self.clock()
                later.append((address, values))
                refusal, in_a_row = error, in_a_row + 1
                continue
            in_a_row = 0
            results[address] = _result_of(message, address)
        return later, refusal, first_refused


def _result_of(message, address: str) -> tuple[str, str | None]:
    status = getattr(message, "anymail_status", None)
    info = status.recipients.get(address) if status is not None else None
    return (info.status or "queued", info.message_id) if info else ("sent", "")


def provider_named(name: str) -> Provider:
    """The provider a send was frozen for (its stored name)."""
    custom = conf.get("NEWSLETTER_PROVIDER")
    if custom:
        return import_string(custom)()
    if name in INLINE_MERGE_SYNTAX:
        return InlineMergeProvider(name)
    if name in TEMPLATE_BATCHING and conf.get("NEWSLETTER_TEMPLATE_BATCHING"):
        return TemplateBatchProvider(name)
    return MessagePerRecipientProvider(name or "django")


def provider_for(connection) -> Provider:
    """The provider behind an email connection: Anymail's ``esp_name`` ("Amazon SES" ->
    ``amazon_ses``), ``django`` for Django's own backends, or ``NEWSLETTER_PROVIDER``."""
    esp_name = getattr(connection, "esp_name", "") or "django"
    return provider_named(esp_name.lower().replace(" ", "_"))
