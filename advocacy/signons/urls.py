"""Sign-on URLs (included by :mod:`advocacy.supporter_urls`)."""

urlpatterns: list = []
