"""``manage.py load_demo_content``: build the demo site (safe to run again)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

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
    ("roles", "Roles (user groups)"),
]


class Command(BaseCommand):
    help = (
        "Create the demo newsroom: an open letter with its signatories, statements, campaign "
        "wins and donation appeals. Running it again creates no duplicates."
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
        self.stdout.write("Site:  http://127.0.0.1:8000/")
        self.stdout.write("Admin: http://127.0.0.1:8000/admin/")
