"""Anymail's tracking webhooks, mounted at ``/anymail/``: authenticated, stored or retried.

Every request must carry HTTP basic auth matching ``ANYMAIL_WEBHOOK_SECRET`` ("user:password"):
otherwise it gets 401 before Anymail sees it (Anymail alone would answer 400, or accept anyone
when no secret is set). Anymail then checks the provider's signature where it has one (e.g.
``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``) and parses the events; a payload it cannot parse or
use gets 400, not a server error, so a provider never retries garbage forever. When the
database cannot store the events (down, locked, a missing table) the answer is 503: the
provider keeps the events and posts them again later (events are stored once, so the ones
already stored from that post are not stored twice). Only a 200 says "stored".
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from functools import wraps

from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, DataError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)
app_name = "anymail"


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
        except Exception:  # an unparseable payload: the provider must not retry it forever
            logger.exception("Could not process a webhook post to %s", request.path)
            return HttpResponse("Bad request: the payload could not be read.", status=400)

    return guarded


urlpatterns = [
    URLPattern(pattern.pattern, guard(pattern.callback), name=pattern.name)
    for pattern in anymail_urlpatterns
    if isinstance(pattern, URLPattern)
]
