"""URLs of the host site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from advocacy.api import register_api_endpoints
from hostsite.views import search

api_router = register_api_endpoints(WagtailAPIRouter("wagtailapi"))

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("anymail/", include("newsletter.webhook_urls")),
    path("search/", search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("", include("advocacy.urls")),
    path("", include("newsletter.urls")),
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

urlpatterns += [path("", include(wagtail_urls))]
