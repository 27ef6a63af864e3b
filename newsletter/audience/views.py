"""Public pages: subscribe, confirm, one-click unsubscribe and the preference centre.

* Subscribing answers with the same redirect whether the address is new, pending, active or
  suppressed, so nobody can learn who is subscribed.
* The confirmation link shows a page with a button; only the POST confirms, because mail
  scanners open (GET) links in incoming mail. The click's IP address and browser are recorded.
* The client's address comes from :mod:`newsletter.audience.client_address` (behind proxies:
  ``NEWSLETTER_TRUSTED_PROXIES``), for the rate limit and the consent records alike.
* The unsubscribe URL answers RFC 8058 one-click POSTs with no login, no CSRF token and no
  confirmation page; GET shows a page with one button and the preference centre.
* Forged, tampered or expired tokens get a clear 400 page and change nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newsletter import conf
from newsletter.audience import ratelimit, subscriptions
from newsletter.audience.consent import current_consent
from newsletter.audience.forms import PreferencesForm, SubscribeForm, list_by_slug, public_list
from newsletter.audience.links import (
    can_confirm,
    confirm_by_link,
    save_preferences,
    subscriber_for,
    subscription_for,
    unsubscribe_by_link,
)
from newsletter.audience.sign_up import sign_up_from_request
from newsletter.audience.tokens import ExpiredToken, InvalidToken, subscriber_token
from newsletter.models import MailingList, SubscribePage, Subscription
from newsletter.public import render_public

INVALID_LINK = gettext_lazy("This link is not valid")


def invalid_link(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    """The page for a forged, tampered, expired or used-up link (nothing was changed)."""
    return render_public(
        request,
        "newsletter/invalid_link.html",
        {"expired": expired, "title": _("This link has expired") if expired else INVALID_LINK},
        status=400,
    )


def csrf_passes(request: HttpRequest) -> bool:
    """Whether the POST carries a valid CSRF token (what ``CsrfViewMiddleware`` checks)."""
    return (
        CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})
        is None
    )


def _subscribe_page(request: HttpRequest, form: SubscribeForm) -> SubscribePage | None:
    """The live subscribe page the form was sent from (its ``page`` field), if any."""
    page_id = request.POST.get("page", "")
    if not page_id.isdigit():
        return None
    page = SubscribePage.objects.live().public().filter(pk=int(page_id)).first()
    if page is None or (form.mailing_list and page.mailing_list_id != form.mailing_list.pk):
        return None
    return page


def _form_again(request: HttpRequest, form: SubscribeForm, *, resubmit: bool) -> HttpResponse:
    """The form once more, with its errors, on the page it came from (a subscribe page, with
    that page's title) or else on the standalone subscribe page. ``resubmit``: it came without
    a CSRF token (an embedded form, JavaScript off), so nothing was done; the page asks for one
    more press, with a token this time."""
    extra = {"resubmit": resubmit}
    page = _subscribe_page(request, form)
    if page is not None:
        context = {**page.get_context(request), "form": form, **extra}
        return TemplateResponse(request, page.get_template(request), context)
    context = {"form": form, "mailing_list": form.mailing_list, "lists": [], **extra}
    return render_public(request, "newsletter/subscribe.html", context)


@csrf_exempt  # checked below: a post without a token only shows the form again
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """The standalone subscribe form (GET ``?list=slug``); every subscribe form posts here.

    Forms embedded in cacheable pages carry no CSRF token (see subscribe_form.html): such a
    post signs nobody up but shows the filled-in form again, with a token, to send once more.
    """
    if request.method != "POST":
        mailing_list = public_list(request.GET.get("list", ""))
        lists = [] if mailing_list else list(MailingList.objects.filter(is_public=True))
        if mailing_list is None and len(lists) == 1:
            mailing_list = lists[0]
        form = SubscribeForm(mailing_list=mailing_list) if mailing_list else None
        return render_public(
            request,
            "newsletter/subscribe.html",
            {"form": form, "mailing_list": mailing_list, "lists": lists},
        )

    wait = ratelimit.retry_after(request)
    if wait is not None:
        return ratelimit.too_many_requests(request, wait, as_json=False)
    form = SubscribeForm(request.POST)
    if form.is_spam:
        return HttpResponseRedirect(reverse("newsletter:subscribe_thanks"))
    valid, checked = form.is_valid(), csrf_passes(request)
    if not (valid and checked):
        return _form_again(request, form, resubmit=valid and not checked)
    data = form.cleaned_data
    sign_up_from_request(
        request, data, source=Subscription.Source.FORM, source_header="HTTP_REFERER"
    )
    return HttpResponseRedirect(reverse("newsletter:subscribe_thanks"))


def subscribe_thanks(request: HttpRequest) -> HttpResponse:
    """The same page for everyone who submitted a subscribe form."""
    days = max(1, round(conf.get("NEWSLETTER_CONFIRM_MAX_AGE") / 86400))
    return render_public(request, "newsletter/subscribe_thanks.html", {"expires_days": days})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a "Confirm" button. POST: activate the subscription."""
    try:
        subscription = subscription_for(token)
    except ExpiredToken:
        return invalid_link(request, expired=True)
    except InvalidToken:
        return invalid_link(request)
    if not can_confirm(subscription):
        return invalid_link(request)
    context = {"subscription": subscription, "mailing_list": subscription.mailing_list}
    language = subscription.subscriber.language
    if request.method == "GET" and subscription.status == Subscription.Status.PENDING:
        return render_public(request, "newsletter/confirm.html", context, language=language)
    if request.method == "POST":
        confirm_by_link(request, subscription)
    context["preferences_token"] = subscriber_token(subscription.subscriber)
    return render_public(request, "newsletter/confirmed.html", context, language=language)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click endpoint. POST (any body) unsubscribes and answers 200 at once.

    ``?list=slug`` narrows it to one list; without it, the address leaves everything.
    """
    try:
        subscriber = subscriber_for(token)
    except InvalidToken:
        return invalid_link(request)
    mailing_list = list_by_slug(request.GET.get("list"), public_only=False)
    context = {"subscriber": subscriber, "mailing_list": mailing_list, "token": token}
    if request.method == "POST":
        unsubscribe_by_link(request, subscriber, mailing_list)
        return render_public(
            request, "newsletter/unsubscribed.html", context, language=subscriber.language
        )
    return render_public(
        request, "newsletter/unsubscribe.html", context, language=subscriber.language
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The preference centre: lists (public ones and those they are on) and language."""
    try:
        subscriber = subscriber_for(token)
    except InvalidToken:
        return invalid_link(request)
    choices = subscriptions.preference_lists(subscriber)
    open_subs = {
        s.mailing_list_id: s for s in subscriber.subscriptions.filter(status__in=Subscription.OPEN)
    }
    consent = current_consent(subscriber.language)
    if request.method == "POST":
        form = PreferencesForm(request.POST, choices=choices)
        if form.is_valid():
            awaiting = save_preferences(
                request, subscriber, set(form.cleaned_data["lists"]), form.cleaned_data["language"]
            )
            url = reverse("newsletter:preferences", args=[token]) + "?saved=1"
            if awaiting:
                url += "&confirm=" + str(len(awaiting))
            return redirect(url)
    else:
        form = PreferencesForm(
            initial={"lists": list(open_subs), "language": subscriber.language},
            choices=choices,
        )
    context = {
        "subscriber": subscriber,
        "form": form,
        "token": token,
        "consent": consent,
        "pending_list_ids": {
            pk for pk, s in open_subs.items() if s.status == Subscription.Status.PENDING
        },
        "saved": request.GET.get("saved") == "1",
        "awaiting": request.GET.get("confirm", "").isdigit(),
    }
    return render_public(
        request, "newsletter/preferences.html", context, language=subscriber.language
    )
