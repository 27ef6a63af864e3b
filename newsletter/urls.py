"""Public URLs of the newsletter app (include before Wagtail's catch-all)."""

app_name = "newsletter"
urlpatterns: list = []
