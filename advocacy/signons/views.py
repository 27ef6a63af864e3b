"""Public sign-on pages: the form's post, "check your inbox", and the confirmation link.

* The form sits on the letter page, which the host caches for anonymous readers, so it carries
  no CSRF token (a token would set a cookie and make the page uncacheable). A post without a
  valid token records nothing: the letter page comes back with the filled-in form, now with a
  token, asking for one more press (as the newsletter's embedded subscribe forms do). A post
  with errors comes back the same way, with the errors, as HTTP 400.
* Everyone who submits a valid form is sent to the same "check your inbox" page, whatever the
  address or organisation (see :mod:`advocacy.signons.moderation` for what is done).
* The confirmation link shows a page with a button; only the POST confirms (mail scanners
  open links). Forged links get the newsletter's "This link is not valid" page (400),
  expired ones a page saying to sign again (400).
* Each page, and each email, is in the letter's language.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from advocacy.confirmations import (
    SIGN_ON_SALT,
    ExpiredToken,
    InvalidToken,
    form_rate,
    max_age_days,
    read_token,
)
from advocacy.models import OpenLetterPage, SignOnRequest
from advocacy.signons import moderation
from advocacy.signons.forms import SignOnForm
from newsletter.audience import ratelimit
from newsletter.audience.client_address import client_details
from newsletter.audience.views import csrf_passes, invalid_link
from newsletter.public import declared_body_over, render_public

# A filled-in form is about 2 KB; anything much bigger is not one.
MAX_BODY_BYTES = 32 * 1024
FORM_ANCHOR = "#sign-on"


def _live_letter(page_id: int) -> OpenLetterPage | None:
    return (
        OpenLetterPage.objects.live()
        .public()
        .select_related("locale", "sign_on_mailing_list")
        .filter(pk=page_id)
        .first()
    )


def _notice(request: HttpRequest, title: str, message: str, letter=None, *, status=400):
    """A short page saying what happened (nothing was recorded)."""
    return render_public(
        request,
        "advocacy/signons/notice.html",
        {"title": title, "message": message, "letter": letter},
        status=status,
        language=letter.locale.language_code if letter is not None else "",
    )


def _form_again(request: HttpRequest, letter: OpenLetterPage, form: SignOnForm, *, resubmit: bool):
    """The letter page with the filled-in form: its errors (400), or, when the post came
    without a CSRF token, a request to press once more (this time the form carries one)."""
    context = {
        **letter.get_context(request),
        "sign_on_form": form,
        "sign_on_resubmit": resubmit,
        "sign_on_with_token": True,
    }
    status = 200 if resubmit else 400
    response = TemplateResponse(request, letter.get_template(request), context, status=status)
    response.render()
    return response


def _too_large(request: HttpRequest) -> bool:
    return declared_body_over(request, MAX_BODY_BYTES)


@csrf_exempt  # checked below: a post without a token only shows the form again
@require_http_methods(["GET", "HEAD", "POST"])
def sign_on(request: HttpRequest, page_id: int) -> HttpResponse:
    """The letter's sign-on form posts here (GET goes back to the form on the letter)."""
    letter = _live_letter(page_id)
    if letter is None:
        raise Http404
    if request.method != "POST":
        return redirect(letter.url + FORM_ANCHOR)
    with translation.override(letter.locale.language_code):
        if _too_large(request):
            return _notice(
                request,
                _("This form could not be sent"),
                _("What was sent is far larger than the form: nothing was recorded."),
                letter,
            )
        if not letter.accepting_signatures:
            return _notice(
                request,
                _("Signatures are closed"),
                _("This letter no longer takes signatures: nothing was recorded."),
                letter,
            )
        wait = ratelimit.retry_after(request, scope="sign_on", rate=form_rate())
        if wait is not None:
            return ratelimit.too_many_requests(request, wait, as_json=False)
        return _submit(request, letter)


def _submit(request: HttpRequest, letter: OpenLetterPage) -> HttpResponse:
    form = SignOnForm(request.POST, letter=letter)
    thanks = HttpResponseRedirect(
        reverse("advocacy_supporters:sign_on_thanks") + f"?letter={letter.pk}"
    )
    if form.is_spam:
        return thanks
    valid, checked = form.is_valid(), csrf_passes(request)
    if not (valid and checked):
        return _form_again(request, letter, form, resubmit=valid and not checked)
    moderation.request_sign_on(letter, form.cleaned_data, **client_details(request))
    return thanks


@never_cache
@require_http_methods(["GET"])
def sign_on_token(request: HttpRequest) -> JsonResponse:
    """A CSRF token for the sign-on form (and its cookie, set with this response).

    The letter page is cached for every reader, so its form carries no token; the page's
    script (``advocacy/js/sign-on.js``) asks here before the first submit, so signing takes one
    press. Without the script the form is sent as it is and comes back asking for one more
    press (:func:`sign_on`). Never cached: each browser gets its own token.
    """
    return JsonResponse({"token": get_token(request)})


@require_http_methods(["GET", "HEAD"])
def sign_on_thanks(request: HttpRequest) -> HttpResponse:
    """The same page for everyone who submitted a sign-on form."""
    page_id = request.GET.get("letter", "")
    wanted = page_id.isascii() and page_id.isdigit() and len(page_id) < 12
    letter = _live_letter(int(page_id)) if wanted else None
    context = {"letter": letter, "expires_days": max_age_days()}
    language = letter.locale.language_code if letter else ""
    return render_public(request, "advocacy/signons/thanks.html", context, language=language)


def _request_for(token: str) -> SignOnRequest:
    public_id = read_token(token, SIGN_ON_SALT)
    sign_on = (
        SignOnRequest.objects.select_related(
            "letter", "letter__locale", "letter__sign_on_mailing_list"
        )
        .filter(public_id=public_id)
        .first()
    )
    if sign_on is None or sign_on.status == SignOnRequest.Status.REJECTED:
        raise InvalidToken
    return sign_on


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_on_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the request's details and a "Confirm" button. POST: confirm it."""
    try:
        sign_on = _request_for(token)
    except ExpiredToken:
        return _notice(
            request,
            _("This link has expired"),
            _(
                "Confirmation links work for a limited time, and this one has run out. Nothing "
                "was changed. Fill in the form on the letter again and we will send a fresh link."
            ),
        )
    except InvalidToken:
        return invalid_link(request)
    letter = sign_on.letter
    if sign_on.status == SignOnRequest.Status.PENDING and not (
        letter.live and letter.accepting_signatures
    ):
        return _notice(
            request,
            _("Signatures are closed"),
            _("This letter no longer takes signatures: nothing was recorded."),
            letter,
        )
    context = {
        "sign_on": sign_on,
        "letter": sign_on.letter,
        "mailing_list": sign_on.letter.sign_on_mailing_list if sign_on.wants_newsletter else None,
    }
    language = sign_on.language
    pending = sign_on.status == SignOnRequest.Status.PENDING
    if request.method != "POST" and pending:
        return render_public(request, "advocacy/signons/confirm.html", context, language=language)
    if request.method == "POST":
        moderation.confirm(sign_on, **client_details(request))
    return render_public(request, "advocacy/signons/confirmed.html", context, language=language)
