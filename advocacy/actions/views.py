"""The supporter's pages: the action page itself (served by :meth:`ActionPage.serve`), the
form's post, "check your inbox", and the emailed confirmation link.

* The form posts to an unprefixed URL; each view speaks the action's language.
* The answer to a post is the same "check your inbox" page whether the address is new, pending
  or already confirmed for the action: the work happens in a task
  (:mod:`advocacy.actions.participation`).
* The confirmation link shows the letter and a button; only the POST confirms, because mail
  scanners open (GET) links in incoming mail. Forged, tampered or expired links get a 400 page.
* Action pages show live counts and carry a CSRF token, so they are never cached.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from advocacy.actions import participation as participations
from advocacy.actions.emails import letter_text
from advocacy.actions.forms import ActionForm
from advocacy.confirmations import (
    ACTION_SALT,
    ExpiredToken,
    InvalidToken,
    form_rate,
    max_age_days,
    read_token,
)
from advocacy.models import ActionPage, Participation
from advocacy.models.base import base_template
from newsletter.audience import ratelimit
from newsletter.audience.client_address import client_details
from newsletter.audience.views import csrf_passes
from newsletter.public import render_public


def live_action(page_id: int) -> ActionPage:
    """The live, public action with ``page_id``, or 404."""
    page = ActionPage.objects.live().public().filter(pk=page_id).select_related("locale").first()
    if page is None:
        raise Http404
    return page


def page_language(page: ActionPage) -> str:
    return page.locale.language_code if page.locale_id else "en"


def counts(page: ActionPage) -> dict:
    """The live counts a page, the API and the admin show."""
    participants = page.participant_count
    return {
        "participants": participants,
        "messages": page.message_count if page.kind == ActionPage.Kind.LETTER else 0,
        "by_target": page.messages_by_target() if page.kind == ActionPage.Kind.LETTER else [],
        "goal": page.goal,
        "progress_percent": page.progress_percent,
    }


def action_page_response(
    request: HttpRequest,
    page: ActionPage,
    form: ActionForm | None = None,
    *,
    status: int | None = None,
    resubmit: bool = False,
    closed_error: bool = False,
) -> TemplateResponse:
    """The action page, with ``form`` (a fresh one by default), rendered now and never cached."""
    if form is None and page.is_open:
        form = ActionForm(page=page)
    context = {
        **page.get_context(request),
        "form": form,
        "counts": counts(page),
        "resubmit": resubmit,
        "closed_error": closed_error,
    }
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    with translation.override(page_language(page)):
        response.render()
    add_never_cache_headers(response)
    return response


def serve_action_page(page: ActionPage, request: HttpRequest) -> TemplateResponse:
    """What :meth:`ActionPage.serve` answers: the page with a fresh form."""
    return action_page_response(request, page)


def thanks_url(page: ActionPage) -> str:
    return reverse("advocacy_supporters:action_thanks") + f"?page={page.pk}"


def _render(
    request: HttpRequest, template: str, context: dict, *, language: str, status: int | None = None
) -> TemplateResponse:
    context = {"base_template": base_template(), **context}
    response = render_public(request, template, context, status=status, language=language)
    add_never_cache_headers(response)
    return response


def closed_response(request: HttpRequest, page: ActionPage) -> TemplateResponse:
    """400: the action no longer takes part."""
    return _render(
        request,
        "advocacy/actions/closed.html",
        {"page": page, "title": _("This action is closed")},
        language=page_language(page),
        status=400,
    )


@csrf_exempt  # checked below: a post without a token only shows the form again
@require_POST
def take_action(request: HttpRequest, page_id: int) -> HttpResponse:
    """The action form's post: the same redirect to "check your inbox" for every valid post."""
    page = live_action(page_id)
    with translation.override(page_language(page)):
        wait = ratelimit.retry_after(request, scope="action", rate=form_rate())
        if wait is not None:
            return ratelimit.too_many_requests(request, wait, as_json=False)
        if not page.is_open:
            return closed_response(request, page)
        form = ActionForm(request.POST, page=page)
        if form.is_spam:
            return HttpResponseRedirect(thanks_url(page))
        valid, checked = form.is_valid(), csrf_passes(request)
        if not (valid and checked):
            return action_page_response(request, page, form, resubmit=valid and not checked)
        participations.take(page, form.participation_values(), **client_details(request))
    return HttpResponseRedirect(thanks_url(page))


def thanks(request: HttpRequest) -> HttpResponse:
    """The same "check your inbox" page for everyone who sent an action's form."""
    page_id = request.GET.get("page", "")
    page = None
    if page_id.isascii() and page_id.isdigit() and len(page_id) < 12:
        page = ActionPage.objects.live().public().filter(pk=int(page_id)).first()
    language = page_language(page) if page is not None else ""
    return _render(
        request,
        "advocacy/actions/thanks.html",
        {"page": page, "expires_days": max_age_days()},
        language=language,
    )


def invalid_link(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    """400: a forged, tampered or expired confirmation link (nothing was changed)."""
    title = _("This link has expired") if expired else _("This link is not valid")
    return _render(
        request,
        "advocacy/actions/invalid_link.html",
        {"expired": expired, "title": title},
        language="",
        status=400,
    )


def _participation_for(token: str) -> Participation:
    public_id = read_token(token, ACTION_SALT)
    found = Participation.objects.select_related("page").filter(public_id=public_id).first()
    if found is None:
        raise InvalidToken
    return found


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the letter (or signature) and a "Confirm" button. POST: confirm it."""
    try:
        participation = _participation_for(token)
    except ExpiredToken:
        return invalid_link(request, expired=True)
    except InvalidToken:
        return invalid_link(request)
    page = participation.page
    language = participation.language
    confirmed = participation.status == Participation.Status.CONFIRMED
    if not confirmed and not (page.live and page.is_open):
        return closed_response(request, page)
    context = {
        "page": page,
        "participation": participation,
        "is_letter": page.kind == ActionPage.Kind.LETTER,
        "targets": list(participation.targets.order_by("name")),
        "letter": letter_text(participation),
    }
    if request.method == "POST" and not confirmed:
        participations.confirm(participation, **client_details(request))
        confirmed = True
    template = "confirmed.html" if confirmed else "confirm.html"
    return _render(request, f"advocacy/actions/{template}", context, language=language)
