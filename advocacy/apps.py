from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from newsletter.apps import REQUIRED_APPS as NEWSLETTER_REQUIRED_APPS
from newsletter.apps import missing_apps

# The apps advocacy needs beside it in INSTALLED_APPS, with what breaks without each.
# `manage.py check` names the missing ones (advocacy.E001, in advocacy/checks.py).
REQUIRED_APPS: dict[str, str] = {
    "wagtail.contrib.settings": (
        "Settings > Advocacy settings (without it every Wagtail admin page fails)"
    ),
    "wagtail.snippets": "the Organisations and Donation appeals snippets and their choosers",
    "wagtail.images": "images on pages (without it the site does not start)",
    "wagtail.embeds": "videos and other embeds in page bodies",
    "taggit": "the topics of pages",
}
# Missing, these make Django fail before any system check can run (the pages' image fields
# point at a model that is not there), so advocacy stops the start-up itself, naming them.
NEEDED_TO_START = ("wagtail.images",)


def missing_apps_message(registry) -> str:
    """What to add to INSTALLED_APPS, one line each, for advocacy and (when installed) the
    newsletter: everything missing at once, not one app per failed start."""
    needs: dict[str, list[str]] = {}
    required = {"advocacy": REQUIRED_APPS}
    if registry.is_installed("newsletter"):
        required["newsletter"] = NEWSLETTER_REQUIRED_APPS
    for app, apps_needed in required.items():
        for name in missing_apps(apps_needed, registry):
            needs.setdefault(name, []).append(f"{app}: {apps_needed[name]}")
    apps_that_need = " and ".join(required)
    verb = "need" if len(required) > 1 else "needs"
    lines = [f'    "{name}",  # {"; ".join(reasons)}' for name, reasons in needs.items()]
    return "\n".join(
        [
            f"{apps_that_need} {verb} these apps in INSTALLED_APPS, which are missing. "
            "Add them to INSTALLED_APPS in your settings:",
            *lines,
        ]
    )


class AdvocacyConfig(AppConfig):
    name = "advocacy"
    verbose_name = _("Advocacy")
    default_auto_field = "django.db.models.BigAutoField"

    def import_models(self) -> None:
        """Stop with ImproperlyConfigured, naming every missing app, before a missing app makes
        Django fail with an error that names none (the models import theirs)."""
        if any(not self.apps.is_installed(name) for name in NEEDED_TO_START):
            raise ImproperlyConfigured(missing_apps_message(self.apps))
        super().import_models()

    def ready(self) -> None:
        """Register the system checks that name what a host site must add, and the advocacy
        routes on Wagtail's API v3."""
        from django.core import checks
        from wagtail.api.v3.api import api

        from advocacy.headless.routes import register_routes

        register_routes(api)

        from advocacy import checks as advocacy_checks

        checks.register(advocacy_checks.check_required_apps, "advocacy")
        checks.register(advocacy_checks.check_public_urls, "advocacy", checks.Tags.urls)
        checks.register(advocacy_checks.check_supporter_urls, "advocacy", checks.Tags.urls)
        checks.register(advocacy_checks.check_base_template, "advocacy", checks.Tags.templates)
