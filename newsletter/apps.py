from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect Anymail's tracking signal (imported here: the receiver needs the models)."""
        from anymail.signals import tracking

        from newsletter.sending.tracking import record_event

        tracking.connect(record_event, dispatch_uid="newsletter.sending.tracking.record_event")
