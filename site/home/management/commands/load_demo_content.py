"""``manage.py load_demo_content``: build the demo site (safe to run again)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from wagtail.models import Site

from home.demo.loader import DemoContentError, ensure_admin, load_demo_content

KINDS = [
    ("listings", "Newsroom and timeline pages"),
    ("open_letters", "Open letters"),
    ("statements", "Statements"),
    ("campaign_wins", "Campaign wins"),
    ("organisations", "Organisations"),
    ("letter_signatories", "Letter signatories"),
    ("donation_appeals", "Donation appeals"),
    ("home_page", "Home page"),
    ("site", "Site address (from BASE_URL)"),
    ("newsletter_settings", "Newsletter settings"),
    ("mailing_lists", "Mailing lists"),
    ("newsletter_pages", "Newsletter pages (archive, issue, subscribe)"),
    ("demo_subscribers", "Demo subscribers"),
    ("demo_segment", "Demo segment (readers tagged donor)"),
    ("locales", "Languages (Wagtail locales)"),
    ("translations", "French translations"),
    ("roles", "Roles (user groups)"),
    ("actions", "Supporter actions"),
    ("representatives", "Representatives"),
    ("postal_areas", "Postal areas (FSA rows)"),
    ("participations", "Demo participations"),
    ("letters", "Demo letters to targets"),
    ("sign_on_requests", "Sign-on requests"),
]


class Command(BaseCommand):
    help = (
        "Create the demo newsroom: an open letter with its signatories, statements, campaign "
        "wins and donation appeals, in English and French. Running it again creates no "
        "duplicates."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--admin-password",
            metavar="PASSWORD",
            help="Password for the superuser 'admin'. A new admin user gets this or the "
            "default 'demo-admin-password'; an existing one is only changed when given.",
        )

    def handle(self, *args, admin_password: str | None = None, **options) -> None:
        verbose = options.get("verbosity", 1) > 1
        started = time.perf_counter()
        try:
            counts = load_demo_content(stdout=self.stdout if verbose else None)
        except DemoContentError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started

        self.stdout.write(self.style.SUCCESS(f"Demo content loaded in {elapsed:.1f}s."))
        self.stdout.write(f"  {'':<28}{'created':>8}{'existing':>9}{'updated':>8}")
        for key, label in KINDS:
            self.stdout.write(
                f"  {label:<28}{counts['created'].get(key, 0):>8}"
                f"{counts['existing'].get(key, 0):>9}{counts['updated'].get(key, 0):>8}"
            )

        status, password = ensure_admin(admin_password)
        if password is None:
            self.stdout.write(
                "Admin user 'admin' already exists; password unchanged "
                "(pass --admin-password to reset it)."
            )
        else:
            self.stdout.write(f"Admin login ({status}): username 'admin', password '{password}'")
        self.report_kept_drafts(counts.get("kept_drafts", {}))
        root_url = site_root_url()
        self.stdout.write(f"Site:  {root_url}/")
        self.stdout.write(f"Admin: {root_url}{reverse('wagtailadmin_home')}")

    def report_kept_drafts(self, kept: dict[str, int]) -> None:
        """Name the pages left as they were because an editor has unpublished changes on them."""
        if not kept:
            return
        self.stdout.write(
            self.style.WARNING(
                f"Left {len(kept)} page{'' if len(kept) == 1 else 's'} unchanged: "
                "they have unpublished changes (a draft), which the demo content would "
                "discard. Publish or discard the draft, then run the command again to "
                "refresh them:"
            )
        )
        for title, pk in kept.items():
            self.stdout.write(f"  {title}  ({reverse('wagtailadmin_pages:edit', args=[pk])})")


def site_root_url() -> str:
    """The default Wagtail site's address (the loader points it at BASE_URL), else BASE_URL."""
    site = Site.objects.filter(is_default_site=True).first()
    return (site.root_url if site else settings.BASE_URL).rstrip("/")
