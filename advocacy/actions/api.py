"""JSON endpoint for headless front ends: ``/api/advocacy/actions/<page id>/take/``.

GET describes the action: its kind, whether it is open, the letter, the fixed targets (names
and roles only), the live counts, and the consent wording when it offers a list.

POST ``{"name", "email", "postal_code", "riding", "subject", "body", "personal_message",
"consent": true, "consent_version"}`` (``riding`` only when the postal area spans several,
``subject`` and ``body`` only when the letter is editable):

* 202 ``{"status": "ok", "message": ...}`` for every valid request, whether the address is
  new, pending or already confirmed for the action (no enumeration);
* 400 ``{"status": "error", "errors": {field: [messages]}}`` for malformed, oversized or
  invalid input and for a closed action; when the postal area spans ridings, ``errors`` has
  ``riding`` and ``choices`` lists them (``{"riding": [names]}``);
* 404 for an unknown or unpublished page; 415 unless ``Content-Type: application/json``;
* 429 with ``Retry-After`` when one client tries too often.

CSRF-exempt for the reasons :mod:`newsletter.audience.api` gives: taking an action only sends
a confirmation email, and a JSON content type needs a CORS preflight this endpoint never grants.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from advocacy.actions import participation as participations
from advocacy.actions.forms import TICKED, ActionForm
from advocacy.actions.targets import fixed_targets
from advocacy.actions.views import counts, live_action, page_language
from advocacy.confirmations import form_rate
from advocacy.models import ActionPage
from newsletter.audience import ratelimit
from newsletter.audience.api import bad_request, unsupported_media_type
from newsletter.audience.client_address import client_details
from newsletter.audience.consent import current_consent
from newsletter.audience.forms import HONEYPOT_FIELD
from newsletter.public import declared_body_over

MAX_BODY_BYTES = 20 * 1024
FIELDS = (
    "name",
    "email",
    "postal_code",
    "riding",
    "subject",
    "body",
    "personal_message",
    "consent_version",
    HONEYPOT_FIELD,
)
OK_MESSAGE = gettext_lazy("Check your inbox: open the link we sent you to confirm.")


def accepted() -> JsonResponse:
    return JsonResponse({"status": "ok", "message": str(OK_MESSAGE)}, status=202)


def describe(page: ActionPage) -> dict:
    """The action as a front end needs it to show its form."""
    is_letter = page.kind == ActionPage.Kind.LETTER
    data: dict = {
        "id": page.pk,
        "title": page.title,
        "kind": page.kind,
        "open": page.is_open,
        "closes_on": page.closes_on.isoformat() if page.closes_on else None,
        "goal": page.goal,
        "counts": counts(page),
        "consent": None,
    }
    if is_letter:
        data["targeting"] = page.targeting
        data["letter"] = {
            "subject": page.letter_subject,
            "body": page.letter_body,
            "editable": page.letter_editable,
        }
        if page.targeting == ActionPage.Targeting.FIXED:
            data["targets"] = [
                {"name": rep.name, "role": rep.role, "riding": rep.riding}
                for rep in fixed_targets(page)
            ]
    if page.mailing_list_id:
        wording = current_consent(page_language(page))
        data["consent"] = {
            "list": page.mailing_list.name,
            "text": wording.text,
            "version": wording.version,
        }
    return data


def form_data(payload: dict) -> tuple[dict, dict[str, list[str]]]:
    """A JSON object as the form's data; errors for values of the wrong type."""
    data: dict = {}
    errors: dict[str, list[str]] = {}
    for key in FIELDS:
        value = payload.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[key] = [_("Must be a string.")]
            continue
        data[key] = value
    consent = payload.get("consent")
    if consent is True:
        data["consent"] = TICKED[0]
    elif consent not in (None, False):
        errors["consent"] = [_("Must be true or false.")]
    return data, errors


def _take(request: HttpRequest, page: ActionPage) -> JsonResponse:
    if request.content_type != "application/json":
        return unsupported_media_type()
    wait = ratelimit.retry_after(request, scope="action", rate=form_rate())
    if wait is not None:
        return ratelimit.too_many_requests(request, wait, as_json=True)
    if declared_body_over(request, MAX_BODY_BYTES) or len(request.body) > MAX_BODY_BYTES:
        return bad_request({"__all__": [_("The request is too large.")]})
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):
        return bad_request({"__all__": [_("Send a JSON object.")]})
    if not isinstance(payload, dict):
        return bad_request({"__all__": [_("Send a JSON object.")]})
    if payload.get(HONEYPOT_FIELD):
        return accepted()
    if not page.is_open:
        return bad_request({"__all__": [_("This action is closed.")]})
    data, errors = form_data(payload)
    if errors:
        return bad_request(errors)
    form = ActionForm(data=data, page=page)
    if not form.is_valid():
        response = {"status": "error", "errors": form.errors.get_json_data()}
        response["errors"] = {
            field: [error["message"] for error in messages]
            for field, messages in response["errors"].items()
        }
        if form.riding_choices:
            response["choices"] = {"riding": form.riding_choices}
        return JsonResponse(response, status=400)
    participations.take(page, form.participation_values(), **client_details(request))
    return accepted()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def take_action(request: HttpRequest, page_id: int) -> HttpResponse:
    """GET: the action's description. POST: take it (see the module docstring)."""
    try:
        page = live_action(page_id)
    except Http404:
        return bad_request({"__all__": [_("There is no such action.")]}, status=404)
    with translation.override(page_language(page)):
        if request.method == "GET":
            return JsonResponse(describe(page))
        return _take(request, page)
