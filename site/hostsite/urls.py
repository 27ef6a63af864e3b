"""URLs of the host site."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v3.urls import api as api_v3
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from advocacy.api import register_api_endpoints
from hostsite.sitemaps import LanguagesSitemap
from hostsite.views import search

api_router = register_api_endpoints(WagtailAPIRouter("wagtailapi"))

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/v3/", api_v3.urls),
    path("anymail/", include("newsletter.webhook_urls")),
    path("sitemap.xml", sitemap, {"sitemaps": {"wagtail": LanguagesSitemap}}, name="sitemap"),
    # Unprefixed: links in sent emails (confirm, unsubscribe, preferences) and the JSON
    # subscribe endpoint; each page speaks the reader's language (theirs, or the browser's).
    path("", include("newsletter.urls")),
    # Unprefixed too: sign-on and action forms, their confirmation links, the JSON endpoint.
    path("", include("advocacy.supporter_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    from hostsite import inbox

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    # The development inbox: every email the site sent (EMAIL_ESP=inbox), readable here.
    urlpatterns += [
        path("dev/inbox/", inbox.inbox_index, name="dev_inbox"),
        path("dev/inbox/clear/", inbox.inbox_clear, name="dev_inbox_clear"),
        path("dev/inbox/<str:message_id>/", inbox.inbox_message, name="dev_inbox_message"),
    ]

# The public site in each language: /en/..., /fr/... (an address without the prefix, e.g. a
# link from before, redirects to the reader's language).
urlpatterns += i18n_patterns(
    path("search/", search, name="search"),
    path("", include("advocacy.urls")),
    path("", include(wagtail_urls)),
)
