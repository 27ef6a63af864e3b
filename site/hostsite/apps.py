"""The host project as an app, so that it can connect signals."""

from django.apps import AppConfig


class HostSiteConfig(AppConfig):
    name = "hostsite"
    verbose_name = "Host site"

    def ready(self) -> None:
        # Imported here: the page cache's receiver needs the apps registry to be ready.
        from wagtail.signals import page_published, page_unpublished

        from advocacy.signals import action_counts_changed, signatories_changed
        from hostsite.page_cache import invalidate

        page_published.connect(invalidate, dispatch_uid="page-cache-published")
        page_unpublished.connect(invalidate, dispatch_uid="page-cache-unpublished")
        # An approved sign-on changes a letter, and a confirmed action changes the counts a
        # linked win shows, without a publish.
        signatories_changed.connect(invalidate, dispatch_uid="page-cache-signatories")
        action_counts_changed.connect(invalidate, dispatch_uid="page-cache-action-counts")
