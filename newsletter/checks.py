"""System checks that refuse a missing or unsafe newsletter configuration, loudly.

Errors (E001-E006) name what a host site must add for the newsletter to work at all: the apps
beside it in ``INSTALLED_APPS``, its two URL includes (before Wagtail's catch-all), ``BASE_URL``
and a base template for the public pages; they run with every ``manage.py`` command.
``manage.py check --deploy`` runs the warnings too; the one public address check (``BASE_URL``
and the default Wagtail site) also runs with every command, ``runserver`` included. Each message
names the setting to change and what to set it to. Checks that read the database skip
themselves when it is not there yet (before ``migrate``).
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, transaction
from wagtail.models import Site

from newsletter import conf
from newsletter.apps import REQUIRED_APPS
from newsletter.host_checks import (
    base_template_errors,
    include_errors,
    missing_app_errors,
    resolve_named,
    root_urlconf,
)
from newsletter.public import base_template
from newsletter.sender import SenderIdentity, sender_identity

# Domains that never receive or send real mail (RFC 2606, RFC 6761) and local hosts.
PLACEHOLDER_DOMAINS = {"localhost", "example.com", "example.org", "example.net"}
PLACEHOLDER_SUFFIXES = (".localhost", ".example", ".test", ".invalid", ".local", ".localdomain")
# What sender_identity() names the organisation when nothing names it.
UNNAMED_ORGANISATION = "us"

Messages = list[checks.CheckMessage]

# The URL includes a host adds to its urlpatterns, as it writes them.
PUBLIC_INCLUDE = 'path("", include("newsletter.urls"))'
WEBHOOK_INCLUDE = 'path("anymail/", include("newsletter.webhook_urls"))'


def _from_database(read: Callable[[], Any]) -> Any:
    """``read()``, or None when the database or its tables are not there yet."""
    try:
        with transaction.atomic():
            return read()
    except DatabaseError:
        return None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def check_base_url_https(app_configs: Any = None, **kwargs: Any) -> Messages:
    """W001: with DEBUG off, ``BASE_URL`` must be https (RFC 8058 one-click unsubscribe)."""
    base_url = conf.base_url()
    if settings.DEBUG or base_url.startswith("https://"):
        return []
    return [
        checks.Warning(
            f"BASE_URL is {base_url!r}, not https: the unsubscribe links in every email use it, "
            "and mailbox providers honour one-click unsubscribe (RFC 8058) only over https.",
            hint="Set BASE_URL to the site's public https address, e.g. https://news.example.ca.",
            id="newsletter.W001",
        )
    ]


def check_site_matches_base_url(app_configs: Any = None, **kwargs: Any) -> Messages:
    """W002: page links (from the default Site) and unsubscribe links (from ``BASE_URL``) must
    point at the same host and port, or one email links to two addresses."""
    site = _from_database(lambda: Site.objects.filter(is_default_site=True).first())
    if site is None:
        return []
    base_url = conf.base_url()
    parts = urlsplit(base_url)
    try:
        port = parts.port or _default_port(parts.scheme)
    except ValueError:
        port = None
    hostname = parts.hostname or ""
    if (site.hostname.lower(), site.port) == (hostname, port):
        return []
    return [
        checks.Warning(
            f"BASE_URL is {base_url} but the default Wagtail site is {site.root_url} "
            f"(hostname {site.hostname!r}, port {site.port}): links to pages in emails, feeds, "
            "the sitemap and the API would use the site, unsubscribe links BASE_URL.",
            hint=(
                f"Set BASE_URL to the public address, and the default site (Settings > Sites) to "
                f"hostname {hostname!r} and port {port} to match it, or set BASE_URL to "
                f"{site.root_url} if that is the public address."
            ),
            id="newsletter.W002",
        )
    ]


def check_webhook_secret(app_configs: Any = None, **kwargs: Any) -> Messages:
    """W003: tracking webhooks need ``ANYMAIL["WEBHOOK_SECRET"]`` (bounces and complaints)."""
    if getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        return []
    return [
        checks.Warning(
            'ANYMAIL["WEBHOOK_SECRET"] is not set: the tracking webhooks refuse every event, so '
            "bounces and complaints never suppress an address.",
            hint=(
                "Set ANYMAIL_WEBHOOK_SECRET (in the host site's environment) to a random "
                "'user:password' and give the same credentials to the provider's webhook URL."
            ),
            id="newsletter.W003",
        )
    ]


def _is_placeholder(address: str) -> bool:
    """True for an address no reader can answer: no domain, localhost, example.com and kin."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    if "@" not in address or "." not in domain:  # no domain, or "localhost"
        return True
    return (
        domain in PLACEHOLDER_DOMAINS
        or domain.endswith(PLACEHOLDER_SUFFIXES)
        or any(domain.endswith("." + placeholder) for placeholder in PLACEHOLDER_DOMAINS)
    )


