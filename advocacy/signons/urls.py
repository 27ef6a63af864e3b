"""Sign-on URLs (included by :mod:`advocacy.supporter_urls`, without a language prefix)."""

from django.urls import path

from advocacy.signons import views

urlpatterns = [
    path("letters/<int:page_id>/sign/", views.sign_on, name="sign_on"),
    path("letters/sign/thanks/", views.sign_on_thanks, name="sign_on_thanks"),
    path("letters/sign/token/", views.sign_on_token, name="sign_on_token"),
    path("letters/sign/confirm/<str:token>/", views.sign_on_confirm, name="sign_on_confirm"),
]
