"""JSON subscribe endpoint for headless front ends, one implementation behind two paths:
``/api/v3/newsletter/subscribe/`` (Wagtail's API v3, :mod:`newsletter.headless.audience`, with
typed schemas in the OpenAPI document) and the older ``/api/newsletter/subscribe/``
(:func:`subscribe` below, kept for existing front ends). Both answer byte for byte the same.

GET lists the public lists and the consent wording to show (with its version).
POST ``{"email", "name", "list", "consent": true, "language", "consent_version"}``:

* 202 ``{"status": "ok", "message": ...}`` for every well-formed request, whether the address
  is new, pending, active or suppressed (no enumeration);
* 400 ``{"status": "error", "errors": {field: [messages]}}`` for malformed input; an unknown
  or internal list gets the same "Choose a list" as a missing one;
* 415 ``{"status": "error", "errors": {"__all__": [...]}}`` unless the body is sent as
  ``Content-Type: application/json``;
* 413 (same error shape) when the body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
* 429 with ``Retry-After`` when one IP tries too often.

CSRF-exempt by design: it sets no session and a sign-up only ever sends a confirmation email.
Only ``application/json`` is accepted because any web page can make its visitors' browsers POST
``text/plain``, form-encoded or multipart bodies to another site without asking (CORS "simple
requests"); a JSON content type needs a CORS preflight, which this endpoint does not grant.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newsletter.audience import ratelimit
from newsletter.audience.consent import SUPPORTED, consent_by_version, current_consent
from newsletter.audience.forms import (
    HONEYPOT_FIELD,
    MAX_NAME_LENGTH,
    clean_email,
    clean_text,
    public_list,
)
from newsletter.audience.sign_up import sign_up_from_request
from newsletter.models import MailingList, Subscription

OK_MESSAGE = gettext_lazy("Check your inbox to confirm your subscription.")


def accepted() -> JsonResponse:
    """202, whatever the address's state (no enumeration)."""
    return JsonResponse({"status": "ok", "message": str(OK_MESSAGE)}, status=202)


def bad_request(errors: dict[str, list[str]], status: int = 400) -> JsonResponse:
    """``{"status": "error", "errors": {field: [messages]}}`` (400 unless told)."""
    return JsonResponse({"status": "error", "errors": errors}, status=status)


def unsupported_media_type() -> JsonResponse:
    """415: the body must be declared as JSON (a cross-site page cannot send that unasked)."""
    message = _("Send the body as JSON, with the header Content-Type: application/json.")
    return bad_request({"__all__": [message]}, status=415)


def too_large() -> JsonResponse:
    """413: the body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    return bad_request({"__all__": [_("The request body is too large.")]}, status=413)


def read_json_body(request: HttpRequest) -> tuple[object, JsonResponse | None]:
    """The decoded JSON body, or ``(None, a 400 or 413 answer)``: never an exception."""
    try:
        return json.loads(request.body), None
    except RequestDataTooBig:
        return None, too_large()
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a huge int, deep nesting
        return None, bad_request({"__all__": [_("Send a JSON object.")]})


def _string(payload: dict, key: str) -> str:
    value = payload.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Must be a string."))
    return value


def validate(payload: object) -> tuple[dict, dict[str, list[str]]]:
    """Check a decoded JSON body; return (clean values, errors by field)."""
    if not isinstance(payload, dict):
        return {}, {"__all__": [_("Send a JSON object.")]}
    errors: dict[str, list[str]] = {}
    clean: dict = {}

    def check(field: str, fn) -> None:
        try:
            clean[field] = fn()
        except ValidationError as exc:
            errors[field] = list(exc.messages)

    check("email", lambda: clean_email(_string(payload, "email")))
    check("name", lambda: clean_text(_string(payload, "name"), MAX_NAME_LENGTH, _("name")))

    def language() -> str:
        value = _string(payload, "language") or "en"
        if value not in SUPPORTED:
            raise ValidationError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(SUPPORTED)}
            )
        return value

    check("language", language)

    def mailing_list() -> MailingList:
        found = public_list(payload.get("list"))
        if found is None:
            raise ValidationError(_("Choose a list."))
        return found

    check("list", mailing_list)
    if payload.get("consent") is not True:
        errors["consent"] = [_("Consent must be true: show the consent text and a checkbox.")]

    def wording():
        version = _string(payload, "consent_version")
        if not version:
            return current_consent(clean.get("language", "en"))
        found = consent_by_version(version)
        if found is None:
            raise ValidationError(_("Unknown consent_version: fetch the current wording (GET)."))
        return found

    check("consent_version", wording)
    return clean, errors


def subscribe_options() -> dict:
    """GET: the public lists, and the current consent wording (with its version) per language."""
    return {
        "lists": [
            {"slug": ml.slug, "name": ml.name, "description": ml.description}
            for ml in MailingList.objects.filter(is_public=True)
        ],
        "consent": {
            lang: {"text": c.text, "version": c.version}
            for lang in SUPPORTED
            for c in [current_consent(lang)]
        },
    }


def options_response() -> JsonResponse:
    return JsonResponse(subscribe_options())


def sign_up(request: HttpRequest) -> HttpResponse:
    """POST: check the content type, the rate limit and the body, then queue the sign-up.

    The answer is a finished response (202, 400, 413, 415 or 429), the same for both paths.
    """
    if request.content_type != "application/json":
        return unsupported_media_type()
    wait = ratelimit.retry_after(request)
    if wait is not None:
        return ratelimit.too_many_requests(request, wait, as_json=True)
    payload, problem = read_json_body(request)
    if problem is not None:
        return problem
    if isinstance(payload, dict) and payload.get(HONEYPOT_FIELD):
        return accepted()
    clean, errors = validate(payload)
    if errors:
        return bad_request(errors)
    sign_up_from_request(
        request, clean, source=Subscription.Source.API, source_header="HTTP_ORIGIN"
    )
    return accepted()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """``/api/newsletter/subscribe/``: the same answers as ``/api/v3/newsletter/subscribe/``."""
    if request.method == "GET":
        return options_response()
    return sign_up(request)