def _sender_address_warnings(sender: SenderIdentity) -> Messages:
    """W004 (a placeholder address) and W005 (a From without the organisation's name)."""
    warnings: Messages = []
    name_in_address, address = parseaddr(sender.from_email)
    if _is_placeholder(address or sender.from_email):
        warnings.append(
            checks.Warning(
                f"Newsletters and confirmation emails are sent from {sender.from_email!r}, "
                "an address nobody can reply to, that providers reject or mark as spam.",
                hint=(
                    "Set DEFAULT_FROM_EMAIL to an address on your organisation's own domain, "
                    "e.g. news@your-organisation.ca (or the sender email in Settings > "
                    "Newsletter settings)."
                ),
                id="newsletter.W004",
            )
        )
    if name_in_address or address != sender.from_email:
        warnings.append(
            checks.Warning(
                f"The sender address {sender.from_email!r} is not a bare address: the From "
                "header adds the organisation's name to it, and would name it twice.",
                hint=(
                    "Set DEFAULT_FROM_EMAIL to the address alone (news@your-organisation.ca) "
                    "and the name with NEWSLETTER_SENDER_NAME."
                ),
                id="newsletter.W005",
            )
        )
    elif sender.from_name in ("", UNNAMED_ORGANISATION):
        warnings.append(
            checks.Warning(
                f"Emails are sent from {sender.from_address()!r}, without the organisation's "
                "name: readers see an address they may not recognise.",
                hint=(
                    "Set NEWSLETTER_SENDER_NAME to the organisation's name (or the organisation "
                    "name in Settings > Newsletter settings)."
                ),
                id="newsletter.W005",
            )
        )
    return warnings


def _identity_warnings(sender: SenderIdentity) -> Messages:
    """W006: CASL wants every message to name the sender, a postal address and a contact."""
    missing = []
    if sender.organisation == UNNAMED_ORGANISATION:
        missing.append(("the organisation's name", "NEWSLETTER_SENDER_NAME"))
    if not sender.postal_address.strip():
        missing.append(("a postal address", "NEWSLETTER_POSTAL_ADDRESS"))
    contact = parseaddr(sender.contact_email)[1]
    if not contact or _is_placeholder(contact):
        missing.append(("a contact email that reaches you", "NEWSLETTER_CONTACT_EMAIL"))
    if not missing:
        return []
    return [
        checks.Warning(
            "The sender identity in every email's footer lacks "
            + ", ".join(what for what, _ in missing)
            + ": Canada's anti-spam law (CASL) requires it in every commercial message.",
            hint=(
                "Set "
                + ", ".join(setting for _, setting in missing)
                + " (or the same fields in Settings > Newsletter settings)."
            ),
            id="newsletter.W006",
        )
    ]


def check_sender(app_configs: Any = None, **kwargs: Any) -> Messages:
    """W004, W005, W006: the default site's sender identity, with every fallback applied."""
    sender = _from_database(sender_identity)
    if sender is None:
        return []
    return _sender_address_warnings(sender) + _identity_warnings(sender)


# --- what a host site must add (errors, with every command) ---


