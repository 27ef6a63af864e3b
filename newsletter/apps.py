from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Admin actions on issues (test send, start from recent content) register their hooks.
        from newsletter import (
            issue_admin,  # noqa: F401
            tracking,  # noqa: F401 (connects the Anymail tracking receiver)
        )
