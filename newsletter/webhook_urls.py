"""Anymail's tracking webhooks, mounted at ``/anymail/``: authenticated, stored or retried.

Every request must carry HTTP basic auth matching ``ANYMAIL_WEBHOOK_SECRET`` ("user:password"):
otherwise it gets 401 before Anymail sees it (Anymail alone would answer 400, or accept anyone
when no secret is set). Anymail then checks the provider's signature where it has one (e.g.
``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``) and parses the events; a payload it cannot parse or
use gets 400, not a server error, so a provider never retries garbage forever. When the
database cannot store the events (down, locked, a missing table) the answer is 503: the
provider keeps the events and posts them again later (events are stored once, so the ones
already stored from that post are not stored twice). Only a 200 says "stored".

The URLs are Anymail's (``anymail.urls``), listed in :data:`ANYMAIL_WEBHOOKS` rather than
imported: ``anymail.urls`` imports every provider's webhook module, boto3 with them (about 180
modules), and every process that loads the URLconf (``manage.py`` commands too, for their
system checks) would pay for them. A provider's view is imported on the first post to it.
``tests/newsletter/test_startup_imports.py`` keeps the list equal to ``anymail.urls``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, DataError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)
app_name = "anymail"

# (route, view class in anymail.webhooks, URL name without its "_webhook"), in anymail.urls'
# order (django-anymail 15); a route starting with "^" is a regular expression (re_path).
ANYMAIL_WEBHOOKS: list[tuple[str, str, str]] = [
    ("amazon_ses/inbound/", "amazon_ses.AmazonSESInboundWebhookView", "amazon_ses_inbound"),
    ("brevo/inbound/", "brevo.BrevoInboundWebhookView", "brevo_inbound"),
    ("mailersend/inbound/", "mailersend.MailerSendInboundWebhookView", "mailersend_inbound"),
    (r"^mailgun/inbound(_mime)?/$", "mailgun.MailgunInboundWebhookView", "mailgun_inbound"),
    ("mailjet/inbound/", "mailjet.MailjetInboundWebhookView", "mailjet_inbound"),
    ("mailtrap/inbound/", "mailtrap.MailtrapInboundWebhookView", "mailtrap_inbound"),
    ("postal/inbound/", "postal.PostalInboundWebhookView", "postal_inbound"),
    ("postmark/inbound/", "postmark.PostmarkInboundWebhookView", "postmark_inbound"),
    ("sendgrid/inbound/", "sendgrid.SendGridInboundWebhookView", "sendgrid_inbound"),
    ("sendinblue/inbound/", "sendinblue.SendinBlueInboundWebhookView", "sendinblue_inbound"),
    ("sparkpost/inbound/", "sparkpost.SparkPostInboundWebhookView", "sparkpost_inbound"),
    ("amazon_ses/tracking/", "amazon_ses.AmazonSESTrackingWebhookView", "amazon_ses_tracking"),
    ("brevo/tracking/", "brevo.BrevoTrackingWebhookView", "brevo_tracking"),
    ("mailersend/tracking/", "mailersend.MailerSendTrackingWebhookView", "mailersend_tracking"),
    ("mailgun/tracking/", "mailgun.MailgunTrackingWebhookView", "mailgun_tracking"),
    ("mailjet/tracking/", "mailjet.MailjetTrackingWebhookView", "mailjet_tracking"),
    ("mailtrap/tracking/", "mailtrap.MailtrapTrackingWebhookView", "mailtrap_tracking"),
    ("postal/tracking/", "postal.PostalTrackingWebhookView", "postal_tracking"),
    ("postmark/tracking/", "postmark.PostmarkTrackingWebhookView", "postmark_tracking"),
    ("resend/inbound/", "resend.ResendInboundWebhookView", "resend_inbound"),
    ("resend/tracking/", "resend.ResendTrackingWebhookView", "resend_tracking"),
    ("sendgrid/tracking/", "sendgrid.SendGridTrackingWebhookView", "sendgrid_tracking"),
    ("sendinblue/tracking/", "sendinblue.SendinBlueTrackingWebhookView", "sendinblue_tracking"),
    ("sparkpost/tracking/", "sparkpost.SparkPostTrackingWebhookView", "sparkpost_tracking"),
    (
        "unisender_go/tracking/",
        "unisender_go.UnisenderGoTrackingWebhookView",
        "unisender_go_tracking",
    ),
    ("mandrill/", "mandrill.MandrillCombinedWebhookView", "mandrill"),
    ("mandrill/tracking/", "mandrill.MandrillCombinedWebhookView", "mandrill_tracking"),
]


def _secrets() -> list[str]:
    secret = getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET") or []
    return [secret] if isinstance(secret, str) else list(secret)


def has_valid_basic_auth(request: HttpRequest) -> bool:
    """Does the request's basic auth match one of the configured webhook secrets?"""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return False
    try:
        credentials = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return any(hmac.compare_digest(credentials, secret) for secret in _secrets())


def guard(view):
    @csrf_exempt
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_valid_basic_auth(request):
            response = HttpResponse("Authentication required.", status=401)
            response["WWW-Authenticate"] = 'Basic realm="webhooks"'
            return response
        try:
            return view(request, *args, **kwargs)
        except SuspiciousOperation as error:
            return HttpResponse(f"Bad request: {error}", status=400)
        except DataError:  # values the database refuses: a retry would be refused too
            logger.exception("Could not store the events posted to %s", request.path)
            return HttpResponse("Bad request: the events could not be stored.", status=400)
        except DatabaseError:  # not stored: the provider must post them again
            logger.exception("The database failed while storing a post to %s", request.path)
            return HttpResponse("Not stored: please retry later.", status=503)
        except ImportError:  # the provider's webhook module cannot load here: not stored
            logger.exception("Could not load the webhook view for %s", request.path)
            return HttpResponse("Not stored: please retry later.", status=503)
        except Exception:  # an unparseable payload: the provider must not retry it forever
            logger.exception("Could not process a webhook post to %s", request.path)
            return HttpResponse("Bad request: the payload could not be read.", status=400)

    return guarded


def anymail_view(view_path: str) -> Callable[..., HttpResponse]:
    """Anymail's webhook view ``anymail.webhooks.<view_path>``, imported on its first request
    (``view_path`` is kept on the view, for the tests)."""
    loaded: list[Callable[..., HttpResponse]] = []

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not loaded:
            loaded.append(import_string(f"anymail.webhooks.{view_path}").as_view())
        return loaded[0](request, *args, **kwargs)

    view.view_path = view_path  # type: ignore[attr-defined]
    return view


urlpatterns: list[URLPattern] = [
    (re_path if route.startswith("^") else path)(
        route, guard(anymail_view(view_path)), name=f"{name}_webhook"
    )
    for route, view_path, name in ANYMAIL_WEBHOOKS
]
