"""Anymail's own webhook URLs where the newsletter's guarded ones belong."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("anymail/", include("anymail.urls")),
    path("", include("advocacy.urls")),
    path("", include("newsletter.urls")),
    path("", include(wagtail_urls)),
]
