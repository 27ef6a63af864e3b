"""Public URLs of the newsletter app (include before Wagtail's catch-all)."""

from django.urls import path

from newsletter.audience import api, views
from newsletter.insights import sunset

app_name = "newsletter"
urlpatterns = [
    path("newsletter/subscribe/", views.subscribe, name="subscribe"),
    path("newsletter/subscribe/thanks/", views.subscribe_thanks, name="subscribe_thanks"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("newsletter/preferences/<str:token>/", views.preferences, name="preferences"),
    path(
        "newsletter/still-subscribed/<str:token>/",
        sunset.keep_subscribed,
        name="keep_subscribed",
    ),
    # The same endpoint as /api/v3/newsletter/subscribe/ (one implementation, kept for existing
    # front ends): newsletter.audience.api.
    path("api/newsletter/subscribe/", api.subscribe, name="api_subscribe"),
]
