"""``/api/v3/newsletter/...``: subscribing, and what the links in newsletter emails do.

* ``/subscribe/`` (GET the lists and consent wording, POST a sign-up) is the same code as the
  older ``/api/newsletter/subscribe/`` (:mod:`newsletter.audience.api`), so both paths answer
  byte for byte the same: 202 whatever the address's state (no enumeration), 400 with the
  errors by field, 413, 415 unless the body is JSON, 429 with ``Retry-After``.
* ``/confirm/{token}/``, ``/preferences/{token}/`` and ``/unsubscribe/{token}/`` take the token
  from the confirmation, preference or unsubscribe link in an email and do what the HTML pages
  do (:mod:`newsletter.audience.links`). A forged, tampered or expired token: 400, nothing
  changed, nothing revealed.

Why the JSON bodies are read raw rather than declared as a Ninja ``Schema`` parameter: Ninja
would answer malformed input itself with a 422 in another shape (Wagtail's problem+json) and
pydantic's messages, and would accept ``consent: "true"`` or ``1`` by coercion. Existing front
ends rely on the 400 ``{"status": "error", "errors": {field: [messages]}}`` with our translated
messages, and consent must be the JSON value ``true``. So the body is validated by
:func:`newsletter.audience.api.validate` (and :func:`_preferences_input`), and the body's schema
is only *declared* in the OpenAPI document (``openapi_extra``) for clients and contract tests.

CSRF: Ninja exempts its views from Django's CSRF middleware and checks CSRF only for cookie
authentication; these operations have no authentication (none is set on Wagtail's ``api``), and
read no session. The JSON-only rule (415) is what keeps other sites' pages from posting here.
"""

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import register_converter
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from newsletter.audience import api, subscriptions
from newsletter.audience.consent import SUPPORTED, current_consent
from newsletter.audience.forms import list_by_slug
from newsletter.audience.links import (
    can_confirm,
    confirm_by_link,
    save_preferences,
    subscriber_for,
    subscription_for,
    unsubscribe_by_link,
)
from newsletter.audience.tokens import ExpiredToken, InvalidToken, subscriber_token
from newsletter.models import MailingList, Subscriber, Subscription
from newsletter.models.audience import LANGUAGES

router = Router(tags=["newsletter"])

Language = Literal[tuple(SUPPORTED)]  # type: ignore[valid-type]
# A subscriber's language (the model's choices).
EmailLanguage = Literal[tuple(code for code, _name in LANGUAGES)]  # type: ignore[valid-type]


class AnyText:
    """A URL converter for tokens: any text at all (Django's ``path`` stops at a newline), so
    that whatever a client sends answers our 400, never the site's HTML 404 page."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AnyText, "newsletter_token")
Token = Annotated[str, Path(min_length=1, description="From the link in the email.")]

# --- schemas ---------------------------------------------------------------------------------


class MailingListOut(Schema):
    """A public mailing list."""

    slug: str = Field(description="What to send as 'list'.")
    name: str
    description: str


class ConsentWording(Schema):
    """The consent text to show beside the checkbox, and its version."""

    text: str
    version: str = Field(description="Send it back as 'consent_version'.")


class SubscribeOptions(Schema):
    """What a subscribe form needs."""

    lists: list[MailingListOut]
    consent: dict[str, ConsentWording] = Field(description="By language code ('en', 'fr').")


class SubscribeIn(Schema):
    """A sign-up (only documented here: the body is checked by ``validate``, see above)."""

    email: str = Field(max_length=254)
    name: str = Field("", max_length=200, description="Optional.")
    list: str = Field(description="A public list's slug.")
    consent: Literal[True] = Field(description="Must be true: show the wording and a checkbox.")
    language: Language = "en"
    consent_version: str = Field("", description="The version of the wording shown (GET).")
    website: str = Field("", description="Honeypot: leave it out or empty.")


class Accepted(Schema):
    status: Literal["ok"]
    message: str


class Problem(Schema):
    """What was wrong, by field (``__all__`` for the body as a whole, ``token`` for links)."""

    status: Literal["error"]
    errors: dict[str, list[str]]


class RateLimited(Schema):
    status: Literal["error"]
    message: str
    retry_after: int = Field(description="Seconds to wait (also in the Retry-After header).")


class Confirmed(Schema):
    status: Literal["confirmed"]
    preferences_token: str = Field(description="For /newsletter/preferences/{token}/.")


class PreferenceList(Schema):
    """A list on the preference centre: public ones, and internal ones the subscriber is on."""

    slug: str
    name: str
    description: str
    subscribed: bool = Field(description="True when active or awaiting confirmation.")
    pending: bool = Field(description="True while awaiting the emailed confirmation.")


class PreferencesOut(Schema):
    email: str
    language: EmailLanguage
    lists: list[PreferenceList]
    consent: ConsentWording = Field(description="What ticking a new list means.")
    awaiting_confirmation: list[str] = Field(
        description="Slugs of lists just asked for: a confirmation email was sent (POST only)."
    )


class PreferencesIn(Schema):
    """Documented only; checked by ``_preferences_input`` (400 with errors by field)."""

    lists: list[str] = Field(description="Slugs of every list wanted; lists left out end.")
    language: EmailLanguage


class Unsubscribed(Schema):
    status: Literal["unsubscribed"]
    list: str | None = Field(description="The list left, or null: every list.")


def _json_body(schema: type[Schema]) -> dict:
    """``openapi_extra`` declaring a JSON request body of ``schema``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


