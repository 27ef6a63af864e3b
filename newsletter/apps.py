from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect Anymail's tracking signal and register the system checks (imported here: the
        receiver and the checks need the models)."""
        from anymail.signals import tracking
        from django.core import checks

        from newsletter import checks as newsletter_checks
        from newsletter.sending.tracking import record_event

        tracking.connect(record_event, dispatch_uid="newsletter.sending.tracking.record_event")
        # The one public address matters in development too (runserver shows it); the others
        # are about production and run with `manage.py check --deploy`.
        checks.register(newsletter_checks.check_site_matches_base_url, "newsletter")
        for check in (
            newsletter_checks.check_base_url_https,
            newsletter_checks.check_webhook_secret,
            newsletter_checks.check_sender,
        ):
            checks.register(check, "newsletter", deploy=True)
