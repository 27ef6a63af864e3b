"""Everything the newsletter needs, in order, and nothing of advocacy's."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("anymail/", include("newsletter.webhook_urls")),
    path("", include("newsletter.urls")),
    path("", include(wagtail_urls)),
]