RETRY_AFTER = {
    "responses": {
        429: {  # (an int, as Ninja keys responses: a "429" would be a second entry)
            "description": "Too many attempts from this network.",
            "headers": {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
            },
        }
    }
}


# --- subscribe -------------------------------------------------------------------------------


@router.get(
    "/subscribe/",
    response={200: SubscribeOptions},
    url_name="newsletter_subscribe_options",
    operation_id="newsletter_subscribe_options",
    summary="Lists and consent wording for a subscribe form",
)
def subscribe_options(request: HttpRequest):
    """The public lists and the current consent wording (with its version) per language."""
    return api.options_response()


@router.post(
    "/subscribe/",
    response={202: Accepted, 400: Problem, 413: Problem, 415: Problem, 429: RateLimited},
    url_name="newsletter_subscribe",
    operation_id="newsletter_subscribe",
    summary="Sign up (double opt-in)",
    openapi_extra={**_json_body(SubscribeIn), **RETRY_AFTER},
)
def subscribe(request: HttpRequest):
    """Queue a sign-up; the address gets a confirmation link. 202 for every well-formed
    request, whether the address is new, pending, active or suppressed. JSON only (415)."""
    return api.sign_up(request)


# --- links from emails -----------------------------------------------------------------------


def _bad_link(*, expired: bool = False) -> Status:
    """400 for a forged, tampered, expired or used-up link (nothing was changed)."""
    message = _("This link has expired") if expired else _("This link is not valid")
    return Status(400, {"status": "error", "errors": {"token": [str(message)]}})


@router.post(
    "/confirm/{newsletter_token:token}/",
    response={200: Confirmed, 400: Problem},
    url_name="newsletter_confirm",
    operation_id="newsletter_confirm",
    summary="Confirm a subscription (the link in the confirmation email)",
)
def confirm(request: HttpRequest, token: Token, response: HttpResponse):
    """Activate the subscription the token names; a second confirmation changes nothing."""
    add_never_cache_headers(response)
    try:
        subscription = subscription_for(token)
    except ExpiredToken:
        return _bad_link(expired=True)
    except InvalidToken:
        return _bad_link()
    if not can_confirm(subscription):
        return _bad_link()
    confirm_by_link(request, subscription)
    return {"status": "confirmed", "preferences_token": subscriber_token(subscription.subscriber)}


def _preferences(subscriber: Subscriber, awaiting: list[MailingList] | None = None) -> dict:
    """The preference centre's state for ``subscriber``."""
    status_by_list = dict(
        subscriber.subscriptions.filter(status__in=Subscription.OPEN).values_list(
            "mailing_list_id", "status"
        )
    )
    consent = current_consent(subscriber.language)
    return {
        "email": subscriber.email,
        "language": subscriber.language,
        "lists": [
            {
                "slug": ml.slug,
                "name": ml.name,
                "description": ml.description,
                "subscribed": ml.pk in status_by_list,
                "pending": status_by_list.get(ml.pk) == Subscription.Status.PENDING,
            }
            for ml in subscriptions.preference_lists(subscriber)
        ],
        "consent": {"text": consent.text, "version": consent.version},
        "awaiting_confirmation": [ml.slug for ml in awaiting or []],
    }


