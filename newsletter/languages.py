"""Languages of the site and of the newsletter: Wagtail's locales when internationalisation is on
(``WAGTAIL_I18N_ENABLED``), else the one language of a single page tree.

Every function works in both set-ups, so the apps serve a one-language host project unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.signals import request_started
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from wagtail.models import Locale, Page


def i18n_enabled() -> bool:
    """Whether pages are translated (Wagtail's ``WAGTAIL_I18N_ENABLED``)."""
    return bool(getattr(settings, "WAGTAIL_I18N_ENABLED", False))


def default_language() -> str:
    """The site's default language code (``LANGUAGE_CODE``'s language, e.g. ``en``)."""
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE).split("-")[0]


def active_language_is(code: str) -> bool:
    """Whether the active language is ``code`` (``"fr"`` also for ``fr-ca``)."""
    return (translation.get_language() or "").split("-")[0] == code


def language_name(code: str) -> str:
    """A language's name in that language, as ``LANGUAGES`` spells it (``Français``)."""
    return dict(settings.LANGUAGES).get(code, code)


# Language code -> Locale id, read once per request (and again when a locale changes).
_locale_ids: dict[str, int | None] = {}


def _forget_locales(**kwargs) -> None:
    _locale_ids.clear()


post_save.connect(_forget_locales, sender=Locale, dispatch_uid="newsletter.languages.save")
post_delete.connect(_forget_locales, sender=Locale, dispatch_uid="newsletter.languages.delete")
request_started.connect(_forget_locales, dispatch_uid="newsletter.languages.request")


def active_locale_id() -> int | None:
    """The id of the active language's Locale (None if it has none), read once per request:
    the navigation and the language links ask several times per page view."""
    code = translation.get_language() or default_language()
    if code not in _locale_ids:
        try:
            _locale_ids[code] = Locale.get_active().pk
        except Locale.DoesNotExist:
            _locale_ids[code] = None
    return _locale_ids[code]


def localized(page: Page) -> Page:
    """The translation of ``page`` in the active language, else ``page`` itself (no query
    when ``page`` is in the active language already)."""
    if not i18n_enabled() or page.locale_id == active_locale_id():
        return page
    return page.localized


def in_active_language(pages: QuerySet) -> QuerySet:
    """``pages`` (or any translatable model's rows) in the active language only."""
    if not i18n_enabled():
        return pages
    locale_id = active_locale_id()
    return pages if locale_id is None else pages.filter(locale_id=locale_id)


@dataclass(frozen=True)
class Alternate:
    """The same content in one language: for ``hreflang`` links and the language switcher."""

    language: str
    name: str
    url: str
    current: bool
    translated: bool  # False: no translation, the link goes to that language's home page


def alternates(request: HttpRequest, page: Page | None = None) -> list[Alternate]:
    """The current page (or view) in each of the site's languages.

    A page links to its live translations; where it has none, to the home page in that
    language. Any other view links to its own address in each language (``translate_url``).
    Empty when the site has one language.
    """
    if not i18n_enabled() or len(settings.LANGUAGES) < 2:
        return []
    active = translation.get_language() or default_language()
    if page is None:
        path = request.get_full_path()
        urls = {code: translate_url(path, code) for code, _name in settings.LANGUAGES}
        if len(set(urls.values())) < 2:  # an address outside the language prefixes
            return []
        return [
            Alternate(code, language_name(code), url, code == active, True)
            for code, url in urls.items()
        ]
    translations = {
        other.locale.language_code: other
        for other in page.get_translations(inclusive=True).live().public().select_related("locale")
    }
    result = []
    for code, _name in settings.LANGUAGES:
        other = translations.get(code)
        url = _home_url(code) if other is None else (other.get_url(request=request) or "")
        result.append(Alternate(code, language_name(code), url, code == active, other is not None))
    return result


def _home_url(language: str) -> str:
    """The home page's address in ``language`` (``/fr/``), without a query."""
    with translation.override(language):
        try:
            return reverse("wagtail_serve", args=[""])
        except NoReverseMatch:
            return "/"
