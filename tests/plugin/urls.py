"""URLs as the README installs them into a `wagtail start` site."""

from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v3.urls import api as api_v3
from wagtail.documents import urls as wagtaildocs_urls

from advocacy.api import register_api_endpoints

api_router = register_api_endpoints(WagtailAPIRouter("wagtailapi"))

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/v3/", api_v3.urls),
    path("anymail/", include("newsletter.webhook_urls")),
    path("", include("advocacy.urls")),
    path("", include("newsletter.urls")),
    path("", include("advocacy.supporter_urls")),
    path("", include(wagtail_urls)),
]