def _preferences_input(
    payload: object, choices: list[MailingList]
) -> tuple[tuple[set[MailingList], str] | None, dict[str, list[str]]]:
    """Check a preferences body: ``((wanted lists, language), {})`` or ``(None, errors)``."""
    if not isinstance(payload, dict):
        return None, {"__all__": [_("Send a JSON object.")]}
    errors: dict[str, list[str]] = {}
    by_slug = {ml.slug: ml for ml in choices}
    slugs = payload.get("lists")
    if not isinstance(slugs, list) or not all(isinstance(s, str) and s in by_slug for s in slugs):
        errors["lists"] = [
            _("Send a list of slugs from: %(choices)s.") % {"choices": ", ".join(by_slug) or "-"}
        ]
    language = payload.get("language")
    codes = [code for code, _name in LANGUAGES]
    if not isinstance(language, str) or language not in codes:
        errors["language"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(codes)}]
    if errors:
        return None, errors
    return ({by_slug[s] for s in slugs}, language), {}


@router.get(
    "/preferences/{newsletter_token:token}/",
    response={200: PreferencesOut, 400: Problem},
    url_name="newsletter_preferences",
    operation_id="newsletter_preferences",
    summary="A subscriber's lists and language (the preferences link in every email)",
)
def preferences(request: HttpRequest, token: Token, response: HttpResponse):
    """The lists offered (public ones, and internal ones the subscriber is on) and whether the
    subscriber is on each, with their language."""
    add_never_cache_headers(response)
    try:
        subscriber = subscriber_for(token)
    except InvalidToken:
        return _bad_link()
    return _preferences(subscriber)


@router.post(
    "/preferences/{newsletter_token:token}/",
    response={200: PreferencesOut, 400: Problem, 413: Problem, 415: Problem},
    url_name="newsletter_preferences_update",
    operation_id="newsletter_preferences_update",
    summary="Change a subscriber's lists and language",
    openapi_extra=_json_body(PreferencesIn),
)
def update_preferences(request: HttpRequest, token: Token, response: HttpResponse):
    """Set the lists wanted and the language. Lists left out end at once; lists added start
    pending, with a confirmation email (``awaiting_confirmation``). JSON only (415)."""
    add_never_cache_headers(response)
    try:
        subscriber = subscriber_for(token)
    except InvalidToken:
        return _bad_link()
    if request.content_type != "application/json":
        return api.unsupported_media_type()
    payload, problem = api.read_json_body(request)
    if problem is not None:
        return problem
    wanted, errors = _preferences_input(payload, subscriptions.preference_lists(subscriber))
    if wanted is None:
        return api.bad_request(errors)
    awaiting = save_preferences(request, subscriber, *wanted)
    return _preferences(subscriber, awaiting)


@router.post(
    "/unsubscribe/{newsletter_token:token}/",
    response={200: Unsubscribed, 400: Problem},
    url_name="newsletter_unsubscribe",
    operation_id="newsletter_unsubscribe",
    summary="Unsubscribe (one click, the link in every email)",
)
def unsubscribe(
    request: HttpRequest,
    token: Token,
    response: HttpResponse,
    list_slug: str | None = Query(None, alias="list"),
):
    """Leave the list ``?list=slug``, or without it every list (the address is then
    suppressed). At once, with no confirmation; the body is ignored (RFC 8058)."""
    add_never_cache_headers(response)
    try:
        subscriber = subscriber_for(token)
    except InvalidToken:
        return _bad_link()
    mailing_list = list_by_slug(list_slug, public_only=False)
    if list_slug and mailing_list is None:  # a list named but unknown: change nothing
        return api.bad_request({"list": [_("No list has this slug.")]})
    unsubscribe_by_link(request, subscriber, mailing_list)
    return {"status": "unsubscribed", "list": mailing_list.slug if mailing_list else None}
