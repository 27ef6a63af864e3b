from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Admin screens for issues and sending register their hooks; tracking connects the
        # Anymail tracking-signal receiver.
        from newsletter import issue_admin, sending_admin, tracking  # noqa: F401
