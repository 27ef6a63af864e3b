"""Public URLs of the advocacy app (include before Wagtail's catch-all)."""

from django.urls import path

from advocacy.feeds import LatestAdvocacyFeed

app_name = "advocacy"
urlpatterns = [path("feed/", LatestAdvocacyFeed(), name="feed")]