def check_required_apps(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E001: each app the newsletter needs beside it in ``INSTALLED_APPS``."""
    return missing_app_errors(REQUIRED_APPS, "the newsletter", "newsletter.E001")


def check_base_url_set(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E004: ``BASE_URL``, the origin of every link in every email, set to an http(s) origin."""
    example = (
        'e.g. BASE_URL = "http://localhost:8000" for runserver, and the public https '
        'address in production, e.g. BASE_URL = "https://news.example.org" (no trailing slash)'
    )
    if not hasattr(settings, "BASE_URL"):
        return [
            checks.Error(
                "BASE_URL is not set: the confirmation, unsubscribe and preference links in every "
                f"email are built from it (without it they point at {conf.base_url()}).",
                hint=f"Add BASE_URL, the site's public address, to your settings: {example}.",
                id="newsletter.E004",
            )
        ]
    parts = urlsplit(str(settings.BASE_URL))
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [
        checks.Error(
            f"BASE_URL is {settings.BASE_URL!r}, not an http(s) address: the links in every "
            "email are built from it, and would not open.",
            hint=f"Set BASE_URL to the site's public address with its scheme, {example}.",
            id="newsletter.E004",
        )
    ]


def check_public_urls(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E002: ``newsletter.urls`` (subscribe, confirm, unsubscribe, preferences) included, and
    before Wagtail's catch-all."""
    from newsletter import urls as newsletter_urls  # views and forms: not needed at start-up

    return include_errors(
        "newsletter:subscribe",
        PUBLIC_INCLUDE,
        {pattern.callback for pattern in newsletter_urls.urlpatterns},
        "the subscribe form fails, and no email can link to its confirm or unsubscribe page",
        "newsletter.E002",
    )


def _is_anymail_view(view: Callable[..., Any]) -> bool:
    """Is ``view`` one of Anymail's own webhook views (``include("anymail.urls")``)?
    ``anymail.urls`` imports every provider's webhooks, boto3 among them (about 180 modules):
    it is imported only here, for a view that is not the newsletter's."""
    from anymail import urls as anymail_urls

    return view in {pattern.callback for pattern in anymail_urls.urlpatterns}


def check_webhook_urls(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E003: ``newsletter.webhook_urls`` (the provider's bounce and complaint events) included,
    before Wagtail's catch-all, and instead of Anymail's own ``anymail.urls``."""
    from newsletter import webhook_urls  # imports anymail.urls: not needed at start-up

    name = next(p.name for p in webhook_urls.urlpatterns if p.name.endswith("_tracking_webhook"))
    url_name = f"{webhook_urls.app_name}:{name}"
    purpose = "bounces and complaints never suppress an address: the newsletter keeps mailing them"
    views = {pattern.callback for pattern in webhook_urls.urlpatterns}
    url, match = resolve_named(url_name)
    if match is not None and match.func not in views and _is_anymail_view(match.func):
        return [
            checks.Error(
                f'{url} is answered by Anymail\'s own view (include("anymail.urls")) instead '
                "of the newsletter's, which refuses a post without the webhook secret and answers "
                "503 when the events cannot be stored, so that the provider posts them again.",
                hint=(
                    f'Replace include("anymail.urls") with {WEBHOOK_INCLUDE} in {root_urlconf()}.'
                ),
                id="newsletter.E003",
            )
        ]
    return include_errors(url_name, WEBHOOK_INCLUDE, views, purpose, "newsletter.E003")


def check_base_template(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E005: the template the public pages extend (``NEWSLETTER_BASE_TEMPLATE``) exists."""
    return base_template_errors(
        base_template(),
        "NEWSLETTER_BASE_TEMPLATE",
        "The newsletter's public pages (subscribe, confirm, unsubscribe, preferences)",
        "every one of them fails",
        "newsletter.E005",
    )


LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


def _has_locale_middleware() -> bool:
    """Whether ``MIDDLEWARE`` has Django's ``LocaleMiddleware`` or a subclass of it."""
    from django.middleware.locale import LocaleMiddleware
    from django.utils.module_loading import import_string

    for path in settings.MIDDLEWARE:
        try:
            found = import_string(path)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, LocaleMiddleware):
            return True
    return False


def check_languages(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E006: with translated pages (``WAGTAIL_I18N_ENABLED``), the language of a request comes
    from ``LocaleMiddleware``, the languages from ``WAGTAIL_CONTENT_LANGUAGES``, and
    ``wagtail.locales`` lets editors add them; without them French readers see English."""
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return []
    errors = []
    if not _has_locale_middleware():
        errors.append(
            checks.Error(
                "WAGTAIL_I18N_ENABLED is on but MIDDLEWARE lacks LocaleMiddleware (or a "
                "subclass): every page and newsletter page would be served in LANGUAGE_CODE "
                "whatever the address.",
                hint=f'Add "{LOCALE_MIDDLEWARE}" to MIDDLEWARE, after SessionMiddleware and '
                "before CommonMiddleware.",
                id="newsletter.E006",
            )
        )
    if not getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", None):
        errors.append(
            checks.Error(
                "WAGTAIL_I18N_ENABLED is on but WAGTAIL_CONTENT_LANGUAGES is not set.",
                hint='Set WAGTAIL_CONTENT_LANGUAGES = LANGUAGES = [("en", "English"), '
                '("fr", "Français")].',
                id="newsletter.E006",
            )
        )
    return errors
