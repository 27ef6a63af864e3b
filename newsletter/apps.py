from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

# The apps the newsletter needs beside it in INSTALLED_APPS, with what breaks without each.
# `manage.py check` names the missing ones (newsletter.E001, in newsletter/checks.py).
REQUIRED_APPS: dict[str, str] = {
    "wagtail.contrib.settings": (
        "Settings > Newsletter settings (without it every Wagtail admin page fails)"
    ),
    "wagtail_modeladmin": "the Subscribers, Mailing lists and Suppressions admin",
    "wagtail.images": "images in newsletter issues",
    "taggit": "subscriber tags and segments (django-taggit, installed with Wagtail)",
}


def missing_apps(required: dict[str, str], registry=apps) -> list[str]:
    """The dotted names in ``required`` that are not in INSTALLED_APPS, in order."""
    return [name for name in required if not registry.is_installed(name)]


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Newsletter")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect Anymail's tracking signal and register the system checks (imported here: the
        receiver and the checks need the models)."""
        from anymail.signals import tracking
        from django.core import checks

        from newsletter import checks as newsletter_checks
        from newsletter.headless.preview_admin import check_preview_settings
        from newsletter.sending.tracking import record_event

        tracking.connect(record_event, dispatch_uid="newsletter.sending.tracking.record_event")
        # The headless routes on Wagtail's API v3 (mounted by the host at /api/v3/).
        from wagtail.api.v3.api import api

        from newsletter.headless.routes import register_routes

        register_routes(api)
        # What a host must add (apps, URL includes, BASE_URL, a base template): errors, with
        # every command.
        checks.register(newsletter_checks.check_required_apps, "newsletter")
        checks.register(newsletter_checks.check_base_url_set, "newsletter")
        checks.register(newsletter_checks.check_languages, "newsletter")
        checks.register(check_preview_settings, "newsletter")
        checks.register(newsletter_checks.check_base_template, "newsletter", checks.Tags.templates)
        for check in (newsletter_checks.check_public_urls, newsletter_checks.check_webhook_urls):
            checks.register(check, "newsletter", checks.Tags.urls)
        # The one public address matters in development too (runserver shows it); the others
        # are about production and run with `manage.py check --deploy`.
        checks.register(newsletter_checks.check_site_matches_base_url, "newsletter")
        for check in (
            newsletter_checks.check_base_url_https,
            newsletter_checks.check_webhook_secret,
            newsletter_checks.check_sender,
        ):
            checks.register(check, "newsletter", deploy=True)
