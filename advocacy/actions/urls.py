"""Supporter action URLs (included by :mod:`advocacy.supporter_urls`, without a language
prefix): the form's post, "check your inbox", the emailed confirmation link, and the JSON
endpoint."""

from django.urls import path

from advocacy.actions import api, views

urlpatterns = [
    path("actions/<int:page_id>/take/", views.take_action, name="take_action"),
    path("actions/thanks/", views.thanks, name="action_thanks"),
    path("actions/confirm/<str:token>/", views.confirm, name="action_confirm"),
    path("api/advocacy/actions/<int:page_id>/take/", api.take_action, name="api_take_action"),
]
