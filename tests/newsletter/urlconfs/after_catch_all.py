"""The apps' URLs included, but after Wagtail's catch-all, which answers them all instead."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("", include(wagtail_urls)),
    path("anymail/", include("newsletter.webhook_urls")),
    path("", include("advocacy.urls")),
    path("", include("newsletter.urls")),
]
